// site/src/progress.mjs with fake Storage objects: the storage mechanics the page keeps (keys, setting
// bad records aside, merging two tabs, quota, an injected Storage such as the LMS's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openProgress, keyFor, summarise } from '../../site/src/progress.mjs';

/** A Storage-like object over a Map; `full` makes setItem throw as a full quota does. */
class FakeStorage {
  constructor(entries = {}) {
    this.map = new Map(Object.entries(entries));
    this.full = false;
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    if (this.full) throw Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
  keys() {
    return [...this.map.keys()];
  }
}

const notices = () => {
  const list = [];
  const notify = (message, kind = 'info') => list.push({ message, kind });
  return { list, notify };
};

test('an injected Storage keeps the record under the notebook key; a fresh open reads it back', async () => {
  const storage = new FakeStorage();
  const p = await openProgress('distillation', () => {}, { storage });
  p.part('ex8b').answer = '0.0252';
  p.part('ex8b').checked = '0.0252';
  p.setSeed('ex8', 7);
  assert.equal(p.save(), true);
  const stored = JSON.parse(storage.getItem(keyFor('distillation')));
  assert.equal(stored.parts.ex8b.answer, '0.0252');
  assert.equal(stored.exercises.ex8.seed, 7);
  const again = await openProgress('distillation', () => {}, { storage });
  assert.equal(again.seed('ex8'), 7);
  assert.equal(again.peekPart('ex8b').checked, '0.0252');
});

test('an unreadable record is set aside under its own key, never deleted, and other notebooks are untouched', async () => {
  const storage = new FakeStorage({ [keyFor('distillation')]: '{"schema": 1, "notebook": tru', [keyFor('other')]: '{"keep": "me"}' });
  const { list, notify } = notices();
  const p = await openProgress('distillation', notify, { storage });
  assert.deepEqual(p.record.parts, {});
  const aside = storage.keys().filter((k) => k.startsWith(`${keyFor('distillation')}:set-aside:`));
  assert.equal(aside.length, 1);
  assert.equal(storage.getItem(aside[0]), '{"schema": 1, "notebook": tru');
  assert.equal(storage.getItem(keyFor('other')), '{"keep": "me"}');
  assert.equal(storage.getItem(keyFor('distillation')), null);
  assert.match(list[0].message, /could not be read \(it is not valid JSON\)/);
});

test('a record of another notebook or schema is refused with its reason', async () => {
  for (const [raw, reason] of [
    [{ schema: 1, notebook: 'vae-elbo', exercises: {}, parts: {} }, /belongs to the notebook "vae-elbo"/],
    [{ schema: 9, notebook: 'distillation', exercises: {}, parts: {} }, /schema version 9/],
    [{ schema: 1, notebook: 'distillation', exercises: {}, parts: { a: { verdict: 'great' } } }, /unknown verdict/],
  ]) {
    const storage = new FakeStorage({ [keyFor('distillation')]: JSON.stringify(raw) });
    const { list, notify } = notices();
    await openProgress('distillation', notify, { storage });
    assert.match(list[0].message, reason);
  }
});

test('an older format is converted through the migrate hook (the engine) and the original kept', async () => {
  const storage = new FakeStorage({ [keyFor('distillation')]: '{"old": true}' });
  const { list, notify } = notices();
  const migrate = async (raw) => (JSON.parse(raw).old ? { schema: 1, notebook: 'distillation', updated: null, exercises: {}, parts: { ex8a: { answer: 'x' } } } : null);
  const p = await openProgress('distillation', notify, { storage, migrate });
  assert.equal(p.peekPart('ex8a').answer, 'x');
  assert.match(list[0].message, /older version/);
  assert.ok(storage.keys().some((k) => k.includes(':set-aside:')));
});

test('two tabs: each keeps the parts the other saved', async () => {
  const storage = new FakeStorage();
  const a = await openProgress('distillation', () => {}, { storage });
  const b = await openProgress('distillation', () => {}, { storage });
  a.part('ex8a').answer = 'A';
  a.save();
  b.part('ex8b').answer = 'B';
  b.save();
  a.part('ex8b2').answer = 'C';
  a.save();
  const stored = JSON.parse(storage.getItem(keyFor('distillation')));
  assert.deepEqual(Object.fromEntries(Object.entries(stored.parts).map(([k, v]) => [k, v.answer])), { ex8a: 'A', ex8b: 'B', ex8b2: 'C' });
});

test('a full storage: the page keeps working in memory, and says so once (and again when saving works)', async () => {
  const storage = new FakeStorage();
  const { list, notify } = notices();
  const p = await openProgress('distillation', notify, { storage });
  storage.full = true;
  p.part('ex8b').answer = '1';
  assert.equal(p.save(), false);
  assert.equal(p.save(), false);
  assert.equal(list.filter((n) => /storage is full/.test(n.message)).length, 1);
  assert.equal(p.peekPart('ex8b').answer, '1');
  storage.full = false;
  assert.equal(p.save(), true);
  assert.match(list.at(-1).message, /being saved again/);
});

test('no storage at all (null): a notice, and everything works in memory', async () => {
  const { list, notify } = notices();
  const p = await openProgress('distillation', notify, { storage: null });
  p.part('ex8b').answer = '1';
  assert.equal(p.save(), false);
  assert.match(list[0].message, /will not be kept/);
});

test('import: a file of another notebook, not JSON, or not an export is refused; a good one is read', async () => {
  const p = await openProgress('distillation', () => {}, { storage: new FakeStorage() });
  assert.match(p.parseImport('nope').reason, /not JSON/);
  assert.match(p.parseImport('{"kind": "x"}').reason, /not a KL Lab progress export/);
  assert.match(p.parseImport(JSON.stringify({ kind: 'kllab-progress', schema: 1, notebook: 'vae-elbo', progress: {} })).reason, /not of this one/);
  p.part('ex8b').answer = '1';
  const file = JSON.stringify(p.exportFile());
  const r = p.parseImport(file);
  assert.equal(r.ok, true);
  assert.equal(r.record.parts.ex8b.answer, '1');
});

test('the index summary reads an injected Storage', () => {
  const storage = new FakeStorage({
    [keyFor('d')]: JSON.stringify({ schema: 1, notebook: 'd', exercises: {}, parts: { a: { verdict: 'correct' }, b: { verdict: 'close' }, c: {} } }),
    [keyFor('bad')]: '{',
  });
  assert.deepEqual(summarise('d', storage), { state: 'ok', correct: 1, partial: 1, tried: 2 });
  assert.deepEqual(summarise('bad', storage), { state: 'unreadable' });
  assert.deepEqual(summarise('none', storage), { state: 'none' });
  assert.deepEqual(summarise('x', null), { state: 'unavailable' });
});
