// The course around the notebooks, at run time (the markup is course-view.mjs):
//   - hydrateToc: each exercise's status in the notebook's table of contents, and the next unfinished
//     part, read from the page itself (each part's data-verdict, which the page sets from the verdicts
//     the engine recomputed: nothing stored is trusted here), followed as verdicts change;
//   - showTotals: the index page's total across notebooks, from each notebook's summary as its page
//     left it in storage (progress.mjs summarise), robust to any of them missing or unreadable.
import { COURSE_SEL } from './course-view.mjs';
import { SEL } from './exercise-view.mjs';

/**
 * Each part's state on the page, in page order: {id, exercise, state} where state is the part's
 * data-verdict (correct | partial | incorrect | invalid) or '' before any check. Parts being checked
 * keep the state they had before (`last`, updated here).
 */
export function partStates(root, last = new Map()) {
  const out = [];
  for (const ex of root.querySelectorAll(SEL.exercise)) {
    for (const p of ex.querySelectorAll(SEL.part)) {
      const id = p.dataset.part;
      let state = p.dataset.verdict || '';
      if (p.getAttribute('aria-busy') === 'true' && !state) state = last.get(id) ?? '';
      last.set(id, state);
      out.push({ id, exercise: ex.dataset.exercise, state, el: p });
    }
  }
  return out;
}

/**
 * The table of contents' figures from the parts' states: per exercise {parts, correct, tried, status
 * ('done' | 'started' | 'todo')}, the totals, and the first part not yet correct.
 */
export function tocFigures(states) {
  const exercises = new Map();
  let correct = 0, done = 0, next = null;
  for (const s of states) {
    if (!exercises.has(s.exercise)) exercises.set(s.exercise, { parts: 0, correct: 0, tried: 0 });
    const x = exercises.get(s.exercise);
    x.parts++;
    if (s.state) x.tried++;
    if (s.state === 'correct') x.correct++;
    else next ??= s;
  }
  for (const x of exercises.values()) {
    x.status = x.correct === x.parts ? 'done' : x.tried ? 'started' : 'todo';
    correct += x.correct;
    if (x.status === 'done') done++;
  }
  return { exercises, parts: states.length, correct, done, next };
}

function statusText(x) {
  if (x.status === 'done') return `✓ all ${x.parts} correct`;
  if (x.status === 'started') return `${x.correct} of ${x.parts} correct`;
  return `${x.parts} part${x.parts === 1 ? '' : 's'}`;
}

/**
 * Follows the verdicts under `root` in the table of contents of `doc` (if the page has one).
 * @returns {{refresh: () => void}|null} refresh: recount now (the record code may call it after it
 *   changes many parts at once; the contents also follow every data-verdict change by themselves)
 */
export function hydrateToc({ doc = document, root }) {
  const toc = doc.querySelector(COURSE_SEL.toc);
  if (!toc || !root) return null;
  const last = new Map();
  // on a phone the contents would fill several screens: they start folded there (the next part shows)
  if (doc.defaultView?.matchMedia?.('(max-width: 560px)').matches) toc.querySelector('details')?.removeAttribute('open');
  const summary = toc.querySelector(COURSE_SEL.tocSummary);
  const nextLink = toc.querySelector(COURSE_SEL.next);
  let nextPart = null;

  const refresh = () => {
    const f = tocFigures(partStates(root, last));
    for (const [id, x] of f.exercises) {
      const item = toc.querySelector(COURSE_SEL.tocExerciseById(id));
      const status = item?.querySelector(COURSE_SEL.tocStatus);
      if (!status) continue;
      status.dataset.tocStatus = x.status;
      status.textContent = statusText(x);
    }
    const exercises = f.exercises.size;
    summary.textContent = `${f.done} of ${exercises} exercise${exercises === 1 ? '' : 's'} done · ${f.correct} of ${f.parts} parts correct`;
    nextPart = f.next;
    if (f.next) {
      nextLink.hidden = false;
      nextLink.href = `#${f.next.el.id || f.next.exercise}`;
      nextLink.textContent = `Next unfinished part: ${f.next.id}`;
      nextLink.dataset.nextPart = f.next.id;
    } else if (f.parts) {
      nextLink.removeAttribute('data-next-part');
      const pager = doc.querySelector('.kl-pager a[rel="next"]');
      nextLink.href = pager ? pager.getAttribute('href') : '#main';
      nextLink.textContent = pager ? 'Every part is correct. On to the next notebook' : 'Every part of this notebook is correct.';
    }
    toc.dataset.correct = String(f.correct);
  };

  // following the link also puts the cursor in that part's answer box
  nextLink.addEventListener('click', () => {
    const input = nextPart?.el.querySelector(`${SEL.input}, ${SEL.radio}`);
    if (input && !input.disabled) requestAnimationFrame(() => input.focus({ preventScroll: true }));
  });

  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      refresh();
    }, 50);
  };
  if (typeof MutationObserver === 'function') {
    new MutationObserver(schedule).observe(root, { subtree: true, attributes: true, attributeFilter: ['data-verdict', 'aria-busy'] });
  }
  refresh();
  return { refresh };
}

/**
 * The index page's total: `cards` is each notebook's {id, title, href, total (its parts), summary
 * (progress.mjs summarise: {state, correct, partial, tried})}, in the index's order. Anything unreadable
 * counts as not started.
 */
export function courseTotals(cards) {
  let parts = 0, correct = 0, partial = 0, started = 0;
  const unfinished = [];
  for (const c of cards) {
    const total = Number.isSafeInteger(c.total) && c.total > 0 ? c.total : 0;
    const s = c.summary && c.summary.state === 'ok' ? c.summary : null;
    const clamp = (x) => (Number.isFinite(x) && x > 0 ? Math.min(Math.floor(x), total) : 0);
    const right = s ? clamp(s.correct) : 0;
    const partly = s ? Math.min(clamp(s.partial), total - right) : 0;
    const tried = s ? clamp(s.tried) : 0;
    parts += total;
    correct += right;
    partial += partly;
    if (tried) started++;
    if (right < total) unfinished.push({ ...c, tried });
  }
  // where to go on: the first notebook begun and not finished, else the first not begun
  const next = unfinished.find((c) => c.tried) ?? unfinished[0] ?? null;
  return { parts, correct, partial, started, next };
}

/** Fills the index's total (course-view.mjs totalView) from courseTotals. */
export function showTotals(doc, cards) {
  const box = doc.querySelector(COURSE_SEL.total);
  if (!box) return null;
  const t = courseTotals(cards);
  const text = box.querySelector(COURSE_SEL.totalText);
  const bar = box.querySelector(COURSE_SEL.totalBar);
  const link = box.querySelector(COURSE_SEL.totalNext);
  const pct = t.parts ? Math.round((100 * t.correct) / t.parts) : 0;
  if (t.started) {
    text.textContent = `${t.correct} of ${t.parts} parts correct across ${cards.length} notebooks (${pct}%)${t.partial ? `, ${t.partial} partly` : ''}.`;
    bar.max = t.parts || 1;
    bar.value = t.correct;
    bar.textContent = `${pct}%`;
    bar.hidden = false;
  }
  if (t.next && link) {
    link.href = t.next.href;
    link.textContent = `${t.next.tried ? 'Continue' : t.started ? 'Next' : 'Start'}: ${t.next.title}`;
    link.parentElement.hidden = false;
  } else if (link && t.parts) {
    link.parentElement.hidden = false;
    link.removeAttribute('href');
    link.textContent = 'Every part of every notebook is correct.';
  }
  box.dataset.correct = String(t.correct);
  box.dataset.parts = String(t.parts);
  return t;
}
