// Loads the node build of the engine (CommonJS, wasm inlined) through the public JS API.
import { createRequire } from 'node:module';
import { ROOT } from '../support/reference.mjs';
import { loadEngine } from '../../bindings/kllab.mjs';

const require = createRequire(import.meta.url);

/** The factory of the node flavour of the wasm module. */
export function nodeFactory() {
  return require(`${ROOT}build/wasm/kllab-engine-node.cjs`);
}

export async function engine() {
  return loadEngine({ factory: nodeFactory() });
}
