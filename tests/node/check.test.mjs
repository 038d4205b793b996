// Checking through the JS API (wasm): the answer preview (how an answer is read, its MathML, errors
// with their columns, the failure shape), choices in each variant's own order, and the tolerance model's
// promise that a closer answer is never judged worse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { engine } from './support.mjs';
import { ROOT } from '../support/reference.mjs';

const kl = await engine();

function open(path) {
  return kl.loadNotebook(readFileSync(`${ROOT}${path}`, 'utf8'), path.split('/').pop());
}

test('preview: kind, value, expectations and MathML of an answer, before it is checked', () => {
  const nb = open('tests/fixtures/notebooks/checker.md');
  try {
    const p = nb.preview('k1a', '0.5*ln(5/7) + 0.5*ln(5/3)');
    assert.equal(p.ok, true);
    assert.equal(p.readable, true);
    assert.equal(p.kind, 'number');
    assert.equal(p.value, '0.08717669357');
    assert.equal(p.expects, 'a number, to at least 3 significant figures');
    assert.match(p.mathml, /^<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML">.*<\/math>$/);
    assert.match(p.mathml, /<mfrac><mrow><mn>5<\/mn><\/mrow><mrow><mn>7<\/mn><\/mrow><\/mfrac>/);
    assert.deepEqual(Object.keys(p).sort(), ['column', 'expects', 'kind', 'mathml', 'message', 'note', 'ok', 'readable', 'value']);
    // Too few digits is a note, not an error.
    const coarse = nb.preview('k1a', '0.087');
    assert.equal(coarse.readable, true);
    assert.equal(coarse.note, '2 significant figures: this part asks for at least 3');
    // A syntax error: its message and column, nothing typeset.
    const bad = nb.preview('k1a', '0.087 0.1');
    assert.equal(bad.readable, false);
    assert.equal(bad.column, 7);
    assert.match(bad.message, /missing operator/);
    assert.equal(bad.mathml, '');
    // A forbidden function: typeset (it parses), with the column of the call.
    const forbidden = nb.preview('k1a', '1 + kl(p, q)');
    assert.equal(forbidden.readable, false);
    assert.equal(forbidden.column, 5);
    assert.match(forbidden.mathml, /<mi>KL<\/mi>/);
    // The part's shape, a probability vector's sum, a formula's variables, a choice.
    assert.match(nb.preview('k1b', '[0.7, 0.2, 0.1]').message, /asks for 2 entries/);
    assert.equal(nb.preview('k1b', '[0.70, 0.35]').note, 'the entries sum to 1.05, not 1');
    const formula = nb.preview('k1f', '(mu^2 + s2 - ln(s2) - 1) / 2');
    assert.equal(formula.kind, 'expression');
    assert.match(formula.mathml, /<mi>μ<\/mi>/);
    assert.equal(nb.preview('k1h', '2').value, 'No.');
    assert.equal(nb.preview('k1a', '').kind, 'empty');
  } finally {
    nb.close();
  }
});

test('preview: learner text is escaped in the MathML, and bad calls get the failure shape', () => {
  const nb = open('tests/fixtures/notebooks/checker.md');
  try {
    const p = nb.preview('k1a', '"<img src=x onerror=alert(1)>" + 1');
    assert.ok(p.ok);
    assert.ok(!p.mathml.includes('<img'), p.mathml);
    assert.match(p.mathml, /&lt;img src=x onerror=alert\(1\)&gt;/);
    // An answer over the engine's limit is refused with the engine's message, not copied whole.
    const long = nb.preview('k1a', '1'.repeat(kl.limits().answerLength + 50));
    assert.equal(long.readable, false);
    assert.match(long.message, /too long/);
    assert.equal(nb.preview('nope', '1').ok, false);
    assert.equal(nb.preview('nope', '1').error.code, 'unknown_name');
    assert.equal(nb.preview('k1a', 42).error.code, 'type');
  } finally {
    nb.close();
  }
  assert.equal(nb.preview('k1a', '1').error.code, 'closed');
});

test('choices: each variant shows its own order, and the check takes the authored number', () => {
  const nb = open('site/notebooks/vae-elbo.md');
  try {
    const part = nb.exercise('ex6').parts.find((q) => q.id === 'ex6c2');
    const n = part.choices.length;
    const right = nb.view('ex6c2').reference;
    const orders = new Set();
    for (let seed = 0; seed < 40; seed++) {
      const order = nb.view('ex6c2', { seed }).choiceOrder;
      assert.deepEqual([...order].sort(), [...Array(n).keys()], `variant ${seed}`);
      assert.deepEqual(nb.exerciseSlots('ex6', { seed }).parts.ex6c2.order, order);
      orders.add(order.join(''));
      // The authored number of the right option is right in every order.
      const index = part.choices.findIndex((c) => c.text === right);
      assert.equal(nb.check('ex6c2', String(index + 1), { seed }).verdict, 'correct');
    }
    assert.ok(orders.size > 10, `only ${orders.size} orders`);
    // The same orders as the native engine (pinned in tests/engine/check_test.cpp).
    assert.equal([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => nb.view('ex6c2', { seed }).choiceOrder.join('')).join(' '),
      '2301 3102 2013 2301 3012 3021 3012 0132');
    assert.deepEqual(nb.view('ex6c').choiceOrder, []);
  } finally {
    nb.close();
  }
});

test('tolerance: a closer answer is never judged worse (ex2b = 0.6534264)', () => {
  const nb = open('site/notebooks/kl-foundations.md');
  try {
    const rank = { correct: 3, close: 2, incorrect: 1 };
    const answers = ['0.6534', '0.653', '0.6530', '0.654', '0.6540', '0.655', '0.65', '0.650', '0.66', '0.7', '0.6', '0.5'];
    const judged = answers.map((a) => ({ a, d: Math.abs(Number(a) - 0.6534264), r: rank[nb.check('ex2b', a).verdict] }));
    for (const x of judged) for (const y of judged) if (x.d < y.d) assert.ok(x.r >= y.r, `${x.a} judged worse than ${y.a}`);
    assert.equal(nb.check('ex2b', '0.6540').verdict, nb.check('ex2b', '0.654').verdict);
    assert.match(nb.check('ex2b', '0.6540').feedback, /3rd significant digit/);
  } finally {
    nb.close();
  }
});
