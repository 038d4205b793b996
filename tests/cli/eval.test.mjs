// The native CLI: `kllab eval` reproduces every reference value, prints %.17g, reports errors as
// `error: ...` lines, and in stdin mode prints exactly one line per input line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT, reference, assertClose, badInputs } from '../support/reference.mjs';

const KLLAB = `${ROOT}build/native/kllab`;

function run(args, input) {
  const r = spawnSync(KLLAB, args, { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function parseValue(text) {
  const t = text.trim().replace(/-?\binf\b/g, (m) => (m.startsWith('-') ? '-Infinity' : 'Infinity'));
  return JSON.parse(t.replace(/-Infinity|Infinity/g, (m) => `"${m}"`), (k, v) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
}

test('kllab eval reproduces every reference value of the catalogue', () => {
  for (const c of reference) {
    const r = run(['eval', c.expr]);
    assert.equal(r.code, 0, `${c.part}: ${r.out}`);
    assertClose(parseValue(r.out), c);
  }
});

test('numbers print with round-trip precision, and special values are spelled out', () => {
  assert.equal(run(['eval', '0.1']).out, '0.10000000000000001\n');
  assert.equal(run(['eval', '[1, 0.5]']).out, '[1, 0.5]\n');
  assert.equal(run(['eval', '[[1, 2], [3, 4]]']).out, '[[1, 2], [3, 4]]\n');
  assert.equal(run(['eval', 'ln(0)']).out, '-inf\n');
  assert.equal(run(['eval', 'inf']).out, 'inf\n');
  assert.equal(run(['eval', '1 < 2']).out, 'true\n');
  assert.equal(run(['eval', '-2^2']).out, '-4\n');
  // %.17g round-trips: parsing the printed text gives the same double.
  const printed = run(['eval', 'kl([0.5, 0.5], [0.7, 0.3])']).out.trim();
  assert.equal(run(['eval', printed]).out.trim(), printed);
});

test('a failing expression prints an error line and exits 1', () => {
  for (const b of badInputs) {
    const r = run(['eval', b.expr]);
    assert.equal(r.code, 1, b.expr);
    assert.match(r.out, /^error: /, b.expr);
    assert.ok(r.out.includes(b.phrase), `${b.expr.slice(0, 40)}: ${r.out}`);
    assert.equal(r.out.split('\n').length, 2, 'one line');
    if (b.column) assert.ok(r.out.includes(`(column ${b.column})`), r.out);
  }
});

test('stdin mode: one line out per line in, assignments persist, errors do not stop the run', () => {
  const input = ['p = [0.5, 0.5]', 'q = [0.7, 0.3]', '# a comment', '', 'kl(p, q)', 'kl(p, r)', '1/0', 'kl(q, p)'].join('\n') + '\n';
  const r = run(['eval'], input);
  assert.equal(r.code, 0);
  const lines = r.out.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 8);
  assert.equal(lines[0], '[0.5, 0.5]');
  assert.equal(lines[2], '');
  assert.equal(lines[3], '');
  assert.ok(Math.abs(Number(lines[4]) - 0.0871767) < 5e-8);
  assert.match(lines[5], /^error: unknown name 'r'/);
  assert.match(lines[6], /^error: division by zero/);
  assert.ok(Math.abs(Number(lines[7]) - 0.0822829) < 5e-8);
});

test('usage errors exit 2', () => {
  assert.equal(run([]).code, 2);
  assert.equal(run(['frobnicate']).code, 2);
});
