// Notebooks through the wasm module and the JS API: every notebook loads and validates, every part's
// reference is accepted and its mistakes recognised, the cell graph reacts, and malformed notebooks
// report file:line errors (the same table the CLI test uses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { engine } from './support.mjs';
import { ROOT } from '../support/reference.mjs';

const kl = await engine();
const NOTEBOOKS = `${ROOT}site/notebooks/`;
const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.md'));
const BAD = `${ROOT}tests/fixtures/bad-notebooks/`;
const expected = JSON.parse(readFileSync(`${BAD}expected.json`, 'utf8')).files;

function open(path, name = path) {
  return kl.loadNotebook(readFileSync(path, 'utf8'), name);
}

test('the four course notebooks exist', () => {
  for (const id of ['kl-foundations', 'distillation', 'vae-elbo', 'diffusion-kl']) assert.ok(files.includes(`${id}.md`), id);
});

test('every notebook validates in wasm too (variants 0..10)', () => {
  for (const f of files) {
    const nb = open(NOTEBOOKS + f, f);
    try {
      assert.deepEqual(nb.errors(), [], f);
      assert.deepEqual(nb.validate(10).map((e) => `${e.file}:${e.line}: ${e.message}`), [], f);
    } finally {
      nb.close();
    }
  }
});

test('every part: the reference is accepted, author and library mistakes are recognised, solutions render', () => {
  let parts = 0;
  for (const f of files) {
    const nb = open(NOTEBOOKS + f, f);
    try {
      for (const cell of nb.cells().filter((c) => c.type === 'exercise')) {
        const ex = nb.exercise(cell.exercise);
        for (const part of ex.parts) {
          parts++;
          const view = nb.view(part.id);
          assert.ok(view.ok, `${part.id}: ${view.error?.message}`);
          assert.ok(view.solution.length > 0 && !view.solution.includes('{{'), part.id);
          if (part.kind === 'choice') {
            const correct = part.choices.findIndex((c) => nb.check(part.id, String(part.choices.indexOf(c) + 1)).verdict === 'correct');
            assert.ok(correct >= 0, `${part.id}: no option is accepted`);
            continue;
          }
          if (part.kind === 'expression') continue;  // walked natively
          const ref = nb.check(part.id, view.reference);
          assert.notEqual(ref.verdict, 'invalid', `${part.id}: ${view.reference} -> ${ref.feedback}`);
          for (const m of nb.libraryMistakes(part.id)) {
            const v = nb.check(part.id, m.text);
            assert.equal(v.verdict, 'incorrect', `${part.id} ${m.id}: ${m.text} -> ${v.feedback}`);
            assert.ok(v.mistake === m.id || v.mistake.startsWith('author:'), `${part.id} ${m.id} -> ${v.mistake}`);
          }
        }
      }
    } finally {
      nb.close();
    }
  }
  assert.ok(parts >= 70, `only ${parts} parts`);
});

test('error carried forward through the JS API', () => {
  const nb = open(`${NOTEBOOKS}distillation.md`);
  try {
    const own = kl.evaluate('kl([0.85, 0.1, 0.05], softmax([2, 0, -1]))').value;
    const v = nb.check('ex8b', own.toPrecision(4), { earlier: { ex8a: '[0.85, 0.1, 0.05]' } });
    assert.equal(v.verdict, 'correct_given_earlier');
    assert.equal(v.score, 0.75);
    assert.equal(nb.check('ex8b', own.toPrecision(4)).verdict, 'incorrect');
    const swapped = nb.check('ex8b', '0.0470');
    assert.equal(swapped.mistake, 'author:1');
    assert.match(swapped.feedback, /reverse direction/);
  } finally {
    nb.close();
  }
});

test('variants follow the seed, and variant 0 is the textbook', () => {
  const nb = open(`${NOTEBOOKS}distillation.md`);
  try {
    const v0 = nb.view('ex8b');
    assert.equal(v0.reference, '0.02520129');
    const others = new Set();
    for (let seed = 1; seed <= 10; seed++) others.add(nb.view('ex8b', { seed }).reference);
    assert.ok(others.size > 3, 'variants should differ');
    assert.equal(nb.view('ex8b', { seed: 4 }).reference, nb.view('ex8b', { seed: 4 }).reference);
    const slots = nb.exerciseSlots('ex8', { seed: 0 });
    assert.ok(slots.ok);
    assert.deepEqual(slots.intro, ['[3, 1, -2]', '[2, 0, -1]']);
  } finally {
    nb.close();
  }
});

test('the cell graph: edit re-runs dependents, errors block, sliders and plots follow', () => {
  const nb = open(`${NOTEBOOKS}distillation.md`);
  try {
    const all = nb.runAll();
    assert.ok(all.every((c) => c.status === 'ok'), JSON.stringify(all.filter((c) => c.status !== 'ok')));
    const before = nb.plot('entropy-vs-tau');
    assert.ok(before.ok);
    const edited = nb.editCell('setup', 'zT = [5, 0, -5]\nzS = [2, 0, -1]');
    assert.ok(edited.ok);
    const ran = edited.cells.map((c) => c.cell);
    assert.ok(ran.includes('setup') && ran.includes('scratch') && ran.includes('soft-labels') && ran.includes('entropy-vs-tau'), ran.join(','));
    const after = nb.plot('entropy-vs-tau');
    assert.notDeepEqual(Array.from(after.series[0].y), Array.from(before.series[0].y));
    const broken = nb.editCell('setup', 'zT = [5, 0, -5\nzS = [2, 0, -1]');
    assert.ok(broken.ok);
    assert.equal(broken.cells[0].status, 'error');
    assert.ok(broken.cells.some((c) => c.status === 'blocked'));
    const slid = nb.setSlider('tau', 7);
    assert.ok(slid.ok);
    assert.equal(nb.setSlider('tau', 99).ok, false);
    assert.equal(nb.editCell('nope', 'x = 1').ok, false);
  } finally {
    nb.close();
  }
});

test('malformed notebooks: every error class reports its file:line message (wasm)', () => {
  for (const [file, wanted] of Object.entries(expected)) {
    const nb = open(BAD + file, file);
    try {
      const got = [...nb.errors(), ...nb.validate(50)];
      for (const [line, phrase] of wanted) {
        assert.ok(got.some((e) => e.line === line && e.message.includes(phrase) && e.file === file),
          `${file}: expected line ${line} "${phrase}", got ${JSON.stringify(got.map((e) => `${e.line}: ${e.message}`))}`);
      }
    } finally {
      nb.close();
    }
  }
});
