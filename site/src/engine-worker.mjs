// The engine's home on a page: a module Web Worker that compiles the engine and holds the loaded
// notebooks, so that no engine work ever runs on the page's main thread (a long computation cannot
// freeze the page, and a broken instance can be thrown away: see engine-client.mjs).
//
// The protocol is generic: {id, target, method, args, ret} calls `method` on the object registered
// under `target` (0: the Engine of kllab.mjs) with `args`, and answers {id, value} with the result as
// a structured clone. A result that is an engine object (a Notebook, a Session) is registered under
// the id `ret` chosen by the client, which answers {id, handle: ret}; `close` unregisters it. Nothing
// here knows the API's methods: a method added to kllab.mjs works through the worker as it is.
//
// Failures: an exception thrown by the wasm instance (a RuntimeError, an abort, a stack overflow)
// answers {id, fatal}: the instance may be broken, so the client discards this worker. Any other
// exception (a call on a closed notebook, an unknown method) answers {id, error}.
import createKlLab from './kllab-engine.mjs';
import { loadEngine } from './kllab.mjs';

// The offline single file starts this worker from a blob: URL, with the wasm inlined as base64 in
// front of this code (self.KLLAB_WASM_BASE64); the site's worker fetches kllab-engine.wasm beside it.
function inlinedWasm() {
  const b64 = self.KLLAB_WASM_BASE64;
  if (typeof b64 !== 'string') return null;
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

const objects = new Map();
// Tests reach the registry from the worker's own global (Playwright's worker.evaluate) to simulate a
// failing instance; the page cannot reach it.
self.__kllab = { objects };

const wasmBinary = inlinedWasm();
// With its wasm given, the glue must not resolve a .wasm URL against import.meta.url (a blob: URL or,
// in the classic offline worker, none at all): a locateFile that is never used for fetching.
const options = wasmBinary ? { factory: createKlLab, wasmBinary, locateFile: (path) => path } : { factory: createKlLab };
const started = loadEngine(options).then(
  (engine) => {
    objects.set(0, engine);
    self.postMessage({ type: 'ready', limits: engine.limits() });
    return engine;
  },
  (e) => {
    self.postMessage({ type: 'failed', message: messageOf(e) });
    return null;
  },
);

function messageOf(e) {
  return e && e.message ? String(e.message) : String(e);
}

/** True for errors that may leave the instance broken (TOOLCHAIN.md, trap 7). */
function isFatal(e) {
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return true;
  if (e instanceof RangeError) return true; // the JS stack overflowed inside a wasm call
  const m = messageOf(e);
  return /\babort\b|memory access out of bounds|unreachable|Aborted\(/i.test(m) || typeof e === 'number';
}

self.addEventListener('message', async (event) => {
  const msg = event.data;
  if (!msg || msg.type !== 'call') return;
  const { id, target, method, args = [], ret } = msg;
  if (!(await started)) {
    self.postMessage({ type: 'reply', id, error: 'the engine did not start' });
    return;
  }
  const obj = objects.get(target);
  if (!obj) {
    self.postMessage({ type: 'reply', id, error: `no engine object ${target}` });
    return;
  }
  if (typeof obj[method] !== 'function' || method.startsWith('_') || method === 'constructor') {
    self.postMessage({ type: 'reply', id, error: `the engine has no method ${method}` });
    return;
  }
  let value;
  try {
    value = obj[method](...args);
  } catch (e) {
    self.postMessage({ type: 'reply', id, [isFatal(e) ? 'fatal' : 'error']: messageOf(e) });
    return;
  }
  if (method === 'close') objects.delete(target);
  if (value && typeof value === 'object' && typeof value.close === 'function' && ret) {
    objects.set(ret, value);
    self.postMessage({ type: 'reply', id, handle: ret });
    return;
  }
  try {
    self.postMessage({ type: 'reply', id, value });
  } catch (e) {
    self.postMessage({ type: 'reply', id, error: `the result of ${method} cannot be sent: ${messageOf(e)}` });
  }
});
