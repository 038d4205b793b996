// One owner per concept (issue 17): the verdict vocabulary and scores, the record and export formats,
// the engine's limits and the id rule are defined once, in the engine, and reach the site's JS
// through engine.vocabulary()/limits() or the engine's JSON. This test fails when a second definition
// appears in the site's JavaScript (site/src/*.mjs) or in what the page and the embed ship (their
// esbuild bundles, made here as the build makes them).
//
// Every forbidden value is taken from the engine itself, so the list cannot drift from it. A line
// that holds such a value for another reason says so with a `one-owner:` comment and the reason
// (reported below); there should be very few.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import esbuild from 'esbuild';
import { engine } from '../node/support.mjs';
import { ROOT } from '../support/reference.mjs';

const SRC = `${ROOT}site/src/`;
const FILES = readdirSync(SRC).filter((f) => f.endsWith('.mjs'));

/** What the engine defines, read from the engine. */
async function engineFacts() {
  const kl = await engine();
  const vocab = kl.vocabulary();
  const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
  nb.setLearner({ id: 's-1', name: 'Ada' });
  nb.revealHint('ex8a');
  nb.revealSolution('ex8a');
  nb.submit('ex8a', '[0.85, 0.1, 0.05]');
  nb.setVariant('ex8', 3);
  nb.submit('ex8b', '0.1');
  const record = JSON.parse(nb.recordJson());
  const exported = JSON.parse(nb.exportFile());
  nb.close();
  const keys = new Set();
  const walk = (x) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) keys.add(k), walk(v);
  };
  walk(record);
  walk(exported);
  return { vocab, record, exported, keys };
}

/**
 * A source file's code without comments (esbuild's transform drops them), and its exempt lines: a
 * `one-owner: REASON` comment exempts its line, or the next one when it stands on a line of its own.
 */
async function code(file) {
  const lines = readFileSync(SRC + file, 'utf8').split('\n');
  const marked = new Set();
  lines.forEach((l, i) => {
    if (!/one-owner:\s*\S/.test(l)) return;
    marked.add(i);
    if (/^\s*\/\//.test(l)) marked.add(i + 1);
  });
  const exempt = [...marked].sort((a, b) => a - b).map((i) => [i + 1, lines[i]]);
  // the exempt lines are blanked before the transform, so their values are not seen
  const kept = lines.map((l, i) => (marked.has(i) ? '' : l)).join('\n');
  const out = await esbuild.transform(kept, { loader: 'js', format: 'esm', legalComments: 'none' });
  return { code: out.code, exempt };
}

/** Numeric literals in code (outside strings), as numbers. */
function numbers(js) {
  const noStrings = js.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""');
  return [...noStrings.matchAll(/(?<![\w.$])(\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?)(?![\w.])/gi)].map((m) => Number(m[1].replace(/_/g, '')));
}

let facts;
const sources = new Map();
test('setup: the engine and the sources', async () => {
  facts = await engineFacts();
  for (const f of FILES) sources.set(f, await code(f));
  assert.ok(facts.vocab.verdicts.length >= 5);
});

test('verdicts: no verdict name compared with or assigned as a literal, no partial score copied', (t) => {
  const names = facts.vocab.verdicts.map((v) => v.name);
  // The engine's compound names are searched everywhere; every name in a verdict context (compared
  // with or assigned to a `verdict`): plain words such as 'close' are also method and event names.
  const own = names.filter((n) => n.includes('_'));
  assert.ok(own.includes('correct_given_earlier'), 'the list comes from the engine');
  const partial = facts.vocab.verdicts.map((v) => v.score).filter((s) => s > 0 && s < 1);
  assert.ok(partial.length >= 1);
  const bad = [];
  for (const [file, { code: js, exempt }] of sources) {
    for (const n of own) if (js.includes(n) && new RegExp(`['"\`]${n}['"\`]`).test(js)) bad.push(`${file}: the verdict name '${n}'`);
    for (const m of js.matchAll(/\bverdict\s*(?:[!=]==?|:)\s*(["'`])(\w+)\1|(["'`])(\w+)\3\s*[!=]==?\s*[\w.]*verdict\b/g)) bad.push(`${file}: a verdict literal '${m[2] ?? m[4]}' (${m[0]})`);
    for (const line of js.split('\n').filter((l) => /score/i.test(l))) {
      for (const x of numbers(line)) if (partial.includes(x)) bad.push(`${file}: the score ${x} in "${line.trim().slice(0, 80)}"`);
    }
    for (const [n, l] of exempt) t.diagnostic(`${file}:${n} exempt: ${l.trim()}`);
  }
  assert.deepEqual(bad, []);
});

test('the record and export formats: no format key or kind read or written by the site', () => {
  // the record's own words (not fields of the API results the page reads: state(), verdicts, the
  // import preview), each checked to be the engine's
  const FORMAT = ['schema', 'notebookHash', 'variants', 'attempts', 'updated', 'records'];
  for (const k of FORMAT) assert.ok(facts.keys.has(k), `${k} is a key of the engine's record or export`);
  const kinds = [facts.record.kind, facts.exported.kind];
  assert.ok(kinds.every((k) => typeof k === 'string' && k.length > 3));
  const bad = [];
  for (const [file, { code: js }] of sources) {
    for (const k of kinds) if (js.includes(k)) bad.push(`${file}: the kind "${k}"`);
    for (const k of FORMAT) {
      const re = new RegExp(`\\.${k}\\b|\\b${k}\\s*:|\\[\\s*(["'\`])${k}\\1\\s*\\]|(["'\`])${k}\\2`);
      if (re.test(js)) bad.push(`${file}: the record key "${k}" (${js.match(re)[0]})`);
    }
  }
  assert.deepEqual(bad, []);
});

test("the engine's limits: no large limit copied as a number (small ones are everyday numbers: not searched)", () => {
  const limits = Object.entries(facts.vocab.limits).filter(([, v]) => v >= 1000);
  assert.ok(limits.some(([k]) => k === 'answerLength'));
  const bad = [];
  for (const [file, { code: js }] of sources) {
    const found = numbers(js);
    for (const [name, value] of limits) if (found.includes(value)) bad.push(`${file}: ${value} (the engine's ${name})`);
  }
  assert.deepEqual(bad, []);
});

test('the id rule: no regex that validates a whole id (the engine reports unknown ids)', () => {
  const bad = [];
  for (const [file, { code: js }] of sources) {
    for (const m of js.matchAll(/\/\^\[[^\]]*(?:\\w|A-Z|a-z0-9)[^\]]*\][^/\n]*\$\/[a-z]*/g)) bad.push(`${file}: ${m[0]}`);
  }
  assert.deepEqual(bad, []);
});

test('what the page, the embed and the iframe ship: none of the engine-only words above', async () => {
  const words = ['correct_given_earlier', facts.record.kind, facts.exported.kind, 'notebookHash'];
  for (const entry of ['runtime.mjs', 'embed.mjs', 'frame.mjs', 'index.mjs', 'lms.mjs']) {
    const r = await esbuild.build({ entryPoints: [SRC + entry], bundle: true, write: false, format: 'esm', minify: true, logLevel: 'silent', external: ['./kllab.mjs', './kllab-engine.mjs'] });
    const js = r.outputFiles[0].text;
    for (const w of words) assert.ok(!js.includes(w), `${entry}'s bundle holds "${w}"`);
  }
});
