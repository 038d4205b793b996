// The page's side of the engine worker (engine-worker.mjs): one small async client that mirrors the JS
// API of kllab.mjs. `client.engine` behaves like an Engine whose methods return promises; a method that
// returns a Notebook or a Session returns a proxy for it, whose methods return promises too. Calls are
// generic (method name + arguments, results by structured clone): a method added to kllab.mjs needs no
// change here.
//
// Self-healing. Calls go to the worker one at a time, each under a watchdog. A call that does not
// return within the deadline, or that fails inside the wasm instance (a RuntimeError such as "memory
// access out of bounds", an abort), or a worker that dies, gets a clear result instead of a hang (an
// `invalid` verdict for a check, {ok: false, error} otherwise); the worker is terminated and a fresh
// one replays the state: the notebooks loaded, then what REPLAY lists (the learner's cell edits and
// slider values, and the learner's record). The failed call itself is never replayed. Calls that
// were waiting run on the new worker. onEvent({type: 'restarted', ...}) lets the page tell the learner.
// If replaying fails too, the learner's cell edits are dropped (type 'reset'); if the engine cannot
// start, or fails maxRestarts times in a row with no call answered in between, every call fails
// ('dead'). A learner who pastes one hostile answer after another is not that: each restart consumes
// the call that failed, and the answers in between succeed.

/**
 * The calls that change a loaded notebook's state, and how the journal keeps them for a replay.
 *   key(...args): keep only the latest call per key (a cell's source, a slider's value)
 *   group: calls of one group are replayed in order; `reset` starts the group afresh; `snapshot(value)`
 *     replaces the whole group by one call made from the result (the record as JSON -> loadRecord)
 * Anything not listed is a query (check, view, plot, exerciseSlots, ...) and is not replayed.
 */
export const REPLAY = {
  runAll: { key: () => 'run' },
  editCell: { key: (id) => `cell:${id}` },
  setSlider: { key: (name) => `slider:${name}` },
  // The learner's record (record.mjs): the page asks for recordJson() after each change, which
  // collapses the group to loadRecord(json), so a new worker gets the record as it was.
  loadRecord: { group: 'record', reset: true },
  resetRecord: { group: 'record', reset: true },
  setLearner: { key: () => 'learner' },
  setDraft: { group: 'record', key: (part) => `draft:${part}` },
  submit: { group: 'record' },
  revealHint: { group: 'record' },
  revealSolution: { group: 'record' },
  dropPart: { group: 'record' },
  setVariant: { group: 'record' },
  mergeRecord: { group: 'record' },
  applyImport: { group: 'record' },
  recordJson: { group: 'record', snapshot: (json) => (typeof json === 'string' ? ['loadRecord', [json]] : null) },
};

/** Methods whose result is a verdict: a failure answers with an `invalid` verdict. */
const VERDICT_METHODS = new Set(['check', 'submit', 'recheck']);

export const DEFAULT_DEADLINE_MS = 15000;
const START_DEADLINE_MS = 60000;

/**
 * The result a failed call gets: the API's failure shape {ok: false, error}; for a call that returns a
 * verdict, also the fields of an `invalid` verdict (tests/site/engine-client.test.mjs compares them with
 * a verdict from the engine).
 */
export function failureResult(method, message, code = 'internal') {
  const error = { code, message, column: 0, line: 0, file: '' };
  if (VERDICT_METHODS.has(method)) {
    // the API's failure shape, readable as an `invalid` verdict by a page that shows verdicts
    // one-owner: the one verdict made outside the engine (it may not have started); its shape is tested against the engine's
    return { ok: false, error, verdict: 'invalid', score: 0, feedback: message, mistake: null, mistakeName: null, column: 0, wrongComponents: [], answer: '', slots: [], steps: [] };
  }
  return { ok: false, error };
}

const MESSAGES = {
  deadline: (method) =>
    VERDICT_METHODS.has(method)
      ? 'Checking this answer took too long (the computation is too large), so it was stopped. Try a simpler form of your answer.'
      : 'This computation took too long (it is too large), so it was stopped.',
  crash: (method) =>
    VERDICT_METHODS.has(method)
      ? 'Checking this answer failed inside the engine (the computation is too large or hit a limit), so it was stopped. Try a simpler form of your answer.'
      : 'This computation failed inside the engine (it is too large or hit a limit), so it was stopped.',
  dead: () => 'The interactive engine keeps failing on this page; reload the page to start it again.',
};

/**
 * @param {{spawn: () => Worker, deadlineMs?: number, maxRestarts?: number,
 *          onEvent?: (e: {type: 'restarted'|'reset'|'dead', reason: string, method?: string}) => void}} o
 *   spawn makes a new worker (a Worker, or anything with postMessage/terminate/addEventListener)
 */
export function createEngineClient({ spawn, deadlineMs = DEFAULT_DEADLINE_MS, maxRestarts = 25, onEvent }) {
  const listeners = new Set(onEvent ? [onEvent] : []);
  const emit = (e) => {
    for (const f of listeners) f(e);
  };
  let worker = null;
  let readyState = 'starting'; // starting | ready | dead
  let deadReason = '';
  let inflight = null; // {id, target, method, args, ret, resolve, reject, replay, timer}
  const queue = [];
  let nextId = 1;
  let nextHandle = 1;
  let limits = null;
  let vocabulary = null;
  let startTimer = null;
  let failures = 0; // restarts since the last call answered
  let resolveReady, rejectReady;
  const ready = new Promise((a, b) => ((resolveReady = a), (rejectReady = b)));
  ready.catch(() => {});

  // The journal: every live handle (0 = the engine) with the call that created it and its replayable calls.
  const handles = new Map([[0, { parent: null, create: null, entries: [] }]]);

  function boot() {
    readyState = 'starting';
    try {
      worker = spawn();
    } catch (e) {
      die(`the engine's worker could not be started: ${e && e.message ? e.message : e}`);
      return;
    }
    const w = worker;
    w.addEventListener('message', (ev) => {
      if (w === worker) onMessage(ev.data);
    });
    w.addEventListener('error', (ev) => {
      if (w !== worker) return;
      ev.preventDefault?.();
      failed('crash', ev.message || 'the engine worker stopped');
    });
    w.addEventListener('messageerror', () => {
      if (w === worker) failed('crash', 'a message from the engine could not be read');
    });
    clearTimeout(startTimer);
    startTimer = setTimeout(() => {
      if (w === worker && readyState === 'starting') die('the engine did not start in time');
    }, Math.max(START_DEADLINE_MS, deadlineMs));
  }

  function onMessage(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'ready') {
      clearTimeout(startTimer);
      readyState = 'ready';
      limits = msg.limits;
      vocabulary = msg.vocabulary ?? null;
      resolveReady(limits);
      pump();
    } else if (msg.type === 'failed') {
      die(`the engine could not start: ${msg.message}`);
    } else if (msg.type === 'reply' && inflight && msg.id === inflight.id) {
      const c = inflight;
      clearTimeout(c.timer);
      inflight = null;
      if (msg.fatal !== undefined) {
        inflight = c; // failed() settles it
        failed('crash', msg.fatal);
        return;
      }
      if (msg.error !== undefined) {
        if (c.replay) replayFailed(c);
        else c.reject(new Error(msg.error));
      } else {
        const value = msg.handle !== undefined ? adopt(c, msg.handle) : msg.value;
        if (!c.replay) {
          failures = 0;
          journal(c, value);
          c.resolve(value);
        }
      }
      pump();
    }
  }

  /** Registers a handle the worker made, and returns its proxy. */
  function adopt(c, handle) {
    if (!c.replay) handles.set(handle, { parent: c.target, create: { method: c.method, args: c.args }, entries: [] });
    return proxyFor(handle);
  }

  function journal(c, value) {
    if (c.method === 'close') {
      for (const [h, rec] of handles) if (h === c.target || rec.parent === c.target) handles.delete(h);
      if (c.target === 0) handles.set(0, { parent: null, create: null, entries: [] });
      return;
    }
    const spec = REPLAY[c.method];
    const rec = handles.get(c.target);
    if (!spec || !rec) return;
    const entry = { method: c.method, args: c.args, group: spec.group };
    if (spec.key) {
      entry.key = spec.key(...c.args);
      const at = rec.entries.findIndex((e) => e.key === entry.key);
      if (at >= 0) rec.entries[at] = entry;
      else rec.entries.push(entry);
      return;
    }
    if (spec.reset || spec.snapshot) rec.entries = rec.entries.filter((e) => e.group !== spec.group);
    if (spec.snapshot) {
      const call = spec.snapshot(value);
      if (call) rec.entries.push({ method: call[0], args: call[1], group: spec.group });
      return;
    }
    rec.entries.push(entry);
  }

  function pump() {
    if (inflight || readyState !== 'ready' || !queue.length) return;
    const c = queue.shift();
    inflight = c;
    c.timer = setTimeout(() => {
      if (inflight === c) failed('deadline', `${c.method} did not return within ${Math.round(deadlineMs / 1000)} s`);
    }, deadlineMs);
    try {
      worker.postMessage({ type: 'call', id: c.id, target: c.target, method: c.method, args: c.args, ret: c.ret });
    } catch (e) {
      // arguments that cannot be cloned: the caller's mistake, not the engine's
      clearTimeout(c.timer);
      inflight = null;
      c.reject(e);
      pump();
    }
  }

  /** The worker failed during `inflight` (or while idle): answer that call, start afresh, replay. */
  function failed(kind, detail) {
    const c = inflight;
    inflight = null;
    if (c) clearTimeout(c.timer);
    try {
      worker?.terminate();
    } catch {
      /* already gone */
    }
    worker = null;
    if (readyState === 'starting' && !c) {
      die(`the engine could not start: ${detail}`);
      return;
    }
    if (c && c.replay) {
      replayFailed(c);
      return;
    }
    if (c) c.resolve(failureResult(c.method, MESSAGES[kind](c.method), kind === 'deadline' ? 'too_large' : 'internal'));
    if (++failures > maxRestarts) {
      die(MESSAGES.dead());
      return;
    }
    emit({ type: 'restarted', reason: kind, detail, method: c?.method });
    restart({ withEntries: true });
  }

  function replayFailed(c) {
    clearTimeout(c.timer);
    inflight = null;
    try {
      worker?.terminate();
    } catch {
      /* already gone */
    }
    worker = null;
    // drop the queued replay of this round
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i].replay) queue.splice(i, 1);
    if (c.level === 'entries') {
      for (const rec of handles.values()) rec.entries = [];
      emit({ type: 'reset', reason: 'replay', method: c.method });
      restart({ withEntries: false });
    } else {
      die(`the engine could not reload this page's notebook: ${c.method} failed`);
    }
  }

  function restart({ withEntries }) {
    const replay = [];
    // parents before children: the map keeps creation order
    for (const [h, rec] of handles) {
      if (rec.create) replay.push({ target: rec.parent, method: rec.create.method, args: rec.create.args, ret: h, level: 'create' });
    }
    if (withEntries) {
      for (const [h, rec] of handles) for (const e of rec.entries) replay.push({ target: h, method: e.method, args: e.args, level: 'entries' });
    }
    queue.unshift(
      ...replay.map((r) => ({ ...r, id: nextId++, replay: true, resolve: () => {}, reject: () => {} })),
    );
    boot();
  }

  function die(reason) {
    readyState = 'dead';
    deadReason = reason;
    clearTimeout(startTimer);
    try {
      worker?.terminate();
    } catch {
      /* already gone */
    }
    worker = null;
    rejectReady(new Error(reason));
    const waiting = [...(inflight ? [inflight] : []), ...queue.splice(0)];
    inflight = null;
    for (const c of waiting) {
      clearTimeout(c.timer);
      if (!c.replay) c.resolve(failureResult(c.method, reason));
    }
    emit({ type: 'dead', reason });
  }

  function call(target, method, args) {
    if (readyState === 'dead') return Promise.resolve(failureResult(method, deadReason));
    return new Promise((resolve, reject) => {
      queue.push({ id: nextId++, target, method, args, ret: nextHandle++, resolve, reject });
      pump();
    });
  }

  function proxyFor(handle) {
    return new Proxy(Object.create(null), {
      get(_, name) {
        // not a thenable: `await client.engine` must give the proxy itself
        if (typeof name !== 'string' || name === 'then') return undefined;
        if (name === '$handle') return handle;
        return (...args) => call(handle, name, args);
      },
    });
  }

  boot();
  return {
    /** The engine (methods return promises). */
    engine: proxyFor(0),
    /** Resolves with the engine's limits once the first worker has compiled the engine; rejects if it cannot start. */
    ready,
    /** The engine's limits (null until ready). */
    get limits() {
      return limits;
    },
    /** The engine's vocabulary: verdict kinds, error codes, limits (null until ready). */
    get vocabulary() {
      return vocabulary;
    },
    /** 'starting' | 'ready' | 'dead' */
    get state() {
      return readyState;
    },
    /** The current worker (for tests and diagnostics). */
    get worker() {
      return worker;
    },
    /** Adds a listener for {type: 'restarted'|'reset'|'dead', ...}; returns a function that removes it. */
    subscribe(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    /** Ends the worker; later calls fail. */
    terminate() {
      die('the engine was stopped');
    },
  };
}

/** The deadline of one call: KLLAB_ENGINE_DEADLINE_MS on the page's global (tests set it short), or the default. */
export function configuredDeadline() {
  const ms = Number(globalThis.KLLAB_ENGINE_DEADLINE_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_DEADLINE_MS;
}

/**
 * Starts the engine worker from a script URL as a module worker. A worker must come from the page's
 * own origin: from another origin (the embed served by a CDN), a same-origin blob: module imports the
 * script (which then needs CORS, and the host's CSP `worker-src blob:`).
 */
export function spawnModuleWorker(url) {
  const u = new URL(url, globalThis.location?.href);
  if (u.origin === globalThis.location?.origin) return new Worker(u, { type: 'module', name: 'kllab-engine' });
  // a dynamic import: Chromium refuses a static cross-origin import in a blob: module worker
  const src = `import(${JSON.stringify(u.href)}).catch((e) => postMessage({ type: 'failed', message: String(e && e.message ? e.message : e) }));`;
  const blob = new Blob([src], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(blob), { type: 'module', name: 'kllab-engine' });
}

/** Starts the engine worker from its source text (the offline single file: a classic worker from a blob: URL). */
export function spawnSourceWorker(source) {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  return new Worker(url, { name: 'kllab-engine' });
}

/**
 * The page's engine client for a worker (every script and element of a page that asks for the same
 * key shares one worker). `spawn` is used the first time.
 */
export function sharedEngine(key, spawn) {
  const all = (globalThis[Symbol.for('kllab.engines')] ??= new Map());
  if (!all.has(key)) all.set(key, createEngineClient({ spawn, deadlineMs: configuredDeadline() }));
  return all.get(key);
}

/**
 * The engine object a creating call resolved to; a failure result (the engine could not start or
 * failed on the call) becomes an Error with its message.
 */
export async function handleOf(promise) {
  const value = await promise;
  if (value && typeof value.$handle === 'number') return value;
  throw new Error(value?.error?.message || 'the engine could not load this notebook');
}
