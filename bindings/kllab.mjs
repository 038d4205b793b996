// KL Lab's public JS API: a small, documented layer over the raw embind module (whose names start
// with '_'). The engine defines every shape (verdicts, records, limits, error codes: see
// `engine.vocabulary()`); this layer parses the engine's JSON and never builds those shapes itself.
//
// One failure shape everywhere: a call that cannot do what was asked returns
// `{ok: false, error: {code, message, column, line, file}}` (codes: `engine.vocabulary().errorCodes`).
// Nothing here throws for bad learner or author input, or for a call on a closed object.
// Engine-side objects (notebooks, scratch sessions) are freed with close().

/** The types are declared once, in kllab.d.ts (checked against this file in `make test`).
 * @typedef {import('./kllab.js').KlError} KlError
 * @typedef {import('./kllab.js').Failure} Failure
 * @typedef {import('./kllab.js').EvalResult} EvalResult
 * @typedef {import('./kllab.js').Verdict} Verdict
 * @typedef {import('./kllab.js').CellResult} CellResult
 * @typedef {import('./kllab.js').AnswerPreview} AnswerPreview
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
    this._vocabulary = deepFreeze(JSON.parse(raw._vocabulary()));
  }

  /**
   * The engine's vocabulary, defined once in the engine: verdict kinds ({name, score, state, label}),
   * error codes, answer kinds, limits, the record schema version, and the JSON Schemas of a verdict
   * and of a failure.
   */
  vocabulary() {
    return this._vocabulary;
  }

  /**
   * The engine's limits: answerLength and expressionLength in characters, nesting depth, elements per
   * vector or matrix, work per unit, recordBytes, exportBytes, attempts per part, learnerText.
   */
  limits() {
    return this._vocabulary.limits;
  }

  /**
   * Evaluates one expression (or `name = expr`) in a fresh scope.
   * @param {string} text
   * @returns {EvalResult}
   */
  evaluate(text) {
    if (typeof text !== 'string') return failure('type', 'evaluate expects a string');
    return this._raw._evaluate(capped(text, this.limits().expressionLength));
  }

  /** Opens a scratch scope in which assignments persist. Call close() when done. */
  session() {
    return new Scratch(new this._raw._Scratch(), this.limits());
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
    return new Notebook(new this._raw._Notebook(String(text), String(file)), this.limits());
  }
}

/** A scratch scope: `p = [0.5, 0.5]` in one call is visible to the next. */
export class Scratch {
  constructor(handle, limits) {
    this._h = handle;
    this._limits = limits;
  }

  /** @param {string} text @returns {EvalResult} */
  evaluate(text) {
    if (!this._h) return closed('session');
    if (typeof text !== 'string') return failure('type', 'evaluate expects a string');
    return this._h.evaluate(capped(text, this._limits.expressionLength));
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

/** A loaded notebook: structure, the learner's live cells, answer checking, and the learner's record. */
export class Notebook {
  constructor(handle, limits) {
    this._h = handle;
    this._limits = limits;
  }

  // Calls the engine; its JSON results are parsed. A closed notebook answers with the failure shape.
  _call(name, ...args) {
    if (!this._h) return closed('notebook');
    const r = this._h[name](...args);
    if (typeof r !== 'string') return r;
    try {
      return JSON.parse(r);
    } catch {
      // Only a broken instance writes unreadable JSON; say so in the one failure shape.
      return failure('internal', 'the engine returned an unreadable result: it may be broken');
    }
  }

  /** @returns {KlError[]} parse and graph errors (file:line each); empty when the notebook is usable */
  errors() {
    return this._call('errors');
  }

  /** Full validation over variants 0..variants (for build tools and tests). @returns {KlError[]} */
  validate(variants = 50) {
    return this._call('validate', Math.max(0, Math.min(1000, Number(variants) | 0)));
  }

  /** @returns {{id: string, title: string, description: string, order: number, hash: string}} */
  info() {
    return this._call('info');
  }

  /** The cells in file order: prose, code, slider, plot and exercise cells. */
  cells() {
    return this._call('cells');
  }

  /**
   * An exercise's structure: title, intro, parts with their texts as templates
   * ({text, line, slots: [{start, end, line, source, digits}]}), or the failure for an unknown id.
   */
  exercise(id) {
    return this._call('exercise', String(id));
  }

  /** Runs every code, slider and plot cell. @returns {CellResult[]} */
  runAll() {
    return this._call('runAll');
  }

  /** Replaces a code cell's source; re-runs it and exactly its dependents. @returns {{ok: true, cells: CellResult[]} | Failure} */
  editCell(id, source) {
    if (typeof source !== 'string') return failure('type', 'editCell expects the new source as a string');
    return this._call('editCell', String(id), capped(source, this._limits.expressionLength));
  }

  /** Moves a slider; re-runs its dependents. */
  setSlider(name, value) {
    const x = Number(value);
    if (!Number.isFinite(x)) return failure('type', 'setSlider expects a finite number');
    return this._call('setSlider', String(name), x);
  }

  /** A plot's series with the current values. @returns {{ok: true, x: Float64Array, series: {label: string, y: Float64Array}[]} | Failure} */
  plot(id) {
    return this._call('plot', String(id));
  }

  /**
   * Checks an answer (stateless: nothing is recorded; see submit()).
   * @param {string} part the part id, e.g. 'ex8b'
   * @param {string} answer what the learner typed (a number, vector, expression, or a choice number)
   * @param {{seed?: number, earlier?: Record<string, string>}} [options] the learner's variant, and
   *   their earlier answers by part id (for error-carried-forward)
   * @returns {Verdict | Failure} an unreadable answer is an `invalid` verdict; an unknown part a failure
   */
  check(part, answer, options = {}) {
    if (typeof answer !== 'string') return failure('type', 'the answer must be text');
    const max = this._limits.answerLength;
    const earlier = {};
    for (const [k, v] of Object.entries(options.earlier ?? {})) if (typeof v === 'string') earlier[k] = capped(v, max);
    return this._call('check', String(part), capped(answer, max), seedOf(options.seed), earlier);
  }

  /**
   * How an answer would be read, before it is checked (cheap enough for every keystroke): its kind and
   * value as the checker will see them, what the part expects, the answer typeset as a MathML string
   * (the engine escapes every text in it), or the error with its column. Nothing is recorded.
   * @param {string} part the part id
   * @param {string} answer what the learner has typed so far
   * @param {{seed?: number}} [options] the learner's variant
   * @returns {AnswerPreview | Failure} an unknown part is a failure
   */
  preview(part, answer, options = {}) {
    if (typeof answer !== 'string') return failure('type', 'the answer must be text');
    return this._call('preview', String(part), capped(answer, this._limits.answerLength), seedOf(options.seed));
  }

  /** A part's prompt, hints, worked solution and reference in a variant (slots filled; choiceOrder: a choice part's display order). */
  view(part, options = {}) {
    return this._call('view', String(part), seedOf(options.seed));
  }

  /** Every slot value of an exercise's texts in a variant, for filling pre-rendered text. */
  exerciseSlots(exercise, options = {}) {
    return this._call('exerciseSlots', String(exercise), seedOf(options.seed));
  }

  /** The library mistakes that apply to a part (for tests and authors). */
  libraryMistakes(part, options = {}) {
    return this._call('libraryMistakes', String(part), seedOf(options.seed));
  }

  // ---- the learner's record (the engine reads, writes, validates and migrates it) ----------------

  /**
   * Replaces the record with a stored one, read strictly (a record of another notebook, a newer schema,
   * malformed or oversized text is a failure with code 'storage'; schema 1 is converted).
   * @returns {{ok: true, warnings: string[]} | Failure}
   */
  loadRecord(text) {
    if (typeof text !== 'string') return failure('type', 'loadRecord expects the record as text');
    return this._call('loadRecord', text);
  }

  /** The record as JSON text, for storage. */
  recordJson() {
    if (!this._h) return closed('notebook');
    return this._h.recordJson();
  }

  /** Starts a fresh record (the learner is kept). @returns {{ok: true} | Failure} */
  resetRecord() {
    if (!this._h) return closed('notebook');
    this._h.resetRecord();
    return /** @type {{ok: true}} */ ({ ok: true });
  }

  /**
   * Sets who is working (once: another learner's attempts are never taken over). With
   * personalVariants, exercises the learner has not touched start in the learner's own variant (the
   * same on every device: an LMS course); otherwise in the textbook variant.
   */
  setLearner({ id = '', name = '' } = {}, { personalVariants = false } = {}) {
    return this._call('setLearner', String(id), String(name), Boolean(personalVariants));
  }

  /** Merges a record another tab stored into this one. @returns {{ok: true, warnings: string[]} | Failure} */
  mergeRecord(text) {
    if (typeof text !== 'string') return failure('type', 'mergeRecord expects the record as text');
    return this._call('mergeRecord', text);
  }

  /** Every exercise's current variant and its parts' state: {ok, exercises: [{id, seed, parts: [{id, draft, checked, attempts, hints, solution}]}]}. */
  state() {
    return this._call('state');
  }

  /** Switches an exercise to another variant; work in the others is kept. */
  setVariant(exercise, seed) {
    const s = Number(seed);
    if (!Number.isSafeInteger(s) || s < 0) return failure('domain', 'a variant is a whole number from 0 to 2^53 - 1');
    return this._call('setVariant', String(exercise), s);
  }

  /** Keeps the text being typed in a part. */
  setDraft(part, text) {
    if (typeof text !== 'string') return failure('type', 'setDraft expects text');
    return this._call('setDraft', String(part), capped(text, this._limits.answerLength));
  }

  /**
   * Checks an answer in the exercise's current variant, with error-carried-forward from the learner's
   * last checked earlier answers, and records the attempt (with the hints and solution seen before it).
   * @param {{time?: string}} [options] when (ISO 8601; default now)
   * @returns {Verdict | Failure}
   */
  submit(part, answer, options = {}) {
    if (typeof answer !== 'string') return failure('type', 'the answer must be text');
    const time = typeof options.time === 'string' ? options.time : new Date().toISOString();
    return this._call('submit', String(part), capped(answer, this._limits.answerLength), time);
  }

  /** Re-checks a part's last recorded answer in its current variant (after a reload). @returns {Verdict | Failure} */
  recheck(part) {
    return this._call('recheck', String(part));
  }

  /** Reveals the next hint (the part's own, then a derivation's step hints) with the variant's numbers: {ok, index, text}. */
  revealHint(part) {
    return this._call('revealHint', String(part));
  }

  /**
   * Forgets a part's work in its exercise's current variant (a page sets aside a stored answer that
   * cannot be re-checked, after keeping the stored record). @returns {{ok: true} | Failure}
   */
  dropPart(part) {
    return this._call('dropPart', String(part));
  }

  /** Reveals the worked solution with the variant's numbers: {ok, text}. */
  revealSolution(part) {
    return this._call('revealSolution', String(part));
  }

  /** The export file a learner hands in, as JSON text. */
  exportFile({ exported = new Date().toISOString() } = {}) {
    if (!this._h) return closed('notebook');
    return this._h.exportFile(String(exported));
  }

  /** What importing a file would change (before the learner agrees). */
  previewImport(text) {
    if (typeof text !== 'string') return failure('type', 'previewImport expects the file as text');
    return this._call('previewImport', text);
  }

  /** Imports a file: merges it into the record (merge: true) or replaces the record. @returns {{ok: true, previous: string} | Failure} */
  applyImport(text, { merge = true } = {}) {
    if (typeof text !== 'string') return failure('type', 'applyImport expects the file as text');
    return this._call('applyImport', text, Boolean(merge));
  }

  /** Frees the engine-side object. */
  close() {
    this._h?.delete();
    this._h = null;
  }
}

// Text longer than the engine's limit is cut to limit + 1 characters before it is copied into wasm
// memory: the engine then refuses it with its own message (a 10 MB paste never reaches the heap).
function capped(text, max) {
  return text.length > max ? text.slice(0, max + 1) : text;
}

function seedOf(seed) {
  const s = Number(seed ?? 0);
  return Number.isSafeInteger(s) && s >= 0 ? s : 0;
}

/** @returns {Failure} */
function failure(code, message) {
  return { ok: false, error: { code, message, column: 0, line: 0, file: '' } };
}

/** @returns {Failure} */
function closed(what) {
  return failure('closed', `this ${what} is closed`);
}

function deepFreeze(o) {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
