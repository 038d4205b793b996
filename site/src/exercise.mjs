// Exercises, shared by the notebook page, the <kl-exercise>/<kl-notebook> embeds and the offline files:
// hydrates the pre-rendered exercise sections under a root (a document, an element or a shadow root),
// checks answers with the engine (in its worker: every engine call is async), shows feedback, hints,
// solutions and variants, keeps progress, and dispatches a bubbling, composed `kllab:check` event for
// each check the learner makes. The markup and its selectors come from exercise-view.mjs, the same
// module the build renders it with: the structure (parts, kinds, hints) is read from the page itself.
import { toDOM, displayNumber } from './view.mjs';
import { SEL, verdictKind, verdictView, feedbackTemplate, variantLabel, hintCountText, orderChoices } from './exercise-view.mjs';
import { hydratePreviews } from './preview.mjs';
import { failureResult } from './engine-client.mjs';


function fillSlots(root, values) {
  if (!root) return;
  for (const s of root.querySelectorAll(SEL.slot)) s.textContent = displayNumber(values?.[Number(s.dataset.slot)] ?? '?');
}

function newSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return (a[0] % 999999) + 1;
}

/**
 * Hydrates every exercise section under root. Inputs work at once; checks wait for the engine.
 * @param {{root: ParentNode, nb: object, progress: object, notebook: string, vocabulary?: () => object|null,
 *          notify: (message: string, kind?: string) => void, onChange?: () => void}} o
 *   nb: the notebook in the engine's worker (engine-client.mjs: methods return promises); vocabulary:
 *   the engine's vocabulary once it has started (the words and page states of the verdicts)
 * @returns {{exercises: Map, parts: Map, restore: (o?: {initial?: boolean}) => Promise<void>, counts: () => object}}
 */
export function hydrateExercises({ root, nb, progress, notebook, notify, vocabulary = () => null, onChange = () => {} }) {
  const kinds = () => vocabulary()?.verdicts ?? null;
  const exercises = new Map(); // exercise id -> {id, el, parts: [p]}
  const parts = new Map(); // part id -> {id, kind, hints, exId, index, el, input}
  // the engine's answer limit: the build wrote it as maxlength on every input
  const storedLength = (p) => (p.input ? Number(p.input.getAttribute('maxlength')) || Infinity : Infinity);

  async function fillExercise(exId, seed) {
    const x = exercises.get(exId);
    const s = await nb.exerciseSlots(exId, { seed }).catch((e) => ({ ok: false, error: { message: e.message } }));
    if (!s.ok) {
      notify(`The numbers of exercise ${exId} could not be computed for this variant: ${s.error.message}`, 'warning');
      return false;
    }
    fillSlots(x.el.querySelector(SEL.intro), s.intro);
    for (const p of x.parts) {
      const ps = s.parts[p.id];
      if (!ps) continue;
      const q = (t) => p.el.querySelector(SEL.text(t));
      fillSlots(q('prompt'), ps.prompt);
      ps.hints.forEach((vals, i) => fillSlots(q(`hint:${i}`), vals));
      fillSlots(q('solution'), ps.solution);
      ps.mistakes.forEach((vals, i) => fillSlots(q(`mistake:${i}`)?.content, vals));
      ps.choices.forEach((vals, i) => fillSlots(q(`choice:${i}`)?.content, vals));
      if (p.kind === 'choice') orderChoices(p.el, ps.order); // the variant's order of the options
      (ps.steps || []).forEach((st, i) => {
        fillSlots(q(`step:${i}`), st.prompt);
        st.hints.forEach((vals, j) => fillSlots(q(`step:${i}:hint:${j}`), vals));
        st.mistakes.forEach((vals, j) => fillSlots(q(`step:${i}:mistake:${j}`)?.content, vals));
      });
    }
    x.el.querySelector(SEL.variantLabel).textContent = variantLabel(seed);
    x.el.querySelector(SEL.action('textbook')).hidden = seed === 0;
    x.el.dataset.seed = String(seed);
    return true;
  }

  function answerOf(p) {
    if (p.kind === 'choice') {
      const chosen = p.el.querySelector(SEL.radioChecked);
      return chosen ? chosen.value : '';
    }
    return p.input.value;
  }

  function setAnswer(p, text) {
    if (p.kind === 'choice') {
      for (const r of p.el.querySelectorAll(SEL.radio)) r.checked = r.value === text;
    } else {
      p.input.value = text;
    }
  }

  function updateHintButton(p, shown) {
    const btn = p.el.querySelector(SEL.action('hint'));
    if (!btn) return;
    btn.disabled = shown >= p.hints;
    btn.querySelector(SEL.hintCount).textContent = hintCountText(shown, p.hints);
  }

  function clearPart(p) {
    setAnswer(p, '');
    delete p.el.dataset.verdict;
    p.el.querySelector(SEL.feedback).replaceChildren();
    if (p.input) p.input.removeAttribute('aria-invalid');
    for (const li of p.el.querySelectorAll(SEL.hintItems)) li.hidden = true;
    updateHintButton(p, 0);
    const sol = p.el.querySelector(SEL.solution);
    if (sol) sol.hidden = true;
    const confirm = p.el.querySelector(SEL.confirm);
    if (confirm) confirm.hidden = true;
    const sb = p.el.querySelector(SEL.action('solution'));
    if (sb) sb.hidden = false;
  }

  function showHints(p, n) {
    const items = [...p.el.querySelectorAll(SEL.hintItems)];
    items.forEach((li, i) => (li.hidden = i >= n));
    updateHintButton(p, Math.min(n, items.length));
  }

  function showSolution(p) {
    const sol = p.el.querySelector(SEL.solution);
    if (!sol) return;
    sol.hidden = false;
    const sb = p.el.querySelector(SEL.action('solution'));
    if (sb) sb.hidden = true;
  }

  /** The learner's checked answers of the earlier parts of the same exercise (error carried forward). */
  function earlierOf(p) {
    const x = exercises.get(p.exId);
    const earlier = {};
    for (const q of x.parts.slice(0, p.index)) {
      const rec = progress.peekPart(q.id);
      if (rec && typeof rec.checked === 'string' && rec.checked.trim()) earlier[q.id] = rec.checked;
    }
    return earlier;
  }

  function renderVerdict(p, v, typed) {
    p.el.dataset.verdict = verdictKind(v.verdict, kinds()).state;
    // the pre-rendered feedback of an author mistake (or a choice), with the verdict's slot values
    const filled = (t, slots) => {
      const tpl = p.el.querySelector(SEL.text(t));
      if (!tpl || !tpl.content) return null;
      const node = tpl.content.cloneNode(true);
      if (Array.isArray(slots) && slots.length) fillSlots(node, slots);
      return node;
    };
    const which = feedbackTemplate(v.mistake);
    const template = which ? filled(which.t, v.slots) : null;
    // a derivation: each step's own mistake feedback
    const steps = (v.steps || []).map((st, i) => {
      const w = feedbackTemplate(st.mistake);
      return w && w.author ? filled(`step:${i}:${w.t}`, st.slots) : null;
    });
    p.el.querySelector(SEL.feedback).replaceChildren(...verdictView(v, typed, template, kinds(), steps).map((n) => toDOM(n)));
    if (p.input) {
      if (v.verdict === 'invalid') p.input.setAttribute('aria-invalid', 'true');
      else p.input.removeAttribute('aria-invalid');
    }
  }

  // A part's checks are answered in order; a newer check supersedes an older one still waiting.
  async function check(p, { user = true, typed = answerOf(p) } = {}) {
    if (p.kind === 'choice' && !typed) {
      renderVerdict(p, { verdict: 'invalid', score: 0, feedback: 'Choose one of the options first.', slots: [], wrongComponents: [], column: 0 }, '');
      return null;
    }
    const ticket = (p.ticket = (p.ticket || 0) + 1);
    // while the engine checks, the part has no verdict (the previous one is for another answer)
    p.el.setAttribute('aria-busy', 'true');
    delete p.el.dataset.verdict;
    const seed = progress.seed(p.exId);
    let v;
    try {
      v = await nb.check(p.id, typed, { seed, earlier: earlierOf(p) });
      // the API's failure shape (a call it could not make): shown as an invalid verdict with the reason
      if (v && v.ok === false && !v.verdict) v = failureResult('check', `This answer could not be checked: ${v.error.message}`);
    } catch (e) {
      // no engine to ask (it could not start): the answer is not checked, and the page says why
      v = failureResult('check', `This answer could not be checked: ${e && e.message ? e.message : e}`);
    }
    if (ticket !== p.ticket) return v;
    p.el.removeAttribute('aria-busy');
    renderVerdict(p, v, typed);
    if (!user) return v;
    const rec = progress.part(p.id);
    // the engine refuses longer answers; such text is not worth storing either
    const kept = typed.length <= storedLength(p) ? typed : '';
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
        detail: { notebook, exercise: p.exId, part: p.id, verdict: v.verdict, status: verdictKind(v.verdict, kinds()).state, score: v.score, seed },
      }),
    );
    return v;
  }

  async function setVariant(exId, seed) {
    const x = exercises.get(exId);
    if (!(await fillExercise(exId, seed))) return;
    progress.setSeed(exId, seed);
    for (const p of x.parts) {
      progress.clearPart(p.id);
      clearPart(p);
      p.ticket = (p.ticket || 0) + 1;
    }
    progress.save();
    onChange();
  }

  function hydratePart(p) {
    const form = p.el.querySelector(SEL.form);
    for (const c of form.querySelectorAll(SEL.controls)) c.disabled = false;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      check(p);
    });
    let timer = null;
    const saveDraft = () => {
      timer = null;
      const rec = progress.part(p.id);
      const draft = answerOf(p);
      rec.answer = draft.length <= storedLength(p) ? draft : '';
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
      // Enter checks a formula; a derivation takes one step per line, so there Ctrl+Enter checks
      const multiline = p.kind === 'derivation';
      p.input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && (multiline ? e.ctrlKey || e.metaKey : !e.shiftKey)) {
          e.preventDefault();
          form.requestSubmit();
        }
      });
    }
    const hint = p.el.querySelector(SEL.action('hint'));
    if (hint) {
      hint.disabled = false;
      hint.addEventListener('click', () => {
        const rec = progress.part(p.id);
        const n = Math.min((rec.hints || 0) + 1, p.hints);
        rec.hints = n;
        showHints(p, n);
        progress.save();
        onChange();
        if (hint.disabled) {
          const last = p.el.querySelectorAll(SEL.hintItems)[n - 1];
          last?.setAttribute('tabindex', '-1');
          last?.focus();
        }
      });
    }
    const sol = p.el.querySelector(SEL.action('solution'));
    if (sol) {
      const confirm = p.el.querySelector(SEL.confirm);
      const yes = confirm.querySelector(SEL.action('solution-yes'));
      const no = confirm.querySelector(SEL.action('solution-no'));
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
        const rec = progress.part(p.id);
        rec.solution = true;
        showSolution(p);
        progress.save();
        onChange();
        p.el.querySelector(SEL.solution).focus();
      });
    }
  }

  for (const section of root.querySelectorAll(SEL.exercise)) {
    const exId = section.dataset.exercise;
    const x = { id: exId, el: section, parts: [] };
    exercises.set(exId, x);
    for (const partEl of section.querySelectorAll(SEL.part)) {
      const p = {
        id: partEl.dataset.part,
        kind: partEl.dataset.kind,
        hints: partEl.querySelectorAll(SEL.hintItems).length,
        exId,
        index: x.parts.length,
        el: partEl,
        input: partEl.querySelector(SEL.input),
      };
      x.parts.push(p);
      parts.set(p.id, p);
      hydratePart(p);
    }
    const variant = section.querySelector(SEL.action('variant'));
    variant.disabled = false;
    variant.addEventListener('click', () => setVariant(exId, newSeed()));
    section.querySelector(SEL.action('textbook')).addEventListener('click', () => {
      setVariant(exId, 0);
      variant.focus();
    });
  }

  // the answer preview of every text box (preview.mjs): follows typing and variants; restore() refreshes it
  const previews = hydratePreviews({ parts, nb, ready: () => vocabulary() !== null });

  /**
   * Shows the stored progress (initial: the page already shows variant 0's numbers). The answers
   * appear at once; the verdicts are recomputed by the engine, each part on its own, so a stored answer
   * the engine cannot check gets its own `invalid` verdict and spoils nothing else.
   */
  async function restore({ initial = false } = {}) {
    const pending = [];
    for (const [exId, x] of exercises) {
      const seed = progress.seed(exId);
      const filled = seed !== 0 || !initial ? fillExercise(exId, seed) : null;
      for (const p of x.parts) {
        clearPart(p);
        p.ticket = (p.ticket || 0) + 1;
        const rec = progress.peekPart(p.id);
        if (!rec) continue;
        if (typeof rec.answer === 'string') setAnswer(p, rec.answer);
        if (rec.hints) showHints(p, Math.min(rec.hints, p.hints));
        if (rec.solution) showSolution(p);
        if (typeof rec.checked === 'string') {
          const checked = rec.checked;
          pending.push(
            Promise.resolve(filled).then(async () => {
              const v = await check(p, { user: false, typed: checked });
              if (v && v.verdict !== rec.verdict) {
                rec.verdict = v.verdict;
                rec.score = v.score;
              }
            }),
          );
        }
      }
      if (filled) pending.push(filled);
    }
    previews.refresh();
    await Promise.all(pending);
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
