// No input can break the engine (issue 11), through the public JS API of the wasm module: every
// hostile class gets an error value (never a thrown number, never a broken instance), and the same
// instance then evaluates and checks right answers correctly. No assertion here is about time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { engine } from './support.mjs';
import { ROOT } from '../support/reference.mjs';

const kl = await engine();
const distillation = readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8');

const chain = (term, op, terms) => Array(terms).fill(term).join(op);
const KL_REF = 0.0871767; // kl([0.5, 0.5], [0.7, 0.3]) from the catalogue

function assertStillWorks() {
  const r = kl.evaluate('kl([0.5, 0.5], [0.7, 0.3])');
  assert.ok(r.ok, r.error?.message);
  assert.ok(Math.abs(r.value - KL_REF) < 5e-8);
}

// Every class of tall tree: chains of each binary operator, prefix chains, index chains, nested calls.
const tallTrees = [
  ...['+', '-', '*', '/', '^', '**'].flatMap((op) => [chain('1', op, 2500), chain('1', op, 8000)]),
  chain('eye(2)', ' @ ', 3000),
  chain('true', ' and ', 2500),
  chain('false', ' or ', 2500),
  ...['<', '<=', '>', '>=', '==', '!='].map((op) => chain(`1 ${op} 2`, ' and ', 2000)),
  '-'.repeat(20000) + '1',
  'not '.repeat(5000) + 'true',
  '2^-'.repeat(5000) + '1',
  '[[1]]' + '[1]'.repeat(5000),
  '[7][' + chain('1', '*', 5000) + ']',
  'abs(' + chain('1', '-', 5000) + ')',
];

test('every class of tall tree is refused as too_deep, with its limit and a column', () => {
  for (const text of tallTrees) {
    const r = kl.evaluate(text);
    assert.equal(r.ok, false, text.slice(0, 40));
    assert.equal(r.error.code, 'too_deep', `${text.slice(0, 40)}: ${r.error.message}`);
    assert.match(r.error.message, /nested too deeply.*\(the limit is \d+\)/);
    assert.ok(r.error.column > 0);
  }
  assertStillWorks();
});

test('brackets: exactly the engine\'s nesting limit is accepted, one more is too_deep', () => {
  const n = kl.limits().nesting;
  for (const [open, close] of [['(', ')'], ['abs(', ')'], ['[1][', ']']]) {
    const ok = kl.evaluate(open.repeat(n) + '1' + close.repeat(n));
    assert.ok(ok.ok, `${open}: ${ok.error?.message}`);
    assert.equal(ok.value, 1);
    const bad = kl.evaluate(open.repeat(n + 1) + '1' + close.repeat(n + 1));
    assert.equal(bad.error.code, 'too_deep');
    assert.ok(bad.error.message.includes(`(the limit is ${n})`), bad.error.message);
  }
});

test('heavy work is refused before it runs: matrix products, factorisations, schedules, draws', () => {
  const heavy = [
    'eye(2236) @ eye(2236)',
    'kl_mvn(zeros(1000), eye(1000), zeros(1000), eye(1000))',
    'mixture_logpdf(linspace(0, 1, 100000), ones(1000) / 1000, zeros(1000), ones(1000))',
    'q_posterior_var(linear_betas(100000, 1e-4, 0.02), range(2, 100000))',
    chain('sum(randn(5000000, 1))', ' + ', 10),
    chain('logsumexp(zeros(5000000))', ' + ', 10),
    'sum(zeros(4000000) + (zeros(4000000) + (zeros(4000000) + (zeros(4000000) + (zeros(4000000) + zeros(4000000))))))',
  ];
  for (const text of heavy) {
    const r = kl.evaluate(text);
    assert.equal(r.ok, false, text.slice(0, 50));
    assert.equal(r.error.code, 'too_large', `${text.slice(0, 50)}: ${r.error.message}`);
    assert.match(r.error.message, /too large/);
  }
  assertStillWorks();
});

test('overflow, stray bytes and odd strings are error values', () => {
  const cases = [
    ['2^1024', 'domain', /overflow/],
    ['2^512 * 2^512', 'domain', /overflow/],
    ['bits(1.7e308)', 'domain', /overflow/],
    ['1 +\u0000 2', 'syntax', /U\+0000/],
    ['1 + \u0007', 'syntax', /control character/],
    ['1 + \ud800', 'syntax', /./], // a lone surrogate: no valid text
    ['zeros(1e12)', 'too_large', /limit/],
  ];
  for (const [text, code, phrase] of cases) {
    const r = kl.evaluate(text);
    assert.equal(r.ok, false, JSON.stringify(text));
    assert.equal(r.error.code, code, `${JSON.stringify(text)}: ${r.error.message}`);
    assert.match(r.error.message, phrase);
  }
  assert.equal(kl.evaluate('round(1e308, 2)').value, 1e308);
  assert.equal(kl.evaluate('mean([1e308, 1e308])').value, 1e308);
});

test('a session cannot hold more than the engine allows, and forgets to make room', () => {
  const s = kl.session();
  try {
    for (let i = 1; i <= 4; i++) assert.ok(s.evaluate(`a${i} = zeros(5000000)`).ok);
    const fifth = s.evaluate('a5 = zeros(5000000)');
    assert.equal(fifth.ok, false);
    assert.equal(fifth.error.code, 'too_large');
    assert.match(fifth.error.message, /cannot be kept/);
    s.reset();
    assert.ok(s.evaluate('a5 = zeros(5000000)').ok);
    assert.equal(s.evaluate('sum(a5 + 1)').value, 5000000);
  } finally {
    s.close();
  }
  assertStillWorks();
});

test('a notebook\'s check: hostile answers and earlier answers give verdicts, then a right answer is correct', () => {
  const nb = kl.loadNotebook(distillation, 'distillation.md');
  try {
    const limit = kl.limits().answerLength;
    const right = kl.evaluate('kl(softmax([3, 1, -2]), softmax([2, 0, -1]))').text;
    const answers = [chain('1', '+', 2500), chain('1', '*', 2500), '-'.repeat(9000) + '1', 'not '.repeat(2000) + 'true',
      'eye(2236) @ eye(2236)', 'sum(kl_mvn(zeros(1000), eye(1000), zeros(1000), eye(1000)))', '2^1024', '1 +\u0000 2'];
    for (let round = 0; round < 5; round++) {
      for (const a of answers) {
        assert.ok(a.length <= limit);
        const v = nb.check('ex8b', a);
        assert.equal(v.verdict, 'invalid', `${a.slice(0, 40)}: ${v.feedback}`);
        assert.ok(v.feedback.length > 0);
        const e = nb.check('ex8b', '0.047', { earlier: { ex8a: a } });
        assert.ok(['incorrect', 'invalid', 'correct', 'correct_given_earlier', 'close'].includes(e.verdict), e.verdict);
      }
    }
    assert.equal(nb.check('ex8b', right).verdict, 'correct');
    assert.equal(nb.check('ex8b', right, { earlier: { ex8a: chain('1', '+', 2500) } }).verdict, 'correct');
  } finally {
    nb.close();
  }
  assertStillWorks();
});

test('editCell and plot: a huge series is refused as one unit of work, and the notebook recovers', () => {
  const nb = kl.loadNotebook(distillation, 'distillation.md');
  try {
    const first = nb.runAll();
    assert.ok(first.every((c) => c.status === 'ok'), JSON.stringify(first.filter((c) => c.status !== 'ok')));
    const before = nb.plot('entropy-vs-tau');
    assert.ok(before.ok);
    const edited = nb.editCell('setup', 'zT = randn(100000, 1)\nzS = [2, 0, -1]');
    assert.ok(edited.ok, edited.error?.message);
    const plotCell = edited.cells.find((c) => c.cell === 'entropy-vs-tau');
    assert.equal(plotCell.status, 'error');
    assert.equal(plotCell.error.code, 'too_large');
    const refused = nb.plot('entropy-vs-tau');
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, 'too_large');
    // A cell that is too deep, or too heavy as a whole, fails as a cell; the graph stays usable.
    const deep = nb.editCell('scratch', chain('1', '+', 3000));
    assert.ok(deep.ok);
    assert.equal(deep.cells.find((c) => c.cell === 'scratch').error.code, 'too_deep');
    const heavy = nb.editCell('scratch', Array.from({ length: 40 }, (_, i) => `a${i} = sum(ones(1000000) * 2)`).join('\n'));
    assert.equal(heavy.cells.find((c) => c.cell === 'scratch').error.code, 'too_large');
    // Back to the textbook: the same plot, the same numbers.
    assert.ok(nb.editCell('setup', 'zT = [3, 1, -2]\nzS = [2, 0, -1]').ok);
    assert.ok(nb.editCell('scratch', 'pT = softmax(zT)\npS = softmax(zS)\nkl(pT, pS)').ok);
    const after = nb.plot('entropy-vs-tau');
    assert.ok(after.ok, after.error?.message);
    assert.deepEqual(after.series.map((s) => Array.from(s.y)), before.series.map((s) => Array.from(s.y)));
    assert.equal(nb.check('ex8b', kl.evaluate('kl(softmax([3, 1, -2]), softmax([2, 0, -1]))').text).verdict, 'correct');
  } finally {
    nb.close();
  }
  assertStillWorks();
});

test('after a hundred hostile inputs of every class, the instance answers exactly as before', () => {
  const before = kl.evaluate('kl(softmax([3, 1, -2], 3), softmax([2, 0, -1], 3))').value;
  for (let i = 0; i < 4; i++) {
    for (const text of tallTrees) assert.equal(kl.evaluate(text).ok, false);
    assert.equal(kl.evaluate('eye(2236) @ eye(2236)').ok, false);
  }
  assert.equal(kl.evaluate('kl(softmax([3, 1, -2], 3), softmax([2, 0, -1], 3))').value, before);
  assertStillWorks();
});
