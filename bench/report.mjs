// Turns bench/results.json into the printed table (Markdown), the ratio chart (SVG) and the table
// section of docs/performance.md. `node bench/report.mjs` re-renders from the last results.json.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

const GOALS = {
  wasmNative: 1.5, // wasm in Chromium / native clang (same flags) on every kernel, at most
  mathjs: 5, // times faster than math.js on answer parsing + evaluation, at least
  pyodideTime: 25, // times faster than Pyodide to the first computed KL, at least
  pyodideBytes: 20, // times fewer bytes, at least
  pageKB: 130, // brotli KB per notebook page (gzip reported)
  embedKB: 40, // an embedded exercise's own bytes, brotli, engine cached
  startupRatio: 1.1, // a notebook page ready (first part checkable) / the same page's first paint without scripts
  readyNote: '(reported)',
  checkP99Ms: 1, // 99th-percentile check through the page's Check handler
  apiCheckP99Ms: 0.2, // ... and through the JS API
  gradePerSecond: 1e4, // `kllab grade` exports per second on all cores (2 here)
};

const ms = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(0)} µs`);
const kb = (b) => (b == null ? 'n/a' : `${(b / 1024).toFixed(1)} KB`);
const spread = (s) => (s && s.median > 0 && s.n > 2 ? ` ±${(((s.p75 - s.p25) / 2 / s.median) * 100).toFixed(0)}%` : '');
const med = (s) => (s ? `${ms(s.median)}${spread(s)}` : 'n/a');
const x = (r, d = 2) => (r == null || !Number.isFinite(r) ? 'n/a' : `${r.toFixed(d)}`);
const ok = (good) => (good == null ? '' : good ? 'met' : '**MISSED**');

/** Every figure with its goal, as rows (also the input of the chart). */
export function rows(R) {
  const out = [];
  const add = (section, figure, measured, reference, ratio, goal, met, chart) => out.push({ section, figure, measured, reference, ratio, goal, met, chart });
  // Kernels: every ratio is against native clang++-14 with the wasm build's per-file levels (the same
  // compiler and flags); the goal applies to Chromium, what learners run. node's V8 and g++ are shown
  // for reference, without a goal.
  for (const [name, k] of Object.entries(R.kernels || {})) {
    const ref = k.clang?.stats ?? k.native?.stats;
    const r = k.ratioChromium;
    add('1 kernels', `${name}: wasm in Chromium / native clang`, med(k.chromium?.stats), `clang ${med(ref)}`, r != null ? `${x(r)}×` : 'n/a', `≤ ${GOALS.wasmNative}`,
      r == null ? null : r <= GOALS.wasmNative, r != null ? { label: `${name} Chromium/clang`, value: r, goal: GOALS.wasmNative, lower: true } : null);
    if (k.ratioNode != null) add('1 kernels', `${name}: wasm in node / native clang`, med(k.node?.stats), `g++ ${med(k.gxx?.stats)} (${x(k.ratioGxx)}× clang)`,
      `${x(k.ratioNode)}×`, '(reported)', null, null);
  }
  const a = R.api;
  if (a) {
    add('2 math.js', `10^4 answers parse+evaluate, JS API vs math.js (node)`, med(a.answers.ours), `math.js ${med(a.answers.theirs)}`,
      `${x(a.answers.speedup, 1)}× faster`, `≥ ${GOALS.mathjs}× faster`, a.answers.speedup >= GOALS.mathjs,
      { label: 'answers vs math.js (speed-up)', value: a.answers.speedup, goal: GOALS.mathjs });
    add('2 math.js', `KL of two 10^5-vectors (kl vs kldivergence)`, med(a.klBig.ours), `math.js ${med(a.klBig.theirs)}`, `${x(a.klBig.speedup, 1)}× faster`, '', null,
      { label: 'KL 10^5 vs math.js (speed-up)', value: a.klBig.speedup, goal: null });
    add('2 math.js', `KL of two 4-vectors ×10^4 calls`, med(a.klSmall.ours), `math.js ${med(a.klSmall.theirs)}`, `${x(a.klSmall.speedup, 1)}× faster`, '', null,
      { label: 'KL 4-vectors vs math.js (speed-up)', value: a.klSmall.speedup, goal: null });
    const noop = R.embindNoop ? `; embind int noop(int) ${R.embindNoop.nsPerCall.toFixed(0)} ns (Chromium)` : '';
    add('2 math.js', 'JS↔wasm boundary per call', a.boundaryUsPerCall != null ? `${a.boundaryUsPerCall.toFixed(1)} µs` : 'n/a',
      `evaluate('1') ${a.evalFloorUs.toFixed(1)} µs${noop}`, '', '', null, null);
  }
  const c = R.cold || {};
  if (c.oursNode && c.pyodideNode) {
    add('3 Pyodide', 'cold start → first KL, node', med(c.oursNode.ms), `Pyodide ${med(c.pyodideNode.ms)}`, `${x(c.speedupNode, 0)}× faster`, `≥ ${GOALS.pyodideTime}×`,
      c.speedupNode >= GOALS.pyodideTime, { label: 'cold start vs Pyodide, node', value: c.speedupNode, goal: GOALS.pyodideTime });
  }
  if (c.oursChromium && c.pyodideChromium) {
    add('3 Pyodide', 'cold start → first KL, Chromium', med(c.oursChromium.ms), `Pyodide ${med(c.pyodideChromium.ms)}`, `${x(c.speedupChromium, 0)}× faster`,
      `≥ ${GOALS.pyodideTime}×`, c.speedupChromium >= GOALS.pyodideTime, { label: 'cold start vs Pyodide, Chromium', value: c.speedupChromium, goal: GOALS.pyodideTime });
    add('3 Pyodide', 'bytes fetched to first KL (raw)', kb(c.oursChromium.bytes), `Pyodide ${kb(c.pyodideChromium.bytes)}`, `${x(c.bytesRatio, 0)}× fewer`,
      `≥ ${GOALS.pyodideBytes}×`, c.bytesRatio >= GOALS.pyodideBytes, { label: 'bytes vs Pyodide (raw)', value: c.bytesRatio, goal: GOALS.pyodideBytes });
    add('3 Pyodide', 'bytes fetched to first KL (gzip -9)', kb(c.oursChromium.gzipBytes), `Pyodide ${kb(c.pyodideChromium.gzipBytes)}`, `${x(c.gzipBytesRatio, 0)}× fewer`,
      `≥ ${GOALS.pyodideBytes}×`, c.gzipBytesRatio >= GOALS.pyodideBytes, { label: 'bytes vs Pyodide (gzip)', value: c.gzipBytesRatio, goal: GOALS.pyodideBytes });
  }
  for (const [id, p] of Object.entries(R.pages || {})) {
    const b = p.weight.brotliBytes ?? p.weight.gzipBytes;
    add('4 weight', `${id}.html: everything it loads, brotli`, kb(b), `${p.weight.files.length} files, gzip ${kb(p.weight.gzipBytes)}, raw ${kb(p.weight.bytes)}`, '', `≤ ${GOALS.pageKB} KB`,
      b <= GOALS.pageKB * 1024, { label: `${id} page brotli KB / goal`, value: b / 1024 / GOALS.pageKB, goal: 1, lower: true });
  }
  if (R.embed) {
    if (typeof R.embed === 'string') add('4 weight', 'single embedded exercise', R.embed, '', '', `< ${GOALS.embedKB} KB`, null, null);
    else {
      // Its own bytes: everything but the engine (the wasm, its glue and the worker that hosts it),
      // which a learner of the course has cached already.
      const own = R.embed.weight.files.filter((f) => !/kllab-engine|kllab-worker/.test(f.url)).reduce((a, f) => a + (f.brotli ?? f.gzip), 0);
      add('4 weight', `embedded exercise (${R.embed.path}), own bytes, brotli`, kb(own), `${R.embed.weight.files.length} files, all gzip ${kb(R.embed.weight.gzipBytes)}`, '',
        `≤ ${GOALS.embedKB} KB`, own <= GOALS.embedKB * 1024, null);
    }
  }
  for (const [id, p] of Object.entries(R.pages || {})) {
    const s = p.startup.readyMs;
    const fp = p.startup.noScriptPaintMs;
    const ratio = s && fp && fp.median > 0 ? s.median / fp.median : null;
    add('5 start-up', `${id}.html: navigation → first part checkable (cold)`, s ? med(s) : `error: ${p.startup.error}`,
      `first paint without scripts ${fp ? med(fp) : 'n/a'}; DOMContentLoaded ${med(p.startup.domContentLoadedMs)}`,
      ratio == null ? '' : `${ratio.toFixed(2)}×`, `≤ ${GOALS.startupRatio}×`, ratio == null ? null : ratio <= GOALS.startupRatio, null);
  }
  if (R.embed && typeof R.embed !== 'string') add('5 start-up', 'embedded exercise ready', med(R.embed.startup.readyMs), '', '', GOALS.readyNote, null, null);
  if (R.offline) {
    if (typeof R.offline === 'string') add('5 start-up', 'single-file offline notebook (file://)', R.offline, '', '', GOALS.readyNote, null, null);
    else for (const [f, o] of Object.entries(R.offline)) add('5 start-up', `${f} from file://`, med(o.readyMs), `gzip ${kb(o.gzipBytes)}`, '', GOALS.readyNote, null, null);
  }
  if (R.pageChecks) {
    const d = R.pageChecks.dom, p = R.pageChecks.api;
    // Results before 2026-12-02 have no `click`: their figure is the click alone (no verdict awaited).
    const awaited = !!R.pageChecks.click;
    add('6 checks', `${R.pageChecks.n} checks via the pages' Check buttons${awaited ? ', click → verdict shown' : ' (the click only)'}: median / p99`, `${ms(d?.median)} / ${ms(d?.p99)}`,
      awaited ? `the click alone: median ${ms(R.pageChecks.click.median)}, p99 ${ms(R.pageChecks.click.p99)}` : `max ${ms(d?.max)}`, '', `p99 < ${GOALS.checkP99Ms} ms`,
      d ? d.p99 < GOALS.checkP99Ms : null, d ? { label: 'check p99 (page) / goal', value: d.p99 / GOALS.checkP99Ms, goal: 1, lower: true } : null);
    add('6 checks', `${R.pageChecks.n} checks via the JS API in the page: median / p99`, `${ms(p?.median)} / ${ms(p?.p99)}`, `max ${ms(p?.max)}`, '', `p99 < ${GOALS.apiCheckP99Ms} ms`,
      p ? p.p99 < GOALS.apiCheckP99Ms : null, null);
  }
  if (a?.checksNode) {
    const s = a.checksNode.latencyMs;
    add('6 checks', `${a.checksNode.n} checks via the JS API in node: median / p99`, `${ms(s.median)} / ${ms(s.p99)}`, `max ${ms(s.max)}`, '', `p99 < ${GOALS.apiCheckP99Ms} ms`, s.p99 < GOALS.apiCheckP99Ms, null);
    const f = a.checksNode.firstMs, r = a.checksNode.repeatMs;
    if (f && r) add('6 checks', `… of which first of their (part, variant) (${f.n}) / repeats (${r.n}): p99`, `${ms(f.p99)} / ${ms(r.p99)}`,
      `medians ${ms(f.median)} / ${ms(r.median)}`, '', '', null, null);
  }
  const h = R.heapChromium;
  if (h) {
    const growth = h.after1e4 - h.loaded;
    add('7 memory', 'wasm heap: all notebooks loaded → +10^4 checks (Chromium)', `${kb(h.loaded)} → ${kb(h.after1e4)}`, `+2·10^4: ${kb(h.after2e4)}`,
      `growth ${kb(growth)}`, 'zero growth', growth === 0, null);
  }
  if (a?.heapNode) {
    const g = a.heapNode.after1e4 - a.heapNode.warm;
    add('7 memory', 'wasm heap: all notebooks → +10^4 checks (node)', `${kb(a.heapNode.loaded)} → ${kb(a.heapNode.after1e4)}`, `+3·10^4: ${kb(a.heapNode.after3e4)}`,
      `growth ${kb(g)}`, 'zero growth', g === 0, null);
  }
  const ck = R.kernels?.check;
  if (ck?.node?.heapInUse) {
    const g = ck.node.heapInUse[1] - ck.node.heapInUse[0];
    add('7 memory', 'malloc bytes in use over repeated 10^4-check runs (wasm, node)', `${ck.node.heapInUse[0]} → ${ck.node.heapInUse[1]} B`, '', `growth ${g} B`, 'zero growth', g === 0, null);
  }
  if (R.grade?.runs?.length) {
    const all = R.grade.runs[R.grade.runs.length - 1];
    for (const r of R.grade.runs) {
      const last = r === all;
      add('8 grading', `kllab grade --jobs ${r.jobs}: ${R.grade.files} exports (${R.grade.learners} learners, their own variants)`,
        `${Math.round(r.perSecond)} exports/s`, `${r.seconds.toFixed(2)} s`, r.jobs > 1 ? `${(r.perSecond / R.grade.runs[0].perSecond).toFixed(2)}× --jobs 1` : '',
        last ? `≥ ${GOALS.gradePerSecond} exports/s` : '(reported)', last ? r.perSecond >= GOALS.gradePerSecond : null, null);
    }
  }
  return out;
}

export function renderTable(R) {
  const head = `KL Lab benchmarks · ${R.date?.slice(0, 16).replace('T', ' ')} UTC${R.config?.quick ? ' · BENCH_QUICK (smoke run, few repetitions)' : ''}\n` +
    `machine: ${R.machine.cores} cores, ${R.machine.cpu}, ${(R.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB · node ${R.versions.node} · ${R.versions.chromium} · ` +
    `${R.versions.emcc.replace(/ \(Emscripten.*?\)/, '')} · ${R.versions.gxx} · ${R.versions.clang ?? ''} · math.js ${R.versions.mathjs} · Pyodide ${R.versions.pyodide}\n` +
    'medians; ±x% = half the interquartile range\n\n';
  const lines = ['| # | figure | measured | compared with | ratio | goal | |', '|---|---|---|---|---|---|---|'];
  for (const r of rows(R)) lines.push(`| ${r.section} | ${r.figure} | ${r.measured} | ${r.reference} | ${r.ratio} | ${r.goal} | ${ok(r.met)} |`);
  const notes = [...(R.notes || []), ...(R.browserProblems || []).map((p) => `browser: ${p}`)];
  const k = Object.entries(R.kernels || {}).filter(([, v]) => v.sameChecksum === false).map(([n]) => n);
  if (k.length) notes.push(`checksums differ between native and wasm for: ${k.join(', ')}`);
  else if (R.kernels && Object.keys(R.kernels).length) notes.push('every kernel gives the same checksum, bit for bit, every time, natively (clang and g++), in node and in Chromium');
  return head + lines.join('\n') + (notes.length ? '\n\n' + notes.map((n) => `- ${n}`).join('\n') : '');
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart of every ratio on a log scale, each with its goal. */
export function renderSvg(R) {
  const items = rows(R).map((r) => r.chart).filter(Boolean);
  const W = 900, rowH = 22, left = 300, top = 40, right = 80;
  const H = top + items.length * rowH + 40;
  const lo = 0.1, hi = 1000;
  const sx = (v) => left + ((Math.log10(Math.min(hi, Math.max(lo, v))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - left - right);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">KL Lab: measured ratios against their goals (log scale; black tick = goal)</text>`];
  for (const t of [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]) {
    parts.push(`<line x1="${sx(t)}" y1="${top - 5}" x2="${sx(t)}" y2="${H - 30}" stroke="#ddd"/>`, `<text x="${sx(t)}" y="${H - 15}" text-anchor="middle" fill="#555">${t}</text>`);
  }
  items.forEach((it, i) => {
    const y = top + i * rowH;
    const met = it.goal == null ? null : it.lower ? it.value <= it.goal : it.value >= it.goal;
    const color = met == null ? '#7a8ca5' : met ? '#3a8a4a' : '#c0392b';
    parts.push(`<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(it.label)}</text>`);
    parts.push(`<rect x="${sx(lo)}" y="${y + 4}" width="${Math.max(1, sx(it.value) - sx(lo))}" height="${rowH - 8}" fill="${color}"/>`);
    parts.push(`<text x="${sx(it.value) + 4}" y="${y + 14}" fill="#222">${it.value >= 10 ? it.value.toFixed(0) : it.value.toFixed(2)}</text>`);
    if (it.goal != null) parts.push(`<line x1="${sx(it.goal)}" y1="${y + 1}" x2="${sx(it.goal)}" y2="${y + rowH - 1}" stroke="black" stroke-width="2"/>`);
  });
  parts.push(`<text x="10" y="${H - 2}" fill="#555" font-size="10">green: goal met · red: missed · grey: no goal. Ratios marked "/ goal" are the figure divided by its limit (≤ 1 meets it). ${esc(R.date || '')}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Replaces the table between the bench markers of docs/performance.md (the rest is hand-written). */
export function updateDocs(file, table, R) {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const begin = '<!-- bench:begin (generated by make bench; do not edit by hand) -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(begin), j = text.indexOf(end);
  if (i < 0 || j < i) return;
  writeFileSync(file, text.slice(0, i + begin.length) + '\n\n' + table + '\n\n' + text.slice(j));
  void R;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const root = new URL('../', import.meta.url).pathname;
  const R = JSON.parse(readFileSync(`${root}bench/results.json`, 'utf8'));
  const table = renderTable(R);
  writeFileSync(`${root}docs/performance-ratios.svg`, renderSvg(R));
  if (process.argv.includes('--docs')) updateDocs(`${root}docs/performance.md`, table, R);
  console.log(table);
}
