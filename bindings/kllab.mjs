// KL Lab's public JS API: a small, documented layer over the raw embind module (whose names start
// with '_'). Errors are values: calls return {ok: true, ...} or {ok: false, error}, where error is
// {code, message, column, line, file}. Nothing here throws for bad learner or author input.
// Engine-side objects (notebooks, sessions) are freed with close().

/**
 * @typedef {{code: string, message: string, column: number, line: number, file: string}} KlError
 * @typedef {{ok: true, value: (number|boolean|string|Float64Array|Float64Array[]), kind: string, text: string}
 *          | {ok: false, error: KlError}} EvalResult
 * @typedef {{verdict: 'correct'|'correct_given_earlier'|'close'|'incorrect'|'invalid', score: number,
 *            feedback: string, mistake: (string|null), mistakeName: (string|null), slots: string[],
 *            column: number, wrongComponents: number[], answer: string}} Verdict
 * @typedef {{cell: string, status: 'ok'|'error'|'blocked', values: {name: string, text: string, kind: string, value: any}[],
 *            error: (KlError|null), blockedBy: string}} CellResult
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
    this._limits = Object.freeze(raw._limits());
  }

  /**
   * The engine's limits (one definition, in the engine): answerLength and expressionLength in
   * characters, nesting depth, elements per vector or matrix, work per unit, progressBytes.
   * @returns {Readonly<{answerLength: number, expressionLength: number, nesting: number, elements: number, work: number, progressBytes: number}>}
   */
  limits() {
    return this._limits;
  }

  /**
   * Evaluates one expression (or `name = expr`) in a fresh scope.
   * @param {string} text
   * @returns {EvalResult}
   */
  evaluate(text) {
    if (typeof text !== 'string') return typeError('evaluate expects a string');
    if (text.length > this._limits.expressionLength) return tooLong(text, this._limits.expressionLength);
    return this._raw._evaluate(text);
  }

  /** Opens a scratch session in which assignments persist. Call close() when done. */
  session() {
    return new Session(new this._raw._Session(), this._limits);
  }

  /** @returns {{name: string, signature: string}[]} the library's functions */
  functions() {
    return this._raw._functions();
  }

  /**
   * Parses a notebook file. Always returns a Notebook; check `errors()` for author errors.
   * @param {string} text the notebook's Markdown
   * @param {string} [file] its name, used in error messages
   * @returns {Notebook}
   */
  loadNotebook(text, file = 'notebook.md') {
    return new Notebook(new this._raw._Notebook(String(text), String(file)), this._limits);
  }
}

/** A scratch scope: `p = [0.5, 0.5]` in one call is visible to the next. */
export class Session {
  constructor(handle, limits) {
    this._h = handle;
    this._limits = limits;
  }

  /** @param {string} text @returns {EvalResult} */
  evaluate(text) {
    if (!this._h) return typeError('this session is closed');
    if (typeof text !== 'string') return typeError('evaluate expects a string');
    if (text.length > this._limits.expressionLength) return tooLong(text, this._limits.expressionLength);
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

/** A loaded notebook: structure, the learner's live cells, and answer checking. */
export class Notebook {
  constructor(handle, limits) {
    this._h = handle;
    this._limits = limits;
  }

  _live() {
    if (!this._h) throw new Error('this notebook is closed');
    return this._h;
  }

  /** @returns {KlError[]} parse and graph errors (file:line each); empty when the notebook is usable */
  errors() {
    return this._live().errors();
  }

  /** Full validation over variants 0..variants (slow-ish: for build tools and tests). @returns {KlError[]} */
  validate(variants = 50) {
    return this._live().validate(variants);
  }

  /** @returns {{id: string, title: string, description: string, order: number}} */
  info() {
    return this._live().info();
  }

  /** The cells in file order: prose, code, slider, plot and exercise cells. */
  cells() {
    return this._live().cells();
  }

  /** An exercise's structure: title, intro, parts with their text templates (slots as {{...}}). */
  exercise(id) {
    return this._live().exercise(String(id));
  }

  /** Runs every code, slider and plot cell. @returns {CellResult[]} */
  runAll() {
    return this._live().runAll();
  }

  /** Replaces a code cell's source; re-runs it and exactly its dependents. @returns {{ok: true, cells: CellResult[]} | {ok: false, error: KlError}} */
  editCell(id, source) {
    if (typeof source !== 'string') return typeError('editCell expects the new source as a string');
    return this._live().editCell(String(id), source);
  }

  /** Moves a slider; re-runs its dependents. */
  setSlider(name, value) {
    const x = Number(value);
    if (!Number.isFinite(x)) return typeError('setSlider expects a finite number');
    return this._live().setSlider(String(name), x);
  }

  /** A plot's series with the current values. @returns {{ok: true, x: Float64Array, series: {label: string, y: Float64Array}[]} | {ok: false, error: KlError}} */
  plot(id) {
    return this._live().plot(String(id));
  }

  /**
   * Checks a learner's answer.
   * @param {string} part the part id, e.g. 'ex8b'
   * @param {string} answer what the learner typed (a number, vector, expression, or a choice number)
   * @param {{seed?: number, earlier?: Record<string, string>}} [options] the learner's variant, and
   *   their earlier answers by part id (for error-carried-forward)
   * @returns {Verdict}
   */
  check(part, answer, options = {}) {
    if (typeof answer !== 'string') return { ...invalidVerdict('the answer must be text') };
    // The engine refuses answers over its limit; refuse them here too, before copying them into
    // wasm memory (a 10 MB paste would grow the heap for nothing).
    const max = this._limits.answerLength;
    if (answer.length > max) return invalidVerdict(`the answer is too long (${answer.length} characters; at most ${max})`);
    return this._live().check(String(part), answer, seedOf(options.seed), options.earlier ?? {});
  }

  /** A part's prompt, hints, worked solution and reference in a variant (slots filled). */
  view(part, options = {}) {
    return this._live().view(String(part), seedOf(options.seed));
  }

  /** Every slot value of an exercise's texts in a variant, for filling pre-rendered text. */
  exerciseSlots(exercise, options = {}) {
    return this._live().exerciseSlots(String(exercise), seedOf(options.seed));
  }

  /** The library mistakes that apply to a part (for tests and authors). */
  libraryMistakes(part, options = {}) {
    return this._live().libraryMistakes(String(part), seedOf(options.seed));
  }

  /**
   * Reads a stored progress record (from browser storage or an imported file) strictly: a record for
   * another notebook, a newer schema, malformed JSON or wrong types are errors; parts no longer in the
   * notebook are dropped with a warning; the older schema is migrated.
   * @param {string} text
   * @returns {{ok: true, progress: object, json: string, warnings: string[], schema: number} | {ok: false, error: KlError}}
   */
  loadProgress(text) {
    if (typeof text !== 'string') return typeError('loadProgress expects the record as text');
    const r = this._live().loadProgress(text);
    if (r.ok) r.progress = JSON.parse(r.json);
    return r;
  }

  /** Frees the engine-side object. */
  close() {
    this._h?.delete();
    this._h = null;
  }
}

function tooLong(text, max) {
  return {
    ok: false,
    error: { code: 'too_large', message: `the expression is too long (${text.length} characters; the limit is ${max})`, column: 0, line: 0, file: '' },
  };
}

function seedOf(seed) {
  const s = Number(seed ?? 0);
  return Number.isSafeInteger(s) && s >= 0 ? s : 0;
}

function typeError(message) {
  return { ok: false, error: { code: 'type', message, column: 0, line: 0, file: '' } };
}

function invalidVerdict(message) {
  return { verdict: 'invalid', score: 0, feedback: message, mistake: null, mistakeName: null, slots: [], column: 0, wrongComponents: [], answer: '' };
}
