// KL Lab's public JS API: a small, documented layer over the raw embind module (whose names start
// with '_'). Errors are values: every call returns {ok: true, ...} or {ok: false, error}, where
// error is {code, message, column, line, file}. Nothing here throws for bad learner input.

/**
 * @typedef {{code: string, message: string, column: number, line: number, file: string}} KlError
 * @typedef {{ok: true, value: (number|boolean|string|Float64Array|Float64Array[]), kind: string, text: string}
 *          | {ok: false, error: KlError}} EvalResult
 */

/**
 * Loads the engine.
 * @param {{factory?: (opts: object) => Promise<object>, wasmBinary?: ArrayBuffer|Uint8Array, locateFile?: (path: string) => string}} [options]
 *   factory: the Emscripten module factory (default: import('./kllab-engine.mjs')).
 * @returns {Promise<Engine>}
 */
export async function loadEngine(options = {}) {
  const factory = options.factory ?? (await import('./kllab-engine.mjs')).default;
  const moduleOptions = {};
  if (options.wasmBinary) moduleOptions.wasmBinary = options.wasmBinary;
  if (options.locateFile) moduleOptions.locateFile = options.locateFile;
  const raw = await factory(moduleOptions);
  return new Engine(raw);
}

/** One loaded engine instance. Cheap to share between all cells and embeds of a page. */
export class Engine {
  /** @param {object} raw the Emscripten module */
  constructor(raw) {
    this._raw = raw;
  }

  /**
   * Evaluates one expression (or `name = expr`) in a fresh scope.
   * @param {string} text
   * @returns {EvalResult}
   */
  evaluate(text) {
    if (typeof text !== 'string') return typeError('evaluate expects a string');
    return this._raw._evaluate(text);
  }

  /** Opens a scratch session in which assignments persist. Call close() when done. */
  session() {
    return new Session(new this._raw._Session());
  }

  /** @returns {{name: string, signature: string}[]} the library's functions */
  functions() {
    return this._raw._functions();
  }
}

/** A scratch scope: `p = [0.5, 0.5]` in one call is visible to the next. */
export class Session {
  constructor(handle) {
    this._h = handle;
  }

  /** @param {string} text @returns {EvalResult} */
  evaluate(text) {
    if (!this._h) return typeError('this session is closed');
    if (typeof text !== 'string') return typeError('evaluate expects a string');
    return this._h.evaluate(text);
  }

  /** Forgets every assignment. */
  reset() {
    this._h?.reset();
  }

  /** Frees the engine-side object (embind objects are not garbage collected). */
  close() {
    this._h?.delete();
    this._h = null;
  }
}

function typeError(message) {
  return { ok: false, error: { code: 'type', message, column: 0, line: 0, file: '' } };
}
