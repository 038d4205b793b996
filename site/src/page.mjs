// The notebook page (the site's pages and the single-file offline copies): the notebook goes to the
// engine's worker at once (its source sits in the <head>, before the page's script), while the page
// is parsed; then the learner's record is handed to the engine (record.mjs), the pre-rendered
// exercises are hydrated from their markup (inputs work at once), code cells, sliders and plots (which
// run lazily, see cells.mjs), and the toolbar: who is working (the learner), export, import (the
// engine's preview first, then merge, replace or cancel), reset. Ready (<html data-ready="true">,
// `kllab:ready`) once the first part can be checked and the record shows its re-checked verdicts.
//
// The learner is set once: the LMS (lms.mjs passes it), else `?learner=ID` (and `&name=`) in the page's
// URL, else the learner this browser last named (the field on the page). Export never asks anything.
import { openRecord } from './record.mjs';
import { rememberedLearner, rememberLearner } from './progress.mjs';
import { hydrateExercises, summaryText } from './exercise.mjs';
import { hydrateCells } from './cells.mjs';
import { el, notifier, keepScrollablesReachable } from './ui.mjs';
import { handleOf } from './engine-client.mjs';
import { hydrateToc } from './course.mjs';
import { engineStatus } from './engine-status.mjs';

/** Resolves once the document is parsed (the page's script may start before, to load the engine early). */
export function whenParsed() {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }));
}

/** JSON data the build put in the page (a <script type="application/json">): undefined if not parsed yet, null if damaged. */
function pageData(doc, id) {
  const node = doc.getElementById(id);
  if (!node) return undefined;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return null;
  }
}

/**
 * Tells the learner about the engine's restarts: once per page for a restart, once if their cell
 * edits had to be dropped, and in the status line if the engine cannot go on.
 */
export function engineNotices(client, notify, fail) {
  let told = false;
  return client.subscribe((e) => {
    if (e.type === 'restarted' && !told) {
      told = true;
      notify('A computation was too large for the engine, so it was stopped and the engine restarted. Your answers and edits are kept, and the page keeps working.', 'warning');
    } else if (e.type === 'reset') {
      notify('The engine had to be restarted and your edits to the code cells could not be restored: the cells show the notebook\'s own code again.', 'warning');
    } else if (e.type === 'dead') {
      fail(e.reason);
    }
  });
}

/** An object whose methods call the same methods of what `promise` resolves to, once it has. */
export function later(promise) {
  return new Proxy(Object.create(null), {
    get(_, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      return async (...args) => (await promise)[name](...args);
    },
  });
}

/**
 * A loader of a notebook's reveal file (hints, solutions, mistakes' feedback: shown on request, so
 * never in the page): the offline file carries it inline, a served page fetches it on first use.
 */
export function revealLoader(doc, url) {
  let loading = null;
  return () =>
    (loading ??= (async () => {
      const inline = pageData(doc, 'kl-reveal');
      if (inline) return inline;
      const r = await fetch(url);
      if (!r.ok) throw new Error(`${url} answered ${r.status}`);
      return r.json();
    })().catch(() => {
      loading = null; // try again next time; meanwhile the engine's plain texts are shown
      return null;
    }));
}

/** The learner named in the page's URL (?learner=ID&name=NAME), or null. */
function urlLearner() {
  const params = new URLSearchParams(globalThis.location?.search ?? '');
  const id = (params.get('learner') || '').trim();
  return id ? { id, name: (params.get('name') || '').trim() } : null;
}

/**
 * Hydrates the page.
 * @param {{client: object, storage?: Storage|null, learner?: {id: string, name?: string}|null, personalVariants?: boolean}} o
 *   client: the engine client (engine-client.mjs), already starting its worker; storage: a Storage-like
 *   object the record is kept in instead of localStorage; learner: who is working, as the host knows it
 *   (the LMS); personalVariants: exercises start in the learner's own variant. The SCORM adapter
 *   (lms.mjs) passes all three.
 * @returns {Promise<{notify: Function, nb: object|null, parts?: () => {part: string, exercise: string, kind: string, verdict: (string|null), state: (string|null), score: number}[]}>}
 *   parts (once the page is ready and its stored answers re-checked): each part's verdict as shown, in page order
 */
export async function startPage({ client, storage = null, learner = null, personalVariants = false }) {
  let doc = document;
  // for `make bench`: when the worker had compiled the engine (kllab:engine) and when the page was ready
  client.ready.then(() => performance.mark?.('kllab:engine'), () => {});
  // Start loading the notebook in the worker now if its source is already parsed (it is in <head>).
  let data = pageData(doc, 'kl-notebook');
  let nbPromise = data ? handleOf(client.engine.loadNotebook(data.source, data.file)) : null;
  nbPromise?.catch(() => {});
  await whenParsed();
  doc = document;
  const notify = notifier(doc.getElementById('kl-notices'));
  const main = doc.querySelector('main[data-notebook]');
  const notebookId = main.dataset.notebook;
  const statusEl = doc.getElementById('kl-engine-status');
  const status = engineStatus(statusEl); // "loading", then "ready" (engine-status.mjs)

  let failed = false;
  const fail = (message) => {
    if (failed) return;
    failed = true;
    statusEl.hidden = false;
    delete statusEl.dataset.state;
    statusEl.classList.add('kl-error');
    statusEl.textContent = `The interactive engine could not start: ${message}. The text and the textbook numbers are still here; reload to try again.`;
    doc.documentElement.dataset.ready = 'error';
    doc.dispatchEvent(new CustomEvent('kllab:error', { detail: { message } }));
  };
  engineNotices(client, notify, fail);

  try {
    keepScrollablesReachable(main);
    if (data === undefined) data = pageData(doc, 'kl-notebook');
    if (!data) {
      fail('the notebook data in this page is damaged');
      return { notify, nb: null };
    }
    nbPromise ??= handleOf(client.engine.loadNotebook(data.source, data.file));
    // The page is hydrated at once; calls wait for the notebook to be loaded in the worker.
    const nb = later(nbPromise);
    // who is working: the host's learner (LMS), the URL's, or the one this browser last named
    const fromUrl = learner ? null : urlLearner();
    const who = learner ?? fromUrl ?? (storage ? null : rememberedLearner());
    if (fromUrl && !storage) rememberLearner(fromUrl);
    const record = openRecord({ nb, notebook: notebookId, learner: who, personalVariants, storage, notify });
    const summary = doc.getElementById('kl-summary');
    let ex = null;
    const update = () => {
      const c = ex.counts();
      summary.textContent = summaryText(c);
      record.noteCounts(c);
    };
    const reveal = revealLoader(doc, `embed/${encodeURIComponent(notebookId)}.reveal.json`);
    ex = hydrateExercises({
      root: main,
      nb,
      record,
      notebook: notebookId,
      notify,
      reveal,
      vocabulary: () => client.vocabulary,
      engineDead: () => client.state === 'dead',
      onChange: update,
    });
    hydrateCells({ root: main, nb, notify });
    hydrateToc({ doc, root: main }); // the table of contents follows the parts' verdicts (course.mjs)
    hydrateToolbar({ doc, client, notebookId, record, ex, notify, update, fixed: !!(learner || fromUrl), lms: !!learner });
    const restored = ex.restore({ keepTyped: true });
    // ready: the engine has the notebook (a check now gets its verdict)
    await nbPromise;
    const errs = await nb.errors();
    if (!Array.isArray(errs)) throw new Error(errs?.error?.message || 'the notebook could not be loaded');
    if (errs.length) {
      fail(errs.map((e) => `${e.file}:${e.line}: ${e.message}`).join('; '));
      return { notify, nb };
    }
    // ready once the stored answers show their recomputed verdicts (each part on its own: a stored
    // answer that stops the engine is set aside after the watchdog, and spoils nothing else)
    await restored;
    update();
    if (failed) return { notify, nb };
    status.ready();
    performance.mark?.('kllab:ready');
    doc.documentElement.dataset.ready = 'true';
    doc.dispatchEvent(new CustomEvent('kllab:ready', { detail: { notebook: notebookId } }));
    const parts = () => [...ex.parts.values()].map((p) => ({ part: p.id, exercise: p.exId, kind: p.kind, verdict: p.verdict, state: p.state, score: p.state ? p.score : 0 }));
    return { notify, nb, parts, record };
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
  }
  return { notify, nb: null };
}

function download(doc, text, name) {
  const blob = new Blob([text], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, hidden: true });
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // the download has started long before a minute is up
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

const who = (l) => (l.name && l.name !== l.id ? `${l.name} (${l.id})` : l.id);

/** A file name part from a learner id: letters, digits, '-' and '_' only. */
const fileSafe = (s) => String(s).replace(/[^\w-]+/g, '_').slice(0, 60);

function hydrateToolbar({ doc, client, notebookId, record, ex, notify, update, fixed, lms }) {
  const bar = doc.getElementById('kl-toolbar');
  const exp = bar.querySelector('[data-action="export"]');
  const imp = bar.querySelector('[data-action="import"]');
  const file = doc.getElementById('kl-import-file');
  const reset = bar.querySelector('[data-action="reset"]');
  const confirm = doc.getElementById('kl-reset-confirm');
  for (const b of [exp, imp, reset]) b.disabled = false;

  hydrateLearner({ doc, client, record, ex, notify, update, fixed, lms });

  exp.addEventListener('click', async () => {
    await record.flush();
    const r = await record.exportFile();
    if (!r.ok) {
      notify(`Your progress could not be exported: ${r.error.message}`, 'warning');
      return;
    }
    const l = record.learner;
    download(doc, r.text, `kllab-${notebookId}${l ? `-${fileSafe(l.id)}` : ''}-${new Date().toISOString().slice(0, 10)}.json`);
  });

  imp.addEventListener('click', () => file.click());
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    file.value = '';
    if (!f) return;
    const max = client.limits?.exportBytes;
    if (max && f.size > max) {
      notify(`“${f.name}” was not imported: it is larger than a KL Lab export can be. Your current progress is unchanged.`, 'warning');
      return;
    }
    let text;
    try {
      text = await f.text();
    } catch (e) {
      notify(`“${f.name}” could not be read: ${e.message}`, 'warning');
      return;
    }
    const preview = await record.previewImport(text);
    if (!preview || !preview.ok) {
      notify(`“${f.name}” was not imported: ${preview?.error?.message ?? 'the engine did not answer'}. Your current progress is unchanged.`, 'warning');
      return;
    }
    const choice = await importDialog(doc, { name: f.name, preview, learner: record.learner });
    if (!choice) return;
    const r = await record.applyImport(text, { merge: choice === 'merge', learner: preview.learner });
    if (!r.ok) {
      notify(`“${f.name}” was not imported: ${r.error.message}. Your current progress is unchanged.`, 'warning');
      return;
    }
    await ex.restore();
    update();
    showLearner();
    notify(
      `Progress ${choice === 'merge' ? 'merged' : 'replaced'} from “${f.name}”; every answer in it was checked again.` +
        (r.aside ? ` Your progress as it was before is kept in this browser's storage under “${r.aside}”.` : ''),
      'info',
    );
  });

  function showLearner() {
    doc.getElementById('kl-learner')?.dispatchEvent(new CustomEvent('kl-learner-changed'));
  }

  reset.addEventListener('click', () => {
    confirm.hidden = false;
    confirm.querySelector('[data-action="reset-yes"]').focus();
  });
  const close = () => {
    confirm.hidden = true;
    reset.focus();
  };
  confirm.querySelector('[data-action="reset-no"]').addEventListener('click', close);
  confirm.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
  confirm.querySelector('[data-action="reset-yes"]').addEventListener('click', async () => {
    await record.reset();
    await ex.restore();
    update();
    close();
    notify('This notebook was reset: answers, hints, solutions and variants are cleared.', 'info');
  });
}

/**
 * Who is working: "Working as …" with the learner the page has, or a small field to name oneself
 * (optional: export works without it). A learner from the URL or the LMS is fixed for the page.
 */
function hydrateLearner({ doc, client, record, ex, notify, update, fixed, lms }) {
  const box = doc.getElementById('kl-learner');
  if (!box) return;
  const whoEl = box.querySelector('[data-learner-who]');
  const nameEl = box.querySelector('[data-learner-name]');
  const change = box.querySelector('[data-action="learner-change"]');
  const form = box.querySelector('[data-learner-form]');
  const input = form.querySelector('input');
  const cancel = form.querySelector('[data-action="learner-cancel"]');
  const setLimit = () => {
    const max = client.limits?.learnerText;
    if (max) input.setAttribute('maxlength', String(max));
  };
  setLimit();
  client.ready.then(setLimit, () => {});

  const show = (editing = false) => {
    const l = record.learner;
    // in an LMS the course says who is working (and may say nobody): no field to name oneself
    box.hidden = lms && !l;
    whoEl.hidden = !l || editing;
    form.hidden = !!l && !editing;
    if (l) nameEl.textContent = lms ? `${who(l)}, from your course` : who(l);
    change.hidden = fixed;
    cancel.hidden = !l;
  };
  box.addEventListener('kl-learner-changed', () => show());
  show();
  change.addEventListener('click', () => {
    input.value = record.learner?.id ?? '';
    show(true);
    input.focus();
  });
  cancel.addEventListener('click', () => {
    show();
    change.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = input.value.trim();
    if (!id) {
      input.focus();
      return;
    }
    const before = record.learner;
    const r = await record.setLearner({ id, name: '' });
    if (!r.ok) {
      notify(`The learner could not be set: ${r.error.message}`, 'warning');
      return;
    }
    if (r.switched) {
      await ex.restore();
      update();
      notify(`This page now shows the work of ${who(record.learner)}; ${who(before)}'s work is kept in this browser.`, 'info');
    } else if (!before) {
      notify(`Your work on this notebook is now recorded as ${who(record.learner)}, and your exports carry that name.`, 'info');
    }
    show();
    change.focus();
  });
}

/**
 * Shows what importing a file would change (the engine's preview) and asks: merge, replace or
 * cancel. Another learner's file is not taken: records of different learners never mix.
 * @returns {Promise<'merge'|'replace'|null>}
 */
function importDialog(doc, { name, preview, learner }) {
  const p = preview;
  const file = p.learner && p.learner.id ? p.learner : null;
  const other = p.otherLearner;
  const facts = [
    el('li', {}, `From: ${file ? who(file) : 'no learner named'}${p.exported ? ` · exported ${p.exported}` : ''}`),
    el('li', {}, `Parts with work in the file: ${p.partsInFile} (new here: ${p.partsNew}; different from yours: ${p.partsChanged})`),
    el('li', {}, `Checked answers that are not in your progress yet: ${p.attemptsNew}`),
  ];
  const body = [el('ul', { class: 'kl-import-facts' }, ...facts)];
  if (other) {
    body.push(
      el(
        'p',
        { class: 'kl-import-warning', 'data-import': 'other-learner' },
        `This file is the work of ${who(file)}, not of ${who(learner)}, who is working on this page. Records of different learners are kept apart, so it cannot be merged into or replace this work. ` +
          `To look at it, open this page with ?learner=${file.id} and import it there.`,
      ),
    );
  } else if (file && !learner) {
    body.push(el('p', { class: 'kl-import-note', 'data-import': 'adopt' }, `Importing makes ${who(file)} the learner on this page: your exports will carry that name.`));
  }
  if (p.warnings.length) body.push(el('p', { class: 'kl-import-note' }, `Read with changes: ${p.warnings.slice(0, 3).join('; ')}${p.warnings.length > 3 ? ` and ${p.warnings.length - 3} more` : ''}.`));
  body.push(el('p', { class: 'kl-import-note' }, 'Verdicts stored in a file count for nothing: every answer is checked again. Your progress as it is now is kept in this browser before anything changes.'));
  const buttons = other
    ? [el('button', { type: 'button', 'data-choice': 'cancel' }, 'Close')]
    : [
        el('button', { type: 'button', 'data-choice': 'merge', class: 'kl-primary' }, 'Merge with my progress'),
        el('button', { type: 'button', 'data-choice': 'replace' }, 'Replace my progress'),
        el('button', { type: 'button', 'data-choice': 'cancel' }, 'Cancel'),
      ];
  const dialog = el(
    'dialog',
    { class: 'kl-dialog', id: 'kl-import-dialog', 'aria-labelledby': 'kl-import-title' },
    el('h2', { id: 'kl-import-title' }, `Import “${name}”?`),
    ...body,
    el('div', { class: 'kl-dialog-buttons' }, ...buttons),
  );
  doc.body.appendChild(dialog);
  return new Promise((resolve) => {
    let choice = null;
    for (const b of dialog.querySelectorAll('[data-choice]')) {
      b.addEventListener('click', () => {
        choice = b.dataset.choice === 'cancel' ? null : b.dataset.choice;
        dialog.close();
      });
    }
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(choice);
    });
    dialog.showModal();
    dialog.querySelector('[data-choice]').focus();
  });
}
