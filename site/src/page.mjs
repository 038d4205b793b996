// The notebook page (the site's pages and the single-file offline copies): the notebook goes to the
// engine's worker at once (its source sits in the <head>, before the page's script), while the page
// is parsed; then the pre-rendered exercises are hydrated from their markup (inputs work at once),
// code cells, sliders and plots (which run lazily, see cells.mjs), and the toolbar (export, import,
// reset). Ready (<html data-ready="true">, `kllab:ready`) when the first part can be checked.
import { openProgress } from './progress.mjs';
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

/** The notebook's source: {id, file, source} from the page's JSON, or null if it is missing or damaged. */
function notebookData(doc) {
  const node = doc.getElementById('kl-notebook');
  if (!node) return undefined; // not parsed yet
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
 * Hydrates the page.
 * @param {{client: object, storage?: Storage|null, learner?: {id: string, name?: string}|null}} o
 *   client: the engine client (engine-client.mjs), already starting its worker; storage: a Storage-like
 *   object the progress is kept in instead of localStorage; learner: who is working (their exercises
 *   start in their own variant). The SCORM adapter (lms.mjs) passes both.
 * @returns {Promise<{notify: Function, nb: object|null, parts?: () => {part: string, exercise: string, kind: string, verdict: (string|null), score: number}[]}>}
 *   parts (once the page is ready and its stored answers re-checked): each part's last checked
 *   verdict, in page order
 */
export async function startPage({ client, storage = null, learner = null }) {
  let doc = document;
  // for `make bench`: when the worker had compiled the engine (kllab:engine) and when the page was ready
  client.ready.then(() => performance.mark?.('kllab:engine'), () => {});
  // Start loading the notebook in the worker now if its source is already parsed (it is in <head>).
  let data = notebookData(doc);
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
    if (data === undefined) data = notebookData(doc);
    if (!data) {
      fail('the notebook data in this page is damaged');
      return { notify, nb: null };
    }
    nbPromise ??= handleOf(client.engine.loadNotebook(data.source, data.file));
    // The page is hydrated at once; calls wait for the notebook to be loaded in the worker.
    const nb = later(nbPromise);
    const progress = await openProgress(notebookId, notify, { storage, learner });
    const summary = doc.getElementById('kl-summary');
    let ex = null;
    const update = () => {
      summary.textContent = summaryText(ex.counts());
    };
    ex = hydrateExercises({ root: main, nb, progress, notebook: notebookId, notify, vocabulary: () => client.vocabulary, onChange: update });
    hydrateCells({ root: main, nb, notify });
    hydrateToc({ doc, root: main }); // the table of contents follows the parts' verdicts (course.mjs)
    hydrateToolbar({ doc, notebookId, progress, ex, notify, update });
    const restored = ex.restore({ initial: true });
    update();
    // ready: the engine has the notebook (a check now gets its verdict)
    await nbPromise;
    const errs = await nb.errors();
    if (!Array.isArray(errs)) throw new Error(errs?.error?.message || 'the notebook could not be loaded');
    if (errs.length) {
      fail(errs.map((e) => `${e.file}:${e.line}: ${e.message}`).join('; '));
      return { notify, nb };
    }
    // ready once the stored answers show their recomputed verdicts (each part on its own: a stored
    // answer that stops the engine gets its own verdict after the watchdog, and spoils nothing else)
    await restored;
    update();
    if (failed) return { notify, nb };
    status.ready();
    performance.mark?.('kllab:ready');
    doc.documentElement.dataset.ready = 'true';
    doc.dispatchEvent(new CustomEvent('kllab:ready', { detail: { notebook: notebookId } }));
    const parts = () =>
      [...ex.parts.values()].map((p) => {
        const r = progress.peekPart(p.id);
        return { part: p.id, exercise: p.exId, kind: p.kind, verdict: r?.verdict ?? null, score: r?.verdict ? r.score ?? 0 : 0 };
      });
    return { notify, nb, parts };
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
  }
  return { notify, nb: null };
}

function hydrateToolbar({ doc, notebookId, progress, ex, notify, update }) {
  const bar = doc.getElementById('kl-toolbar');
  const exp = bar.querySelector('[data-action="export"]');
  const imp = bar.querySelector('[data-action="import"]');
  const file = doc.getElementById('kl-import-file');
  const reset = bar.querySelector('[data-action="reset"]');
  const confirm = doc.getElementById('kl-reset-confirm');
  for (const b of [exp, imp, reset]) b.disabled = false;

  exp.addEventListener('click', () => {
    const blob = new Blob([JSON.stringify(progress.exportFile(), null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: `kllab-progress-${notebookId}-${new Date().toISOString().slice(0, 10)}.json`, hidden: true });
    doc.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });

  imp.addEventListener('click', () => file.click());
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    file.value = '';
    if (!f) return;
    if (f.size > 2_000_000) {
      notify(`“${f.name}” was not imported: it is too large to be a progress file.`, 'warning');
      return;
    }
    let text;
    try {
      text = await f.text();
    } catch (e) {
      notify(`“${f.name}” could not be read: ${e.message}`, 'warning');
      return;
    }
    const r = progress.parseImport(text);
    if (!r.ok) {
      notify(`“${f.name}” was not imported: ${r.reason}. Your current progress is unchanged.`, 'warning');
      return;
    }
    progress.replace(r.record);
    await ex.restore();
    update();
    notify(`Progress imported from “${f.name}”.`, 'info');
  });

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
    progress.reset();
    await ex.restore();
    update();
    close();
    notify('This notebook was reset: answers, hints, solutions and variants are cleared.', 'info');
  });
}
