// The markup of an exercise, in one place: the build renders it to HTML (site/tools/build.mjs) and the
// runtime (exercise.mjs) finds its pieces with the selectors defined here and builds its feedback with
// the views below. Changing a class, an attribute or the nesting here changes both sides at once;
// tests/site/exercise-view.test.mjs renders an exercise and finds every piece with SEL.
import { h, trustedHTML, displayNumber } from './view.mjs';
import { answerAidsView, previewId } from './answer-view.mjs';

/** Selectors of the exercise markup (relative to an exercise section, or to a part where noted). */
export const SEL = {
  exercise: '.kl-exercise[data-exercise]',
  part: '.kl-part[data-part]',
  partById: (id) => `.kl-part[data-part="${cssString(id)}"]`,
  // inside a part
  form: 'form[data-form]',
  input: '.kl-input',
  radio: 'input[type="radio"]',
  radioChecked: 'input[type="radio"]:checked',
  choices: 'form[data-form] > fieldset',
  choice: '.kl-choice[data-choice]',
  controls: 'input, textarea, button',
  feedback: '.kl-feedback',
  hints: ':scope > .kl-hints',
  hintItems: ':scope > .kl-hints > li',
  hintCount: '.kl-count', // inside the hint button
  solution: ':scope > .kl-solution',
  solutionBody: ':scope > .kl-solution > .kl-solution-body',
  confirm: ':scope > [data-confirm]',
  action: (name) => `[data-action="${name}"]`,
  /**
   * a slot-bearing text of a part: prompt, hint:N, solution, and a derivation's step:I, step:I:hint:N
   * (hints and the solution once shown)
   */
  text: (t) => `:scope > [data-t="${t}"], :scope > .kl-hints > [data-t="${t}"], :scope > .kl-steps > li > [data-t="${t}"]`,
  // inside an exercise
  intro: ':scope > [data-t="intro"]',
  variantLabel: '[data-variant-label]',
  slot: '[data-slot]',
  heading: '.kl-ex-head h3',
  partHeading: 'h4.kl-part-id',
};

function cssString(s) {
  return String(s).replace(/["\\]/g, '\\$&');
}

/** What to type, per kind of part (shown next to the input). */
const KIND_LABEL = {
  number: 'a number, or an expression such as 0.5*ln(5/7)',
  derivation: 'one formula per step: one step per line, or steps separated by ;',
  vector: 'a vector, like [1, 2, 3]',
  probability: 'a probability vector, like [0.2, 0.3, 0.5]',
  matrix: 'a matrix, like [[1, 0], [0, 1]]',
};

/**
 * An exercise as a view (build time).
 * @param ex the engine's exercise structure (nb.exercise(id))
 * @param o {html: (template, values, what, options?) => string (the build's rendering of an author text,
 *           with its slots filled with `values`), slots: the engine's exerciseSlots for variant 0,
 *           answerLength: the engine's answer limit (maxlength of every answer input), functions: the
 *           functions answers may call (answer-view.mjs answerFunctions), listed in each box's notation help}
 */
export function exerciseView(ex, { html, slots, answerLength, functions = [] }) {
  const id = ex.id;
  const text = (t, values, what, o) => (t && t.text ? trustedHTML(html(t, values || [], what, o)) : null);
  return h(
    'section',
    { class: 'kl-exercise', id, 'data-exercise': id, 'aria-labelledby': `${id}-title` },
    h(
      'header',
      { class: 'kl-ex-head' },
      h('h3', { id: `${id}-title` }, h('span', { class: 'kl-ex-id' }, id), ` ${ex.title || id}`),
      h(
        'div',
        { class: 'kl-variant' },
        h('span', { class: 'kl-variant-label', 'data-variant-label': '', 'aria-live': 'polite' }, variantLabel(0)),
        h('button', { type: 'button', 'data-action': 'variant', disabled: true }, 'Try another variant'),
        h('button', { type: 'button', 'data-action': 'textbook', hidden: true }, 'Back to the textbook numbers'),
      ),
    ),
    ex.intro?.text ? h('div', { class: 'kl-intro', 'data-t': 'intro' }, text(ex.intro, slots.intro, `${id} intro`)) : null,
    ex.parts.map((part) => partView(ex, part, slots.parts[part.id] || { prompt: [], hints: [], solution: [], mistakes: [], choices: [] }, { text, answerLength, functions })),
  );
}

function partView(ex, part, ps, { text, answerLength, functions }) {
  const pid = part.id;
  const hints = hintCount(part);
  return h(
    'div',
    { class: 'kl-part', id: pid !== ex.id ? pid : null, 'data-part': pid, 'data-kind': part.kind, 'data-hints': hints || null },
    h('h4', { class: 'kl-part-id' }, pid),
    h('div', { class: 'kl-prompt', id: `prompt-${pid}`, 'data-t': 'prompt' }, text(part.prompt, ps.prompt, `${pid} prompt`)),
    part.kind === 'derivation' ? stepsView(part, ps, text) : null,
    part.kind === 'choice' ? choiceForm(part, text, ps.order) : answerForm(part, answerLength, functions),
    h('div', { class: 'kl-feedback', id: `fb-${pid}`, role: 'status', 'aria-live': 'polite' }),
    h(
      'div',
      { class: 'kl-tools' },
      hints ? h('button', { type: 'button', 'data-action': 'hint', disabled: true }, 'Hint ', h('span', { class: 'kl-count' }, hintCountText(0, hints))) : null,
      part.solution?.text ? h('button', { type: 'button', 'data-action': 'solution', disabled: true }, 'Show solution') : null,
    ),
    h(
      'div',
      { class: 'kl-confirm', 'data-confirm': '', hidden: true, role: 'group', 'aria-label': 'Confirm showing the solution' },
      h('p', {}, `Show the worked solution for ${pid}? It is recorded in your progress.`),
      h('button', { type: 'button', 'data-action': 'solution-yes' }, 'Show the solution'),
      h('button', { type: 'button', 'data-action': 'solution-no' }, 'Not yet'),
    ),
    // Hints, the solution and the feedback of mistakes are shown on request, so they may state the
    // answer: they are not in the page. The runtime adds them from the notebook's reveal file
    // (revealTexts, below) when the learner asks, with the variant's numbers.
    hints ? h('ol', { class: 'kl-hints', 'aria-label': `Hints for ${pid}`, 'aria-live': 'polite' }) : null,
    part.solution?.text
      ? h(
          'div',
          { class: 'kl-solution', 'data-t': 'solution', hidden: true, tabindex: '-1', 'aria-label': `Worked solution for ${pid}` },
          h('p', { class: 'kl-solution-head' }, 'Worked solution'),
          h('div', { class: 'kl-solution-body' }),
        )
      : null,
  );
}

/**
 * The texts of an exercise that are shown on request, as HTML for the notebook's reveal file
 * (embed/<notebook>.reveal.json; inlined in the offline file): per part, its hints, its worked
 * solution, the feedback of its author mistakes and choices, and a derivation's step hints and step
 * mistakes' feedback, each rendered like the page's texts (slots filled with `slots`, variant 0; the
 * runtime refills them).
 * @returns {Record<string, {hints: string[], solution: string, mistakes: (string|null)[], choices: (string|null)[], steps: {hints: string[], mistakes: (string|null)[]}[]}>}
 */
export function revealTexts(ex, { html, slots }) {
  const out = {};
  const text = (t, values, what) => (t && t.text ? html(t, values || [], what) : null);
  for (const part of ex.parts) {
    const pid = part.id;
    const ps = slots.parts[pid] || { hints: [], solution: [], mistakes: [], choices: [], steps: [] };
    out[pid] = {
      hints: part.hints.map((t, i) => text(t, ps.hints[i], `${pid} hint ${i + 1}`) ?? ''),
      solution: text(part.solution, ps.solution, `${pid} solution`) ?? '',
      mistakes: part.mistakes.map((m, i) => text(m, ps.mistakes[i], `${pid} mistake ${i + 1}`)),
      choices: part.choices.map((c, i) => text(c.feedback, ps.choices[i], `${pid} choice ${i + 1} feedback`)),
      steps: stepList(part).map((step, i) => ({
        hints: step.hints.map((t, j) => text(t, ps.steps?.[i]?.hints[j], `${pid} step ${i + 1} hint ${j + 1}`) ?? ''),
        mistakes: step.mistakes.map((m, j) => text(m, ps.steps?.[i]?.mistakes[j], `${pid} step ${i + 1} mistake ${j + 1}`)),
      })),
    };
  }
  return out;
}

/**
 * Where hint number `index` of a part comes from: the engine's order is the part's own hints, then a
 * derivation's step hints. `reveal` is the part's entry of the reveal file (or the same shape).
 * @returns {{step: number, n: number}} step -1: the part's own hint n
 */
export function hintPlace(reveal, index) {
  if (index < reveal.hints.length) return { step: -1, n: index };
  let n = index - reveal.hints.length;
  for (let i = 0; i < reveal.steps.length; i++) {
    if (n < reveal.steps[i].hints.length) return { step: i, n };
    n -= reveal.steps[i].hints.length;
  }
  return { step: -1, n: index };
}

/** A shown hint as a list item (`body`: its content, a DOM fragment or text). */
export function hintItemView({ step, n }, body) {
  const t = step < 0 ? `hint:${n}` : `step:${step}:hint:${n}`;
  return h('li', { 'data-t': t }, step < 0 ? null : h('p', { class: 'kl-step-label' }, `Step ${step + 1}`), body);
}

function stepList(part) {
  return part.kind === 'derivation' ? part.steps || [] : [];
}

/** Hints of a part: its own, then (a derivation) its steps'. */
function hintCount(part) {
  return part.hints.length + stepList(part).reduce((n, s) => n + s.hints.length, 0);
}

/** A derivation's steps: what each step asks, and the feedback templates of its mistakes. */
function stepsView(part, ps, text) {
  const pid = part.id;
  return h(
    'ol',
    { class: 'kl-steps', 'aria-label': `Steps of ${pid}` },
    stepList(part).map((step, i) =>
      h(
        'li',
        { 'data-step': i + 1 },
        h('div', { class: 'kl-step-prompt', 'data-t': `step:${i}` }, text(step.prompt, ps.steps?.[i]?.prompt, `${pid} step ${i + 1}`)),
      ),
    ),
  );
}

/**
 * A choice part's options in `order` (the variant's display order from the engine: 0-based authored
 * indices; the authored order if none). Each radio keeps its authored number as its value and id, so the
 * answer checked is the same whatever the order on screen.
 */
function choiceForm(part, text, order) {
  const pid = part.id;
  return h(
    'form',
    { class: 'kl-answer', 'data-form': '', novalidate: true },
    h(
      'fieldset',
      { 'aria-describedby': `prompt-${pid}` },
      h('legend', {}, 'Choose one answer'),
      choiceOrder(order, part.choices.length).map((i) => {
        const c = part.choices[i];
        return h(
          'div',
          { class: 'kl-choice', 'data-choice': i + 1 },
          h('input', { type: 'radio', name: pid, id: `${pid}-${i + 1}`, value: i + 1, autocomplete: 'off', disabled: true }),
          h('label', { for: `${pid}-${i + 1}` }, text({ text: c.text }, null, `${pid} choice ${i + 1}`, { inline: true, template: false, line: part.line })),
        );
      }),
    ),
    h('div', { class: 'kl-answer-row' }, h('button', { type: 'submit', 'data-action': 'check', disabled: true }, 'Check')),
  );
}

/** `order` if it is a permutation of 0..n-1, else the authored order. */
export function choiceOrder(order, n) {
  const ok = Array.isArray(order) && order.length === n && new Set(order).size === n && order.every((i) => Number.isInteger(i) && i >= 0 && i < n);
  return ok ? [...order] : Array.from({ length: n }, (_, i) => i);
}

/**
 * Puts a choice part's options (runtime) in the variant's order: the same elements, moved, so a choice
 * made, the focus and the values stay as they are.
 */
export function orderChoices(partEl, order) {
  const fieldset = partEl.querySelector(SEL.choices);
  if (!fieldset) return;
  const items = [...fieldset.querySelectorAll(SEL.choice)];
  const byNumber = new Map(items.map((x) => [Number(x.dataset.choice), x]));
  for (const i of choiceOrder(order, items.length)) {
    const item = byNumber.get(i + 1);
    if (item) fieldset.appendChild(item);
  }
}

function answerForm(part, answerLength, functions) {
  const pid = part.id;
  const what = part.kind === 'expression' ? `a formula in ${part.variables.join(', ') || 'the variables'}` : KIND_LABEL[part.kind] || 'your answer';
  const common = { id: `in-${pid}`, name: pid, class: 'kl-input', maxlength: answerLength, spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', 'aria-describedby': `fb-${pid} ${previewId(pid)}`, disabled: true };
  const input =
    part.kind === 'expression' || part.kind === 'derivation'
      ? h('textarea', { ...common, rows: part.kind === 'derivation' ? stepList(part).length + 1 : 2 })
      : h('input', { type: 'text', ...common });
  return h(
    'form',
    { class: 'kl-answer', 'data-form': '', novalidate: true },
    h('label', { for: `in-${pid}` }, 'Your answer ', h('span', { class: 'kl-kind' }, `(${what})`)),
    part.forbidden.length ? h('p', { class: 'kl-forbid' }, `Not allowed in this answer: ${part.forbidden.join(', ')}.`) : null,
    h('div', { class: 'kl-answer-row' }, input, h('button', { type: 'submit', 'data-action': 'check', disabled: true }, 'Check')),
    // the answer preview and the notation help (answer-view.mjs)
    answerAidsView(part, { functions }),
  );
}

// ---- pieces the runtime builds ----------------------------------------------------------------

export function variantLabel(seed) {
  return seed === 0 ? 'Textbook numbers' : `Variant ${seed}`;
}

export function hintCountText(shown, total) {
  if (shown >= total) return `(all ${total} shown)`;
  return shown === 0 ? `(${total})` : `(${shown} of ${total} shown)`;
}

/**
 * A verdict kind's page state (data-verdict) and words, from the engine's vocabulary (one definition:
 * `engine.vocabulary().verdicts`, {name, score, state, label}); `kinds` is that list, or null before the
 * engine has started (then only the failure verdict can occur, which is `invalid`).
 */
export function verdictKind(name, kinds) {
  const k = kinds?.find((x) => x.name === name);
  return k ? { state: k.state, label: k.label } : { state: 'invalid', label: 'Could not check this answer' };
}

/** The icon of a page state (presentation only; the words say the same). */
const ICONS = { correct: '✓', partial: '◑', incorrect: '✗', invalid: '⚠' };

/**
 * Which pre-rendered text of the reveal file holds the feedback of a verdict's mistake ("author:2" ->
 * the part's mistakes[1], "choice:3" -> choices[2]), or null.
 */
export function feedbackTemplate(mistake) {
  const m = /^(author|choice):(\d+)$/.exec(mistake || '');
  return m ? { list: m[1] === 'author' ? 'mistakes' : 'choices', index: Number(m[2]) - 1, author: m[1] === 'author' } : null;
}

/**
 * The feedback of a verdict, as views. `template` is the DOM node of the filled feedback template, if
 * the verdict names one (see feedbackTemplate); `typed` is what the learner typed; `kinds` the engine's
 * verdict vocabulary (verdictKind).
 */
export function verdictView(v, typed, template = null, kinds = null, stepTemplates = []) {
  const { state, label: word } = verdictKind(v.verdict, kinds);
  const icon = ICONS[state] ?? ICONS.invalid;
  const nodes = [
    h(
      'p',
      { class: 'kl-verdict' },
      h('span', { class: 'kl-icon', 'aria-hidden': 'true' }, icon),
      h('strong', {}, word),
      state !== 'invalid' ? h('span', { class: 'kl-score' }, ` · score ${v.score}`) : null,
    ),
  ];
  if (v.mistakeName) nodes.push(h('p', { class: 'kl-mistake' }, h('strong', {}, 'Recognised mistake: '), v.mistakeName));
  if (template && feedbackTemplate(v.mistake)?.author) nodes.push(h('p', { class: 'kl-mistake' }, h('strong', {}, 'Recognised mistake')));
  nodes.push(template ? h('div', { class: 'kl-feedback-text' }, template) : h('p', { class: 'kl-feedback-text' }, v.feedback || ''));
  if (v.wrongComponents && v.wrongComponents.length) {
    nodes.push(componentsView(v.answer || typed, v.wrongComponents) || h('p', {}, `Entries that are off: ${v.wrongComponents.join(', ')}.`));
  }
  if (Array.isArray(v.steps) && v.steps.length) nodes.push(stepsVerdictView(v.steps, kinds, stepTemplates));
  if (state === 'invalid' && v.column > 0 && typed && !typed.includes('\n') && typed.length <= 400) {
    nodes.push(h('pre', { class: 'kl-caret' }, `${typed}\n${' '.repeat(Math.max(0, v.column - 1))}^ column ${v.column}`));
  }
  return nodes;
}

/** A derivation's verdict step by step: each step's verdict in words, its mistake and feedback. */
function stepsVerdictView(steps, kinds, stepTemplates) {
  return h(
    'ol',
    { class: 'kl-step-verdicts', 'aria-label': 'Your steps, checked one by one' },
    steps.map((s, i) => {
      const { state, label } = verdictKind(s.verdict, kinds);
      const tpl = stepTemplates[i] || null;
      return h(
        'li',
        { 'data-verdict': state },
        h('span', { class: 'kl-icon', 'aria-hidden': 'true' }, ICONS[state] ?? ICONS.invalid),
        h('strong', {}, `Step ${i + 1}: ${label}`),
        s.mistakeName ? [' · ', s.mistakeName] : null,
        tpl ? h('div', { class: 'kl-feedback-text' }, tpl) : h('p', { class: 'kl-feedback-text' }, s.feedback || ''),
      );
    }),
  );
}

function componentsView(answer, wrong) {
  const text = String(answer || '').trim();
  if (!(text.startsWith('[') && text.endsWith(']') && !text.startsWith('[['))) return null;
  const entries = text.slice(1, -1).split(',').map((s) => s.trim());
  if (entries.length > 40) return null;
  const bad = new Set(wrong);
  return h(
    'ol',
    { class: 'kl-components', 'aria-label': 'Your entries, checked one by one' },
    entries.map((e, i) =>
      h(
        'li',
        { class: bad.has(i + 1) ? 'kl-bad' : 'kl-good' },
        h('span', { class: 'kl-icon', 'aria-hidden': 'true' }, bad.has(i + 1) ? '✗' : '✓'),
        h('span', { class: 'kl-visually-hidden' }, bad.has(i + 1) ? `entry ${i + 1}, off: ` : `entry ${i + 1}, right: `),
        displayNumber(e),
      ),
    ),
  );
}
