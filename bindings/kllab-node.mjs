// KL Lab's JS API in node: the API of kllab.mjs with the engine's node flavour (CommonJS, its wasm
// inlined, kllab-engine-node.cjs beside this file in the npm package) as the default factory, so that
// `import { loadEngine } from 'kllab'` works in plain node with no set-up (the package's "node" export
// condition points here; browsers and bundlers get kllab.mjs).
import { createRequire } from 'node:module';
import { loadEngine as loadWith } from './kllab.mjs';

export * from './kllab.mjs';

/**
 * Loads the engine (node flavour unless options.factory says otherwise).
 * @param {Parameters<typeof loadWith>[0]} [options]
 * @returns {ReturnType<typeof loadWith>}
 */
export function loadEngine(options = {}) {
  return loadWith({ ...options, factory: options.factory ?? createRequire(import.meta.url)('./kllab-engine-node.cjs') });
}
