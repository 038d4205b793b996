// kllab grade: a class's exports re-checked into a CSV grade sheet. Exports here are built from the
// record format's documented fields (kl/record.hpp); the browser test grades exports a real page made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/reference.mjs';

const KLLAB = `${ROOT}build/native/kllab`;
const grade = (args, input) => {
  const r = spawnSync(KLLAB, ['grade', ...args], { encoding: 'utf8', cwd: ROOT, input });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), 'kllab-grade-'));
// The distillation notebook's part count: each part is worth 1 by default.
const PARTS = readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8').match(/^part /gm).length;

// An export of one learner's work on the distillation notebook: parts -> [[answer, time, verdict, hints]].
function exportOf(learner, parts, { hash = '', seed = 0, extra = {} } = {}) {
  const p = {};
  for (const [id, attempts] of Object.entries(parts)) {
    p[id] = { draft: '', hints: 0, solution: false, attempts: attempts.map(([answer, time, verdict = null, hints = 0, solution = false]) =>
      ({ answer, time, verdict, score: verdict === null ? null : verdict === 'correct' ? 1 : 0, hints, solution })) };
  }
  const record = { kind: 'kllab-progress', schema: 2, notebook: 'distillation', notebookHash: hash, updated: null, learner: null,
    exercises: { ex8: { seed, variants: { [seed]: { parts: p } } } }, ...extra };
  return JSON.stringify({ kind: 'kllab-export', schema: 2, exported: '2026-12-01T12:00:00.000Z', learner: { id: learner, name: '' }, records: [record] });
}
function file(name, text) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const rows = (out) => out.trim().split('\n').map((l) => l.split(','));
const col = (out, name) => {
  const [header, ...body] = rows(out);
  const i = header.indexOf(name);
  return body.map((r) => r[i]);
};

const ada = file('ada.json', exportOf('ada', {
  ex8a: [['[0.85, 0.1, 0.05]', '2026-12-01T10:00:00.000Z', 'incorrect']],
  ex8b: [['0.047', '2026-12-01T10:01:00.000Z', 'incorrect'], ['0.0252', '2026-12-01T10:02:00.000Z', 'correct', 1], ['0.00166', '2026-12-01T10:03:00.000Z']],
}));

test('the CSV: one row per (learner, notebook), a column per part in notebook order, then flags', () => {
  const r = grade(['--notebooks', 'site/notebooks', ada]);
  assert.equal(r.code, 0, r.err);
  const [header, row] = rows(r.out);
  assert.deepEqual(header.slice(0, 4), ['learner', 'notebook', 'score', 'max']);
  assert.equal(header.at(-1), 'flags');
  const parts = header.slice(4, -1);
  assert.ok(parts.indexOf('wk1a') < parts.indexOf('ex8a') && parts.indexOf('ex8a') < parts.indexOf('ex8b') && parts.indexOf('ex8b') < parts.indexOf('d1'));
  assert.equal(row.length, header.length);
  assert.deepEqual(row.slice(0, 4), ['ada', 'distillation', '1', String(PARTS)]);
  assert.equal(row[header.indexOf('ex8b')], '1');
  assert.equal(row[header.indexOf('wk1a')], '', 'parts of other notebooks stay empty');
});

test('policies and penalties; error-carried-forward grades as on the page', () => {
  assert.deepEqual(col(grade(['--policy', 'best', ada]).out, 'ex8b'), ['1']);
  assert.deepEqual(col(grade(['--policy', 'first', ada]).out, 'ex8b'), ['0']);
  assert.deepEqual(col(grade(['--policy', 'last', ada]).out, 'ex8b'), ['0.75']);
  assert.deepEqual(col(grade(['--hint-penalty', '0.5', ada]).out, 'ex8b'), ['0.75'], 'the later ECF answer (no hint, 0.75) beats 1 × (1 − 0.5)');
  assert.deepEqual(col(grade(['--hint-penalty', '0.1', ada]).out, 'ex8b'), ['0.9']);
  const w = file('weights.txt', '# weights\nex8b, 3\nex8a 0\n');
  const r = grade(['--weights', w, ada]);
  assert.deepEqual([col(r.out, 'score')[0], col(r.out, 'max')[0]], ['3', String(PARTS - 1 - 1 + 3)], 'ex8b weighs 3, ex8a 0');
  assert.equal(grade(['--weights', file('bad-weights.txt', 'ex99 2\n'), ada]).code, 2);
  assert.equal(grade(['--policy', 'median', ada]).code, 2);
});

test('edited verdicts change nothing but a flag; a changed notebook and unknown parts are flagged', () => {
  const forged = file('forged.json', exportOf('eve', { ex8b: [['0.5', 't1', 'correct']] }));
  const r = grade([forged]);
  assert.deepEqual([col(r.out, 'score')[0], col(r.out, 'flags')[0]], ['0', 'tampered:ex8b']);
  const changed = file('changed.json', exportOf('bob', { ex8b: [['0.0252', 't1', 'correct'], ['1', 't2', 'incorrect']], ex8zz: [['1', 't']] }, { hash: '0123456789abcdef' }));
  assert.deepEqual(col(grade([changed]).out, 'flags'), ['unknown-part:ex8zz;notebook-changed']);
});

test('a bad file is a row with a flag and a message on stderr, never the end of the run', () => {
  const bad = file('bad.json', '{"kind": "kllab-export", "schema": 2, "records": [');
  const foreign = file('foreign.json', JSON.stringify({ kind: 'kllab-export', schema: 2, learner: { id: 'x' }, records: [{ kind: 'kllab-progress', schema: 2, notebook: 'no-such' }] }));
  const r = grade([bad, ada, foreign, join(dir, 'missing.json')]);
  assert.equal(r.code, 0);
  assert.deepEqual(col(r.out, 'flags'), ['unreadable', '', 'unknown-notebook', 'unreadable']);
  assert.deepEqual(col(r.out, 'learner'), ['', 'ada', 'x', '']);
  assert.match(r.err, /bad\.json: malformed JSON/);
  assert.match(r.err, /foreign\.json: no-such: no notebook 'no-such'/);
  assert.match(r.err, /missing\.json: cannot read the file/);
});

test('hostile learner ids cannot break the CSV or turn into spreadsheet formulas', () => {
  const evil = file('evil.json', exportOf('=HYPERLINK("x"),"a\nb', { ex8b: [['0.0252', 't']] }));
  const r = grade([evil]);
  assert.ok(r.out.includes('\n"\'=HYPERLINK(""x""),""a\nb",distillation,'), r.out.slice(0, 200));
});

test('--jobs gives the same rows in the same order; --shard splits the inputs into disjoint, complete shares', () => {
  const many = [];
  for (let i = 0; i < 40; i++) many.push(file(`l${String(i).padStart(2, '0')}.json`, exportOf(`learner-${i}`, { ex8b: [[i % 2 ? '0.0252' : '0.047', 't']] })));
  const one = grade(['--jobs', '1', ...many]).out;
  assert.equal(grade(['--jobs', '2', ...many]).out, one);
  assert.equal(grade(['--jobs', '7', ...many]).out, one);
  const s0 = rows(grade(['--shard', '0/2', '--no-header', ...many]).out);
  const s1 = rows(grade(['--shard', '1/2', '--no-header', ...many]).out);
  assert.ok(s0.length > 0 && s1.length > 0);
  const all = rows(one).slice(1).map((r) => r[0]).sort();
  assert.deepEqual([...s0, ...s1].map((r) => r[0]).sort(), all);
  assert.equal(grade(['--files-from', '-', '--jobs', '2'], many.join('\n')).out, one);
  assert.equal(grade(['--shard', '2/2', ada]).code, 2);
});

test('--feedback writes one file per learner with each answer, verdict, mistake and feedback', () => {
  const out = join(dir, 'feedback');
  assert.equal(grade(['--feedback', out, ada]).code, 0);
  assert.deepEqual(readdirSync(out), ['ada.md']);
  const text = readFileSync(join(out, 'ada.md'), 'utf8');
  assert.match(text, /# Feedback for ada/);
  assert.match(text, /\*\*ex8b\*\*: `+ 0\.0252 `+, Correct \(credit 1\)/);
  assert.match(text, /\*\*ex8a\*\*: `+ \[0\.85, 0\.1, 0\.05\] `+, Incorrect/);
  assert.match(text, /\*\*ex8c\*\*: not attempted/);
});
