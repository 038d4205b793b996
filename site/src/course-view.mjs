// The course around the notebooks, in one place: the build renders it (site/tools/build.mjs) and the
// runtime (course.mjs) finds its pieces with COURSE_SEL.
//   - a notebook's table of contents: its sections (the prose's ## headings) with their exercises, each
//     exercise's status, and a link to the next unfinished part;
//   - previous/next notebook links (not in the offline copies, which stand alone);
//   - the index page's total across notebooks;
//   - a skip link on every page.
import { h, trustedHTML } from './view.mjs';

export const COURSE_SEL = {
  toc: '#kl-toc',
  tocSummary: '[data-toc-summary]',
  tocExercise: '[data-toc-exercise]',
  tocExerciseById: (id) => `[data-toc-exercise="${String(id).replace(/["\\]/g, '\\$&')}"]`,
  tocStatus: '[data-toc-status]',
  next: '[data-toc-next]',
  total: '#kl-total',
  totalText: '[data-total-text]',
  totalBar: '[data-total-bar]',
  totalNext: '[data-total-next]',
};

/** The link that lets keyboard users jump past the top bar and toolbar. */
export function skipLinkView(target = 'main') {
  return h('a', { class: 'kl-skip', href: `#${target}` }, 'Skip to the content');
}

/**
 * The outline of a notebook page from its built HTML: its ## sections and its exercises, in page order.
 * Reads only markup the build itself made (heading ids from render.mjs, exercise sections from
 * exercise-view.mjs). @returns {{id: string, html: string, exercises: {id: string, title: string, parts: number}[]}[]}
 *   the first entry has id '' when exercises come before any section
 */
export function outlineOf(mainHTML, exercises) {
  const marks = [];
  for (const m of mainHTML.matchAll(/<h2 id="([^"]+)">([\s\S]*?)<\/h2>/g)) marks.push({ at: m.index, section: { id: m[1], html: m[2], exercises: [] } });
  for (const m of mainHTML.matchAll(/<section class="kl-exercise" id="([^"]+)" data-exercise="/g)) {
    const ex = exercises.find((x) => x.id === m[1]);
    if (ex) marks.push({ at: m.index, exercise: ex });
  }
  marks.sort((a, b) => a.at - b.at);
  const out = [];
  for (const m of marks) {
    if (m.section) out.push(m.section);
    else {
      if (!out.length) out.push({ id: '', html: '', exercises: [] });
      out[out.length - 1].exercises.push(m.exercise);
    }
  }
  return out;
}

/** "3 parts" */
function partsText(n) {
  return `${n} part${n === 1 ? '' : 's'}`;
}

/**
 * A notebook's table of contents (build time), from outlineOf. Exercises show their part count until
 * the runtime fills in each one's status.
 */
export function tocView(outline) {
  const exercises = outline.flatMap((s) => s.exercises);
  const parts = exercises.reduce((n, x) => n + x.parts, 0);
  const exerciseItem = (x) =>
    h(
      'li',
      { 'data-toc-exercise': x.id },
      h('a', { href: `#${x.id}` }, h('span', { class: 'kl-toc-id' }, x.id), ' ', x.title),
      ' ',
      h('span', { class: 'kl-toc-status', 'data-toc-status': 'todo' }, partsText(x.parts)),
    );
  return h(
    'nav',
    { class: 'kl-toc', id: 'kl-toc', 'aria-labelledby': 'kl-toc-title' },
    h('p', { class: 'kl-toc-next' }, h('a', { 'data-toc-next': '', href: exercises[0] ? `#${exercises[0].id}` : '#main' }, exercises[0] ? `Start with ${exercises[0].id}` : 'Start reading')),
    h(
      'details',
      { open: true },
      h(
        'summary',
        {},
        h('span', { class: 'kl-toc-title', id: 'kl-toc-title' }, 'Contents'),
        ' ',
        h('span', { class: 'kl-toc-summary', 'data-toc-summary': '' }, `${exercises.length} exercise${exercises.length === 1 ? '' : 's'}, ${partsText(parts)}`),
      ),
      h(
        'ol',
        { class: 'kl-toc-list' },
        outline.map((s) =>
          s.id
            ? h('li', { class: 'kl-toc-section' }, h('a', { href: `#${s.id}` }, trustedHTML(s.html)), s.exercises.length ? h('ol', {}, s.exercises.map(exerciseItem)) : null)
            : s.exercises.map(exerciseItem),
        ),
      ),
    ),
  );
}

/** Previous and next notebook, in the index's order (null at either end). */
export function pagerView(prev, next) {
  if (!prev && !next) return null;
  return h(
    'nav',
    { class: 'kl-pager', 'aria-label': 'Other notebooks' },
    prev ? h('a', { rel: 'prev', href: `${prev.id}.html` }, h('span', { class: 'kl-pager-dir' }, '← Previous notebook'), h('span', { class: 'kl-pager-title' }, prev.title)) : h('span'),
    next ? h('a', { rel: 'next', href: `${next.id}.html` }, h('span', { class: 'kl-pager-dir' }, 'Next notebook →'), h('span', { class: 'kl-pager-title' }, next.title)) : null,
  );
}

/** The index page's total across notebooks (filled by the runtime from what the pages left in storage). */
export function totalView(parts, notebooks) {
  return h(
    'section',
    { class: 'kl-total', id: 'kl-total', 'aria-labelledby': 'kl-total-title' },
    h('h2', { id: 'kl-total-title' }, 'Your progress'),
    h('p', { 'data-total-text': '' }, `${parts} parts in ${notebooks} notebooks. Your progress is kept in this browser.`),
    h('progress', { 'data-total-bar': '', max: parts, value: 0, 'aria-labelledby': 'kl-total-title', hidden: true }),
    h('p', { class: 'kl-total-next', hidden: true }, h('a', { 'data-total-next': '', href: '#' }, '')),
  );
}
