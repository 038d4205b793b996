// Node, through the product's public JS API (bindings/kllab.mjs + build/wasm/kllab-engine-node.cjs),
// against math.js: the same 10^4 answers parsed and evaluated, KL of two vectors, the per-call cost
// of the JS <-> wasm boundary, check latency through the API and the wasm heap over 10^4 checks.
// Prints one JSON object. Usage: node bench/node-api.mjs REPS
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { loadEngine } from '../bindings/kllab.mjs';
import { makeMath } from './mathjs-setup.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const REPS = Number(process.argv[2] || 7);
const require = createRequire(import.meta.url);
const kl = await loadEngine({ factory: require(`${ROOT}build/wasm/kllab-engine-node.cjs`) });
const { math, kl: mkl } = makeMath();
const answers = readFileSync(`${ROOT}build/bench/answers.txt`, 'utf8').split('\n').filter(Boolean);

function timeReps(reps, fn) {
  fn(); // warm-up
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

// ---- 10^4 answers: parse + evaluate ------------------------------------------------------------
let oursOk = 0;
const ours = timeReps(REPS, () => {
  oursOk = 0;
  for (const a of answers) if (kl.evaluate(a).ok) oursOk++;
});
let theirsOk = 0;
const theirs = timeReps(REPS, () => {
  theirsOk = 0;
  for (const a of answers) {
    try {
      math.evaluate(a);
      theirsOk++;
    } catch {
      /* math.js throws for what it cannot read: counted by theirsOk */
    }
  }
});
// Do both compute the same? Compare every answer's value.
let same = 0, differ = 0, bothFail = 0, oneFails = 0;
const examples = [];
for (const a of answers) {
  const r = kl.evaluate(a);
  let m, merr = false;
  try { m = math.evaluate(a); } catch { merr = true; }
  if (!r.ok && merr) { bothFail++; continue; }
  if (!r.ok || merr) { oneFails++; if (examples.length < 5) examples.push({ answer: a, ours: r.ok ? r.text : r.error.code, theirs: merr ? 'error' : String(m) }); continue; }
  const x = r.kind === 'vector' ? Array.from(r.value) : r.value;
  const y = typeof m === 'number' ? m : m && m.toArray ? m.toArray() : m;
  const xs = [].concat(x), ys = [].concat(y);
  const ok = xs.length === ys.length && xs.every((v, i) => Math.abs(v - ys[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
  if (ok) same++;
  else { differ++; if (examples.length < 5) examples.push({ answer: a, ours: r.text, theirs: String(m) }); }
}

// ---- KL of two vectors ----------------------------------------------------------------------------
function klVectors(n, inner) {
  const s = kl.session();
  s.evaluate(`p = softmax(randn(${n}, 1))`);
  s.evaluate(`q = softmax(randn(${n}, 2))`);
  const p = s.evaluate('p').value, q = s.evaluate('q').value;
  const pm = math.matrix(Array.from(p)), qm = math.matrix(Array.from(q));
  let a = 0, b = 0;
  const oursMs = timeReps(REPS, () => { for (let i = 0; i < inner; i++) a = s.evaluate('kl(p, q)').value; });
  const theirsMs = timeReps(REPS, () => { for (let i = 0; i < inner; i++) b = mkl(pm, qm); });
  s.close();
  return { n, inner, ours: oursMs, theirs: theirsMs, oursValue: a, theirsValue: b };
}
const klBig = klVectors(100000, 1);
const klSmall = klVectors(4, 10000);

// ---- the JS <-> wasm boundary ---------------------------------------------------------------------
// evaluate('1') through the API (string in, object out) per call: the floor of any call.
const floorMs = timeReps(REPS, () => { for (let i = 0; i < 10000; i++) kl.evaluate('1'); });

// ---- checking through the API: latency per check, and the wasm heap ---------------------------------
const raw = kl._raw;
const heap = () => raw.HEAP8.length;
const nbs = {};
const heapStart = heap();
// Every notebook of the course (the check list, build/bench/checks.json, covers them all).
for (const f of readdirSync(`${ROOT}site/notebooks`).filter((n) => n.endsWith('.md')).map((n) => n.slice(0, -3))) {
  nbs[f] = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/${f}.md`, 'utf8'), `${f}.md`);
}
const heapLoaded = heap();
const checks = JSON.parse(readFileSync(`${ROOT}build/bench/checks.json`, 'utf8'));
const lat = new Float64Array(checks.length);
for (const c of checks.slice(0, 200)) nbs[c.notebook].check(c.part, c.answer, { seed: c.seed }); // warm-up
const heapWarm = heap();
// Which timed checks are the first of their (notebook, part, variant): those build the variant's
// scope and mistake values, which the Checker then caches (reported apart from the repeats).
const seen = new Set(checks.slice(0, 200).map((c) => `${c.notebook}\0${c.part}\0${c.seed}`));
const first = new Uint8Array(checks.length);
for (let i = 0; i < checks.length; i++) {
  const c = checks[i];
  const key = `${c.notebook}\0${c.part}\0${c.seed}`;
  if (!seen.has(key)) {
    seen.add(key);
    first[i] = 1;
  }
  const t0 = performance.now();
  nbs[c.notebook].check(c.part, c.answer, { seed: c.seed });
  lat[i] = performance.now() - t0;
}
const heapAfter = heap();
for (let k = 0; k < 2; k++) for (const c of checks) nbs[c.notebook].check(c.part, c.answer, { seed: c.seed });
const heapAfter3 = heap();

process.stdout.write(JSON.stringify({
  answers: { n: answers.length, ours: ours, theirs: theirs, oursOk, theirsOk, same, differ, bothFail, oneFails, examples },
  klBig, klSmall,
  evalFloor: { calls: 10000, ms: floorMs },
  checks: { n: checks.length, latencyMs: Array.from(lat), first: Array.from(first) },
  heap: { start: heapStart, loaded: heapLoaded, warm: heapWarm, after1e4: heapAfter, after3e4: heapAfter3 },
  mathjsVersion: math.version,
}) + '\n');
