// Types for kllab-embed.js: the <kl-exercise> and <kl-notebook> custom elements.
import type { Engine } from './kllab.mjs';

/** detail of the bubbling, composed `kllab:check` event (one per checked part) */
export interface KlCheckDetail {
  notebook: string;
  exercise: string;
  part: string;
  verdict: 'correct' | 'correct_given_earlier' | 'close' | 'incorrect' | 'invalid';
  /** correct | partial | incorrect | invalid (the page's data-verdict) */
  status: string;
  /** 1, 0.75, 0.5 or 0 */
  score: number;
  /** the variant the learner worked in (0: the textbook numbers) */
  seed: number;
}

declare class KlEmbedElement extends HTMLElement {
  /** resolves when the element can check answers; rejects if it could not start */
  readonly ready: Promise<this>;
}
/** <kl-exercise notebook="distillation" exercise="ex8" [src="…/distillation.json"]> */
export declare class KlExercise extends KlEmbedElement {}
/** <kl-notebook notebook="distillation" [src="…/distillation.full.json"]> */
export declare class KlNotebook extends KlEmbedElement {}
/**
 * An API object whose methods run in the engine's worker: each returns a promise of its result, and
 * engine objects (a Notebook, a Session) come back as the same kind of proxy.
 */
export type InWorker<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R extends { close(): void } ? InWorker<R> : R> : never;
};
/** The page's one shared engine, in its worker (started on first use). */
export declare function getEngine(): Promise<InWorker<Engine>>;
/**
 * Settings for every element of the page. base: the folder URL of the package's files (kllab-engine.wasm,
 * style.css, embed/), relative to the page; default: the folder of kllab-embed.js. Needed when a bundler
 * has moved the module into your own bundle. Call it in the module that imports this one.
 */
export declare function configure(options: { base?: string }): void;

declare global {
  interface HTMLElementTagNameMap {
    'kl-exercise': KlExercise;
    'kl-notebook': KlNotebook;
  }
  interface HTMLElementEventMap {
    'kllab:check': CustomEvent<KlCheckDetail>;
    'kllab:ready': CustomEvent<{ notebook: string; exercise: string | null }>;
    'kllab:error': CustomEvent<{ notebook: string; exercise: string | null; message: string }>;
  }
}
