// Exercises, shared by the notebook page, the <kl-exercise>/<kl-notebook> embeds and the offline files:
// hydrates the pre-rendered exercise sections under a root (a document, an element or a shadow root),
// checks answers with the engine, shows feedback, hints, solutions and variants, keeps progress, and
// dispatches a bubbling, composed `kllab:check` event for each check the learner makes.
import { h, toDOM, displayNumber } from './view.mjs';
import { el } from './ui.mjs';

/** Longest answer kept in progress (the engine's answer limit). */
const MAX_STORED_ANSWER = 10000;

/** The verdict as a page state (data-verdict). */
export const STATE = {
  correct: 'correct',
  correct_given_earlier: 'partial',
  close: 'partial',
  incorrect: 'incorrect',
  invalid: 'invalid',
};
const WORDS = {
  correct: ['✓', 'Correct'],
  correct_given_earlier: ['◑', 'Partly correct: right given your earlier answer'],
  close: ['◑', 'Partly correct: close'],
  incorrect: ['✗', 'Incorrect'],
  invalid: ['⚠', 'Could not read this answer'],
};

function fillSlots(root, values) {
  if (!root) return;
  for (const s of root.querySelectorAll('[data-slot]')) s.textContent = displayNumber(values?.[Number(s.dataset.slot)] ?? '?');
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

function newSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return (a[0] % 999999) + 1;
}

/**
 * Hydrates every `.kl-exercise[data-exercise]` under root.
 * @param {{root: ParentNode, nb: import('./kllab.mjs').Notebook, progress: object, notebook: string,
 *          notify: (message: string, kind?: string) => void, onChange?: () => void}} o
 * @returns {{exercises: Map, parts: Map, restore: (o?: {initial?: boolean}) => void, counts: () => object}}
 */
export function hydrateExercises({ root, nb, progress, notebook, notify, onChange = () => {} }) {
  const exercises = new Map(); // exercise id -> {ex, el, parts: [p]}
  const parts = new Map(); // part id -> {part, exId, index, el, input}

  function fillExercise(exId, seed) {
    const x = exercises.get(exId);
    const s = nb.exerciseSlots(exId, { seed });
    if (!s.ok) {
      notify(`The numbers of exercise ${exId} could not be computed for this variant: ${s.error.message}`, 'warning');
      return false;
    }
    fillSlots(x.el.querySelector('[data-t="intro"]'), s.intro);
    for (const p of x.parts) {
      const ps = s.parts[p.part.id];
      if (!ps) continue;
      const q = (t) => p.el.querySelector(`:scope > [data-t="${t}"], :scope > .kl-hints > [data-t="${t}"]`);
      fillSlots(q('prompt'), ps.prompt);
      ps.hints.forEach((vals, i) => fillSlots(q(`hint:${i}`), vals));
      fillSlots(q('solution'), ps.solution);
      ps.mistakes.forEach((vals, i) => fillSlots(q(`mistake:${i}`)?.content, vals));
      ps.choices.forEach((vals, i) => fillSlots(q(`choice:${i}`)?.content, vals));
    }
    const label = x.el.querySelector('[data-variant-label]');
    label.textContent = seed === 0 ? 'Textbook numbers' : `Variant ${seed}`;
    x.el.querySelector('[data-action="textbook"]').hidden = seed === 0;
    x.el.dataset.seed = String(seed);
    return true;
  }

  function answerOf(p) {
    if (p.part.kind === 'choice') {
      const chosen = p.el.querySelector('input[type="radio"]:checked');
      return chosen ? chosen.value : '';
    }
    return p.input.value;
  }

  function setAnswer(p, text) {
    if (p.part.kind === 'choice') {
      for (const r of p.el.querySelectorAll('input[type="radio"]')) r.checked = r.value === text;
    } else {
      p.input.value = text;
    }
  }

  function updateHintButton(p, shown) {
    const btn = p.el.querySelector('[data-action="hint"]');
    if (!btn) return;
    const total = p.part.hints.length;
    const count = btn.querySelector('.kl-count');
    if (shown >= total) {
      btn.disabled = true;
      count.textContent = `(all ${total} shown)`;
    } else {
      btn.disabled = false;
      count.textContent = shown === 0 ? `(${total})` : `(${shown} of ${total} shown)`;
    }
  }

  function clearPart(p) {
    setAnswer(p, '');
    delete p.el.dataset.verdict;
    p.el.querySelector('.kl-feedback').replaceChildren();
    if (p.input) p.input.removeAttribute('aria-invalid');
    for (const li of p.el.querySelectorAll('.kl-hints > li')) li.hidden = true;
    updateHintButton(p, 0);
    const sol = p.el.querySelector('.kl-solution');
    if (sol) sol.hidden = true;
    const confirm = p.el.querySelector('[data-confirm]');
    if (confirm) confirm.hidden = true;
    const sb = p.el.querySelector('[data-action="solution"]');
    if (sb) sb.hidden = false;
  }

  function showHints(p, n) {
    const items = [...p.el.querySelectorAll('.kl-hints > li')];
    items.forEach((li, i) => (li.hidden = i >= n));
    updateHintButton(p, Math.min(n, items.length));
  }

  function showSolution(p) {
    const sol = p.el.querySelector('.kl-solution');
    if (!sol) return;
    sol.hidden = false;
    const sb = p.el.querySelector('[data-action="solution"]');
    if (sb) sb.hidden = true;
  }

  /** The learner's checked answers of the earlier parts of the same exercise (error carried forward). */
  function earlierOf(p) {
    const x = exercises.get(p.exId);
    const earlier = {};
    for (const q of x.parts.slice(0, p.index)) {
      const rec = progress.peekPart(q.part.id);
      if (rec && typeof rec.checked === 'string' && rec.checked.trim()) earlier[q.part.id] = rec.checked;
    }
    return earlier;
  }

  function renderVerdict(p, v, typed) {
    const fb = p.el.querySelector('.kl-feedback');
    const state = STATE[v.verdict] || 'invalid';
    p.el.dataset.verdict = state;
    const [icon, word] = WORDS[v.verdict] || WORDS.invalid;
    const nodes = [];
    nodes.push(
      el(
        'p',
        { class: 'kl-verdict' },
        el('span', { class: 'kl-icon', 'aria-hidden': 'true' }, icon),
        el('strong', {}, word),
        v.verdict !== 'invalid' ? el('span', { class: 'kl-score' }, ` · score ${v.score}`) : null,
      ),
    );
    if (v.mistakeName) nodes.push(el('p', { class: 'kl-mistake' }, el('strong', {}, 'Recognised mistake: '), v.mistakeName));
    let tplNode = null;
    const m = /^(author|choice):(\d+)$/.exec(v.mistake || '');
    if (m) {
      const tpl = p.el.querySelector(`template[data-t="${m[1] === 'author' ? 'mistake' : 'choice'}:${Number(m[2]) - 1}"]`);
      if (tpl) {
        tplNode = el('div', { class: 'kl-feedback-text' });
        tplNode.appendChild(tpl.content.cloneNode(true));
        if (Array.isArray(v.slots) && v.slots.length) fillSlots(tplNode, v.slots);
      }
    }
    if (m && m[1] === 'author') nodes.push(el('p', { class: 'kl-mistake' }, el('strong', {}, 'Recognised mistake')));
    nodes.push(tplNode || el('p', { class: 'kl-feedback-text' }, v.feedback || ''));
    if (v.wrongComponents && v.wrongComponents.length) {
      const comp = componentsView(v.answer || typed, v.wrongComponents);
      if (comp) nodes.push(toDOM(comp));
      else nodes.push(el('p', {}, `Entries that are off: ${v.wrongComponents.join(', ')}.`));
    }
    if (v.verdict === 'invalid' && v.column > 0 && typed && !typed.includes('\n') && typed.length <= 400) {
      nodes.push(el('pre', { class: 'kl-caret' }, `${typed}\n${' '.repeat(Math.max(0, v.column - 1))}^ column ${v.column}`));
    }
    fb.replaceChildren(...nodes);
    if (p.input) {
      if (v.verdict === 'invalid') p.input.setAttribute('aria-invalid', 'true');
      else p.input.removeAttribute('aria-invalid');
    }
  }

  function check(p, { user = true } = {}) {
    const typed = answerOf(p);
    if (p.part.kind === 'choice' && !typed) {
      renderVerdict(p, { verdict: 'invalid', score: 0, feedback: 'Choose one of the options first.', slots: [], wrongComponents: [], column: 0 }, '');
      return null;
    }
    const seed = progress.seed(p.exId);
    const v = nb.check(p.part.id, typed, { seed, earlier: earlierOf(p) });
    renderVerdict(p, v, typed);
    if (!user) return v;
    const rec = progress.part(p.part.id);
    // The engine refuses answers over 10,000 characters; such text is not worth storing either.
    const kept = typed.length <= MAX_STORED_ANSWER ? typed : '';
    rec.answer = kept;
    rec.checked = kept;
    rec.verdict = v.verdict;
    rec.score = v.score;
    progress.save();
    onChange();
    exercises.get(p.exId).el.dispatchEvent(
      new CustomEvent('kllab:check', {
        bubbles: true,
        composed: true,
        detail: { notebook, exercise: p.exId, part: p.part.id, verdict: v.verdict, status: STATE[v.verdict], score: v.score, seed },
      }),
    );
    return v;
  }

  function setVariant(exId, seed) {
    const x = exercises.get(exId);
    if (!fillExercise(exId, seed)) return;
    progress.setSeed(exId, seed);
    for (const p of x.parts) {
      progress.clearPart(p.part.id);
      clearPart(p);
    }
    progress.save();
    onChange();
  }

  function hydratePart(p) {
    const form = p.el.querySelector('form[data-form]');
    for (const c of form.querySelectorAll('input, textarea, button')) c.disabled = false;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      check(p);
    });
    let timer = null;
    const saveDraft = () => {
      timer = null;
      const rec = progress.part(p.part.id);
      const draft = answerOf(p);
      rec.answer = draft.length <= MAX_STORED_ANSWER ? draft : '';
      progress.save();
    };
    form.addEventListener('input', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(saveDraft, 250);
    });
    form.addEventListener('change', () => {
      if (timer) clearTimeout(timer);
      saveDraft();
    });
    if (p.input && p.input.tagName === 'TEXTAREA') {
      p.input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey) {
          e.preventDefault();
          form.requestSubmit();
        }
      });
    }
    const hint = p.el.querySelector('[data-action="hint"]');
    if (hint) {
      hint.disabled = false;
      hint.addEventListener('click', () => {
        const rec = progress.part(p.part.id);
        const n = Math.min((rec.hints || 0) + 1, p.part.hints.length);
        rec.hints = n;
        showHints(p, n);
        progress.save();
        onChange();
        if (hint.disabled) {
          const last = p.el.querySelectorAll('.kl-hints > li')[n - 1];
          last?.setAttribute('tabindex', '-1');
          last?.focus();
        }
      });
    }
    const sol = p.el.querySelector('[data-action="solution"]');
    if (sol) {
      const confirm = p.el.querySelector('[data-confirm]');
      const yes = confirm.querySelector('[data-action="solution-yes"]');
      const no = confirm.querySelector('[data-action="solution-no"]');
      sol.disabled = false;
      sol.addEventListener('click', () => {
        confirm.hidden = false;
        yes.focus();
      });
      no.addEventListener('click', () => {
        confirm.hidden = true;
        sol.focus();
      });
      confirm.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') {
          confirm.hidden = true;
          sol.focus();
        }
      });
      yes.addEventListener('click', () => {
        confirm.hidden = true;
        const rec = progress.part(p.part.id);
        rec.solution = true;
        showSolution(p);
        progress.save();
        onChange();
        p.el.querySelector('.kl-solution').focus();
      });
    }
  }

  for (const section of root.querySelectorAll('.kl-exercise[data-exercise]')) {
    const ex = nb.exercise(section.dataset.exercise);
    if (!ex) continue;
    const x = { ex, el: section, parts: [] };
    exercises.set(ex.id, x);
    ex.parts.forEach((part, index) => {
      const partEl = section.querySelector(`[data-part="${CSS.escape(part.id)}"]`);
      if (!partEl) return;
      const p = { part, exId: ex.id, index, el: partEl, input: partEl.querySelector('.kl-input') };
      x.parts.push(p);
      parts.set(part.id, p);
      hydratePart(p);
    });
    const variant = section.querySelector('[data-action="variant"]');
    variant.disabled = false;
    variant.addEventListener('click', () => setVariant(ex.id, newSeed()));
    section.querySelector('[data-action="textbook"]').addEventListener('click', () => {
      setVariant(ex.id, 0);
      variant.focus();
    });
  }

  /** Shows the stored progress (initial: the page already shows variant 0's numbers). */
  function restore({ initial = false } = {}) {
    for (const [exId, x] of exercises) {
      const seed = progress.seed(exId);
      if (seed !== 0 || !initial) fillExercise(exId, seed);
      for (const p of x.parts) {
        clearPart(p);
        const rec = progress.peekPart(p.part.id);
        if (!rec) continue;
        if (typeof rec.answer === 'string') setAnswer(p, rec.answer);
        if (rec.hints) showHints(p, Math.min(rec.hints, p.part.hints.length));
        if (rec.solution) showSolution(p);
        if (typeof rec.checked === 'string') {
          const shown = answerOf(p);
          setAnswer(p, rec.checked);
          const v = check(p, { user: false });
          setAnswer(p, shown);
          if (v && v.verdict !== rec.verdict) {
            rec.verdict = v.verdict;
            rec.score = v.score;
          }
        }
      }
    }
  }

  /** Counts over the hydrated parts, from the stored progress. */
  function counts() {
    let correct = 0, partial = 0, hints = 0, solutions = 0;
    for (const id of parts.keys()) {
      const r = progress.peekPart(id);
      if (!r) continue;
      if (r.verdict === 'correct') correct++;
      else if (r.verdict === 'correct_given_earlier' || r.verdict === 'close') partial++;
      hints += r.hints || 0;
      if (r.solution) solutions++;
    }
    return { total: parts.size, correct, partial, hints, solutions };
  }

  return { exercises, parts, restore, counts };
}

/** "3 of 10 parts correct · 1 partly · 2 hints used" */
export function summaryText(c) {
  const bits = [`${c.correct} of ${c.total} parts correct`];
  if (c.partial) bits.push(`${c.partial} partly`);
  if (c.hints) bits.push(`${c.hints} hint${c.hints === 1 ? '' : 's'} used`);
  if (c.solutions) bits.push(`${c.solutions} solution${c.solutions === 1 ? '' : 's'} shown`);
  return `Your progress: ${bits.join(' · ')}`;
}
