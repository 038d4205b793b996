// The wasm module through the public JS API: reference values, error values (never a thrown number),
// and an instance that keeps answering after hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engine } from './support.mjs';
import { reference, assertClose, badInputs } from '../support/reference.mjs';

const kl = await engine();

test('wasm reproduces every reference value of the catalogue', () => {
  for (const c of reference) {
    const r = kl.evaluate(c.expr);
    assert.ok(r.ok, `${c.part}: ${r.error?.message}`);
    assertClose(r.value, c);
  }
});

test('values come back as JS values, vectors as copied Float64Arrays', () => {
  const v = kl.evaluate('[1, 2, 3] * 2');
  assert.equal(v.kind, 'vector');
  assert.ok(v.value instanceof Float64Array);
  assert.deepEqual(Array.from(v.value), [2, 4, 6]);
  assert.equal(v.text, '[2, 4, 6]');
  const m = kl.evaluate('[[1, 2], [3, 4]]');
  assert.equal(m.kind, 'matrix');
  assert.deepEqual(m.value.map((row) => Array.from(row)), [[1, 2], [3, 4]]);
  assert.equal(kl.evaluate('1 < 2').value, true);
  assert.equal(kl.evaluate('ln(0)').value, -Infinity);
  // A copy survives memory growth: allocate a lot afterwards and the old array is intact.
  const big = kl.evaluate('sum(zeros(3000000))');
  assert.ok(big.ok);
  assert.deepEqual(Array.from(v.value), [2, 4, 6]);
});

test('every error class comes back as a value with code, message and column', () => {
  for (const b of badInputs) {
    const r = kl.evaluate(b.expr);
    assert.equal(r.ok, false, b.expr.slice(0, 40));
    assert.equal(r.error.code, b.code, `${b.expr.slice(0, 40)}: ${r.error.message}`);
    assert.ok(r.error.message.includes(b.phrase), r.error.message);
    if (b.column) assert.equal(r.error.column, b.column);
  }
  assert.equal(kl.evaluate(42).ok, false);
});

test('after many hostile inputs the instance still answers correctly', () => {
  const hostile = ['('.repeat(20000) + '1' + ')'.repeat(20000), '['.repeat(20000), '-'.repeat(20000) + '1', 'zeros(1e12)', '9^9^9^9', 'x'.repeat(200000)];
  for (let i = 0; i < 20; i++) {
    for (const h of hostile) assert.equal(kl.evaluate(h).ok, false);
  }
  const r = kl.evaluate('kl([0.5, 0.5], [0.7, 0.3])');
  assert.ok(r.ok);
  assert.ok(Math.abs(r.value - 0.0871767) < 5e-8);
});

test('a session keeps assignments until reset, and closes', () => {
  const s = kl.session();
  try {
    assert.ok(s.evaluate('p = [0.7, 0.3]').ok);
    const r = s.evaluate('entropy(p)');
    assert.ok(Math.abs(r.value - 0.6108643) < 5e-8);
    s.reset();
    assert.equal(s.evaluate('entropy(p)').error.code, 'unknown_name');
  } finally {
    s.close();
  }
  assert.equal(s.evaluate('1').ok, false);
});

test('the function list names the library', () => {
  const names = kl.functions().map((f) => f.name);
  for (const n of ['kl', 'softmax', 'kl_gauss', 'alpha_bar', 'rlhf_policy', 'randn']) assert.ok(names.includes(n), n);
});
