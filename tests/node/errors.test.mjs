// The JS API's error policy, in one file (as sql.js's test_errors.js): every failure has one shape,
// {ok: false, error: {code, message, column, line, file}}, with a code from the engine's vocabulary;
// nothing throws, not even a call on a closed object; an unreadable answer is a verdict, not a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT } from '../support/reference.mjs';
import { problems } from '../support/schema.mjs';
import { engine } from './support.mjs';

const kl = await engine();
const vocab = kl.vocabulary();
const NOTEBOOK = readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8');

function isFailure(r, code) {
  assert.deepEqual(problems(vocab.failureSchema, r), [], JSON.stringify(r));
  if (code) assert.equal(r.error.code, code);
}

function isVerdict(r) {
  assert.deepEqual(problems(vocab.verdictSchema, r), [], JSON.stringify(r));
}

test('evaluate: every error class is a failure with a code and a column', () => {
  isFailure(kl.evaluate('1/0'), 'division_by_zero');
  isFailure(kl.evaluate('1 +'), 'syntax');
  isFailure(kl.evaluate('nope(1)'), 'unknown_name');
  isFailure(kl.evaluate(42), 'type');
  isFailure(kl.evaluate('1'.repeat(kl.limits().expressionLength + 5)), 'too_large');
  assert.match(kl.evaluate('1'.repeat(kl.limits().expressionLength + 5)).error.message, /limit is 100000/);
});

test('a notebook: unknown ids are failures; unreadable answers are invalid verdicts; bad arguments are failures', () => {
  const nb = kl.loadNotebook(NOTEBOOK, 'distillation.md');
  try {
    isFailure(nb.check('ex8z', '1'), 'unknown_name');
    isFailure(nb.view('ex8z'), 'unknown_name');
    isFailure(nb.exerciseSlots('ex99'), 'unknown_name');
    isFailure(nb.exercise('ex99'), 'unknown_name');
    isFailure(nb.check('ex8b', 42), 'type');
    isFailure(nb.setSlider('tau', 'abc'), 'type');
    isFailure(nb.editCell('nope', 'x = 1'));
    isFailure(nb.plot('nope'));
    isFailure(nb.setVariant('ex8', -1), 'domain');
    isFailure(nb.recheck('ex8b'), 'unknown_name');
    isFailure(nb.loadRecord('{'), 'storage');
    isFailure(nb.previewImport('[]'), 'storage');
    const unreadable = nb.check('ex8b', '(1 +');
    isVerdict(unreadable);
    assert.equal(unreadable.verdict, 'invalid');
    assert.ok(unreadable.column > 0);
    const long = nb.check('ex8b', '1'.repeat(5_000_000));
    isVerdict(long);
    assert.equal(long.verdict, 'invalid');
    assert.match(long.feedback, /limit is 10000 characters/);
    isVerdict(nb.check('ex8b', '0.0252', { seed: -3 }));  // a bad seed is the textbook variant
  } finally {
    nb.close();
  }
});

test('a closed notebook and a closed scratch scope answer with the failure shape, never a throw', () => {
  const nb = kl.loadNotebook(NOTEBOOK, 'distillation.md');
  nb.close();
  for (const r of [nb.check('ex8b', '1'), nb.errors(), nb.cells(), nb.state(), nb.submit('ex8b', '1'), nb.recordJson(), nb.exportFile()])
    isFailure(r, 'closed');
  nb.close();  // twice is fine
  const s = kl.session();
  s.close();
  isFailure(s.evaluate('1'), 'closed');
});

test('the error codes and verdict kinds are the engine\'s', () => {
  assert.ok(vocab.errorCodes.includes('closed') && vocab.errorCodes.includes('storage'));
  assert.deepEqual(vocab.verdicts.map((v) => v.name), ['correct', 'correct_given_earlier', 'close', 'incorrect', 'invalid']);
  assert.deepEqual(vocab.verdicts.map((v) => v.score), [1, 0.75, 0.5, 0, 0]);
  assert.ok(Object.isFrozen(vocab) && Object.isFrozen(vocab.limits));
});
