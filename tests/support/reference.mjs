// Shared by the CLI and wasm tests: the catalogue's reference values and how to compare with them.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const reference = JSON.parse(readFileSync(new URL('../fixtures/reference-values.json', import.meta.url), 'utf8')).cases;

/** Asserts that `actual` (number or array) matches a reference case within its tolerance. */
export function assertClose(actual, c) {
  const expected = Array.isArray(c.expect) ? c.expect : [c.expect];
  const got = Array.isArray(actual) || ArrayBuffer.isView(actual) ? Array.from(actual) : [actual];
  assert.equal(got.length, expected.length, `${c.part}: length`);
  got.forEach((x, i) => {
    const tol = c.rel !== undefined ? c.rel * Math.abs(expected[i]) : c.tol;
    assert.ok(Number.isFinite(x), `${c.part}: ${x} is not finite`);
    assert.ok(Math.abs(x - expected[i]) <= tol, `${c.part}: ${c.expr} = ${x}, expected ${expected[i]} ± ${tol}`);
  });
}

/** Bad inputs and the error each must produce, in every layer (C++ has its own table too). */
export const badInputs = [
  { expr: '1 +', code: 'syntax', phrase: 'ends too early', column: 4 },
  { expr: '(1 + 2', code: 'syntax', phrase: 'never closed', column: 1 },
  { expr: '2 pi', code: 'syntax', phrase: 'missing operator', column: 3 },
  { expr: '1/0', code: 'division_by_zero', phrase: 'division by zero' },
  { expr: '0/0', code: 'division_by_zero', phrase: 'division by zero' },
  { expr: 'ln(-1)', code: 'domain', phrase: '>= 0' },
  { expr: '9^9^9^9', code: 'domain', phrase: 'overflow' },
  { expr: 'kl([0.5, 0.5], [0.2, 0.3, 0.5])', code: 'length', phrase: 'has 2 entries but q has 3' },
  { expr: 'kl([0.5, 0.6], [0.5, 0.5])', code: 'not_distribution', phrase: 'normalize' },
  { expr: 'kl([-0.5, 1.5], [0.5, 0.5])', code: 'not_distribution', phrase: 'negative' },
  { expr: 'kll([0.5, 0.5], [0.5, 0.5])', code: 'unknown_name', phrase: 'did you mean kl(p, q)' },
  { expr: 'kl([1, 0])', code: 'arity', phrase: 'takes 2 arguments' },
  { expr: 'kl(1, 2)', code: 'type', phrase: 'must be a vector' },
  { expr: '[1, 2][3]', code: 'index', phrase: 'out of range' },
  { expr: 'kl_mvn([0, 0], [[1, 2], [2, 1]], [0, 0], [[1, 0], [0, 1]])', code: 'not_positive_definite', phrase: 'positive definite' },
  { expr: 'zeros(1e12)', code: 'too_large', phrase: 'limit' },
  { expr: '('.repeat(5000) + '1' + ')'.repeat(5000), code: 'too_deep', phrase: 'nested too deeply' },
  { expr: 'inf - inf', code: 'domain', phrase: 'undefined' },
];
