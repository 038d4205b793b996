// The notebook page runtime: loads the engine, hydrates the pre-rendered page (code cells, sliders,
// plots, exercises), checks answers and keeps the learner's progress. Text from learners and authors
// is only ever set with textContent or built with createElement (see view.mjs): never as HTML.
import { loadEngine } from './kllab.mjs';
import { h, toDOM, cellOutputView, plotView, displayNumber } from './view.mjs';
import { openProgress } from './progress.mjs';

const doc = document;
const main = doc.querySelector('main[data-notebook]');
const notebookId = main.dataset.notebook;
const noticesEl = doc.getElementById('kl-notices');
const statusEl = doc.getElementById('kl-engine-status');

const STATE = {
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

function el(tag, attrs, ...children) {
  return toDOM(h(tag, attrs, ...children));
}

function notify(message, kind = 'info') {
  const box = el('div', { class: `kl-notice kl-${kind}` }, el('p', {}, message));
  const close = el('button', { type: 'button', class: 'kl-dismiss', 'aria-label': 'Dismiss this notice' }, '×');
  close.addEventListener('click', () => box.remove());
  box.appendChild(close);
  noticesEl.appendChild(box);
}

const progress = openProgress(notebookId, notify);

let nb = null;
const codeSources = new Map();
const cellMeta = new Map();
const definedBy = {};
const exercises = new Map(); // exercise id -> {ex, el, parts: [part]}
const parts = new Map(); // part id -> {part, exId, index, el}

function fail(message) {
  statusEl.hidden = false;
  statusEl.classList.add('kl-error');
  statusEl.textContent = `The interactive engine could not start: ${message}. The text and the textbook numbers are still here; reload to try again.`;
  doc.documentElement.dataset.ready = 'error';
  doc.dispatchEvent(new CustomEvent('kllab:error', { detail: { message } }));
}

async function start() {
  let src;
  try {
    src = JSON.parse(doc.getElementById('kl-notebook').textContent);
  } catch (e) {
    fail('the notebook data in this page is damaged');
    return;
  }
  try {
    const engine = await loadEngine();
    nb = engine.loadNotebook(src.source, src.file);
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
    return;
  }
  const errs = nb.errors();
  if (errs.length) {
    fail(errs.map((e) => `${e.file}:${e.line}: ${e.message}`).join('; '));
    return;
  }
  for (const c of nb.cells()) {
    cellMeta.set(c.id, c);
    if (c.type === 'code') codeSources.set(c.id, c.source.replace(/\n$/, ''));
    for (const d of c.defines || []) definedBy[d] = c.id;
  }
  const results = nb.runAll();
  hydrateCode();
  hydrateSliders();
  hydratePlots(results);
  hydrateExercises();
  hydrateToolbar();
  restoreAll({ initial: true });
  updateSummary();
  statusEl.hidden = true;
  doc.documentElement.dataset.ready = 'true';
  doc.dispatchEvent(new CustomEvent('kllab:ready', { detail: { notebook: notebookId } }));
}

// ---- code cells -----------------------------------------------------------------------------------

function applyResults(list) {
  for (const r of list) {
    const meta = cellMeta.get(r.cell);
    if (!meta) continue;
    if (meta.type === 'code') renderOutput(r);
    else if (meta.type === 'plot') drawPlot(r.cell, r);
  }
}

function renderOutput(result) {
  const section = doc.querySelector(`.kl-code[data-cell="${CSS.escape(result.cell)}"]`);
  if (!section) return;
  const out = section.querySelector('[data-output]');
  out.dataset.status = result.status;
  out.replaceChildren(...cellOutputView(result, codeSources.get(result.cell) || '', definedBy).map((v) => toDOM(v)));
}

function hydrateCode() {
  for (const section of doc.querySelectorAll('.kl-code[data-cell]')) {
    const id = section.dataset.cell;
    const ta = section.querySelector('textarea');
    const run = section.querySelector('[data-action="run"]');
    const revert = section.querySelector('[data-action="revert"]');
    const original = ta.dataset.original ?? ta.value;
    const doRun = () => {
      const source = ta.value;
      const r = nb.editCell(id, source);
      if (!r.ok) {
        const out = section.querySelector('[data-output]');
        out.replaceChildren(el('div', { class: 'kl-err' }, el('strong', {}, 'Error'), `: ${r.error.message}`));
        return;
      }
      codeSources.set(id, source);
      applyResults(r.cells);
      section.dataset.edited = source !== original ? 'true' : 'false';
    };
    run.disabled = false;
    run.addEventListener('click', doRun);
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        doRun();
      }
    });
    ta.addEventListener('input', () => {
      const changed = ta.value !== original;
      revert.hidden = !changed;
      revert.disabled = !changed;
    });
    revert.addEventListener('click', () => {
      ta.value = original;
      revert.hidden = true;
      revert.disabled = true;
      doRun();
      ta.focus();
    });
  }
}

// ---- sliders --------------------------------------------------------------------------------------

function hydrateSliders() {
  for (const box of doc.querySelectorAll('.kl-slider[data-slider]')) {
    const name = box.dataset.slider;
    const input = box.querySelector('input[type="range"]');
    const output = box.querySelector('output');
    let pending = false;
    const apply = () => {
      pending = false;
      const r = nb.setSlider(name, Number(input.value));
      output.textContent = `${name} = ${displayNumber(input.value)}`;
      input.setAttribute('aria-valuetext', `${name} = ${input.value}`);
      if (r.ok) applyResults(r.cells);
      else notify(`The slider ${name} could not be set: ${r.error.message}`, 'warning');
    };
    input.disabled = false;
    input.addEventListener('input', () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(apply);
    });
    input.addEventListener('change', () => {
      if (!pending) apply();
    });
  }
}

// ---- plots ----------------------------------------------------------------------------------------

const plotWidths = new Map();

function drawPlot(id, result) {
  const fig = doc.querySelector(`.kl-plot[data-plot="${CSS.escape(id)}"]`);
  if (!fig) return;
  const box = fig.querySelector('[data-plot-box]');
  const meta = cellMeta.get(id).plot;
  if (result && result.status !== 'ok') {
    box.replaceChildren(...cellOutputView(result, '', definedBy).map((v) => toDOM(v)));
    fig.dataset.status = result.status;
    return;
  }
  const data = nb.plot(id);
  if (!data.ok) {
    box.replaceChildren(el('p', { class: 'kl-blocked' }, `This plot cannot be drawn: ${data.error.message}`));
    fig.dataset.status = 'error';
    return;
  }
  const width = box.clientWidth || 640;
  plotWidths.set(id, width);
  box.replaceChildren(...plotView(meta, data, width, `p-${id}`).map((v) => toDOM(v)));
  fig.dataset.status = 'ok';
  fig.dataset.version = String(Number(fig.dataset.version || 0) + 1);
}

function hydratePlots(results) {
  const byId = new Map(results.map((r) => [r.cell, r]));
  const figs = [...doc.querySelectorAll('.kl-plot[data-plot]')];
  for (const fig of figs) {
    // The build drew each plot with the textbook values: keep that drawing until something changes
    // (or the width differs much), so opening a page does not recompute every plot.
    const r = byId.get(fig.dataset.plot);
    const box = fig.querySelector('[data-plot-box]');
    if ((r && r.status !== 'ok') || !box.dataset.width || !box.querySelector('svg')) drawPlot(fig.dataset.plot, r);
    else {
      fig.dataset.status = 'ok';
      plotWidths.set(fig.dataset.plot, Number(box.dataset.width));
    }
  }
  if (typeof ResizeObserver === 'function') {
    let queued = false;
    const ro = new ResizeObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        for (const fig of figs) {
          const id = fig.dataset.plot;
          const w = fig.querySelector('[data-plot-box]').clientWidth;
          if (fig.dataset.status === 'ok' && Math.abs(w - (plotWidths.get(id) || 0)) > 24) drawPlot(id);
        }
      });
    });
    for (const fig of figs) ro.observe(fig);
  }
}

// ---- exercises ------------------------------------------------------------------------------------

function fillSlots(root, values) {
  if (!root) return;
  for (const s of root.querySelectorAll('[data-slot]')) s.textContent = displayNumber(values?.[Number(s.dataset.slot)] ?? '?');
}

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
    nodes.push(
      el(
        'pre',
        { class: 'kl-caret', 'aria-label': `The problem is at column ${v.column}` },
        `${typed}\n${' '.repeat(Math.max(0, v.column - 1))}^ column ${v.column}`,
      ),
    );
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
    return;
  }
  const seed = progress.seed(p.exId);
  const v = nb.check(p.part.id, typed, { seed, earlier: earlierOf(p) });
  renderVerdict(p, v, typed);
  if (!user) return v;
  const rec = progress.part(p.part.id);
  rec.answer = typed;
  rec.checked = typed;
  rec.verdict = v.verdict;
  rec.score = v.score;
  progress.save();
  updateSummary();
  doc.dispatchEvent(
    new CustomEvent('kllab:check', {
      detail: { notebook: notebookId, exercise: p.exId, part: p.part.id, verdict: v.verdict, status: STATE[v.verdict], score: v.score, seed },
    }),
  );
  return v;
}

function newSeed() {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return (a[0] % 999999) + 1;
}

function setVariant(exId, seed) {
  const x = exercises.get(exId);
  if (!fillExercise(exId, seed)) return;
  progress.setSeed(exId, seed);
  for (const p of x.parts) {
    delete progress.record.parts[p.part.id];
    clearPart(p);
  }
  progress.save();
  updateSummary();
}

function hydrateExercises() {
  for (const cell of cellMeta.values()) {
    if (cell.type !== 'exercise') continue;
    const ex = nb.exercise(cell.exercise);
    const section = doc.getElementById(ex.id);
    if (!ex || !section) continue;
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
    const textbook = section.querySelector('[data-action="textbook"]');
    textbook.addEventListener('click', () => {
      setVariant(ex.id, 0);
      variant.focus();
    });
  }
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
    rec.answer = answerOf(p);
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
      updateSummary();
      if (hint.disabled) p.el.querySelectorAll('.kl-hints > li')[n - 1]?.setAttribute('tabindex', '-1');
      if (hint.disabled) p.el.querySelectorAll('.kl-hints > li')[n - 1]?.focus();
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
      updateSummary();
      p.el.querySelector('.kl-solution').focus();
    });
  }
}

function restoreAll({ initial = false } = {}) {
  for (const [exId, x] of exercises) {
    const seed = progress.seed(exId);
    // the page arrives with variant 0's numbers: only other variants (or a reset/import) need filling
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

function updateSummary() {
  const total = parts.size;
  let correct = 0, partial = 0, hints = 0, solutions = 0;
  for (const id of parts.keys()) {
    const r = progress.peekPart(id);
    if (!r) continue;
    if (r.verdict === 'correct') correct++;
    else if (r.verdict === 'correct_given_earlier' || r.verdict === 'close') partial++;
    hints += r.hints || 0;
    if (r.solution) solutions++;
  }
  const bits = [`${correct} of ${total} parts correct`];
  if (partial) bits.push(`${partial} partly`);
  if (hints) bits.push(`${hints} hint${hints === 1 ? '' : 's'} used`);
  if (solutions) bits.push(`${solutions} solution${solutions === 1 ? '' : 's'} shown`);
  doc.getElementById('kl-summary').textContent = `Your progress: ${bits.join(' · ')}`;
}

// ---- toolbar: export, import, reset ---------------------------------------------------------------

function hydrateToolbar() {
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
    restoreAll();
    updateSummary();
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
    restoreAll();
    updateSummary();
    close();
    notify('This notebook was reset: answers, hints, solutions and variants are cleared.', 'info');
  });
}

start().catch((e) => fail(e && e.message ? e.message : String(e)));
