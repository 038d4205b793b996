// Exercises, shared by the notebook page, the <kl-exercise>/<kl-notebook> embeds and the offline files:
// hydrates the pre-rendered exercise sections under a root (a document, an element or a shadow root),
// checks answers with the engine (in its worker: every engine call is async), shows feedback, hints,
// solutions and variants, and dispatches a bubbling, composed `kllab:check` event for each check the
// learner makes. The markup and its selectors come from exercise-view.mjs, the same module the build
// renders it with: the structure (parts, kinds, hint counts) is read from the page itself.
//
// The learner's record is the engine's: a check is nb.submit (recorded with the hints and solution
// seen before it), a hint nb.revealHint, the solution nb.revealSolution, a variant nb.setVariant (the
// other variants' work is kept), a draft nb.setDraft; what to show after a reload comes from
// nb.state() and the verdicts from nb.recheck (never a stored verdict). record.mjs saves it.
//
// Nothing shown on request is in the page before it is asked for: hints, worked solutions and the
// feedback of author mistakes come from the notebook's reveal file (pre-rendered at build time,
// fetched on first use, inlined in the offline file), their numbers filled from the engine for the
// learner's variant.
import { toDOM, displayNumber } from './view.mjs';
import { SEL, verdictKind, verdictView, feedbackTemplate, variantLabel, hintCountText, hintPlace, hintItemView, orderChoices } from './exercise-view.mjs';
import { hydratePreviews } from './preview.mjs';
import { failureResult } from './engine-client.mjs';
import { el, fragmentOf } from './ui.mjs';

function fillSlots(root, values) {
  if (!root) return;
  for (const s of root.querySelectorAll(SEL.slot)) s.textContent = displayNumber(values?.[Number(s.dataset.slot)] ?? '?');
}

function newSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return (a[0] % 999999) + 1;
}

const messageOf = (e) => (e && e.message ? e.message : String(e));

/**
 * Hydrates every exercise section under root. Inputs work at once; checks wait for the engine.
 * @param {{root: ParentNode, nb: object, record: object, notebook: string, vocabulary?: () => object|null,
 *          reveal?: () => Promise<object|null>, engineDead?: () => boolean,
 *          notify: (message: string, kind?: string) => void, onChange?: () => void}} o
 *   nb: the notebook in the engine's worker (engine-client.mjs: methods return promises); record: the
 *   learner's record (record.mjs); vocabulary: the engine's vocabulary once it has started (the words
 *   and page states of the verdicts); reveal: the notebook's reveal file ({parts: {id: {hints,
 *   solution, mistakes, choices, steps}}}), or null when it cannot be had (the engine's plain texts
 *   are shown instead); engineDead: true once the engine cannot answer at all (then nothing is set aside)
 * @returns {{exercises: Map, parts: Map, restore: (o?: {keepTyped?: boolean}) => Promise<void>, counts: () => object}}
 */
export function hydrateExercises({ root, nb, record, notebook, notify, vocabulary = () => null, reveal = async () => null, engineDead = () => false, onChange = () => {} }) {
  const kinds = () => vocabulary()?.verdicts ?? null;
  const doc = root.ownerDocument || document;
  const exercises = new Map(); // exercise id -> {id, el, parts: [p], seed, shownSeed, slots}
  const parts = new Map(); // part id -> {id, kind, hints, exId, index, el, input, ...}

  async function revealOf(p) {
    try {
      return (await reveal())?.parts?.[p.id] ?? null;
    } catch {
      return null;
    }
  }

  /** The slot values of an exercise's texts in its current variant (from the engine, cached per seed). */
  async function slotsOf(x) {
    const seed = x.seed;
    if (x.slots && x.slots.seed === seed) return x.slots.value;
    const s = await nb.exerciseSlots(x.id, { seed }).catch((e) => ({ ok: false, error: { message: messageOf(e) } }));
    if (!s || !s.ok) return null;
    x.slots = { seed, value: s };
    return s;
  }

  function showVariant(x) {
    x.el.querySelector(SEL.variantLabel).textContent = variantLabel(x.seed);
    x.el.querySelector(SEL.action('textbook')).hidden = x.seed === 0;
    x.el.dataset.seed = String(x.seed);
  }

  async function fillExercise(x) {
    const seed = x.seed;
    const s = await slotsOf(x);
    if (!s) {
      notify(`The numbers of exercise ${x.id} could not be computed for this variant.`, 'warning');
      return false;
    }
    if (seed !== x.seed) return false; // another variant was chosen meanwhile
    fillSlots(x.el.querySelector(SEL.intro), s.intro);
    for (const p of x.parts) {
      const ps = s.parts[p.id];
      if (!ps) continue;
      const q = (t) => p.el.querySelector(SEL.text(t));
      fillSlots(q('prompt'), ps.prompt);
      ps.hints.forEach((vals, i) => fillSlots(q(`hint:${i}`), vals));
      fillSlots(q('solution'), ps.solution);
      if (p.kind === 'choice') orderChoices(p.el, ps.order); // the variant's order of the options
      (ps.steps || []).forEach((st, i) => {
        fillSlots(q(`step:${i}`), st.prompt);
        st.hints.forEach((vals, j) => fillSlots(q(`step:${i}:hint:${j}`), vals));
      });
    }
    x.shownSeed = seed;
    showVariant(x);
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

  /** Forgets what a part shows (its variant's state is shown again by restore). */
  function clearPart(p) {
    setAnswer(p, '');
    p.state = null;
    p.verdict = null;
    p.score = 0;
    delete p.el.dataset.verdict;
    p.el.removeAttribute('aria-busy');
    p.el.querySelector(SEL.feedback).replaceChildren();
    if (p.input) p.input.removeAttribute('aria-invalid');
    p.el.querySelector(SEL.hints)?.replaceChildren();
    updateHintButton(p, 0);
    const sol = p.el.querySelector(SEL.solution);
    if (sol) sol.hidden = true;
    p.el.querySelector(SEL.solutionBody)?.replaceChildren();
    const confirm = p.el.querySelector(SEL.confirm);
    if (confirm) confirm.hidden = true;
    const sb = p.el.querySelector(SEL.action('solution'));
    if (sb) sb.hidden = false;
  }

  /**
   * Shows the first n hints: the reveal file's, with the variant's numbers; without it, the engine's
   * texts (`given`: index -> text the engine just returned).
   */
  async function showHints(p, n, given = {}) {
    const list = p.el.querySelector(SEL.hints);
    if (!list) return;
    n = Math.min(n, p.hints);
    if (list.children.length < n) {
      const x = exercises.get(p.exId);
      let source = await revealOf(p);
      const html = !!source;
      if (!source) {
        const v = await nb.view(p.id, { seed: x.seed });
        source = v && v.ok ? { hints: v.hints, steps: (v.stepHints || []).map((hs) => ({ hints: hs })) } : { hints: [], steps: [] };
      }
      const s = await slotsOf(x);
      for (let i = list.children.length; i < n; i++) {
        const place = hintPlace(source, i);
        const text = place.step < 0 ? source.hints[place.n] : source.steps[place.step]?.hints[place.n];
        let body;
        if (html && text) {
          body = fragmentOf(text, doc);
          const values = place.step < 0 ? s?.parts[p.id]?.hints[place.n] : s?.parts[p.id]?.steps?.[place.step]?.hints[place.n];
          fillSlots(body, values);
        } else {
          body = el('p', {}, given[i] ?? text ?? '');
        }
        list.appendChild(toDOM(hintItemView(place, body), doc));
      }
    }
    updateHintButton(p, n);
  }

  async function showSolution(p, given = null) {
    const box = p.el.querySelector(SEL.solution);
    if (!box) return;
    const body = p.el.querySelector(SEL.solutionBody);
    if (!body.hasChildNodes()) {
      const x = exercises.get(p.exId);
      const r = await revealOf(p);
      if (r && r.solution) {
        const frag = fragmentOf(r.solution, doc);
        fillSlots(frag, (await slotsOf(x))?.parts[p.id]?.solution);
        body.replaceChildren(frag);
      } else {
        const text = given ?? (await nb.view(p.id, { seed: x.seed }))?.solution ?? '';
        body.replaceChildren(el('p', {}, text));
      }
    }
    box.hidden = false;
    const sb = p.el.querySelector(SEL.action('solution'));
    if (sb) sb.hidden = true;
  }

  /** The pre-rendered feedback of a verdict's author mistake or choice, with its numbers; or null. */
  async function feedbackNode(p, mistake, slots, step = -1) {
    const which = feedbackTemplate(mistake);
    if (!which || (step >= 0 && !which.author)) return null;
    const r = await revealOf(p);
    const list = step < 0 ? r?.[which.list] : r?.steps?.[step]?.mistakes;
    const html = list?.[which.index];
    if (!html) return null;
    const node = fragmentOf(html, doc);
    let values = Array.isArray(slots) && slots.length ? slots : null;
    if (!values) {
      const ps = (await slotsOf(exercises.get(p.exId)))?.parts[p.id];
      values = step < 0 ? ps?.[which.list]?.[which.index] : ps?.steps?.[step]?.mistakes?.[which.index];
    }
    fillSlots(node, values);
    return node;
  }

  async function renderVerdict(p, v, typed, ticket) {
    const template = await feedbackNode(p, v.mistake, v.slots);
    const steps = await Promise.all((v.steps || []).map((st, i) => feedbackNode(p, st.mistake, st.slots, i)));
    if (ticket !== p.ticket) return;
    p.verdict = v.verdict;
    p.state = verdictKind(v.verdict, kinds()).state;
    p.score = v.score;
    p.el.removeAttribute('aria-busy');
    p.el.dataset.verdict = p.state;
    p.el.querySelector(SEL.feedback).replaceChildren(...verdictView(v, typed, template, kinds(), steps).map((n) => toDOM(n, doc)));
    if (p.input) {
      if (p.state === 'invalid') p.input.setAttribute('aria-invalid', 'true');
      else p.input.removeAttribute('aria-invalid');
    }
    // the counts (the page's summary) follow every verdict as it is shown, in the same task
    onChange();
  }

  // A part's checks are recorded in order; the newest one's verdict is shown.
  async function check(p) {
    const typed = answerOf(p);
    if (p.kind === 'choice' && !typed) {
      p.el.querySelector(SEL.feedback).replaceChildren(el('p', { class: 'kl-feedback-text' }, 'Choose one of the options first.'));
      return null;
    }
    const x = exercises.get(p.exId);
    const ticket = ++p.ticket;
    // while the engine checks, the part has no verdict (the previous one is for another answer)
    p.el.setAttribute('aria-busy', 'true');
    delete p.el.dataset.verdict;
    // what the attempt is recorded with: the hints and solution seen before it, in this variant
    const seen = { seed: x.seed, hints: p.shownHints, solution: p.solutionShown };
    let v;
    try {
      v = await nb.submit(p.id, typed);
      // the API's failure shape (a call it could not make): shown as an invalid verdict with the reason
      if (v && v.ok === false && !v.verdict) v = failureResult('submit', `This answer could not be checked: ${v.error.message}`);
    } catch (e) {
      // no engine to ask (it could not start): the answer is not checked, and the page says why
      v = failureResult('submit', `This answer could not be checked: ${messageOf(e)}`);
    }
    if (v.ok !== false) {
      p.checked = typed;
      await record.changed();
    }
    await renderVerdict(p, v, typed, ticket);
    x.el.dispatchEvent(
      new CustomEvent('kllab:check', {
        bubbles: true,
        composed: true,
        detail: {
          notebook,
          exercise: p.exId,
          part: p.id,
          verdict: v.verdict,
          status: verdictKind(v.verdict, kinds()).state,
          score: v.score,
          seed: seen.seed,
          answer: typed,
          hints: seen.hints,
          solution: seen.solution,
        },
      }),
    );
    return v;
  }

  /** Shows an exercise's state in its current variant: answers, hints, solutions, re-checked verdicts. */
  async function restoreExercise(x, es, { keepTyped = false } = {}) {
    x.seed = es.seed;
    const shown = x.parts.some((p) => p.state);
    for (const p of x.parts) {
      p.ticket++;
      const typed = keepTyped && p.touched ? answerOf(p) : null;
      clearPart(p);
      const ps = es.parts.find((q) => q.id === p.id);
      p.shownHints = ps?.hints ?? 0;
      p.solutionShown = !!ps?.solution;
      p.checked = ps?.checked ?? '';
      // the learner may have typed before the engine answered: that text stays
      setAnswer(p, typed ?? ps?.draft ?? '');
      if (!keepTyped) p.touched = false;
    }
    if (shown) onChange(); // the cleared verdicts count for nothing while the stored answers are re-checked
    if (x.shownSeed !== x.seed) await fillExercise(x);
    else showVariant(x);
    // part by part, in order: an earlier part set aside is gone before a later one is re-checked with it
    for (const p of x.parts) {
      const ticket = p.ticket;
      if (p.shownHints) await showHints(p, p.shownHints);
      if (p.solutionShown) await showSolution(p);
      if (!p.checked || ticket !== p.ticket) continue;
      p.el.setAttribute('aria-busy', 'true');
      let v;
      try {
        v = await nb.recheck(p.id);
      } catch (e) {
        v = failureResult('recheck', messageOf(e));
      }
      if (ticket !== p.ticket) continue;
      if (v && v.ok !== false) {
        await renderVerdict(p, v, p.checked, ticket);
        continue;
      }
      if (engineDead()) {
        await renderVerdict(p, failureResult('recheck', v?.error?.message ?? 'the engine stopped'), p.checked, ticket);
        continue;
      }
      // A stored answer the engine cannot re-check (it failed, or stopped the engine) is set aside:
      // never fatal, never shown with a stored verdict, and the rest of the work restores.
      const aside = await record.setAsidePart(p.id);
      if (ticket !== p.ticket) continue;
      p.el.removeAttribute('aria-busy');
      p.checked = '';
      if (!p.touched) setAnswer(p, '');
      p.el.querySelector(SEL.feedback).replaceChildren(
        el('p', { class: 'kl-feedback-text' }, 'Your saved answer to this part could not be checked again, so it was set aside. Type an answer and check it.'),
      );
      notify(
        `Your saved answer to ${p.id} could not be checked again (${v?.error?.message ?? 'the engine failed'}), so it was set aside; the rest of your work is restored.` +
          (aside ? ` The record as it was is kept in this browser's storage under “${aside}”.` : ''),
        'warning',
      );
    }
  }

  async function setVariant(x, seed) {
    const es = await nb.setVariant(x.id, seed).catch((e) => ({ ok: false, error: { message: messageOf(e) } }));
    if (!es || !es.ok) {
      notify(`Exercise ${x.id} could not switch to another variant: ${es?.error?.message ?? 'the engine did not answer'}`, 'warning');
      return;
    }
    await record.changed();
    await restoreExercise(x, es);
    onChange();
  }

  /** Runs a part's hint and solution steps one after the other (a double click reveals two hints in order). */
  function serial(p, f) {
    const run = () => f().catch((e) => notify(`This could not be shown: ${messageOf(e)}`, 'warning'));
    p.queue = p.queue.then(run, run);
    return p.queue;
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
      clearTimeout(timer);
      timer = null;
      nb.setDraft(p.id, answerOf(p)).then((r) => r?.ok && record.changed(), () => {});
    };
    form.addEventListener('input', () => {
      p.touched = true;
      clearTimeout(timer);
      timer = setTimeout(saveDraft, 250);
    });
    form.addEventListener('change', () => {
      p.touched = true;
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
      hint.addEventListener('click', () =>
        serial(p, async () => {
          const ticket = p.ticket;
          const r = await nb.revealHint(p.id).catch((e) => ({ ok: false, error: { message: messageOf(e) } }));
          if (!r || !r.ok) {
            notify(`The hint could not be shown: ${r?.error?.message ?? 'the engine did not answer'}`, 'warning');
            return;
          }
          if (ticket !== p.ticket) return; // another variant meanwhile
          p.shownHints = Math.max(p.shownHints, r.index + 1);
          await record.changed();
          if (ticket !== p.ticket) return;
          await showHints(p, p.shownHints, { [r.index]: r.text });
          onChange();
          if (hint.disabled) {
            const last = p.el.querySelectorAll(SEL.hintItems)[p.shownHints - 1];
            last?.setAttribute('tabindex', '-1');
            last?.focus();
          }
        }),
      );
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
      yes.addEventListener('click', () =>
        serial(p, async () => {
          confirm.hidden = true;
          const ticket = p.ticket;
          const r = await nb.revealSolution(p.id).catch((e) => ({ ok: false, error: { message: messageOf(e) } }));
          if (!r || !r.ok) {
            notify(`The solution could not be shown: ${r?.error?.message ?? 'the engine did not answer'}`, 'warning');
            return;
          }
          if (ticket !== p.ticket) return;
          p.solutionShown = true;
          await record.changed();
          if (ticket !== p.ticket) return;
          await showSolution(p, r.text);
          onChange();
          p.el.querySelector(SEL.solution).focus();
        }),
      );
    }
  }

  for (const section of root.querySelectorAll(SEL.exercise)) {
    const exId = section.dataset.exercise;
    // the page is pre-rendered with the textbook numbers (variant 0)
    const x = { id: exId, el: section, parts: [], seed: 0, shownSeed: 0, slots: null };
    exercises.set(exId, x);
    for (const partEl of section.querySelectorAll(SEL.part)) {
      const p = {
        id: partEl.dataset.part,
        kind: partEl.dataset.kind,
        hints: Number(partEl.dataset.hints) || 0,
        exId,
        index: x.parts.length,
        el: partEl,
        input: partEl.querySelector(SEL.input),
        ticket: 0,
        queue: Promise.resolve(),
        state: null,
        verdict: null,
        score: 0,
        shownHints: 0,
        solutionShown: false,
        checked: '',
        touched: false,
      };
      x.parts.push(p);
      parts.set(p.id, p);
      hydratePart(p);
    }
    const variant = section.querySelector(SEL.action('variant'));
    variant.disabled = false;
    variant.addEventListener('click', () => setVariant(x, newSeed()));
    section.querySelector(SEL.action('textbook')).addEventListener('click', () => {
      setVariant(x, 0);
      variant.focus();
    });
  }

  // the answer preview of every text box (preview.mjs): follows typing and variants; restore() refreshes it
  const previews = hydratePreviews({ parts, nb, ready: () => vocabulary() !== null });

  /**
   * Shows the learner's record: each exercise in its current variant, its answers, hints and
   * solutions, and the verdicts re-checked by the engine, part by part (a stored answer the engine
   * cannot re-check is set aside and spoils nothing else). keepTyped: text typed before the engine
   * answered stays (the first restore of a page).
   */
  async function restore({ keepTyped = false } = {}) {
    try {
      await record.ready;
      const st = await nb.state();
      if (!st || !st.ok) return;
      await Promise.all(st.exercises.filter((es) => exercises.has(es.id)).map((es) => restoreExercise(exercises.get(es.id), es, { keepTyped })));
    } catch {
      // no engine (it could not start): the page says so; the stored record is untouched
      return;
    }
    previews.refresh();
    record.noteCounts(counts());
  }

  /** Counts over the hydrated parts: the verdicts shown (re-checked by the engine), hints and solutions. */
  function counts() {
    let correct = 0, partial = 0, tried = 0, hints = 0, solutions = 0;
    for (const p of parts.values()) {
      if (p.state) tried++;
      if (p.state === 'correct') correct++;
      else if (p.state === 'partial') partial++;
      hints += p.shownHints;
      if (p.solutionShown) solutions++;
    }
    return { total: parts.size, correct, partial, tried, hints, solutions };
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
