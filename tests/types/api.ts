// kllab.d.ts checked against kllab.mjs (`make test-types`): the implementation (its JSDoc-typed JS) is
// assignable to the declared types, and the two have exactly the same public members.
import * as I from '../../bindings/kllab.mjs';
import type * as D from '../../bindings/kllab.js';

type Public<T> = Exclude<keyof T, `_${string}`>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const engineMembers: Same<Public<I.Engine>, keyof D.Engine> = true;
export const notebookMembers: Same<Public<I.Notebook>, keyof D.Notebook> = true;
export const scratchMembers: Same<Public<I.Scratch>, keyof D.Scratch> = true;

export const engine: D.Engine = null as unknown as I.Engine;
export const notebook: D.Notebook = null as unknown as I.Notebook;
export const scratch: D.Scratch = null as unknown as I.Scratch;
export const load: typeof D.loadEngine = I.loadEngine;
