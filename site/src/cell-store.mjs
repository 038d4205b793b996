// A learner's edits of a notebook's code cells, kept in the browser under a key of their own
// (kllab:cells:<notebook>, apart from the progress record: an edit is an experiment, not an answer), so
// they survive a reload. Only cells whose source differs from the notebook's are kept; a cell's Revert
// button brings the original back and forgets the edit. Whatever is stored is checked before use (an
// object of cell id -> text; the page looks up only its own cells' ids, and the engine judges a source
// when it runs it, with its own limits); anything else is ignored and overwritten by the next edit.

export const CELLS_PREFIX = 'kllab:cells:';
const VERSION = 1;

function defaultStorage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null;
  }
}

/** The edits a stored text holds: Map id -> source (empty for anything unreadable). */
export function parseEdits(raw) {
  const edits = new Map();
  if (typeof raw !== 'string') return edits;
  let x;
  try {
    x = JSON.parse(raw);
  } catch {
    return edits;
  }
  if (!x || typeof x !== 'object' || x.v !== VERSION || !x.cells || typeof x.cells !== 'object' || Array.isArray(x.cells)) return edits;
  for (const [id, source] of Object.entries(x.cells)) {
    if (id && typeof source === 'string') edits.set(id, source);
  }
  return edits;
}

/**
 * The store of one notebook's edits.
 * @param {string} notebook
 * @param {Storage|null} [storage] localStorage by default
 * @returns {{edits: Map<string, string>, set: (id: string, source: string, original: string) => boolean}}
 *   edits: what was stored when opened; set: keeps (or, equal to the original, forgets) a cell's source;
 *   false if the browser refused to store it
 */
export function openCellStore(notebook, storage = defaultStorage()) {
  const key = CELLS_PREFIX + notebook;
  let raw = null;
  try {
    raw = storage ? storage.getItem(key) : null;
  } catch {
    raw = null;
  }
  const edits = parseEdits(raw);
  const current = new Map(edits);
  return {
    edits,
    set(id, source, original) {
      if (source === original) current.delete(id);
      else current.set(id, source);
      if (!storage) return false;
      try {
        if (current.size) storage.setItem(key, JSON.stringify({ v: VERSION, cells: Object.fromEntries(current) }));
        else storage.removeItem(key);
        return true;
      } catch {
        return false;
      }
    },
  };
}
