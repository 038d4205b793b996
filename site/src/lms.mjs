// The SCORM run-time adapter of a KL Lab SCO (the packages `make scorm` writes: one offline notebook
// file, this module bundled in). It finds the LMS's API the standard way (this window, its parents up
// to the top, then the opener and its parents; `API_1484_11` for SCORM 2004, `API` for SCORM 1.2),
// initialises, and hands the notebook page two things (page.mjs startPage): a storage that keeps the
// learner's record in `cmi.suspend_data`, and the learner (id and name from the LMS), with personal
// variants: the engine gives each learner their own numbers (nb.setLearner with personalVariants; the
// id -> variant rule is the engine's, kl::learner_seed). Each check becomes an interaction (the answer
// from the check event); every change of the record updates the score, completion and success; the
// SCO commits after each check and a little after other changes, and on pagehide it sets exit to
// suspend (so the next launch resumes), commits and terminates. Without an LMS the page runs exactly as
// the offline file does.
//
// The record's format belongs to the engine: here it is an opaque string. suspend_data holds "KL1:" + the record when that fits the version's limit (SCORM 1.2: 4,096
// characters, 2004: 64,000), else "KL1z:" + base64 of the record deflated. When even that does not
// fit, suspend_data keeps the last record that did, the learner is told so, and the checks, score and
// status keep being reported (they are separate fields).
import { deflateSync, inflateSync, strToU8, strFromU8 } from 'fflate';
import { startPage as startNotebookPage } from './page.mjs';
import { keyFor } from './progress.mjs';

const PLAIN = 'KL1:';
const DEFLATED = 'KL1z:';
/** Commit this long after a change that is not a check (typing, hints), unless something commits first. */
const IDLE_COMMIT_MS = 10000; // one-owner: ten seconds, not the engine's answer length

/** The two run-times: their API object, function names, data model elements and limits. */
export const VERSIONS = {
  2004: {
    name: '2004',
    api: 'API_1484_11',
    fn: { init: 'Initialize', get: 'GetValue', set: 'SetValue', commit: 'Commit', finish: 'Terminate', error: 'GetLastError', errorString: 'GetErrorString' },
    learnerId: 'cmi.learner_id',
    learnerName: 'cmi.learner_name',
    suspendLimit: 64000,
    responseLimit: 4000, // long-fill-in: localized_string_type (SPM 4000)
    scoreRaw: 'cmi.score.raw',
  },
  '1.2': {
    name: '1.2',
    api: 'API',
    fn: { init: 'LMSInitialize', get: 'LMSGetValue', set: 'LMSSetValue', commit: 'LMSCommit', finish: 'LMSFinish', error: 'LMSGetLastError', errorString: 'LMSGetErrorString' },
    learnerId: 'cmi.core.student_id',
    learnerName: 'cmi.core.student_name',
    suspendLimit: 4096,
    responseLimit: 255, // CMIFeedback (CMIString255)
    scoreRaw: 'cmi.core.score.raw',
  },
};

function findFrom(win, name) {
  for (let hops = 0; win && hops < 500; hops++) {
    try {
      if (win[name]) return win[name];
    } catch {
      /* a window of another origin: keep walking up */
    }
    let parent = null;
    try {
      parent = win.parent;
    } catch {
      parent = null;
    }
    if (!parent || parent === win) break;
    win = parent;
  }
  return null;
}

/** The LMS's API object of this name: this window and its parents, then the opener and its parents. */
export function findAPI(name, win = globalThis.window) {
  if (!win) return null;
  const found = findFrom(win, name);
  if (found) return found;
  let opener = null;
  try {
    opener = win.opener;
  } catch {
    opener = null;
  }
  return opener ? findFrom(opener, name) : null;
}

/** The run-time this window can reach: the preferred version first, then the other. */
export function discover(preferred = '2004', win = globalThis.window) {
  const order = preferred === '1.2' ? ['1.2', '2004'] : ['2004', '1.2'];
  for (const v of order) {
    const api = findAPI(VERSIONS[v].api, win);
    if (api) return { version: VERSIONS[v], api };
  }
  return null;
}

// ---- suspend_data -------------------------------------------------------------------------------

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * suspend_data for a state string, or null when it does not fit `limit` characters even deflated.
 * (A string's length counts UTF-16 units, never fewer than the characters an LMS counts.)
 */
export function encodeState(state, limit) {
  if (state === null || state === '') return '';
  if (PLAIN.length + state.length <= limit) return PLAIN + state;
  const packed = DEFLATED + toBase64(deflateSync(strToU8(state), { level: 9 }));
  return packed.length <= limit ? packed : null;
}

/** The state string saved in suspend_data ('' or absent: none). Throws on data it did not write. */
export function decodeState(data) {
  if (!data) return null;
  if (data.startsWith(PLAIN)) return data.slice(PLAIN.length);
  if (data.startsWith(DEFLATED)) return strFromU8(inflateSync(fromBase64(data.slice(DEFLATED.length))));
  throw new Error('it was not written by KL Lab');
}

// ---- the data model, per version ------------------------------------------------------------------

const two = (n) => String(n).padStart(2, '0');

/** 2004 timeinterval (PT#H#M#S) and 1.2 CMITimespan (HHHH:MM:SS.SS). */
export function sessionTime(version, ms) {
  const cs = Math.max(0, Math.round(ms / 10));
  const h = Math.floor(cs / 360000), m = Math.floor((cs % 360000) / 6000), s = (cs % 6000) / 100;
  if (version.name === '2004') return `PT${h}H${m}M${s.toFixed(2)}S`;
  return `${two(Math.min(h, 9999))}:${two(m)}:${s.toFixed(2).padStart(5, '0')}`;
}

/** 2004: time(second,10,0), UTC to the hundredth; 1.2: CMITime, the local time of day. */
export function timestamp(version, date = new Date()) {
  if (version.name === '2004') return date.toISOString().replace(/(\.\d\d)\dZ$/, '$1Z');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** A typed answer as a learner_response / student_response: one line, within the version's length. */
export function responseText(version, text) {
  let s = String(text).replace(/\r\n?|\n/g, ' ⏎ ');
  // 2004: a leading '{' would be read as a delimiter such as {lang=...}
  if (version.name === '2004' && s.startsWith('{')) s = ` ${s}`;
  if (s.length > version.responseLimit) s = `${s.slice(0, version.responseLimit - 1)}…`;
  return s;
}

/**
 * A check as interaction fields (element suffix -> value), in the order they must be set.
 * @param o {id, kind, answer, state, score, date}; state: the verdict's page state (the engine's
 *   vocabulary: correct, partial, incorrect, invalid); a choice answer is the option's number (1-based)
 */
export function interactionFields(version, { id, kind, answer, state, score, date = new Date(), description = '' }) {
  const partial = score > 0 && score < 1 ? String(Number(score.toFixed(4))) : null;
  const result =
    state === 'correct' ? 'correct' : state === 'invalid' ? 'unanticipated' : partial ?? (version.name === '2004' ? 'incorrect' : 'wrong');
  const option = Number(answer);
  const isChoice = kind === 'choice' && Number.isInteger(option) && option >= 1;
  if (version.name === '2004') {
    const f = [['id', id], ['type', isChoice ? 'choice' : 'long-fill-in']];
    if (description) f.push(['description', description.slice(0, 250)]);
    f.push(['learner_response', isChoice ? String(option) : responseText(version, answer)], ['result', result], ['weighting', '1'], ['timestamp', timestamp(version, date)]);
    return f;
  }
  // 1.2: a choice response is one character, [0-9a-z]: options 1-9, then a-z
  const letter = isChoice && option <= 35 ? option.toString(36) : null;
  return [
    ['id', id],
    ['type', letter ? 'choice' : 'fill-in'],
    ['student_response', letter ?? responseText(version, answer)],
    ['result', result],
    ['weighting', '1'],
    ['time', timestamp(version, date)],
  ];
}

const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Score and status from the parts' verdicts as the page shows them ({state, score}: re-checked by the
 * engine). raw is a percentage (0..100: Moodle and others take 1.2's raw score as the grade out of
 * 100), scaled 0..1. A part counts as attempted once it has a verdict whose state is not invalid; the
 * notebook is completed when every part is (or, in 2004, when the LMS's completion_threshold is reached). Success needs a passing mark from the LMS (2004
 * scaled_passing_score, 1.2 mastery_score): passed at or above it, failed below it once completed,
 * otherwise unknown (1.2: the lesson status alone).
 */
export function statusOf(parts, { passing = null, completionThreshold = null } = {}) {
  const total = parts.length;
  const attempted = parts.filter((p) => p.state && p.state !== 'invalid').length;
  const sum = parts.reduce((s, p) => s + (p.state ? p.score : 0), 0);
  const scaled = total ? sum / total : 0;
  const progress = total ? attempted / total : 0;
  const completed = total > 0 && progress >= (completionThreshold ?? 1);
  let success = 'unknown';
  if (passing !== null) success = scaled >= passing ? 'passed' : completed ? 'failed' : 'unknown';
  return {
    raw: round(scaled * 100, 2),
    scaled: round(scaled, 7),
    progress: round(progress, 7),
    completed,
    success,
    checked: parts.some((p) => p.state),
  };
}

/** Data model elements and values for a status (set in this order). */
export function statusFields(version, st) {
  if (version.name === '2004') {
    const f = [];
    if (st.report) f.push(['cmi.score.min', '0'], ['cmi.score.max', '100'], ['cmi.score.raw', String(st.raw)], ['cmi.score.scaled', String(st.scaled)]);
    f.push(['cmi.progress_measure', String(st.progress)], ['cmi.completion_status', st.completed ? 'completed' : 'incomplete'], ['cmi.success_status', st.success]);
    return f;
  }
  const f = [];
  if (st.report) f.push(['cmi.core.score.min', '0'], ['cmi.core.score.max', '100'], ['cmi.core.score.raw', String(st.raw)]);
  const lesson = st.success !== 'unknown' ? st.success : st.completed ? 'completed' : 'incomplete';
  f.push(['cmi.core.lesson_status', lesson]);
  return f;
}

// ---- the connection -----------------------------------------------------------------------------

/** A connection to one LMS API: calls that never throw, with the LMS's last error kept. */
class Connection {
  constructor(version, api) {
    this.version = version;
    this.api = api;
    this.open = false;
    this.lastError = null;
    this.cache = new Map(); // element -> value last set (values are only sent when they change)
  }

  /** The API's answer as a string, or null when the call threw (a broken or half-gone LMS frame). */
  _call(fn, ...args) {
    try {
      return String(this.api[this.version.fn[fn]](...args));
    } catch (e) {
      this.lastError = { code: 'exception', message: e && e.message ? e.message : String(e) };
      return null;
    }
  }

  _failed(what) {
    let code = '', message = '';
    try {
      code = String(this.api[this.version.fn.error]());
      message = String(this.api[this.version.fn.errorString](code));
    } catch {
      /* an API without error functions */
    }
    this.lastError = { code, message, what };
    return false;
  }

  initialize() {
    if (this._call('init', '') === 'true') return (this.open = true);
    return this._failed('initialise');
  }

  get(element) {
    const v = this._call('get', element);
    return v === null || v === 'undefined' || v === 'null' ? '' : v;
  }

  set(element, value) {
    if (!this.open) return false;
    const text = String(value);
    if (this.cache.get(element) === text) return true;
    if (this._call('set', element, text) !== 'true') return this._failed(`set ${element}`);
    this.cache.set(element, text);
    return true;
  }

  commit() {
    if (!this.open) return false;
    return this._call('commit', '') === 'true' || this._failed('commit');
  }

  terminate() {
    if (!this.open) return false;
    this.open = false;
    return this._call('finish', '') === 'true' || this._failed('terminate');
  }
}

/**
 * A Storage-like object: the page's progress key (known once the page is parsed: keyOf()) lives in the
 * LMS, through onChange; other keys (copies set aside) in the browser's storage, as on the site.
 */
function lmsStorage(keyOf, initial, onChange) {
  let value = initial;
  let key = null;
  const ours = (k) => k === (key ??= keyOf());
  let local = null;
  try {
    local = globalThis.localStorage ?? null;
  } catch {
    local = null;
  }
  return {
    getItem(k) {
      if (ours(k)) return value;
      return local ? local.getItem(k) : null;
    },
    setItem(k, v) {
      if (ours(k)) {
        value = String(v);
        onChange(value);
      } else if (local) {
        local.setItem(k, String(v));
      }
    },
    removeItem(k) {
      if (ours(k)) {
        value = null;
        onChange(null);
      } else if (local) {
        local.removeItem(k);
      }
    },
  };
}

function numberOr(text, fallback) {
  if (text === '' || text === null || text === undefined) return fallback;
  const x = Number(text);
  return Number.isFinite(x) ? x : fallback;
}

function describe(partEl) {
  const ex = partEl?.closest('.kl-exercise');
  const title = ex?.querySelector('.kl-ex-head h3')?.textContent?.trim() ?? '';
  const label = partEl?.querySelector('.kl-part-id')?.textContent?.trim() ?? '';
  return [title, label && `part ${label}`].filter(Boolean).join(', ');
}

/**
 * Starts the notebook page as a SCO: connects to the LMS when one is found (else exactly the offline
 * page). Same options as page.mjs startPage; `version` ('2004' or '1.2') is the one the package was
 * made for (read from <meta name="kllab-scorm">), tried first.
 * @returns {Promise<{page: object, lms: object|null}>}
 */
export async function startPage(options) {
  const version = options.version ?? globalThis.document?.querySelector('meta[name="kllab-scorm"]')?.content ?? '2004';
  const found = discover(version);
  if (!found) return { page: await startNotebookPage(options), lms: null };

  const lms = new Connection(found.version, found.api);
  const pending = []; // notices until the page can show them
  let notify = (message, kind) => pending.push([message, kind]);
  if (!lms.initialize()) {
    const e = lms.lastError;
    const page = await startNotebookPage(options);
    page.notify(
      `This notebook could not connect to your course (the LMS answered ${e.code ? `error ${e.code}` : 'no'}${e.message ? `: ${e.message}` : ''}). It works, but your work is kept in this browser only, and your course does not see your scores.`,
      'warning',
    );
    return { page, lms: null };
  }
  const v = lms.version;
  const started = Date.now();
  const learner = { id: lms.get(v.learnerId), name: lms.get(v.learnerName) };

  let initial = null;
  const saved = lms.get('cmi.suspend_data');
  try {
    initial = decodeState(saved);
  } catch (e) {
    notify(`The work your course saved for this notebook could not be read (${e.message}), so the notebook starts fresh. Your course keeps that copy until you save new work here.`, 'warning');
  }

  let parts = () => [];
  let overflowNoticed = false;
  let lastFit = null; // when the record last fitted in suspend_data
  let idleTimer = null;
  let hadScore = lms.get(v.scoreRaw) !== '';
  const passing = v.name === '2004' ? numberOr(lms.get('cmi.scaled_passing_score'), null) : (() => {
    const m = numberOr(lms.get('cmi.student_data.mastery_score'), null);
    return m === null ? null : m / 100;
  })();
  const completionThreshold = v.name === '2004' ? numberOr(lms.get('cmi.completion_threshold'), null) : null;

  const scheduleCommit = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      lms.commit();
    }, IDLE_COMMIT_MS);
  };
  const commitNow = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    lms.commit();
  };

  const reportStatus = () => {
    const st = statusOf(parts(), { passing, completionThreshold });
    // no score before the first check (a fresh launch must not post a 0 grade); after that, always
    st.report = st.checked || hadScore;
    for (const [el, value] of statusFields(v, st)) lms.set(el, value);
    if (st.report) hadScore = true;
  };

  const saveState = (state) => {
    const data = encodeState(state, v.suspendLimit);
    if (data === null) {
      if (!overflowNoticed) {
        overflowNoticed = true;
        notify(
          `Your course keeps at most ${v.suspendLimit.toLocaleString('en')} characters of saved work for this notebook, and your work no longer fits, even compressed. ` +
            `Your checks, score and completion are still recorded by your course, but the work it restores next time is ${lastFit ? `as it was at ${lastFit.toLocaleTimeString()}` : 'from before this visit'}. Use “Export progress” to keep a complete copy.`,
          'warning',
        );
      }
    } else {
      if (overflowNoticed) {
        overflowNoticed = false;
        notify('Your work fits in your course’s saved data again: it is being saved there.', 'info');
      }
      lastFit = new Date();
      lms.set('cmi.suspend_data', data);
    }
    queueMicrotask(reportStatus);
    scheduleCommit();
  };

  const storage = lmsStorage(() => keyFor(document.querySelector('main[data-notebook]')?.dataset.notebook ?? '', learner.id), initial, saveState);
  const page = await startNotebookPage({ ...options, storage, learner, personalVariants: true });
  notify = page.notify;
  for (const [m, k] of pending) notify(m, k);
  if (page.parts) {
    parts = page.parts;
    reportStatus();
    lms.commit();
    const who = learner.name || learner.id;
    notify(`Connected to your course${who ? ` as ${who}` : ''} (SCORM ${v.name}): your work, checks and score are saved there.`, 'info');
  }

  let interactionsRefused = false;
  document.addEventListener('kllab:check', (e) => {
    const d = e.detail || {};
    const partEl = document.querySelector(`[data-part="${CSS.escape(String(d.part))}"]`);
    if (!interactionsRefused) {
      const n = numberOr(lms.get('cmi.interactions._count'), 0);
      const fields = interactionFields(v, {
        id: `${d.notebook}.${d.part}`,
        kind: partEl?.querySelector('input[type="radio"]') ? 'choice' : 'typed',
        answer: typeof d.answer === 'string' ? d.answer : '',
        state: d.status,
        score: d.score,
        description: describe(partEl),
      });
      for (const [name, value] of fields) {
        if (!lms.set(`cmi.interactions.${n}.${name}`, value) && name === 'id') {
          // the LMS keeps no more interactions: the score and status still go on
          interactionsRefused = true;
          console.warn(`KL Lab: the LMS refused interaction ${n} (${lms.lastError?.code} ${lms.lastError?.message}); checks are no longer journaled, the score still is.`);
          break;
        }
      }
    }
    reportStatus();
    commitNow();
  });

  // A hidden page may never come back (mobile): commit. Leaving: suspend, so the next launch resumes.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') commitNow();
  });
  // Back from the back/forward cache after the session ended: the LMS no longer listens.
  globalThis.addEventListener('pageshow', (e) => {
    if (e.persisted && !lms.open) notify('This page had already closed its session with your course, so what you do now is not recorded there. Reload the page to reconnect.', 'warning');
  });
  globalThis.addEventListener('pagehide', () => {
    if (!lms.open) return;
    if (idleTimer) clearTimeout(idleTimer);
    reportStatus();
    if (v.name === '2004') {
      lms.set('cmi.exit', 'suspend');
      lms.set('cmi.session_time', sessionTime(v, Date.now() - started));
    } else {
      lms.set('cmi.core.exit', 'suspend');
      lms.set('cmi.core.session_time', sessionTime(v, Date.now() - started));
    }
    lms.commit();
    lms.terminate();
  });
  return { page, lms };
}
