// What a plot says about the notebook's current numbers, shared by the build and the runtime (cells.mjs):
//   - title slots: `{{name}}` in a plot's title is the current value of that code name (a cell's
//     variable or a slider), so a title such as "q = N({{mu_q}}, 0.25)" follows the slider and the
//     learner's edits of the cells. The engine keeps the title as plain text; the build fills the slots
//     with the textbook values (and reports a slot that names nothing), the runtime refills them from
//     every cell result it gets.
//   - slider markers: a plot whose x axis is a slider's quantity (it does not depend on the slider, and
//     its x label is the slider's label or the symbol the label names: "θ" for "θ, the probability of a
//     1 under p", "step t" for "timestep t") shows a vertical line at the slider's value, which moves as
//     the slider does. The build decides which plots (data-marker on the figure); the runtime draws.
import { h, toDOM, displayNumber } from './view.mjs';

const SLOT = /\{\{\s*([A-Za-z_]\w*)\s*\}\}/g;

/** The names a title's slots read. */
export function titleSlots(title) {
  return [...String(title || '').matchAll(SLOT)].map((m) => m[1]);
}

/** A value's text for a title: numbers to 4 significant digits, a real minus sign. */
export function titleValue(text) {
  const short = String(text).replace(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, (n) => {
    const x = Number(n);
    return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : n;
  });
  return displayNumber(short.length > 60 ? `${short.slice(0, 57)}…` : short);
}

/** The title with each slot filled from `values` (name -> engine text); an unknown name stays "?". */
export function fillTitle(title, values) {
  return String(title || '').replace(SLOT, (_, name) => (values.has(name) ? titleValue(values.get(name)) : '?'));
}

/**
 * Records every named value of some cell results (the engine's CellResult list) in `values`, except the
 * names in `owned`: a slider's value is the one its input shows, and a result the engine computed
 * before the slider moved would otherwise take the titles and markers back to the old value.
 */
export function noteValues(values, results, owned = new Set()) {
  for (const r of Array.isArray(results) ? results : []) {
    if (r.status !== 'ok') continue;
    for (const v of r.values || []) if (v.name && !owned.has(v.name)) values.set(v.name, v.text);
  }
  return values;
}

const tokens = (s) => String(s).split(/[\s,;:()=]+/).filter(Boolean);

/**
 * Whether a plot's x axis is a slider's quantity, by its labels (the build also checks that the plot
 * does not depend on the slider and that their ranges meet).
 */
export function labelsMatch(xlabel, sliderLabel) {
  const x = String(xlabel || '').trim();
  const label = String(sliderLabel || '').trim();
  if (!x || !label) return false;
  if (x === label) return true;
  const symbol = tokens(x).pop();
  return !!symbol && tokens(label).includes(symbol) && [...symbol].length <= 3;
}

/**
 * Draws (or moves) the marker of a slider in a plot's SVG: a vertical line at `value` with a small label,
 * hidden when the value is outside the x axis. `symbol` is what the label calls the quantity.
 */
export function drawMarker(svg, value, symbol) {
  if (!svg) return;
  const frame = (svg.getAttribute('data-frame') || '').split(' ').map(Number);
  if (frame.length !== 6 || frame.some((v) => !Number.isFinite(v))) return;
  const [x0, x1, left, right, top, bottom] = frame;
  let g = svg.querySelector('g.kl-marker');
  if (!g) {
    g = toDOM(h('g', { class: 'kl-marker', 'aria-hidden': 'true' }, h('line', { y1: top, y2: bottom }), h('text', { y: top + 11, dy: '0' })), svg.ownerDocument);
    svg.appendChild(g);
  }
  const v = Number(value);
  const inside = Number.isFinite(v) && x1 !== x0 && v >= Math.min(x0, x1) && v <= Math.max(x0, x1);
  g.style.display = inside ? '' : 'none';
  if (!inside) return;
  const x = left + ((v - x0) / (x1 - x0)) * (right - left);
  const line = g.querySelector('line');
  line.setAttribute('x1', x.toFixed(1));
  line.setAttribute('x2', x.toFixed(1));
  const text = g.querySelector('text');
  text.textContent = `${symbol} = ${displayNumber(String(v))}`;
  // the label sits right of the line, or left of it near the right edge
  const onLeft = x > left + (right - left) * 0.75;
  text.setAttribute('x', (onLeft ? x - 5 : x + 5).toFixed(1));
  text.setAttribute('text-anchor', onLeft ? 'end' : 'start');
  svg.dataset.markerValue = String(v);
}

/** The symbol a plot's x label ends with (what its marker's label calls the quantity). */
export function markerSymbol(xlabel) {
  return tokens(xlabel).pop() || 'x';
}

/**
 * The runtime side, for the plots under `root` (their markup: cells-view.mjs plotFigureView, with
 * data-marker and data-title where the build put them).
 * @returns {{note: (results: object[]) => void, moved: (name: string, value: string|number) => void,
 *            meta: (id: string, plot: object) => object, redrawn: (id: string) => void}}
 *   note: cell results the page received (their values fill the titles); moved: a slider moved (its
 *   markers follow at once); meta: a plot's metadata with its title filled, for redrawing it;
 *   redrawn: a plot was drawn anew (its marker is put back)
 */
export function hydratePlotMarks({ root, sel }) {
  const values = new Map();
  const figs = [...root.querySelectorAll(sel.plot)];
  for (const input of root.querySelectorAll(`${sel.slider} ${sel.range}`)) values.set(input.name, input.value);
  const sliders = new Set(values.keys());

  const titled = figs.filter((f) => f.querySelector('figcaption[data-title]'));
  const filledTitle = (template) => (titleSlots(template).every((n) => values.has(n)) ? fillTitle(template, values) : null);
  const refreshTitles = () => {
    for (const fig of titled) {
      const cap = fig.querySelector('figcaption[data-title]');
      const title = filledTitle(cap.dataset.title);
      if (title === null || cap.textContent === title) continue;
      const old = cap.textContent;
      cap.textContent = title;
      // the chart's own accessible title starts with the same words
      const t = fig.querySelector('svg > title');
      if (t && t.textContent.startsWith(old)) t.textContent = title + t.textContent.slice(old.length);
    }
  };
  const mark = (fig) => {
    const name = fig.dataset.marker;
    if (!name || !values.has(name)) return;
    drawMarker(fig.querySelector(`${sel.plotBox} svg.kl-svg`), values.get(name), fig.dataset.markerSymbol || name);
  };
  for (const fig of figs) mark(fig);

  return {
    note(results) {
      noteValues(values, results, sliders);
      refreshTitles();
    },
    moved(name, value) {
      values.set(name, String(value));
      for (const fig of figs) if (fig.dataset.marker === name) mark(fig);
      refreshTitles();
    },
    meta(id, plot) {
      const fig = figs.find((f) => f.dataset.plot === id);
      const cap = fig?.querySelector('figcaption');
      const template = cap?.dataset.title;
      return template ? { ...plot, title: filledTitle(template) ?? cap.textContent } : plot;
    },
    redrawn(id) {
      const fig = figs.find((f) => f.dataset.plot === id);
      if (fig) mark(fig);
    },
  };
}
