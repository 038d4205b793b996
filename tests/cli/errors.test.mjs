// The CLI's error policy and its JSON: every verdict `kllab check` prints and every failure it reports
// match the engine's schemas, which are committed in docs/schema/ and must equal what the engine
// exports (`kllab vocabulary`), so the JSON shape has one definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT } from '../support/reference.mjs';
import { problems } from '../support/schema.mjs';

const KLLAB = `${ROOT}build/native/kllab`;
const run = (args, input) => {
  const r = spawnSync(KLLAB, args, { encoding: 'utf8', cwd: ROOT, input });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
};
const vocab = JSON.parse(run(['vocabulary']).out);
const NB = 'site/notebooks/distillation.md';

test('the committed schemas are exactly the engine\'s', () => {
  assert.deepEqual(JSON.parse(readFileSync(`${ROOT}docs/schema/verdict.schema.json`, 'utf8')), vocab.verdictSchema);
  assert.deepEqual(JSON.parse(readFileSync(`${ROOT}docs/schema/failure.schema.json`, 'utf8')), vocab.failureSchema);
});

test('every verdict kllab check prints matches the verdict schema, whatever the answer', () => {
  const schema = JSON.parse(readFileSync(`${ROOT}docs/schema/verdict.schema.json`, 'utf8'));
  const answers = [['ex8b', '0.0252'], ['ex8b', '0.047'], ['ex8b', '(1 +'], ['ex8b', ''], ['ex8a', '[0.9, 0.1]'], ['ex8a', '[0.5, 0.6, -0.1]'],
    ['ex8e', '1'], ['ex8e', '9'], ['ex8b', '0.03'], ['ex8b', '\xff\xfe'], ['ex8d', '0.0692']];
  for (const [part, answer] of answers) {
    const r = run(['check', NB, part, answer]);
    assert.equal(r.code, 0, `${part} ${answer}: ${r.err}`);
    const v = JSON.parse(r.out);
    assert.deepEqual(problems(schema, v), [], `${part} ${answer}: ${r.out}`);
  }
});

test('an unknown part is a failure in the failure schema, exit 1; a broken notebook exits 2 with file:line on stderr', () => {
  const schema = JSON.parse(readFileSync(`${ROOT}docs/schema/failure.schema.json`, 'utf8'));
  const r = run(['check', NB, 'ex8z', '1']);
  assert.equal(r.code, 1);
  const f = JSON.parse(r.out);
  assert.deepEqual(problems(schema, f), []);
  assert.equal(f.error.code, 'unknown_name');
  const broken = run(['check', 'tests/fixtures/bad-notebooks/cycle.md', 'x', '1']);
  assert.equal(broken.code, 2);
  assert.match(broken.err, /cycle\.md:\d+: /);
  assert.equal(run(['check', NB, 'ex8b']).code, 2);
  assert.equal(run(['check', NB, 'ex8b', '1', '--seed', '-1']).code, 2);
  assert.equal(run(['nonsense']).code, 2);
});

test('answers that are not valid UTF-8 still give valid JSON', () => {
  const r = spawnSync(KLLAB, ['check', NB, 'ex8b', Buffer.from([0x30, 0x2e, 0xff, 0xc3])], { cwd: ROOT });
  const text = r.stdout.toString('utf8');
  assert.doesNotThrow(() => JSON.parse(text));
  assert.ok(Buffer.from(text, 'utf8').equals(r.stdout), 'the output is valid UTF-8');
});
