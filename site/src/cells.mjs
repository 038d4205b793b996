// Code cells, sliders and plots under a root (the notebook page, a <kl-notebook> embed, an offline
// file). The build pre-rendered every output and plot with the textbook values, so nothing runs at
// start-up: the notebook's cells run once, lazily, the first time the learner reaches for a cell or a
// slider (focus or pointer down warms it up; the first edit or slider move runs it at the latest).
// kl-foundations' cells take about a second in wasm (Monte Carlo plots): that second is no longer
// between opening the page and checking the first answer. The engine runs in its worker
// (engine-client.mjs): every call is async, and a slider sends only its latest value.
import { cellOutputView, plotView, displayNumber, toDOM } from './view.mjs';
import { CELL_SEL as SEL, plotErrorView, sliderText } from './cells-view.mjs';
import { el } from './ui.mjs';
import { hydratePlotMarks } from './plot-marks.mjs';
import { openCellStore } from './cell-store.mjs';

/**
 * @param {{root: ParentNode, nb: object, notify: (message: string, kind?: string) => void}} o
 *   nb: the notebook in the engine's worker (methods return promises)
 * @returns {{ensureRun: () => Promise<void>, hasRun: () => boolean}}
 */
export function hydrateCells({ root, nb, notify }) {
  const cellMeta = new Map();
  const codeSources = new Map();
  const definedBy = {};
  const q = (sel) => root.querySelector(sel);
  const figs = [...root.querySelectorAll(SEL.plot)];
  const plotWidths = new Map();
  let ran = false;
  let running = null;
  if (root.dataset) root.dataset.cells = 'pending';
  // plot titles that follow the values, slider markers (plot-marks.mjs); edits kept across reloads (cell-store.mjs)
  const marks = hydratePlotMarks({ root, sel: SEL });
  const store = root.dataset?.notebook ? openCellStore(root.dataset.notebook) : null;
  let toldStore = false;

  // With no engine to ask (it could not start), say so once instead of failing silently.
  let toldNoEngine = false;
  const noEngine = (e) => {
    if (toldNoEngine) return;
    toldNoEngine = true;
    notify(`The code cells cannot run: ${e && e.message ? e.message : e}`, 'warning');
  };

  /** Runs every cell once (the engine needs the values before an edit, a slider move or a redraw). */
  function ensureRun() {
    running ??= (async () => {
      const cells = await nb.cells();
      for (const c of Array.isArray(cells) ? cells : []) {
        cellMeta.set(c.id, c);
        if (c.type === 'code' && !codeSources.has(c.id)) codeSources.set(c.id, c.source.replace(/\n$/, ''));
        for (const d of c.defines || []) definedBy[d] = c.id;
      }
      const results = await nb.runAll();
      if (Array.isArray(results)) marks.note(results);
      ran = true;
      if (root.dataset) root.dataset.cells = 'ran';
      // Outputs and plots were pre-rendered with exactly these values; only a failure would differ.
      if (Array.isArray(results)) await applyResults(results.filter((r) => r.status !== 'ok'));
      else notify(`The notebook's cells could not run: ${results.error.message}`, 'warning');
      requestAnimationFrame(redrawResized);
    })();
    running.catch(noEngine);
    return running;
  }

  /** Redraws the plots whose column is much wider or narrower than their drawing (after the run). */
  function redrawResized() {
    if (!ran) return;
    for (const fig of figs) {
      const id = fig.dataset.plot;
      const w = fig.querySelector(SEL.plotBox).clientWidth;
      if (w && fig.dataset.status === 'ok' && Math.abs(w - (plotWidths.get(id) || 0)) > 24) drawPlot(id).catch(noEngine);
    }
  }

  const warmUp = () => {
    if (!running) ensureRun();
  };

  async function applyResults(list) {
    marks.note(list);
    for (const r of list) {
      const meta = cellMeta.get(r.cell);
      if (!meta) continue;
      if (meta.type === 'code') renderOutput(r);
      else if (meta.type === 'plot') await drawPlot(r.cell, r);
    }
  }

  function renderOutput(result) {
    const section = q(SEL.codeById(result.cell));
    if (!section) return;
    const out = section.querySelector(SEL.output);
    out.dataset.status = result.status;
    out.replaceChildren(...cellOutputView(result, codeSources.get(result.cell) || '', definedBy).map((v) => toDOM(v)));
  }

  async function drawPlot(id, result) {
    const fig = q(SEL.plotById(id));
    if (!fig) return;
    const box = fig.querySelector(SEL.plotBox);
    const meta = marks.meta(id, cellMeta.get(id).plot);
    if (result && result.status !== 'ok') {
      box.replaceChildren(...cellOutputView(result, '', definedBy).map((v) => toDOM(v)));
      fig.dataset.status = result.status;
      return;
    }
    const data = await nb.plot(id);
    if (!data.ok) {
      box.replaceChildren(...plotErrorView(data.error.message).map((v) => toDOM(v)));
      fig.dataset.status = 'error';
      return;
    }
    const width = box.clientWidth || 640;
    plotWidths.set(id, width);
    box.replaceChildren(...plotView(meta, data, width, `p-${id}`).map((v) => toDOM(v)));
    marks.redrawn(id);
    fig.dataset.status = 'ok';
    fig.dataset.version = String(Number(fig.dataset.version || 0) + 1);
  }

  // ---- code cells ----
  const keptEdits = [];
  for (const section of root.querySelectorAll(SEL.code)) {
    const id = section.dataset.cell;
    const ta = section.querySelector(SEL.source);
    const run = section.querySelector(SEL.action('run'));
    const revert = section.querySelector(SEL.action('revert'));
    const original = ta.dataset.original ?? ta.value;
    const doRun = async () => {
      await ensureRun();
      const source = ta.value;
      section.setAttribute('aria-busy', 'true');
      const r = await nb.editCell(id, source);
      section.removeAttribute('aria-busy');
      if (!r.ok) {
        const out = section.querySelector(SEL.output);
        out.replaceChildren(el('div', { class: 'kl-err' }, el('strong', {}, 'Error'), `: ${r.error.message}`));
        return;
      }
      // the edit is kept as soon as the engine has it, before its outputs are drawn (a plot is a
      // further round trip): a reload once the first output shows never loses it
      codeSources.set(id, source);
      section.dataset.edited = source !== original ? 'true' : 'false';
      if (store && !store.set(id, source, original) && source !== original && !toldStore) {
        toldStore = true;
        notify('Your edits to the code cells cannot be kept in this browser: they last until you leave the page.', 'info');
      }
      await applyResults(r.cells);
    };
    const runSafely = () => doRun().catch(noEngine);
    run.disabled = false;
    run.addEventListener('click', runSafely);
    section.addEventListener('focusin', warmUp);
    section.addEventListener('pointerdown', warmUp);
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        runSafely();
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
      runSafely();
      ta.focus();
    });
    // an edit kept from an earlier visit: shown at once, run once the page is ready
    const kept = store?.edits.get(id);
    if (kept !== undefined && kept !== original) {
      ta.value = kept;
      revert.hidden = false;
      revert.disabled = false;
      section.dataset.edited = 'true';
      const out = section.querySelector(SEL.output);
      out.dataset.status = 'pending';
      out.replaceChildren(el('div', { class: 'kl-none' }, 'Your edited code from your last visit: its output appears once the engine has run it.'));
      keptEdits.push(doRun);
    }
  }
  if (keptEdits.length) {
    const replay = async () => {
      for (const run of keptEdits) await run();
      notify(
        `Your edits to ${keptEdits.length === 1 ? 'a code cell are' : `${keptEdits.length} code cells are`} back from your last visit. A cell's Revert button brings back the notebook's own code.`,
        'info',
      );
    };
    (root.ownerDocument || document).addEventListener('kllab:ready', () => replay().catch(noEngine), { once: true });
  }

  // ---- sliders ----
  for (const box of root.querySelectorAll(SEL.slider)) {
    const name = box.dataset.slider;
    const input = box.querySelector(SEL.range);
    const output = box.querySelector(SEL.sliderValue);
    // One move in flight at a time; moves made meanwhile collapse into the latest value.
    let busy = false;
    let wanted = null;
    const apply = async () => {
      if (busy) return;
      busy = true;
      while (wanted !== null) {
        const value = wanted;
        wanted = null;
        output.textContent = sliderText(name, displayNumber(value));
        input.setAttribute('aria-valuetext', `${name} = ${value}`);
        await ensureRun();
        const r = await nb.setSlider(name, Number(value));
        if (r.ok) await applyResults(r.cells);
        else notify(`The slider ${name} could not be set: ${r.error.message}`, 'warning');
      }
      busy = false;
    };
    input.disabled = false;
    box.addEventListener('focusin', warmUp);
    box.addEventListener('pointerdown', warmUp);
    let current = input.value;
    const moved = () => {
      if (input.value === current) return;
      marks.moved(name, input.value); // its markers follow at once, before the engine answers
      current = wanted = input.value;
      apply().catch((e) => {
        busy = false;
        noEngine(e);
      });
    };
    input.addEventListener('input', moved);
    input.addEventListener('change', moved);
  }

  // ---- plots: the build's drawings stay (scaled by their viewBox) until something changes; once the
  // cells have run, a plot whose column width differs much is redrawn at its real width ----
  for (const fig of figs) {
    const box = fig.querySelector(SEL.plotBox);
    if (!box.querySelector('svg')) continue;
    fig.dataset.status = fig.dataset.status || 'ok';
    plotWidths.set(fig.dataset.plot, Number(box.dataset.width) || 0);
  }
  if (typeof ResizeObserver === 'function' && figs.length) {
    let queued = false;
    const ro = new ResizeObserver(() => {
      if (queued || !ran) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        redrawResized();
      });
    });
    for (const fig of figs) ro.observe(fig);
  }

  return { ensureRun, hasRun: () => ran };
}
