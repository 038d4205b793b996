// No input can break the engine (issue 11), through the native CLI: hostile expressions and answers
// print an error line or a JSON verdict and exit normally (never a signal); stdin mode keeps one
// output line per input line. No assertion here is about time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../support/reference.mjs';

const KLLAB = `${ROOT}build/native/kllab`;
const run = (args, input) => {
  const r = spawnSync(KLLAB, args, { input, cwd: ROOT, maxBuffer: 1 << 26 });
  return { code: r.status, signal: r.signal, out: r.stdout.toString('utf8'), raw: r.stdout };
};
const chain = (term, op, terms) => Array(terms).fill(term).join(op);
const NB = 'site/notebooks/distillation.md';

test('kllab eval with an 8,000-term chain prints an error line and exits 1, no signal', () => {
  for (const op of ['+', '-', '*', '/', '^']) {
    const r = run(['eval', chain('1', op, 8000)]);
    assert.equal(r.signal, null, op);
    assert.equal(r.code, 1, op);
    assert.match(r.out, /^error: the expression is nested too deeply.*\(the limit is \d+\).*\(column \d+\)\n$/);
  }
});

test('kllab eval: every hostile class is one error line, and exit 1', () => {
  const hostile = [
    chain('true', ' and ', 5000), chain('1 < 2', ' or ', 5000), '-'.repeat(30000) + '1', 'not '.repeat(8000) + 'true',
    '('.repeat(201) + '1' + ')'.repeat(201), 'abs('.repeat(5000) + '1' + ')'.repeat(5000), '[[1]]' + '[1]'.repeat(8000),
    'eye(2236) @ eye(2236)', 'kl_mvn(zeros(1000), eye(1000), zeros(1000), eye(1000))', '2^1024', 'zeros(1e12)',
  ];
  for (const text of hostile) {
    const r = run(['eval', text]);
    assert.equal(r.signal, null, text.slice(0, 40));
    assert.equal(r.code, 1, text.slice(0, 40));
    assert.match(r.out, /^error: [^\n]+\n$/, text.slice(0, 40));
  }
});

test('kllab eval on stdin: hostile lines (NUL, bad UTF-8, tall trees) each give one line, then right answers', () => {
  const lines = [
    Buffer.from('1 +\0 2'),
    Buffer.from([0x31, 0x20, 0x2b, 0x20, 0xff]),
    Buffer.from(chain('1', '+', 8000)),
    Buffer.from('eye(2236) @ eye(2236)'),
    Buffer.from('x = 2'),
    Buffer.from('kl([0.5, 0.5], [0.7, 0.3]) * x'),
  ];
  const input = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  const r = run(['eval'], input);
  assert.equal(r.signal, null);
  assert.equal(r.code, 0);
  // The output is valid UTF-8 whatever the input held.
  assert.equal(Buffer.from(r.out, 'utf8').equals(r.raw), true);
  const out = r.out.split('\n');
  assert.equal(out.pop(), '');
  assert.equal(out.length, lines.length);
  assert.match(out[0], /^error: unexpected control character U\+0000/);
  assert.match(out[1], /^error: the text is not valid UTF-8/);
  assert.match(out[2], /^error: the expression is nested too deeply/);
  assert.match(out[3], /^error: this computation is too large/);
  assert.equal(out[4], '2');
  assert.ok(Math.abs(Number(out[5]) - 2 * 0.0871767) < 1e-7, out[5]);
});

test('kllab check with a long-chain answer, or a long-chain earlier answer, gives a JSON verdict', () => {
  const long = chain('1', '+', 2500);
  const a = run(['check', NB, 'ex8b', long]);
  assert.equal(a.signal, null);
  const va = JSON.parse(a.out);
  assert.equal(va.verdict, 'invalid');
  assert.match(va.feedback, /nested too deeply/);
  const b = run(['check', NB, 'ex8b', '0.047', '--earlier', `ex8a=${long}`]);
  assert.equal(b.signal, null);
  const vb = JSON.parse(b.out);
  assert.ok(['incorrect', 'invalid'].includes(vb.verdict), b.out);
  const c = run(['check', NB, 'ex8b', '0.0252', '--earlier', `ex8a=${long}`]);
  assert.equal(JSON.parse(c.out).verdict, 'correct');
  const heavy = run(['check', NB, 'ex8b', 'sum(eye(2236) @ eye(2236))']);
  assert.equal(heavy.signal, null);
  const vh = JSON.parse(heavy.out);
  assert.equal(vh.verdict, 'invalid');
  assert.match(vh.feedback, /too large/);
});
