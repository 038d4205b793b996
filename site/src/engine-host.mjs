// The engine's side of the worker protocol (engine-client.mjs is the page's side), apart from the
// worker's global so that node tests run it in-process with the node engine.
//
// {type: 'call', id, target, method, args, ret} calls `method` on the object registered under
// `target` (0: the Engine of kllab.mjs) and answers {type: 'reply', id, value} with the result as a
// structured clone. A result that is an engine object (a Notebook, a Session: it has close()) is
// registered under the id `ret` chosen by the client, which gets {id, handle: ret}; `close`
// unregisters it. Nothing here knows the API's methods: a method added to kllab.mjs works as it is.
// An exception thrown by the wasm instance (a RuntimeError, an abort, a stack overflow) answers
// {id, fatal}: the instance may be broken and the client discards it. Any other exception (a call on
// a closed notebook, an unknown method) answers {id, error}.

function messageOf(e) {
  return e && e.message ? String(e.message) : String(e);
}

/** True for errors that may leave the instance broken (TOOLCHAIN.md, trap 7). */
export function isFatal(e) {
  if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) return true;
  if (e instanceof RangeError) return true; // the JS stack overflowed inside a wasm call
  return typeof e === 'number' || /\babort\b|memory access out of bounds|unreachable|Aborted\(/i.test(messageOf(e));
}

/**
 * @param {Promise<object>} enginePromise the Engine (kllab.mjs), loading
 * @param {(message: object) => void} post sends a message to the client
 * @returns {{objects: Map<number, object>, onMessage: (message: object) => Promise<void>}}
 */
export function createHost(enginePromise, post) {
  const objects = new Map();
  const started = enginePromise.then(
    (engine) => {
      objects.set(0, engine);
      post({ type: 'ready', limits: engine.limits(), vocabulary: typeof engine.vocabulary === 'function' ? engine.vocabulary() : null });
      return engine;
    },
    (e) => {
      post({ type: 'failed', message: messageOf(e) });
      return null;
    },
  );

  async function onMessage(msg) {
    if (!msg || msg.type !== 'call') return;
    const { id, target, method, args = [], ret } = msg;
    if (!(await started)) {
      post({ type: 'reply', id, error: 'the engine did not start' });
      return;
    }
    const obj = objects.get(target);
    if (!obj) {
      post({ type: 'reply', id, error: `no engine object ${target}` });
      return;
    }
    if (typeof method !== 'string' || typeof obj[method] !== 'function' || method.startsWith('_') || method === 'constructor') {
      post({ type: 'reply', id, error: `the engine has no method ${method}` });
      return;
    }
    let value;
    try {
      value = obj[method](...args);
    } catch (e) {
      post({ type: 'reply', id, [isFatal(e) ? 'fatal' : 'error']: messageOf(e) });
      return;
    }
    if (method === 'close') objects.delete(target);
    if (value && typeof value === 'object' && typeof value.close === 'function' && ret) {
      objects.set(ret, value);
      post({ type: 'reply', id, handle: ret });
      return;
    }
    try {
      post({ type: 'reply', id, value });
    } catch (e) {
      post({ type: 'reply', id, error: `the result of ${method} cannot be sent: ${messageOf(e)}` });
    }
  }

  return { objects, onMessage };
}
