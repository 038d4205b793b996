// The learner's record on a page (the notebook page, each embed, the SCO): the engine holds it in its
// worker and is its only reader, writer, validator, migrator and merger (nb.loadRecord, recordJson,
// mergeRecord, applyImport, ...); storage keeps its text (progress.mjs). This module joins the two:
//
// - Opening: the stored text goes to the engine before any check the page makes (calls reach the
//   worker in order). Text the engine refuses is set aside; text it had to convert (an older format,
//   parts that left the notebook) is kept aside as it was, and the converted record is used.
// - Saving: never on the click itself. After a change the page asks the engine for the record's text
//   (kept on the main thread for pagehide), and writes it after a short quiet spell, when the page is
//   hidden, and synchronously on pagehide. Before each write, text another tab (or element) stored
//   since this page last read or wrote it is merged in by the engine, so neither loses work.
// - A worker restart keeps the record: the engine client replays it (its `record` group collapses
//   into loadRecord of the last recordJson).
// - Learners: one record per learner (progress.mjs keyFor). An anonymous page that is given a learner
//   (the learner field, or importing a learner's file) hands its work to that learner; a page that
//   switches between two named learners saves one record and loads the other. The engine refuses to
//   give one learner's checked work to another.
import { keyFor, openStore, createSaver, rememberLearner, writeSummary, defaultStorage } from './progress.mjs';

const MAX_WARNINGS_SHOWN = 3;

function warningsText(list) {
  const shown = list.slice(0, MAX_WARNINGS_SHOWN).join('; ');
  return list.length > MAX_WARNINGS_SHOWN ? `${shown}; and ${list.length - MAX_WARNINGS_SHOWN} more` : shown;
}

const sameLearner = (a, b) => (a?.id || '') === (b?.id || '');

/**
 * Opens the record of one notebook for one learner in the engine `nb` (the notebook in its worker:
 * methods return promises).
 * @param {{nb: object, notebook: string, learner?: {id: string, name?: string}|null, personalVariants?: boolean,
 *          storage?: Storage|null, notify: (message: string, kind?: string) => void, remember?: boolean}} o
 *   learner: who is working (null: anonymous); personalVariants: exercises the learner has not touched
 *   start in the learner's own variant (an LMS course); storage: a Storage-like object instead of
 *   localStorage (the SCORM adapter's); remember: a learner given later (field, import) is remembered
 *   for this browser's other pages
 */
export function openRecord({ nb, notebook, learner = null, personalVariants = false, storage = null, notify, remember = !storage }) {
  let current = learner && learner.id ? { id: learner.id, name: learner.name || '' } : null;
  const storeFor = (l) => openStore(keyFor(notebook, l?.id || ''), { storage, notify });
  let store = null;
  let unwatch = null;
  // this page's store: another tab's writes to it are merged in (and only to it)
  const use = (s) => {
    unwatch?.();
    store = s;
    unwatch = s.onOtherTab((text) => onOtherTab(text));
  };
  let lastSeen = null; // the stored text this page last read, merged or wrote
  let cache = null; // the record's text as the engine last gave it (for pagehide)
  let dirty = false; // a change not yet written
  let changes = 0; // counts the changes, so that a write ends `dirty` only if none came meanwhile
  const markDirty = () => {
    dirty = true;
    changes++;
  };
  let counts = null;
  let countsWritten = null;
  let partAside = null; // where the record was kept before parts were set aside in this round

  /**
   * Loads a stored text for a learner. The calls are issued together, so they reach the worker before
   * any check the learner makes meanwhile.
   */
  async function load(raw, who) {
    const loading = raw !== null ? nb.loadRecord(raw) : null;
    const learning = who ? nb.setLearner(who, { personalVariants }) : null;
    const loaded = loading && (await loading);
    if (loaded && !loaded.ok) {
      store.setAside(raw, loaded.error.message);
    } else if (loaded && loaded.warnings.length) {
      const aside = store.keepAside(raw);
      notify(
        `Your saved progress had to be converted to load in this version of KL Lab (${warningsText(loaded.warnings)}).` +
          (aside ? ` The original is kept in this browser's storage under “${aside}”.` : '') +
          ' Your answers are checked again by the engine.',
        'info',
      );
    }
    const learned = learning && (await learning);
    if (learned && !learned.ok) {
      // the stored record holds another learner's checked work: it is never taken over
      store.setAside(raw, learned.error.message);
      await nb.resetRecord();
      await nb.setLearner(who, { personalVariants });
    }
    lastSeen = raw;
  }

  use(storeFor(current));
  // no engine (it could not start): the page says so; the stored record stays as it is
  const ready = load(store.read(), current).catch(() => {});

  // One recordJson at a time; a change while it runs asks for one more. The promise resolves once the
  // cache holds a text the engine gave after the change (so what the page shows is what pagehide writes).
  let refreshing = null;
  let refreshAgain = false;
  function refreshCache() {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          refreshAgain = false;
          const json = await nb.recordJson();
          if (typeof json === 'string') cache = json;
        } while (refreshAgain);
      } catch {
        // no engine to ask: the last text known stays the one pagehide writes
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  function writeCounts() {
    if (counts && counts !== countsWritten && store.available) {
      writeSummary(notebook, current?.id || '', counts, storage ?? defaultStorage());
      countsWritten = counts;
    }
  }

  async function flush() {
    await ready;
    writeCounts();
    if (!dirty) return;
    // `dirty` stays set until the text is written: a pagehide while the engine answers writes the cache
    const at = changes;
    try {
      const stored = store.read();
      if (stored !== null && stored !== lastSeen) {
        const merged = await nb.mergeRecord(stored);
        if (!merged.ok) store.setAside(stored, merged.error.message);
      }
      const json = await nb.recordJson();
      if (typeof json !== 'string') throw new Error('no record');
      cache = json;
      if (store.write(json)) {
        lastSeen = json;
        if (changes === at) dirty = false;
      }
    } catch {
      // the engine could not answer: the next change or pagehide tries again
    }
  }

  const saver = createSaver({
    flush,
    sync() {
      writeCounts();
      if (dirty && cache !== null && store.write(cache)) {
        lastSeen = cache;
        dirty = false;
      }
    },
  });

  async function onOtherTab(text) {
    await ready;
    if (text === lastSeen) return;
    const merged = await nb.mergeRecord(text);
    if (merged.ok) {
      lastSeen = text;
      refreshCache();
    }
  }

  /** Moves this page's work to a learner's own key (an anonymous page given a learner). */
  async function adopt(who) {
    const set = await nb.setLearner(who, { personalVariants });
    if (!set.ok) return set;
    const next = storeFor(who);
    const stored = next.read();
    if (stored !== null) {
      const merged = await nb.mergeRecord(stored);
      if (!merged.ok) next.setAside(stored, merged.error.message);
    }
    const previous = store;
    use(next);
    lastSeen = stored;
    current = who;
    if (remember) rememberLearner(who, storage ?? defaultStorage());
    markDirty();
    await saver.now();
    if (lastSeen !== stored) previous.remove(); // written under the learner's key: the anonymous copy goes
    return { ok: true };
  }

  return {
    /** Resolves once the stored record is in the engine (its checks come after). */
    ready,
    /** Who is working ({id, name}), or null. */
    get learner() {
      return current;
    },
    /** The storage key of this learner's record. */
    get key() {
      return store.key;
    },
    /**
     * The record changed in the engine (a check, a hint, a draft, a variant): save it soon. Resolves
     * once the text a pagehide would write has the change (the page shows a check, a hint or a
     * solution after that, so leaving the page the moment it appears loses nothing). Never rejects.
     */
    changed() {
      markDirty();
      saver.schedule();
      return refreshCache();
    },
    /** Saves now. */
    flush: () => saver.now(),
    /** The page's counts of re-checked verdicts, for the index page (written with the next save). */
    noteCounts(c) {
      counts = c;
      saver.schedule();
    },
    /** The export file's text (the engine's), or a failure. */
    async exportFile() {
      await ready;
      const text = await nb.exportFile();
      return typeof text === 'string' ? { ok: true, text } : text;
    },
    /** What importing `text` would change (the engine's preview), or a failure. */
    async previewImport(text) {
      await ready;
      return nb.previewImport(text);
    },
    /**
     * Imports a file the learner agreed to (merge, or replace). The previous record is kept aside in
     * storage first. A learner's file on an anonymous page makes that learner the one working here.
     * @returns {Promise<{ok: true, aside: string|null, learner: object|null} | {ok: false, error: object}>}
     */
    async applyImport(text, { merge, learner: fileLearner = null }) {
      await ready;
      const r = await nb.applyImport(text, { merge });
      if (!r.ok) return r;
      const aside = store.keepAside(r.previous);
      partAside = null;
      // (a host's storage, the LMS's, has one place for the record: there the host decides who works)
      if (!current && fileLearner && fileLearner.id && !storage) {
        const a = await adopt({ id: fileLearner.id, name: fileLearner.name || '' });
        if (!a.ok) return a;
      } else {
        markDirty();
        await saver.now();
      }
      return { ok: true, aside, learner: current };
    },
    /** Clears this learner's record (the learner stays). */
    async reset() {
      await ready;
      await nb.resetRecord();
      partAside = null;
      markDirty();
      await saver.now();
    },
    /**
     * Sets who is working. An anonymous page's work becomes theirs (moved to their key); a page of
     * another named learner saves that learner's record and loads this one's.
     * @returns {Promise<{ok: true, switched: boolean} | {ok: false, error: object}>}
     */
    async setLearner(who) {
      await ready;
      const next = { id: String(who.id || ''), name: String(who.name || '') };
      if (!next.id) return { ok: false, error: { code: 'type', message: 'a learner needs an id', column: 0, line: 0, file: '' } };
      if (sameLearner(current, next)) {
        const r = await nb.setLearner(next, { personalVariants });
        if (r.ok) {
          current = next;
          if (remember) rememberLearner(next, storage ?? defaultStorage());
          this.changed();
        }
        return r.ok ? { ok: true, switched: false } : r;
      }
      if (!current) {
        const a = await adopt(next);
        return a.ok ? { ok: true, switched: false } : a;
      }
      await saver.now();
      await nb.resetRecord();
      use(storeFor(next));
      current = next;
      partAside = null;
      await load(store.read(), next);
      if (remember) rememberLearner(next, storage ?? defaultStorage());
      return { ok: true, switched: true };
    },
    /**
     * A part whose stored answer cannot be re-checked: the record as it is goes aside in storage (once
     * per round), then the engine forgets that part's work. @returns {Promise<string|null>} the key kept aside
     */
    async setAsidePart(part) {
      if (partAside === null) {
        const json = await nb.recordJson();
        partAside = typeof json === 'string' ? store.keepAside(json) ?? '' : '';
      }
      await nb.dropPart(part);
      this.changed();
      return partAside || null;
    },
  };
}
