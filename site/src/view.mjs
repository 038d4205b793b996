// Views shared by the build (node: serialised to HTML) and the page runtime (browser: built as DOM).
// A view is a tree of plain objects {tag, attrs, children}; strings are text. Nothing here ever
// parses HTML: text stays text in both outputs, so learner and author text cannot become markup.

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['svg', 'g', 'path', 'line', 'text', 'title', 'rect', 'desc']);
const VOID = new Set(['br', 'input', 'img', 'hr', 'meta', 'link']);

/**
 * HTML made by the build itself (Markdown and math rendered by site/tools/render.mjs from the author's
 * notebook, never from anything a learner types). toHTML writes it as it is; toDOM refuses it: the
 * runtime only ever builds text and elements.
 */
export function trustedHTML(html) {
  return { trusted: String(html) };
}

/** A view node. attrs with null/false values are left out. */
export function h(tag, attrs = {}, ...children) {
  return { tag, attrs, children: children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false) };
}

export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Serialises a view to HTML (build time). */
export function toHTML(node) {
  if (typeof node === 'string' || typeof node === 'number') return escapeHTML(node);
  if (typeof node.trusted === 'string') return node.trusted;
  const attrs = Object.entries(node.attrs || {})
    .filter(([, v]) => v !== null && v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeHTML(v)}"`))
    .join('');
  if (VOID.has(node.tag)) return `<${node.tag}${attrs}>`;
  return `<${node.tag}${attrs}>${node.children.map(toHTML).join('')}</${node.tag}>`;
}

/** Builds DOM from a view (browser). */
export function toDOM(node, doc = document) {
  if (typeof node === 'string' || typeof node === 'number') return doc.createTextNode(String(node));
  if (node.nodeType) return node; // already a DOM node
  if (node.trusted !== undefined) throw new Error('build-made HTML cannot be turned into DOM at run time');
  const el = SVG_TAGS.has(node.tag) ? doc.createElementNS(SVG_NS, node.tag) : doc.createElement(node.tag);
  for (const [k, v] of Object.entries(node.attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of node.children) el.appendChild(toDOM(c, doc));
  return el;
}

/** A slot value as displayed: a real minus sign for negative numbers. */
export function displayNumber(text) {
  return String(text).replace(/(^|[\s[(,=])-(?=[\d.]|inf)/g, '$1\u2212');
}

// ---- code cell output -------------------------------------------------------------------------

const MAX_ENTRIES = 8;

/** Shortens the engine's text of a long vector: the first entries, an ellipsis, the last, the count. */
export function shortValue(v) {
  const text = String(v.text ?? '');
  if (v.kind === 'vector' && text.startsWith('[') && !text.startsWith('[[')) {
    const entries = text.slice(1, -1).split(', ');
    if (entries.length > MAX_ENTRIES) {
      return `[${entries.slice(0, MAX_ENTRIES - 2).join(', ')}, …, ${entries[entries.length - 1]}]  (${entries.length} entries)`;
    }
  }
  if (text.length > 400) return `${text.slice(0, 390)} …`;
  return text;
}

/**
 * The output of a code cell: each statement's value, the error with its column marked, or what the
 * cell is waiting for.
 * @param result CellResult from the engine
 * @param source the cell's current source (to show the failing line)
 * @param definedBy map name -> cell id that defines it
 */
export function cellOutputView(result, source = '', definedBy = {}) {
  const rows = [];
  for (const v of result.values || []) {
    rows.push(
      h('div', { class: 'kl-val' }, v.name ? [h('span', { class: 'kl-name' }, v.name), ' = '] : null, h('span', { class: 'kl-text' }, shortValue(v))),
    );
  }
  if (result.status === 'error' && result.error) {
    const e = result.error;
    const lines = String(source).split('\n');
    const where = [];
    if (e.line > 0) where.push(`line ${e.line}`);
    if (e.column > 0) where.push(`column ${e.column}`);
    const srcLine = e.line > 0 ? lines[e.line - 1] : lines.length === 1 ? lines[0] : null;
    rows.push(
      h(
        'div',
        { class: 'kl-err' },
        h('span', { class: 'kl-icon', 'aria-hidden': 'true' }, '⚠'),
        h('strong', {}, 'Error'),
        where.length ? ` (${where.join(', ')})` : '',
        ': ',
        e.message,
        srcLine !== null && srcLine !== undefined && e.column > 0
          ? h('pre', { class: 'kl-caret' }, `${srcLine}\n${' '.repeat(Math.max(0, e.column - 1))}^`)
          : null,
      ),
    );
  }
  if (result.status === 'blocked') {
    const by = result.blockedBy;
    const cell = definedBy[by];
    rows.push(
      h(
        'div',
        { class: 'kl-blocked' },
        h('span', { class: 'kl-icon', 'aria-hidden': 'true' }, '↑'),
        `Waiting for ${by}, which failed above${cell ? ` (in cell “${cell}”)` : ''}.`,
      ),
    );
  }
  if (!rows.length && result.status === 'ok') rows.push(h('div', { class: 'kl-none' }, '(no values)'));
  return rows;
}

// ---- plots --------------------------------------------------------------------------------------

const DASHES = [null, '7 4', '2 3', '9 3 2 3', '12 3 3 3 3 3', '4 4'];
const MARKERS = 6;

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

function linearTicks(lo, hi, count) {
  const step = niceStep(hi - lo, count);
  const ticks = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

function fmtTick(t, step) {
  if (t === 0) return '0';
  const a = Math.abs(t);
  if (a >= 1e5 || a < 1e-3) return displayNumber(t.toExponential(0).replace('e+', 'e'));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return displayNumber(t.toFixed(Math.min(decimals, 6)));
}

function fmtPow(e) {
  if (e === 0) return '1';
  if (e === 1) return '10';
  if (e === -1) return '0.1';
  const sup = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
  return `10${String(e).split('').map((c) => sup[c]).join('')}`;
}

/**
 * An SVG line chart.
 * @param meta {title, xlabel, ylabel, logY, series: [labels]}
 * @param data {ok, x, series: [{label, y}]} from notebook.plot(id)
 * @param width in CSS pixels (the SVG is drawn at this size; the runtime redraws on resize)
 */
export function plotView(meta, data, width = 640, idPrefix = 'plot') {
  width = Math.max(260, Math.min(1200, Math.round(width)));
  const height = Math.round(Math.max(220, Math.min(380, width * 0.56)));
  const pad = { l: 58, r: 14, t: 12, b: 44 };
  const W = width - pad.l - pad.r;
  const H = height - pad.t - pad.b;
  const xs = Array.from(data.x);
  const logY = !!meta.logY;
  const series = data.series.map((s) => Array.from(s.y));
  const ok = (v) => Number.isFinite(v) && (!logY || v > 0);
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
  for (const x of xs) if (Number.isFinite(x)) (xlo = Math.min(xlo, x)), (xhi = Math.max(xhi, x));
  for (const ys of series) for (const y of ys) if (ok(y)) (ylo = Math.min(ylo, y)), (yhi = Math.max(yhi, y));
  const empty = !(xlo < Infinity && ylo < Infinity);
  if (empty) (xlo = 0), (xhi = 1), (ylo = logY ? 1 : 0), (yhi = logY ? 10 : 1);
  if (xhi === xlo) (xlo -= 0.5), (xhi += 0.5);
  let fy, yTicks, yLabel;
  if (logY) {
    const elo = Math.floor(Math.log10(ylo));
    let ehi = Math.ceil(Math.log10(yhi));
    if (ehi === elo) ehi += 1;
    const every = Math.max(1, Math.ceil((ehi - elo) / 6));
    yTicks = [];
    for (let e = elo; e <= ehi; e += every) yTicks.push(e);
    const l0 = elo, l1 = ehi;
    fy = (v) => pad.t + H - ((Math.log10(v) - l0) / (l1 - l0)) * H;
    yLabel = (e) => fmtPow(e);
    yTicks = yTicks.map((e) => ({ v: 10 ** e, label: yLabel(e) }));
  } else {
    if (yhi === ylo) (ylo -= Math.abs(ylo) * 0.1 || 0.5), (yhi += Math.abs(yhi) * 0.1 || 0.5);
    const count = Math.max(3, Math.round(H / 55));
    const step = niceStep(yhi - ylo, count);
    const lo = Math.floor(ylo / step + 1e-9) * step, hi = Math.ceil(yhi / step - 1e-9) * step;
    ylo = lo;
    yhi = hi;
    fy = (v) => pad.t + H - ((v - ylo) / (yhi - ylo)) * H;
    yTicks = linearTicks(ylo, yhi, count).map((v) => ({ v, label: fmtTick(v, step) }));
  }
  const fx = (v) => pad.l + ((v - xlo) / (xhi - xlo)) * W;
  const xCount = Math.max(3, Math.round(W / 90));
  const xStep = niceStep(xhi - xlo, xCount);
  const xTicks = linearTicks(xlo, xhi, xCount).map((v) => ({ v, label: fmtTick(v, xStep) }));

  const grid = [], axes = [];
  for (const t of yTicks) {
    const y = fy(t.v).toFixed(1);
    grid.push(h('line', { class: 'kl-grid', x1: pad.l, x2: pad.l + W, y1: y, y2: y }));
    axes.push(h('text', { class: 'kl-tick', x: pad.l - 6, y, dy: '0.32em', 'text-anchor': 'end' }, t.label));
  }
  for (const t of xTicks) {
    const x = fx(t.v).toFixed(1);
    grid.push(h('line', { class: 'kl-grid', x1: x, x2: x, y1: pad.t, y2: pad.t + H }));
    axes.push(h('text', { class: 'kl-tick', x, y: pad.t + H + 16, 'text-anchor': 'middle' }, t.label));
  }
  const lines = series.map((ys, i) => {
    const d = pathData(xs, ys, fx, fy, ok);
    return h('path', { class: `kl-line kl-s${i % MARKERS}`, d, 'stroke-dasharray': DASHES[i % DASHES.length], fill: 'none' });
  });
  const labels = data.series.map((s, i) => s.label || meta.series?.[i] || `series ${i + 1}`);
  const titleId = `${idPrefix}-t`;
  const svg = h(
    'svg',
    {
      class: 'kl-svg',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-labelledby': titleId,
      // the x axis's data range and the plotting area in viewBox units, for a slider's marker (plot-marks.mjs)
      'data-frame': empty ? null : [xlo, xhi, pad.l, pad.l + W, pad.t, pad.t + H].map((v) => +v.toPrecision(12)).join(' '),
    },
    h('title', { id: titleId }, `${meta.title || 'Plot'}: ${labels.join(', ')} against ${meta.xlabel || 'x'}${logY ? ' (log scale)' : ''}`),
    h('g', {}, grid),
    h('line', { class: 'kl-axis', x1: pad.l, x2: pad.l + W, y1: pad.t + H, y2: pad.t + H }),
    h('line', { class: 'kl-axis', x1: pad.l, x2: pad.l, y1: pad.t, y2: pad.t + H }),
    h('g', {}, axes),
    h('g', {}, lines),
    h('text', { class: 'kl-axis-label', x: pad.l + W / 2, y: height - 6, 'text-anchor': 'middle' }, meta.xlabel || ''),
    h('text', { class: 'kl-axis-label', x: 0, y: 0, transform: `translate(13 ${pad.t + H / 2}) rotate(-90)`, 'text-anchor': 'middle' }, meta.ylabel || ''),
  );
  const legend = h(
    'ul',
    { class: 'kl-legend' },
    labels.map((label, i) =>
      h(
        'li',
        {},
        h(
          'svg',
          { class: 'kl-swatch', viewBox: '0 0 36 10', width: 36, height: 10, 'aria-hidden': 'true' },
          h('line', { class: `kl-line kl-s${i % MARKERS}`, x1: 1, x2: 35, y1: 5, y2: 5, 'stroke-dasharray': DASHES[i % DASHES.length] }),
        ),
        label,
      ),
    ),
  );
  return [svg, legend];
}

/** Path data, broken at non-finite points, simplified to within a third of a pixel (Douglas-Peucker). */
function pathData(xs, ys, fx, fy, ok) {
  let d = '';
  let run = [];
  const flush = () => {
    if (!run.length) return;
    const keep = simplify(run, 0.35);
    keep.forEach((p, k) => {
      d += `${k ? 'L' : 'M'}${p[0].toFixed(1)} ${p[1].toFixed(1)}`;
    });
    run = [];
  };
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]) || !ok(ys[i])) {
      flush();
      continue;
    }
    run.push([fx(xs[i]), fy(ys[i])]);
  }
  flush();
  return d || 'M0 0';
}

function simplify(pts, eps) {
  if (pts.length < 3) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [x1, y1] = pts[a], [x2, y2] = pts[b];
    const dx = x2 - x1, dy = y2 - y1;
    const len = Math.hypot(dx, dy) || 1e-12;
    let worst = -1, at = -1;
    for (let i = a + 1; i < b; i++) {
      const dist = Math.abs(dy * (pts[i][0] - x1) - dx * (pts[i][1] - y1)) / len;
      if (dist > worst) (worst = dist), (at = i);
    }
    if (worst > eps) {
      keep[at] = 1;
      stack.push([a, at], [at, b]);
    }
  }
  return pts.filter((_, i) => keep[i]);
}
