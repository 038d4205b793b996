// The notebook page (the site's pages and the single-file offline copies): loads the engine and the
// notebook, hydrates the pre-rendered exercises (ready: the first part can be checked), then code cells,
// sliders and plots (which run lazily, see cells.mjs), and the toolbar (export, import, reset).
import { openProgress } from './progress.mjs';
import { hydrateExercises, summaryText } from './exercise.mjs';
import { hydrateCells } from './cells.mjs';
import { el, notifier, keepScrollablesReachable } from './ui.mjs';

/** Resolves once the document is parsed (the page's script may start before, to load the engine early). */
export function whenParsed() {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }));
}

/**
 * Hydrates the page once it is parsed.
 * @param {{engine: Promise<import('./kllab.mjs').Engine>, storage?: Storage, learner?: {id: string, name?: string}}} o
 *   the engine, already loading (it compiles while the page is parsed); storage: a Storage-like object the
 *   progress is kept in instead of localStorage; learner: who is working (their exercises start in their
 *   own variant). The SCORM adapter (lms.mjs) passes both.
 * @returns {Promise<{notify: Function, parts?: () => {part: string, exercise: string, kind: string, verdict: (string|null), score: number}[]}>}
 *   parts (once the page is ready): each part's last checked verdict, in page order
 */
export async function startPage({ engine: enginePromise, storage = null, learner = null }) {
  enginePromise.catch(() => {}); // reported below, once the page can show it
  await whenParsed();
  const doc = document;
  const notify = notifier(doc.getElementById('kl-notices'));
  const main = doc.querySelector('main[data-notebook]');
  const notebookId = main.dataset.notebook;
  const statusEl = doc.getElementById('kl-engine-status');

  const fail = (message) => {
    statusEl.hidden = false;
    statusEl.classList.add('kl-error');
    statusEl.textContent = `The interactive engine could not start: ${message}. The text and the textbook numbers are still here; reload to try again.`;
    doc.documentElement.dataset.ready = 'error';
    doc.dispatchEvent(new CustomEvent('kllab:error', { detail: { message } }));
  };

  try {
    keepScrollablesReachable(main);
    let src;
    try {
      src = JSON.parse(doc.getElementById('kl-notebook').textContent);
    } catch {
      fail('the notebook data in this page is damaged');
      return { notify };
    }
    let nb;
    try {
      const engine = await enginePromise;
      performance.mark?.('kllab:engine');
      nb = engine.loadNotebook(src.source, src.file);
    } catch (e) {
      fail(e && e.message ? e.message : String(e));
      return { notify };
    }
    const progress = openProgress(notebookId, notify, { storage, learner });
    const errs = nb.errors();
    if (errs.length) {
      fail(errs.map((e) => `${e.file}:${e.line}: ${e.message}`).join('; '));
      return { notify };
    }
    const summary = doc.getElementById('kl-summary');
    let ex = null;
    const update = () => {
      summary.textContent = summaryText(ex.counts());
    };
    ex = hydrateExercises({ root: main, nb, progress, notebook: notebookId, notify, onChange: update });
    hydrateCells({ root: main, nb, notify });
    hydrateToolbar({ doc, notebookId, progress, ex, notify, update });
    ex.restore({ initial: true });
    update();
    statusEl.hidden = true;
    performance.mark?.('kllab:ready');
    doc.documentElement.dataset.ready = 'true';
    doc.dispatchEvent(new CustomEvent('kllab:ready', { detail: { notebook: notebookId } }));
    const parts = () =>
      [...ex.parts.values()].map((p) => {
        const r = progress.peekPart(p.part.id);
        return { part: p.part.id, exercise: p.exId, kind: p.part.kind, verdict: r?.verdict ?? null, score: r?.verdict ? r.score ?? 0 : 0 };
      });
    return { notify, parts };
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
  }
  return { notify };
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
    ex.restore();
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
  confirm.querySelector('[data-action="reset-yes"]').addEventListener('click', () => {
    progress.reset();
    ex.restore();
    update();
    close();
    notify('This notebook was reset: answers, hints, solutions and variants are cleared.', 'info');
  });
}
