// A learner's progress in one notebook, kept in a Storage (localStorage by default; the LMS wrapper
// passes its own Storage-like object, e.g. backed by SCORM suspend_data) under a per-notebook key with
// a schema version. A record that cannot be read is set aside (copied to another key), never deleted, and
// never touches another notebook's key. When storage is unavailable or full, the page keeps working
// in memory and says what it could not save.

export const SCHEMA = 1;
export const PREFIX = 'kllab:progress:';
export const KIND = 'kllab-progress';
const VERDICTS = new Set(['correct', 'correct_given_earlier', 'close', 'incorrect', 'invalid']);

export function keyFor(notebook) {
  return PREFIX + notebook;
}

/**
 * A learner's own variant: the seed their exercises start in when the host knows who they are (the LMS
 * of a SCORM package), so each learner gets their own numbers, the same on every device. FNV-1a (32 bit)
 * of the id's UTF-8 bytes, mapped to 1..999999 (the range of "New variant"; 0 stays the textbook numbers).
 * This is the one definition of the rule.
 */
export function learnerSeed(id) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(String(id))) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return 1 + (h % 999999);
}

export function emptyRecord(notebook) {
  return { schema: SCHEMA, notebook, updated: null, exercises: {}, parts: {} };
}

function isObj(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Validates a record (from storage or from an imported file). Returns {ok: true, record} with a clean
 * copy (unknown fields dropped), or {ok: false, reason}.
 */
export function validateRecord(x, notebook) {
  if (!isObj(x)) return { ok: false, reason: 'it is not a progress record' };
  if (x.schema !== SCHEMA) return { ok: false, reason: `it has schema version ${JSON.stringify(x.schema)}, this page reads version ${SCHEMA}` };
  if (x.notebook !== notebook) return { ok: false, reason: `it belongs to the notebook ${JSON.stringify(x.notebook)}, not ${JSON.stringify(notebook)}` };
  if (!isObj(x.exercises) || !isObj(x.parts)) return { ok: false, reason: 'its exercises or parts are missing' };
  const rec = emptyRecord(notebook);
  rec.updated = typeof x.updated === 'string' ? x.updated.slice(0, 40) : null;
  for (const [id, e] of Object.entries(x.exercises)) {
    if (!isObj(e)) return { ok: false, reason: `exercise ${id} is malformed` };
    const seed = e.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) return { ok: false, reason: `exercise ${id} has a bad seed` };
    rec.exercises[id] = { seed };
  }
  for (const [id, p] of Object.entries(x.parts)) {
    if (!isObj(p)) return { ok: false, reason: `part ${id} is malformed` };
    const clean = {};
    if (p.answer !== undefined) {
      if (typeof p.answer !== 'string' || p.answer.length > 100000) return { ok: false, reason: `part ${id} has a bad answer` };
      clean.answer = p.answer;
    }
    if (p.checked !== undefined) {
      if (typeof p.checked !== 'string' || p.checked.length > 100000) return { ok: false, reason: `part ${id} has a bad checked answer` };
      clean.checked = p.checked;
    }
    if (p.verdict !== undefined) {
      if (!VERDICTS.has(p.verdict)) return { ok: false, reason: `part ${id} has an unknown verdict` };
      clean.verdict = p.verdict;
    }
    if (p.score !== undefined) {
      if (typeof p.score !== 'number' || !(p.score >= 0 && p.score <= 1)) return { ok: false, reason: `part ${id} has a bad score` };
      clean.score = p.score;
    }
    if (p.hints !== undefined) {
      if (!Number.isSafeInteger(p.hints) || p.hints < 0 || p.hints > 1000) return { ok: false, reason: `part ${id} has a bad hint count` };
      clean.hints = p.hints;
    }
    if (p.solution !== undefined) {
      if (typeof p.solution !== 'boolean') return { ok: false, reason: `part ${id} has a bad solution flag` };
      clean.solution = p.solution;
    }
    rec.parts[id] = clean;
  }
  return { ok: true, record: rec };
}

/** localStorage, or null where the browser refuses it (the getter itself may throw). */
export function defaultStorage() {
  try {
    const s = globalThis.localStorage;
    return s || null;
  } catch {
    return null;
  }
}

/**
 * Opens the progress of one notebook.
 * @param notebook the notebook id
 * @param notify (message, kind) => void: visible notices for the learner
 * @param {{storage?: Storage|null, learner?: {id: string, name?: string}|null, migrate?: (raw: string) => Promise<object|null>}} [o]
 *   storage: a Storage-like object (getItem, setItem, removeItem) used instead of localStorage (the SCORM
 *   adapter keeps the record in the LMS); learner: exercises the learner has not set to a variant start
 *   in learnerSeed(id); migrate: converts a record in an older format, or null
 * @returns {Promise<object>}
 */
export async function openProgress(notebook, notify = () => {}, { migrate, storage: given = null, learner = null } = {}) {
  const key = keyFor(notebook);
  const firstSeed = learner && learner.id ? learnerSeed(learner.id) : 0;
  let store = given ?? defaultStorage();
  let record = emptyRecord(notebook);
  let saveProblem = false;
  // Another tab of the same notebook writes the same key. What this tab changed wins for those parts;
  // everything else is taken from storage before each write, so neither tab loses the other's answers.
  const touched = new Set();
  let ownsRecord = false;  // after a reset or an import, this tab's record replaces the stored one

  if (!store) {
    notify('Your browser does not let this page store data, so your progress will not be kept after you leave. Everything else works; use “Export progress” to keep a copy.', 'warning');
  } else {
    let raw = null;
    try {
      raw = store.getItem(key);
    } catch (e) {
      notify(`Your saved progress could not be read (${e.message}). This visit works, but may not be saved.`, 'warning');
      store = null;
    }
    if (raw !== null && raw !== undefined) {
      let parsed, res;
      try {
        parsed = JSON.parse(raw);
        res = validateRecord(parsed, notebook);
      } catch (e) {
        res = { ok: false, reason: 'it is not valid JSON' };
      }
      if (res.ok) {
        record = res.record;
      } else {
        // An older format the engine can convert (kl::load_progress): keep the original aside, use the
        // converted record. Anything else is set aside as unreadable.
        let converted = null;
        try {
          converted = migrate ? await migrate(raw) : null;
        } catch {
          converted = null;
        }
        const clean = converted ? validateRecord(converted, notebook) : null;
        if (clean && clean.ok) {
          keepCopy(raw);
          record = clean.record;
          notify('Your saved progress was written by an older version of KL Lab; it has been converted (the original is kept in storage). Verdicts are recomputed when you check again.', 'info');
        } else {
          setAside(raw, res.reason);
        }
      }
    }
  }

  function keepCopy(raw) {
    try {
      store.setItem(`${key}:set-aside:${new Date().toISOString()}`, raw);
    } catch {
      /* the converted record is still used; the original stays under the key until the next save */
    }
  }

  function setAside(raw, reason) {
    const aside = `${key}:set-aside:${new Date().toISOString()}`;
    let kept = false;
    try {
      store.setItem(aside, raw);
      store.removeItem(key);
      kept = true;
    } catch {
      kept = false;
    }
    notify(
      kept
        ? `The saved progress for this notebook could not be read (${reason}). It was set aside under the storage key “${aside}” and this notebook starts fresh. Other notebooks are not affected.`
        : `The saved progress for this notebook could not be read (${reason}), and there was no room to set it aside, so it was left as it is. This notebook starts fresh for now; new progress will not be saved over it.`,
      'warning',
    );
    if (!kept) store = null;
  }

  function mergeStored() {
    if (!store || ownsRecord) return;
    let stored;
    try {
      const raw = store.getItem(key);
      if (!raw) return;
      stored = validateRecord(JSON.parse(raw), notebook);
    } catch {
      return;
    }
    if (!stored.ok) return;
    for (const [id, p] of Object.entries(stored.record.parts)) if (!touched.has(id)) record.parts[id] = p;
    for (const [id, e] of Object.entries(stored.record.exercises)) if (!touched.has(`exercise:${id}`)) record.exercises[id] = e;
  }

  if (store && !given) {
    globalThis.addEventListener?.('storage', (e) => {
      if (e.key === key) mergeStored();
    });
  }

  function save() {
    record.updated = new Date().toISOString();
    if (!store) return false;
    try {
      mergeStored();
      ownsRecord = false;
      store.setItem(key, JSON.stringify(record));
      if (saveProblem) {
        saveProblem = false;
        notify('Your progress is being saved again.', 'info');
      }
      return true;
    } catch (e) {
      if (!saveProblem) {
        saveProblem = true;
        notify(
          `Your progress could not be saved (${e && e.name === 'QuotaExceededError' ? 'the browser storage is full' : e.message || 'storage unavailable'}). The page keeps working; use “Export progress” to keep a copy.`,
          'warning',
        );
      }
      return false;
    }
  }

  return {
    get record() {
      return record;
    },
    part(id) {
      touched.add(id);
      return record.parts[id] || (record.parts[id] = {});
    },
    /** Forgets a part's progress (a new variant); the deletion is this tab's change, not to be merged back. */
    clearPart(id) {
      touched.add(id);
      delete record.parts[id];
    },
    peekPart(id) {
      return record.parts[id];
    },
    seed(ex) {
      const stored = record.exercises[ex]?.seed;
      if (stored !== undefined) return stored;
      // the learner's own variant is written into the record (with the next save), so the record says
      // which numbers the answers were checked against
      if (firstSeed) {
        touched.add(`exercise:${ex}`);
        record.exercises[ex] = { seed: firstSeed };
      }
      return firstSeed;
    },
    setSeed(ex, seed) {
      touched.add(`exercise:${ex}`);
      record.exercises[ex] = { seed };
    },
    save,
    replace(next) {
      record = next;
      ownsRecord = true;
      return save();
    },
    reset() {
      record = emptyRecord(notebook);
      ownsRecord = true;
      if (!store) return;
      try {
        store.removeItem(key);
      } catch {
        /* keeps working in memory */
      }
    },
    exportFile() {
      return { kind: KIND, schema: SCHEMA, notebook, exported: new Date().toISOString(), progress: record };
    },
    /** Parses an imported file's text. @returns {{ok: true, record} | {ok: false, reason}} */
    parseImport(text) {
      let x;
      try {
        x = JSON.parse(text);
      } catch {
        return { ok: false, reason: 'the file is not JSON' };
      }
      if (!isObj(x) || x.kind !== KIND) return { ok: false, reason: 'the file is not a KL Lab progress export' };
      if (x.notebook !== notebook) return { ok: false, reason: `the file is the progress of the notebook “${String(x.notebook).slice(0, 80)}”, not of this one (“${notebook}”)` };
      if (x.schema !== SCHEMA) return { ok: false, reason: `the file has schema version ${JSON.stringify(x.schema)}, this page reads version ${SCHEMA}` };
      const v = validateRecord(x.progress, notebook);
      if (!v.ok) return { ok: false, reason: `the progress in the file is damaged: ${v.reason}` };
      return v;
    },
  };
}

/** Summary of a stored record for the index page, or null. */
export function summarise(notebook, store = defaultStorage()) {
  if (!store) return { state: 'unavailable' };
  let raw;
  try {
    raw = store.getItem(keyFor(notebook));
  } catch {
    return { state: 'unavailable' };
  }
  if (raw === null || raw === undefined) return { state: 'none' };
  let res;
  try {
    res = validateRecord(JSON.parse(raw), notebook);
  } catch {
    res = { ok: false };
  }
  if (!res.ok) return { state: 'unreadable' };
  let correct = 0, partial = 0, tried = 0;
  for (const p of Object.values(res.record.parts)) {
    if (!p.verdict) continue;
    tried++;
    if (p.verdict === 'correct') correct++;
    else if (p.verdict === 'correct_given_earlier' || p.verdict === 'close') partial++;
  }
  return { state: 'ok', correct, partial, tried };
}
