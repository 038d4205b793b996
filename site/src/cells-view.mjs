// The markup of code cells, sliders and plots, in one place: the build renders it (site/tools/build.mjs)
// and the runtime (cells.mjs) finds its pieces with the selectors defined here.
import { h, cellOutputView, plotView } from './view.mjs';
import { fillTitle, titleSlots } from './plot-marks.mjs';

export const CELL_SEL = {
  code: '.kl-code[data-cell]',
  codeById: (id) => `.kl-code[data-cell="${cssString(id)}"]`,
  source: 'textarea',
  output: '[data-output]',
  action: (name) => `[data-action="${name}"]`,
  slider: '.kl-slider[data-slider]',
  range: 'input[type="range"]',
  sliderValue: 'output',
  plot: '.kl-plot[data-plot]',
  plotById: (id) => `.kl-plot[data-plot="${cssString(id)}"]`,
  plotBox: '[data-plot-box]',
};

function cssString(s) {
  return String(s).replace(/["\\]/g, '\\$&');
}

/** A code cell with its pre-computed output. */
export function codeCellView(cell, result, definedBy) {
  const src = cell.source.replace(/\n$/, '');
  const rows = Math.min(14, Math.max(2, src.split('\n').length + 1));
  return h(
    'section',
    { class: 'kl-code', id: `c-${cell.id}`, 'data-cell': cell.id, 'aria-label': `Code cell ${cell.id}` },
    h(
      'div',
      { class: 'kl-code-head' },
      h('label', { for: `src-${cell.id}` }, h('span', { class: 'kl-code-id' }, cell.id), h('span', { class: 'kl-hint-key' }, ' · edit, then Run or Ctrl+Enter')),
      h(
        'span',
        { class: 'kl-code-buttons' },
        h('button', { type: 'button', 'data-action': 'revert', disabled: true, hidden: true }, 'Revert'),
        h('button', { type: 'button', 'data-action': 'run', disabled: true }, 'Run'),
      ),
    ),
    h('textarea', { id: `src-${cell.id}`, class: 'kl-src', rows, spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', 'data-original': src }, src),
    h('div', { class: 'kl-out', 'data-output': '', 'aria-live': 'polite', 'data-status': result.status }, cellOutputView(result, src, definedBy)),
  );
}

/** A slider at its initial value. */
export function sliderView(cell) {
  const s = cell.slider;
  return h(
    'div',
    { class: 'kl-slider', id: `c-${cell.id}`, 'data-slider': s.name },
    h('label', { for: `range-${s.name}` }, s.label || s.name),
    h(
      'div',
      { class: 'kl-slider-row' },
      h('input', { type: 'range', id: `range-${s.name}`, name: s.name, min: s.min, max: s.max, step: s.step, value: s.value, autocomplete: 'off', disabled: true }),
      h('output', { for: `range-${s.name}`, id: `val-${s.name}`, 'aria-hidden': 'true' }, sliderText(s.name, s.value)),
    ),
  );
}

export function sliderText(name, value) {
  return `${name} = ${value}`;
}

/**
 * A plot drawn at `width` (or the reason it cannot be drawn).
 * @param {{values?: Map<string, string>, marker?: {slider: string, symbol: string}|null}} [o] values: the
 *   code names' values that fill the title's {{slots}} (plot-marks.mjs); marker: the slider whose value
 *   the plot marks
 */
export function plotFigureView(cell, data, width, { values = new Map(), marker = null } = {}) {
  const template = cell.plot.title;
  const slotted = titleSlots(template).length > 0;
  const meta = slotted ? { ...cell.plot, title: fillTitle(template, values) } : cell.plot;
  const inner = data.ok ? plotView(meta, data, width, `p-${cell.id}`) : plotErrorView(data.error.message);
  return h(
    'figure',
    { class: 'kl-plot', id: `c-${cell.id}`, 'data-plot': cell.id, 'data-marker': marker?.slider ?? null, 'data-marker-symbol': marker?.symbol ?? null },
    h('figcaption', { 'data-title': slotted ? template : null }, meta.title || cell.id),
    h('div', { class: 'kl-plot-box', 'data-plot-box': '', 'data-width': width }, inner),
  );
}

export function plotErrorView(message) {
  return [h('p', { class: 'kl-blocked' }, `This plot cannot be drawn: ${message}`)];
}
