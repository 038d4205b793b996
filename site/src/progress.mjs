// Storage mechanics of a learner's record, and nothing else: which key a record lives under, reading
// and writing it in a Storage (localStorage by default; the SCORM adapter injects one backed by the
// LMS), setting aside what cannot be used (copied to another key, never deleted), quota and
// unavailable storage (the page keeps working in memory and says so), other tabs' writes, and when to
// write. The record itself is the engine's (format, validation, migration, merging: record.mjs hands
// the text to the worker); this module never parses it.
//
// Keys. One record per (notebook, learner): `kllab:progress:<notebook>` for an anonymous learner and
// `kllab:progress:<notebook>@<learner id, URI-encoded>` for a named one. Learners sharing a browser
// (a family computer, a lab machine, a teacher opening students' files) thus never read, merge or
// overwrite each other's work: a page only ever touches its own learner's key, tabs merge only with
// tabs of the same learner, and Reset clears only that learner's record. The encoding keeps ids
// with ':' or '@' from forging another key. Copies set aside get `<key>:set-aside:<time>`.

const PREFIX = 'kllab:progress:';
const SUMMARY_PREFIX = 'kllab:summary:';
/** Who is working in this browser, as last set by a page's URL (?learner=) or its learner field. */
const LEARNER_KEY = 'kllab:learner';

/** The storage key of a notebook's record for a learner (anonymous: no id). */
export function keyFor(notebook, learnerId = '') {
  return PREFIX + notebook + (learnerId ? `@${encodeURIComponent(learnerId)}` : '');
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

function describe(e) {
  return e && e.name === 'QuotaExceededError' ? 'the browser storage is full' : (e && e.message) || 'storage unavailable';
}

/**
 * One record's place in storage.
 * @param {string} key keyFor(notebook, learner)
 * @param {{storage?: Storage|null, notify?: (message: string, kind?: string) => void, watch?: boolean}} o
 *   storage: a Storage-like object (getItem, setItem, removeItem) instead of localStorage; watch:
 *   listen for other tabs' writes (localStorage only: an injected storage has no other tabs)
 */
export function openStore(key, { storage = null, notify = () => {}, watch = !storage } = {}) {
  let store = storage ?? defaultStorage();
  let saveProblem = false;
  const listeners = new Set();

  if (!store) {
    notify('Your browser does not let this page store data, so your progress will not be kept after you leave. Everything else works; use “Export progress” to keep a copy.', 'warning');
  }

  const asideKey = () => `${key}:set-aside:${new Date().toISOString()}`;

  if (store && watch) {
    globalThis.addEventListener?.('storage', (e) => {
      if (e.key === key && typeof e.newValue === 'string') for (const f of listeners) f(e.newValue);
    });
  }

  return {
    key,
    /** False when there is no storage to use (the page works in memory). */
    get available() {
      return !!store;
    },
    /** The stored text, or null (none, or storage that cannot be read: then the page stops writing and says so). */
    read() {
      if (!store) return null;
      try {
        const raw = store.getItem(key);
        return raw === undefined ? null : raw;
      } catch (e) {
        notify(`Your saved progress could not be read (${describe(e)}). This visit works, but may not be saved.`, 'warning');
        store = null;
        return null;
      }
    },
    /** Writes the record's text; false (and a notice, once) when it could not. */
    write(text) {
      if (!store) return false;
      try {
        store.setItem(key, text);
        if (saveProblem) {
          saveProblem = false;
          notify('Your progress is being saved again.', 'info');
        }
        return true;
      } catch (e) {
        if (!saveProblem) {
          saveProblem = true;
          notify(`Your progress could not be saved (${describe(e)}). The page keeps working; use “Export progress” to keep a copy.`, 'warning');
        }
        return false;
      }
    },
    /** Removes the record (its learner's work moved to another key). */
    remove() {
      try {
        store?.removeItem(key);
      } catch {
        /* keeps working in memory */
      }
    },
    /** Copies `raw` aside (the stored record stays); returns the key it went to, or null. */
    keepAside(raw) {
      if (!store || typeof raw !== 'string') return null;
      const aside = asideKey();
      try {
        store.setItem(aside, raw);
        return aside;
      } catch {
        return null;
      }
    },
    /**
     * A stored record that cannot be used: copied aside and removed from the key, with a notice; if there
     * is no room to copy it, it is left where it is and this page stops writing over it.
     */
    setAside(raw, reason) {
      if (!store) return null;
      const aside = asideKey();
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
      return kept ? aside : null;
    },
    /** Calls f(text) when another tab writes this key. Returns a function that stops it. */
    onOtherTab(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
  };
}

/**
 * Writes at most once per `delay` ms of quiet (never synchronously on the click that changed
 * something), when the page is hidden, and synchronously on pagehide (`sync`: the last text known
 * on the main thread, since the engine's worker cannot answer while the page unloads).
 * @param {{flush: () => Promise<void>, sync: () => void, delay?: number}} o
 */
export function createSaver({ flush, sync, delay = 400 }) {
  let timer = null;
  let running = Promise.resolve();
  const run = () => {
    clearTimeout(timer);
    timer = null;
    running = running.then(flush, flush);
    return running;
  };
  const onHide = () => {
    if (document.visibilityState === 'hidden') run();
  };
  const onPagehide = () => {
    clearTimeout(timer);
    timer = null;
    sync();
  };
  globalThis.document?.addEventListener('visibilitychange', onHide);
  globalThis.addEventListener?.('pagehide', onPagehide);
  return {
    /** A change to save soon. */
    schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, delay);
    },
    /** Saves now (export, import, reset, a new learner): resolves when written. */
    now: run,
  };
}

/** The learner this browser last named ({id, name}), or null. */
export function rememberedLearner(storage = defaultStorage()) {
  try {
    const raw = storage?.getItem(LEARNER_KEY);
    if (!raw) return null;
    const x = JSON.parse(raw);
    return x && typeof x.id === 'string' && x.id ? { id: x.id, name: typeof x.name === 'string' ? x.name : '' } : null;
  } catch {
    return null;
  }
}

/** Remembers who is working in this browser (the next page without ?learner= uses it). */
export function rememberLearner(learner, storage = defaultStorage()) {
  try {
    storage?.setItem(LEARNER_KEY, JSON.stringify({ id: learner.id, name: learner.name || '' }));
  } catch {
    /* the page knows its learner; the next one will ask again */
  }
}

/**
 * A notebook's progress as the page last showed it, for the index page (which runs no engine): the
 * counts of the verdicts the engine re-checked, never a record's stored verdicts. Display only.
 */
export function writeSummary(notebook, learnerId, counts, storage = defaultStorage()) {
  try {
    storage?.setItem(SUMMARY_PREFIX + keyFor(notebook, learnerId).slice(PREFIX.length), JSON.stringify(counts));
  } catch {
    /* the index then says less */
  }
}

/** The summary the page last wrote: {state: 'ok', correct, partial, tried} | {state: 'none' | 'unavailable'}. */
export function summarise(notebook, learnerId = '', storage = defaultStorage()) {
  if (!storage) return { state: 'unavailable' };
  let raw;
  try {
    raw = storage.getItem(SUMMARY_PREFIX + keyFor(notebook, learnerId).slice(PREFIX.length));
  } catch {
    return { state: 'unavailable' };
  }
  if (!raw) return { state: 'none' };
  try {
    const c = JSON.parse(raw);
    const n = (x) => (Number.isSafeInteger(x) && x >= 0 ? x : 0);
    return { state: 'ok', correct: n(c.correct), partial: n(c.partial), tried: n(c.tried) };
  } catch {
    return { state: 'none' };
  }
}
