// The engine's home on a page: a Web Worker (a module worker on the site and in embeds, a classic one
// made from a blob: URL in the offline single file) that compiles the engine and holds the loaded
// notebooks, so that no engine work ever runs on the page's main thread: a long computation cannot
// freeze the page, and a broken instance can be thrown away (engine-client.mjs). The protocol is in
// engine-host.mjs.
import createKlLab from './kllab-engine.mjs';
import { loadEngine } from './kllab.mjs';
import { createHost } from './engine-host.mjs';

// The offline single file puts the wasm, as base64, in front of this code (self.KLLAB_WASM_BASE64);
// the site's worker fetches kllab-engine.wasm beside it.
function inlinedWasm() {
  const b64 = self.KLLAB_WASM_BASE64;
  if (typeof b64 !== 'string') return null;
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

const wasmBinary = inlinedWasm();
// With its wasm given, the glue must not resolve a .wasm URL against import.meta.url (a blob: URL or,
// in the classic offline worker, none at all): a locateFile that is never used for fetching.
const options = wasmBinary ? { factory: createKlLab, wasmBinary, locateFile: (path) => path } : { factory: createKlLab };
const host = createHost(loadEngine(options), (message) => self.postMessage(message));
self.addEventListener('message', (event) => host.onMessage(event.data));
// Tests reach the registry from the worker's own global (Playwright's worker.evaluate) to simulate a
// failing instance; the page cannot reach it.
self.__kllab = { objects: host.objects };
