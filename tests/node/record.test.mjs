// The learner's record through the JS API: the engine is its only reader and writer; submit records
// attempts, variants are kept side by side, import is previewed and keeps the previous record, and a
// stored verdict is never trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT } from '../support/reference.mjs';
import { engine } from './support.mjs';

const kl = await engine();
const NOTEBOOK = readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8');
const open = () => kl.loadNotebook(NOTEBOOK, 'distillation.md');

test('submit, hints, solution and reload: the record keeps what the learner did, verdicts are re-checked', () => {
  const nb = open();
  try {
    assert.ok(nb.setLearner({ id: 's-9', name: 'Ada' }).ok);
    const hint = nb.revealHint('ex8b');
    assert.equal(hint.index, 0);
    assert.ok(hint.text.length > 0);
    assert.equal(nb.submit('ex8b', '0.047', { time: '2026-12-01T10:00:00.000Z' }).verdict, 'incorrect');
    assert.equal(nb.submit('ex8b', '0.0252', { time: '2026-12-01T10:01:00.000Z' }).verdict, 'correct');
    const text = nb.recordJson();
    const rec = JSON.parse(text);
    assert.equal(rec.kind, 'kllab-progress');
    assert.equal(rec.learner.id, 's-9');
    const attempts = rec.exercises.ex8.variants['0'].parts.ex8b.attempts;
    assert.deepEqual(attempts.map((a) => [a.answer, a.verdict, a.hints]), [['0.047', 'incorrect', 1], ['0.0252', 'correct', 1]]);
    // A stored verdict edited to "correct" changes nothing: the reload re-checks the answer.
    const forged = text.replace('"answer":"0.0252","time":"2026-12-01T10:01:00.000Z","verdict":"correct"', '"answer":"0.5","time":"2026-12-01T10:01:00.000Z","verdict":"correct"');
    assert.notEqual(forged, text);
    const other = open();
    try {
      assert.deepEqual(other.loadRecord(forged), { ok: true, warnings: [] });
      assert.equal(other.recheck('ex8b').verdict, 'incorrect');
      const st = other.state().exercises.find((e) => e.id === 'ex8').parts.find((p) => p.id === 'ex8b');
      assert.deepEqual([st.checked, st.attempts, st.hints], ['0.5', 2, 1]);
    } finally {
      other.close();
    }
  } finally {
    nb.close();
  }
});

test('variants side by side; import previewed, merged or replacing, the previous record handed back', () => {
  const a = open();
  const b = open();
  try {
    assert.ok(a.submit('ex8b', '0.0252').ok);
    assert.equal(a.setVariant('ex8', 5).seed, 5);
    assert.equal(a.state().exercises.find((e) => e.id === 'ex8').parts.find((p) => p.id === 'ex8b').checked, '');
    assert.ok(a.setVariant('ex8', 0).ok);
    assert.equal(a.state().exercises.find((e) => e.id === 'ex8').parts.find((p) => p.id === 'ex8b').checked, '0.0252');

    assert.ok(b.submit('ex8b2', '0.047').ok);
    const file = b.exportFile({ exported: '2026-12-01T12:00:00.000Z' });
    assert.equal(JSON.parse(file).kind, 'kllab-export');
    const preview = a.previewImport(file);
    assert.equal(preview.partsNew, 1);
    const before = a.recordJson();
    const applied = a.applyImport(file, { merge: true });
    assert.equal(applied.previous, before);
    const parts = JSON.parse(a.recordJson()).exercises.ex8.variants['0'].parts;
    assert.ok(parts.ex8b && parts.ex8b2);
    assert.ok(a.applyImport(file, { merge: false }).ok);
    assert.equal(JSON.parse(a.recordJson()).exercises.ex8.variants['0'].parts.ex8b, undefined);
  } finally {
    a.close();
    b.close();
  }
});

test('records the engine refuses: malformed, foreign, newer, oversized', () => {
  const nb = open();
  try {
    for (const bad of ['{', '[]', '{"kind": "kllab-progress", "schema": 9, "notebook": "distillation"}',
      '{"kind": "kllab-progress", "schema": 2, "notebook": "vae-elbo"}', 'x'.repeat(3e6)]) {
      const r = nb.loadRecord(bad);
      assert.equal(r.ok, false, bad.slice(0, 40));
      assert.equal(r.error.code, 'storage');
    }
    const merged = nb.mergeRecord('{"kind": "kllab-progress", "schema": 2, "notebook": "distillation", "exercises": {"ex8": {"seed": 1.5}}}');
    assert.equal(merged.ok, false);
  } finally {
    nb.close();
  }
});
