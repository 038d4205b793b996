// `make bench`: runs every benchmark of issue 7, prints one table, writes bench/results.json and
// docs/performance-ratios.svg, and (full runs only) refreshes the table in docs/performance.md.
// Benchmarks report; they never fail a build (exit status 0 unless the harness itself breaks).
//
//   BENCH_QUICK=1   a fast smoke run (few repetitions; results in build/bench/results.json, docs untouched)
//   BENCH_ONLY=a,b  only these sections: kernels, api, cold, pages, grade (default: all)
//   BENCH_REPS=N    interleaved rounds of the engine kernels (default 15, heavy kernels 7; quick 2, 1)
//   BENCH_LOADS=N   cold page loads per notebook page (default 10, quick 3)
//   BENCH_CHECKS=N  checks in the page-level latency run (default 10000, quick 2000)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { answers } from './answers.mjs';
import { gradeClass, makeClass } from './grade.mjs';
import { startBenchServer } from './server.mjs';
import { renderTable, renderSvg, updateDocs } from './report.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const OUT = `${ROOT}build/bench`;
mkdirSync(OUT, { recursive: true });
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const SECTIONS = ['kernels', 'api', 'cold', 'pages', 'grade'];
const ONLY = new Set((env.BENCH_ONLY || SECTIONS.join(',')).split(','));
// A full run (every section, not quick) refreshes the committed results, chart and docs table; a quick or
// partial run writes its results to build/bench only.
const FULL = !QUICK && SECTIONS.every((x) => ONLY.has(x));
const int = (v, d) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
const CFG = {
  quick: QUICK,
  kernelReps: int(env.BENCH_REPS, QUICK ? 2 : 15), // interleaved rounds (one repetition per flavour each)
  heavyReps: int(env.BENCH_REPS, QUICK ? 1 : 7), // check, ddpm, load_notebooks: seconds per repetition
  kernelWarm: QUICK ? 1 : 10, // untimed passes per flavour before the rounds (Chromium tiers up)
  heavyWarm: QUICK ? 1 : 3,
  apiReps: QUICK ? 2 : 7,
  coldOurs: QUICK ? 3 : 10,
  coldPyodide: QUICK ? 2 : 5,
  loads: int(env.BENCH_LOADS, QUICK ? 3 : 10),
  pageChecks: int(env.BENCH_CHECKS, QUICK ? 2000 : 10000),
};
const NOTEBOOK_FILES = ['distillation.md', 'kl-foundations.md', 'vae-elbo.md', 'diffusion-kl.md'].filter((f) =>
  existsSync(`${ROOT}site/notebooks/${f}`),
);
for (const f of readdirSync(`${ROOT}site/notebooks`)) if (f.endsWith('.md') && !NOTEBOOK_FILES.includes(f)) NOTEBOOK_FILES.push(f);
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

const t0 = Date.now();
const log = (...a) => console.error(`[bench ${((Date.now() - t0) / 1000).toFixed(0)}s]`, ...a);

// ---- statistics --------------------------------------------------------------------------------
export function stats(xs) {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return null;
  const q = (p) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i), hi = Math.ceil(i);
    return s[lo] + (s[hi] - s[lo]) * (i - lo);
  };
  return { n: s.length, median: q(0.5), p25: q(0.25), p75: q(0.75), p99: q(0.99), min: s[0], max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const br = (buf) => brotliCompressSync(buf, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;

// ---- inputs shared by every flavour ---------------------------------------------------------------
writeFileSync(`${OUT}/answers.txt`, answers(10000).join('\n') + '\n');
writeFileSync(`${OUT}/notebooks.json`, JSON.stringify(NOTEBOOK_FILES));
const nbPaths = NOTEBOOK_FILES.map((f) => `${ROOT}site/notebooks/${f}`);
writeFileSync(`${OUT}/checks.json`, execFileSync(`${ROOT}build/native/bench_kernels`, ['--notebooks', ...nbPaths, '--dump-checks'], { maxBuffer: 1 << 28 }));

const results = {
  date: new Date().toISOString(),
  config: CFG,
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem() },
  versions: versions(),
  kernels: {},
  api: null,
  cold: {},
  pages: {},
  notes: [],
};

function versions() {
  const first = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...env, NODE_PATH: '/usr/share/nodejs' } }).split('\n')[0].trim();
    } catch {
      return 'unavailable';
    }
  };
  const pkg = (name) => JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')).version;
  return {
    node: process.version,
    emcc: first('emcc', ['--version']),
    gxx: first('g++', ['--version']),
    clang: first('clang++-14', ['--version']),
    chromium: first('/usr/bin/chromium', ['--version']),
    mathjs: pkg('mathjs'),
    pyodide: pkg('pyodide'),
    playwright: pkg('playwright-core'),
  };
}

// ---- 1. engine kernels: native (clang, g++), wasm in node, wasm in Chromium, interleaved ----------
// Every flavour is a long-lived process (or page) answering "run kernel NAME, REPS timed, WARM
// untimed" (bench/kernels.cpp --serve, bench/kernels-node.mjs, window.benchKernel). Each kernel is
// first warmed up in every flavour (several untimed passes: Chromium compiles wasm in tiers, Liftoff
// first, TurboFan for hot functions later), then timed in rounds of one repetition per flavour, the
// order of the flavours rotating from round to round, so that all four see the same machine load.
const HEAVY = new Set(['check', 'ddpm', 'load_notebooks']);
const KERNELS = ['mc_kl', 'ddpm', 'softmax_kl', 'kl_mvn64', 'parse_eval', 'check', 'load_notebooks', 'eval_small'];
const FLAVOURS = ['clang', 'gxx', 'node', 'chromium'];

function runProcess(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, cwd: ROOT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

/** A serve-mode child process: ask(line) resolves with the JSON object of its next output line. */
function server(cmd, args) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  let err = '';
  const waiting = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let n;
    while ((n = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, n);
      buf = buf.slice(n + 1);
      const w = waiting.shift();
      if (w) w.resolve(line);
    }
  });
  child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  child.on('exit', (code) => { for (const w of waiting.splice(0)) w.reject(new Error(`${cmd} exited (${code}): ${err}`)); });
  return {
    ask(name, reps, warm) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve: (l) => { try { resolve(JSON.parse(l)); } catch (e) { reject(new Error(`${cmd}: ${l.slice(0, 300)} ${e}`)); } }, reject });
        child.stdin.write(`${name} ${reps} ${warm}\n`);
      });
    },
    close() {
      child.stdin.end('quit\n');
      return new Promise((r) => (child.exitCode != null ? r() : child.on('exit', r)));
    },
  };
}

async function kernels(browserEnv) {
  const data = ['--notebooks', ...nbPaths, '--answers', `${OUT}/answers.txt`];
  const native = (dir) => server(`${ROOT}build/${dir}/bench_kernels`, [...data, '--serve']);
  const { page, close } = await browserEnv.open('/bench/kernels.html');
  const flavours = {
    clang: native('native-clang'),
    gxx: native('native'),
    node: server('node', ['--no-experimental-fetch', `${ROOT}bench/kernels-node.mjs`, ...nbPaths, '--answers', `${OUT}/answers.txt`]),
    chromium: { ask: (n, r, w) => page.evaluate(([a, b, c]) => window.benchKernel(a, b, c), [n, r, w]), close: async () => {} },
  };
  let noop = null;
  try {
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
    for (const name of KERNELS) {
      const heavy = HEAVY.has(name);
      const reps = heavy ? CFG.heavyReps : CFG.kernelReps;
      const got = Object.fromEntries(FLAVOURS.map((f) => [f, { ms: [], calls: [] }]));
      log(`kernels: ${name} (warm-up ${heavy ? CFG.heavyWarm : CFG.kernelWarm} passes, then ${reps} interleaved rounds)`);
      for (const f of FLAVOURS) {
        const w = await flavours[f].ask(name, 0, heavy ? CFG.heavyWarm : CFG.kernelWarm);
        if (w.error) throw new Error(`${f} ${name}: ${w.error}`);
        got[f].warm = w;
      }
      for (let round = 0; round < reps; round++) {
        for (let i = 0; i < FLAVOURS.length; i++) {
          const f = FLAVOURS[(i + round) % FLAVOURS.length];
          const r = await flavours[f].ask(name, 1, 0);
          if (r.error) throw new Error(`${f} ${name}: ${r.error}`);
          got[f].ms.push(r.ms[0]);
          got[f].calls.push(r);
        }
      }
      const keep = (g) => {
        const first = g.calls[0], last = g.calls[g.calls.length - 1];
        return { what: first.what, inner: first.inner, checksum: last.checksum, deterministic: last.deterministic, ms: g.ms, stats: stats(g.ms),
          heapInUse: [first.heap_in_use_before, last.heap_in_use_after], wasmMemory: last.wasm_memory, verdicts: g.warm.verdicts };
      };
      const e = { what: got.clang.calls[0].what };
      for (const f of FLAVOURS) e[f] = keep(got[f]);
      e.native = e.clang; // the reference of every ratio: the same compiler and per-file levels as the wasm
      e.sameChecksum = FLAVOURS.every((f) => e[f].checksum === e.clang.checksum) && FLAVOURS.every((f) => e[f].deterministic);
      const ratio = (f) => (e.clang.stats && e[f].stats ? e[f].stats.median / e.clang.stats.median : null);
      e.ratioChromium = ratio('chromium');
      e.ratioNode = ratio('node');
      e.ratioGxx = ratio('gxx');
      results.kernels[name] = e;
    }
    const calls = 1e6;
    const samples = [];
    for (let i = 0; i < (QUICK ? 2 : 5); i++) samples.push((await page.evaluate((n) => window.benchNoop(n), calls)).ms);
    noop = { calls, ms: samples, nsPerCall: (stats(samples).median * 1e6) / calls, isolated: await page.evaluate(() => crossOriginIsolated) };
  } finally {
    for (const f of FLAVOURS) await flavours[f].close();
    await close();
  }
  results.embindNoop = noop;
}

// ---- 2. node: the JS API against math.js; 7 (node part): heap over 10^4 checks -----------------------
function api() {
  log('JS API vs math.js (node)');
  const r = runProcess('node', ['--no-experimental-fetch', `${ROOT}bench/node-api.mjs`, String(CFG.apiReps)]);
  const a = r.answers;
  const perAnswerWasm = results.kernels.parse_eval?.node?.stats?.median;
  const out = {
    answers: {
      n: a.n, ours: stats(a.ours), theirs: stats(a.theirs), speedup: stats(a.theirs).median / stats(a.ours).median,
      oursOk: a.oursOk, theirsOk: a.theirsOk, sameValue: a.same, differentValue: a.differ, bothRejected: a.bothFail,
      onlyOneRejected: a.oneFails, examples: a.examples,
    },
    klBig: { n: r.klBig.n, ours: stats(r.klBig.ours), theirs: stats(r.klBig.theirs), speedup: stats(r.klBig.theirs).median / stats(r.klBig.ours).median,
      values: [r.klBig.oursValue, r.klBig.theirsValue] },
    klSmall: { n: r.klSmall.n, calls: r.klSmall.inner, ours: stats(r.klSmall.ours), theirs: stats(r.klSmall.theirs),
      speedup: stats(r.klSmall.theirs).median / stats(r.klSmall.ours).median, values: [r.klSmall.oursValue, r.klSmall.theirsValue] },
    evalFloorUs: (stats(r.evalFloor.ms).median * 1000) / r.evalFloor.calls,
    checksNode: { n: r.checks.n, latencyMs: stats(r.checks.latencyMs),
      // the first check of each (notebook, part, variant) vs the repeats (cached scope and mistakes)
      firstMs: stats(r.checks.latencyMs.filter((_, i) => r.checks.first[i])), repeatMs: stats(r.checks.latencyMs.filter((_, i) => !r.checks.first[i])) },
    heapNode: r.heap,
  };
  if (perAnswerWasm) {
    // The same 10^4 answers inside wasm (kernel parse_eval, node) vs through the JS API: the difference
    // is what crossing the boundary costs per call (string in, result object built by embind out).
    out.boundaryUsPerCall = ((out.answers.ours.median - perAnswerWasm) * 1000) / a.n;
  }
  results.api = out;
}

// ---- 3. cold start to the first computed KL: ours vs Pyodide, node and Chromium ----------------------
function coldNode(script, n) {
  const xs = [];
  let last;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    last = runProcess('node', ['--no-experimental-fetch', `${ROOT}bench/${script}`]);
    last.wall = performance.now() - t;
    xs.push(last);
  }
  return { ms: stats(xs.map((x) => x.ms)), processWallMs: stats(xs.map((x) => x.wall)), value: last.value, version: last.version };
}

async function coldChromium(browserEnv, path, n) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const { page, close, server } = await browserEnv.open(null);
    const from = server.log.length;
    try {
      await page.goto(browserEnv.url + path);
      await page.waitForFunction(() => window.__done, null, { timeout: 120000 });
      const done = await page.evaluate(() => window.__done);
      const files = server.log.slice(from).map((e) => ({ path: e.path, bytes: e.bytes, file: e.file }));
      samples.push({ ...done, files });
    } finally {
      await close();
    }
  }
  const files = samples[0].files.map((f) => ({ path: f.path, bytes: f.bytes, gzip: gz(readFileSync(f.file)) }));
  return {
    ms: stats(samples.map((s) => s.ms)), value: samples[0].value, version: samples[0].version,
    // ours only: when the JS API module had been imported, and when the engine was loaded
    importedMs: stats(samples.map((s) => s.imported)), loadedMs: stats(samples.map((s) => s.loaded)),
    files, bytes: files.reduce((a, f) => a + f.bytes, 0), gzipBytes: files.reduce((a, f) => a + f.gzip, 0),
  };
}

async function cold(browserEnv) {
  log('cold start: ours in node');
  results.cold.oursNode = coldNode('cold-ours.mjs', CFG.coldOurs);
  log('cold start: Pyodide in node');
  results.cold.pyodideNode = coldNode('cold-pyodide.mjs', CFG.coldPyodide);
  log('cold start: ours in Chromium');
  results.cold.oursChromium = await coldChromium(browserEnv, '/bench/cold-ours.html', CFG.coldOurs);
  log('cold start: Pyodide in Chromium');
  results.cold.pyodideChromium = await coldChromium(browserEnv, '/pybench/cold-pyodide.html', CFG.coldPyodide);
  const c = results.cold;
  c.speedupNode = c.pyodideNode.ms.median / c.oursNode.ms.median;
  c.speedupChromium = c.pyodideChromium.ms.median / c.oursChromium.ms.median;
  c.bytesRatio = c.pyodideChromium.bytes / c.oursChromium.bytes;
  c.gzipBytesRatio = c.pyodideChromium.gzipBytes / c.oursChromium.gzipBytes;
}

// ---- 4-7. the notebook pages: weight, start-up, check latency, heap ----------------------------------
const PAGE_INIT = () => {
  // Runs before any page script (CDP, not subject to the page's CSP): note the moment the page says it
  // can check, and keep a handle on every wasm memory the page instantiates (the engine's heap).
  window.__klMemories = [];
  const grab = (r) => {
    const inst = r && (r.instance || r);
    if (inst && inst.exports) for (const v of Object.values(inst.exports)) if (v instanceof WebAssembly.Memory) window.__klMemories.push(v);
    return r;
  };
  const is = WebAssembly.instantiateStreaming;
  if (is) WebAssembly.instantiateStreaming = function (...a) { return is.apply(this, a).then(grab); };
  const i = WebAssembly.instantiate;
  WebAssembly.instantiate = function (...a) { return i.apply(this, a).then(grab); };
  document.addEventListener('kllab:ready', () => { window.__klReadyAt = performance.now(); });
  document.addEventListener('kllab:error', (e) => { window.__klError = e.detail?.message || 'error'; });
};

async function pageWeight(browserEnv, path) {
  const { page, close, context } = await browserEnv.open(null);
  const responses = [];
  page.on('response', (r) => responses.push(r));
  try {
    await page.goto(browserEnv.url + path);
    await page.waitForFunction(() => window.__klReadyAt || window.__klError, null, { timeout: 60000 });
    await page.waitForLoadState('networkidle');
    const files = [];
    for (const r of responses) {
      const body = await r.body().catch(() => Buffer.alloc(0));
      files.push({ url: new URL(r.url()).pathname, status: r.status(), type: (r.headers()['content-type'] || '').split(';')[0], bytes: body.length, gzip: gz(body), brotli: br(body) });
    }
    return { files, bytes: files.reduce((a, f) => a + f.bytes, 0), gzipBytes: files.reduce((a, f) => a + f.gzip, 0),
      brotliBytes: files.reduce((a, f) => a + f.brotli, 0), error: await page.evaluate(() => window.__klError || null) };
  } finally {
    await close();
    void context;
  }
}

async function startup(browserEnv, path, loads) {
  const ms = [];
  const dcl = [];
  let error = null;
  for (let i = 0; i < loads; i++) {
    const { page, close } = await browserEnv.open(null);
    try {
      await page.goto(browserEnv.url + path, { waitUntil: 'commit' });
      await page.waitForFunction(() => window.__klReadyAt || window.__klError, null, { timeout: 60000 });
      const r = await page.evaluate(() => ({ ready: window.__klReadyAt, error: window.__klError,
        dcl: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd }));
      if (r.error) error = r.error;
      else ms.push(r.ready);
      dcl.push(r.dcl);
    } finally {
      await close();
    }
  }
  return { readyMs: stats(ms), domContentLoadedMs: stats(dcl), error };
}

/** The same page's first paint with scripts switched off (issue 16's start-up reference): what the
 * HTML and CSS alone cost, cold, measured by the paint timing API. Loads interleave with startup()'s. */
async function noScriptPaint(browserEnv, path, loads) {
  const ms = [];
  for (let i = 0; i < loads; i++) {
    const { page, close } = await browserEnv.open(null, { javaScriptEnabled: false });
    try {
      await page.goto(browserEnv.url + path, { waitUntil: 'load' });
      // evaluate runs even with the page's scripts off; the paint may come after the load event, so the
      // entry is polled from here (the page runs no timers of its own)
      let fp = null;
      for (let tries = 0; fp == null && tries < 100; tries++) {
        fp = await page.evaluate(() => {
          const e = performance.getEntriesByName('first-contentful-paint')[0] || performance.getEntriesByName('first-paint')[0];
          return e ? e.startTime : null;
        });
        if (fp == null) await new Promise((r) => setTimeout(r, 50));
      }
      if (fp != null) ms.push(fp);
    } finally {
      await close();
    }
  }
  return stats(ms);
}

/** 10^4 checks on the page itself: its own Check buttons (its loaded engine), then the JS API in the page. */
async function pageChecks(browserEnv, id, checks) {
  const { page, close } = await browserEnv.open(null);
  try {
    await page.goto(`${browserEnv.url}/site/${id}.html`);
    await page.waitForFunction(() => window.__klReadyAt || window.__klError, null, { timeout: 60000 });
    const heapReady = await page.evaluate(() => window.__klMemories[0]?.buffer.byteLength ?? null);
    const dom = await page.evaluate(async (list) => {
      // The page's own path: put the answer in the part's input (or pick the radio), click its Check
      // button, and wait for the verdict: the engine runs in a worker, so the click only sends the
      // answer, and the part's kllab:check event says the verdict is shown. Two samples per check: the
      // click itself (the main thread's share) and click -> verdict shown (what the learner waits).
      const lat = [];
      const click = [];
      const verdicts = {};
      let missing = 0;
      for (const c of list) {
        const part = document.querySelector(`.kl-part[data-part="${CSS.escape(c.part)}"]`);
        if (!part) { missing++; continue; }
        const button = part.querySelector('[data-action="check"]');
        const radios = part.querySelectorAll('input[type="radio"]');
        if (radios.length) for (const r of radios) r.checked = r.value === c.answer;
        else part.querySelector('.kl-input').value = c.answer;
        const shown = new Promise((resolve) => document.addEventListener('kllab:check', resolve, { once: true }));
        const t = performance.now();
        button.click();
        click.push(performance.now() - t);
        // a click the page did not take as a check (a choice with no option picked) has no verdict
        if (part.getAttribute('aria-busy') !== 'true') { missing++; continue; }
        await shown;
        lat.push(performance.now() - t);
        const v = part.dataset.verdict || 'none';
        verdicts[v] = (verdicts[v] || 0) + 1;
      }
      return { lat, click, verdicts, missing };
    }, checks);
    const heapAfterDom = await page.evaluate(() => window.__klMemories[0]?.buffer.byteLength ?? null);
    const apiRun = await page.evaluate(async (list) => {
      // The page's JS API module (the same kllab.mjs the page imported, from the module map) with a
      // second engine instance and the notebook source embedded in the page.
      const { loadEngine } = await import('./kllab.mjs');
      const engine = await loadEngine();
      const src = JSON.parse(document.getElementById('kl-notebook').textContent);
      const nb = engine.loadNotebook(src.source, src.file);
      const heap0 = engine._raw.HEAP8.length;
      for (const c of list.slice(0, 200)) nb.check(c.part, c.answer, { seed: c.seed });
      const lat = [];
      for (const c of list) {
        const t = performance.now();
        nb.check(c.part, c.answer, { seed: c.seed });
        lat.push(performance.now() - t);
      }
      return { lat, heap0, heap1: engine._raw.HEAP8.length };
    }, checks);
    return { dom, api: apiRun, heapReady, heapAfterDom, isolated: await page.evaluate(() => crossOriginIsolated) };
  } finally {
    await close();
  }
}

async function pages(browserEnv) {
  const dist = `${ROOT}site/dist`;
  const ids = NOTEBOOK_FILES.map((f) => f.replace(/\.md$/, '')).filter((id) => existsSync(`${dist}/${id}.html`));
  if (!ids.length) {
    results.notes.push('site/dist has no notebook pages: page weight, start-up and check latency not measured (run make site)');
    return;
  }
  const checks = JSON.parse(readFileSync(`${OUT}/checks.json`, 'utf8')).filter((c) => c.seed === 0);
  const per = {};
  for (const id of ids) per[id] = checks.filter((c) => c.notebook === id);
  const total = ids.reduce((a, id) => a + per[id].length, 0);
  for (const id of ids) {
    log(`pages: ${id}`);
    const r = {};
    r.weight = await pageWeight(browserEnv, `/site/${id}.html`);
    r.startup = await startup(browserEnv, `/site/${id}.html`, CFG.loads);
    r.startup.noScriptPaintMs = await noScriptPaint(browserEnv, `/site/${id}.html`, CFG.loads);
    const want = Math.round((CFG.pageChecks * per[id].length) / total);
    const list = Array.from({ length: want }, (_, i) => per[id][i % per[id].length]);
    const pc = await pageChecks(browserEnv, id, list);
    r.checks = {
      n: list.length, dom: stats(pc.dom.lat), domClick: stats(pc.dom.click), domVerdicts: pc.dom.verdicts, missingParts: pc.dom.missing, api: stats(pc.api.lat),
      isolated: pc.isolated,
    };
    r.heap = { ready: pc.heapReady, afterDomChecks: pc.heapAfterDom, apiInstanceBefore: pc.api.heap0, apiInstanceAfter: pc.api.heap1 };
    r._domLat = pc.dom.lat;
    r._domClick = pc.dom.click;
    r._apiLat = pc.api.lat;
    results.pages[id] = r;
  }
  // Over all pages together (10^4 checks in all).
  const allDom = ids.flatMap((id) => results.pages[id]._domLat);
  const allApi = ids.flatMap((id) => results.pages[id]._apiLat);
  const allClick = ids.flatMap((id) => results.pages[id]._domClick);
  for (const id of ids) {
    delete results.pages[id]._domLat;
    delete results.pages[id]._apiLat;
    delete results.pages[id]._domClick;
  }
  results.pageChecks = { n: allDom.length, dom: stats(allDom), click: stats(allClick), api: stats(allApi) };
  // Heap after loading all notebooks into one engine (JS API in Chromium), then 10^4 more checks.
  const { page, close } = await browserEnv.open(null);
  try {
    await page.goto(`${browserEnv.url}/site/${ids[0]}.html`);
    await page.waitForFunction(() => window.__klReadyAt || window.__klError, null, { timeout: 60000 });
    const sources = Object.fromEntries(NOTEBOOK_FILES.map((f) => [f.replace(/\.md$/, ''), readFileSync(`${ROOT}site/notebooks/${f}`, 'utf8')]));
    results.heapChromium = await page.evaluate(async ([srcs, list]) => {
      const { loadEngine } = await import('./kllab.mjs');
      const engine = await loadEngine();
      const heap = () => engine._raw.HEAP8.length;
      const start = heap();
      const nbs = {};
      for (const [id, text] of Object.entries(srcs)) nbs[id] = engine.loadNotebook(text, `${id}.md`);
      const loaded = heap();
      for (const c of list) nbs[c.notebook].check(c.part, c.answer, { seed: c.seed });
      const after = heap();
      for (const c of list) nbs[c.notebook].check(c.part, c.answer, { seed: c.seed });
      return { start, loaded, after1e4: after, after2e4: heap() };
    }, [sources, JSON.parse(readFileSync(`${OUT}/checks.json`, 'utf8'))]);
  } finally {
    await close();
  }
  // Issue 6 artefacts, measured when they exist.
  // The embedded exercise as a course embeds it: the frame page with the notebook and exercise the
  // site's example course uses (embed.html alone only says what it needs).
  const course = existsSync(`${dist}/example-course.html`) ? readFileSync(`${dist}/example-course.html`, 'utf8') : '';
  const src = /src="(embed\.html\?[^"]+)"/.exec(course);
  const embed = src ? src[1].replace(/&amp;/g, '&') : null;
  if (embed) {
    log(`pages: embed ${embed}`);
    results.embed = { path: embed, weight: await pageWeight(browserEnv, `/site/${embed}`), startup: await startup(browserEnv, `/site/${embed}`, CFG.loads) };
  } else results.embed = 'not yet built';
  const offline = [`${ROOT}site/dist/offline`, `${ROOT}build/offline`].flatMap((d) =>
    existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.html')).map((f) => `${d}/${f}`) : []);
  if (offline.length) {
    results.offline = {};
    for (const file of offline) {
      const ms = [];
      for (let i = 0; i < CFG.loads; i++) {
        const { page, close } = await browserEnv.open(null);
        try {
          await page.goto(`file://${file}`, { waitUntil: 'commit' });
          await page.waitForFunction(() => window.__klReadyAt || window.__klError, null, { timeout: 60000 });
          ms.push(await page.evaluate(() => window.__klReadyAt || NaN));
        } finally {
          await close();
        }
      }
      results.offline[file.slice(ROOT.length)] = { readyMs: stats(ms), bytes: readFileSync(file).length, gzipBytes: gz(readFileSync(file)) };
    }
  } else results.offline = 'not yet built';
}

// ---- the browser harness ----------------------------------------------------------------------------
async function withBrowser(fn) {
  const server = await startBenchServer({
    '/site/': { dir: `${ROOT}site/dist` },
    '/bench/': { dir: `${ROOT}bench/web` },
    '/wasm/': { dir: `${ROOT}build/wasm` },
    '/notebooks/': { dir: `${ROOT}site/notebooks` },
    '/data/': { dir: OUT },
    '/pybench/': { dir: `${ROOT}bench/web`, csp: false },
    '/pyodide/': { dir: `${ROOT}node_modules/pyodide`, csp: false },
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const problems = [];
  const browserEnv = {
    url: server.url,
    server,
    async open(path, contextOptions = {}) {
      // fresh context: empty HTTP cache, storage and code cache
      const context = await browser.newContext(contextOptions);
      await context.route((u) => u.hostname !== '127.0.0.1' && u.protocol.startsWith('http'), (route) => {
        problems.push(`blocked a request that would leave 127.0.0.1: ${route.request().url()}`);
        return route.abort();
      });
      await context.addInitScript(PAGE_INIT);
      const page = await context.newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text().slice(0, 300)}`); });
      if (path) await page.goto(server.url + path);
      return { page, context, server, close: () => context.close() };
    },
  };
  try {
    results.versions.chromium = `Chromium ${browser.version()}`;
    await fn(browserEnv);
  } finally {
    await browser.close();
    await server.close();
    results.browserProblems = [...new Set(problems)].slice(0, 30);
  }
}

// ---- main --------------------------------------------------------------------------------------
try {
  await withBrowser(async (b) => {
    // One broken section is noted and the others still run.
    const section = async (name, fn) => {
      if (!ONLY.has(name)) return;
      try {
        await fn();
      } catch (e) {
        results.notes.push(`harness error in ${name}: ${String(e.stack || e).slice(0, 1500)}`);
        console.error(e);
      }
    };
    await section('kernels', () => kernels(b));
    await section('api', () => api());
    await section('cold', () => cold(b));
    await section('pages', () => pages(b));
    // `kllab grade` over a synthetic class (bench/grade.mjs): exports per second for --jobs 1..cores
    await section('grade', async () => {
      const learners = QUICK ? 50 : 500;
      const files = await makeClass(learners);
      results.grade = { learners, files, runs: gradeClass(files, QUICK ? 1 : 3) };
    });
  });
} catch (e) {
  results.notes.push(`harness error: ${e.stack || e}`);
  console.error(e);
}
results.seconds = (Date.now() - t0) / 1000;
const table = renderTable(results);
const resultsFile = FULL ? `${ROOT}bench/results.json` : `${OUT}/results.json`;
writeFileSync(resultsFile, JSON.stringify(results, null, 1) + '\n');
if (FULL) {
  writeFileSync(`${ROOT}docs/performance-ratios.svg`, renderSvg(results));
  updateDocs(`${ROOT}docs/performance.md`, table, results);
}
console.log(table);
console.log(`\n${resultsFile.slice(ROOT.length)} written (${results.seconds.toFixed(0)} s${QUICK ? ', BENCH_QUICK' : ''}).`);
