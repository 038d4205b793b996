// The page's side of the learner's record, with fake Storage objects and the real engine behind the
// real engine client (in-process worker): site/src/progress.mjs (storage mechanics: keys, setting bad
// records aside, quota, an injected Storage such as the LMS's) and site/src/record.mjs (the record in
// the engine: loading, migration, merging two tabs before each write, learners kept apart, import,
// parts set aside, a worker restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { keyFor, openStore, summarise, writeSummary, rememberedLearner, rememberLearner } from '../../site/src/progress.mjs';
import { openRecord } from '../../site/src/record.mjs';
import { createEngineClient, handleOf } from '../../site/src/engine-client.mjs';
import { createHost } from '../../site/src/engine-host.mjs';
import { later } from '../../site/src/page.mjs';
import { loadEngine } from '../../bindings/kllab.mjs';
import { nodeFactory } from '../node/support.mjs';
import { ROOT } from '../support/reference.mjs';

const SOURCE = readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8');
const RIGHT = { ex8a: '[0.8756, 0.1185, 0.0059]', ex8b: '0.0252', ex8b2: '0.0470' };

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
  aside(key) {
    return this.keys().filter((k) => k.startsWith(`${key}:set-aside:`));
  }
}

const notices = () => {
  const list = [];
  const notify = (message, kind = 'info') => list.push({ message, kind });
  return { list, notify };
};

/** A Worker stand-in running engine-host.mjs over a fresh engine; `patch` may break a call. */
class FakeWorker extends EventTarget {
  constructor(patch) {
    super();
    this.dead = false;
    this.patch = patch;
    this.host = createHost(loadEngine({ factory: nodeFactory() }), (m) => setTimeout(() => !this.dead && this.dispatchEvent(new MessageEvent('message', { data: structuredClone(m) }))));
  }
  postMessage(m) {
    const msg = structuredClone(m);
    setTimeout(() => {
      if (this.dead) return;
      this.patch?.(this.host.objects, msg);
      this.host.onMessage(msg);
    });
  }
  terminate() {
    this.dead = true;
  }
}

/** The page's view of a notebook in the engine: the client, and the notebook as page.mjs makes it. */
function pageEngine(patches = []) {
  let n = 0;
  const client = createEngineClient({ spawn: () => new FakeWorker(patches[n++]), deadlineMs: 5000 });
  const nb = later(handleOf(client.engine.loadNotebook(SOURCE, 'distillation.md')));
  return { client, nb };
}

function open(storage, o = {}) {
  const { client, nb } = pageEngine(o.patches);
  const { list, notify } = notices();
  const record = openRecord({ nb, notebook: 'distillation', storage, notify, ...o });
  return { client, nb, record, notices: list };
}

// ---- progress.mjs ---------------------------------------------------------------------------------

test('keys: one per notebook and learner; ids cannot forge another key', () => {
  assert.equal(keyFor('distillation'), 'kllab:progress:distillation');
  assert.equal(keyFor('distillation', 's-042'), 'kllab:progress:distillation@s-042');
  assert.notEqual(keyFor('distillation', 'a:set-aside:x'), `${keyFor('distillation', 'a')}:set-aside:x`);
  assert.notEqual(keyFor('distillation', 'a@b'), keyFor('distillation', 'a'));
});

test('a store: unreadable text is set aside under its own key, never deleted, other keys untouched', () => {
  const key = keyFor('distillation');
  const storage = new FakeStorage({ [key]: 'not a record', [keyFor('other')]: '{"keep": "me"}' });
  const { list, notify } = notices();
  const s = openStore(key, { storage, notify });
  assert.equal(s.read(), 'not a record');
  const aside = s.setAside('not a record', 'a reason');
  assert.deepEqual(storage.aside(key), [aside]);
  assert.equal(storage.getItem(aside), 'not a record');
  assert.equal(storage.getItem(key), null);
  assert.equal(storage.getItem(keyFor('other')), '{"keep": "me"}');
  assert.match(list[0].message, /could not be read \(a reason\)/);
});

test('a full storage: the page keeps working in memory, and says so once (and again when saving works)', () => {
  const storage = new FakeStorage();
  const { list, notify } = notices();
  const s = openStore('k', { storage, notify });
  storage.full = true;
  assert.equal(s.write('1'), false);
  assert.equal(s.write('2'), false);
  assert.equal(list.filter((n) => /storage is full/.test(n.message)).length, 1);
  storage.full = false;
  assert.equal(s.write('3'), true);
  assert.match(list.at(-1).message, /being saved again/);
});

test('no storage at all: a notice, and nothing is written', () => {
  const { list, notify } = notices();
  const s = openStore('k', { storage: null, notify });
  // in node there is no localStorage: the same as a browser that refuses it
  assert.equal(s.available, false);
  assert.equal(s.write('x'), false);
  assert.match(list[0].message, /will not be kept/);
});

test('the remembered learner and the index summary: display data only, damaged entries ignored', () => {
  const storage = new FakeStorage({ 'kllab:learner': '{' });
  assert.equal(rememberedLearner(storage), null);
  rememberLearner({ id: 's-1', name: 'Ada' }, storage);
  assert.deepEqual(rememberedLearner(storage), { id: 's-1', name: 'Ada' });
  writeSummary('d', 's-1', { correct: 2, partial: 1, tried: 4, extra: 'x' }, storage);
  assert.deepEqual(summarise('d', 's-1', storage), { state: 'ok', correct: 2, partial: 1, tried: 4 });
  assert.deepEqual(summarise('d', '', storage), { state: 'none' }, 'another learner has no summary');
  assert.deepEqual(summarise('x', '', null), { state: 'unavailable' });
});

// ---- record.mjs, with the engine ---------------------------------------------------------------------

test('a record is written by the engine, not on the check itself, and read back by a fresh page', async () => {
  const storage = new FakeStorage();
  const a = open(storage);
  assert.equal((await a.nb.submit('ex8b', RIGHT.ex8b)).verdict, 'correct');
  a.record.changed();
  assert.equal(storage.getItem(keyFor('distillation')), null, 'nothing written synchronously');
  await a.record.flush();
  assert.equal(typeof storage.getItem(keyFor('distillation')), 'string');
  const b = open(storage);
  await b.record.ready;
  const st = await b.nb.state();
  const ex8b = st.exercises.find((e) => e.id === 'ex8').parts.find((p) => p.id === 'ex8b');
  assert.equal(ex8b.checked, RIGHT.ex8b);
  assert.equal((await b.nb.recheck('ex8b')).verdict, 'correct');
  assert.deepEqual(b.notices, []);
  a.client.terminate();
  b.client.terminate();
});

test('two tabs of one learner: each write merges what the other stored since, so neither loses work', async () => {
  const storage = new FakeStorage();
  const a = open(storage);
  const b = open(storage);
  await Promise.all([a.record.ready, b.record.ready]);
  await a.nb.submit('ex8a', RIGHT.ex8a);
  a.record.changed();
  await a.record.flush();
  await b.nb.submit('ex8b', RIGHT.ex8b); // b loaded before a wrote
  b.record.changed();
  await b.record.flush();
  await a.nb.submit('ex8b2', RIGHT.ex8b2);
  a.record.changed();
  await a.record.flush();
  const c = open(storage);
  await c.record.ready;
  const parts = (await c.nb.state()).exercises.find((e) => e.id === 'ex8').parts;
  for (const [id, answer] of Object.entries(RIGHT)) assert.equal(parts.find((p) => p.id === id).checked, answer, id);
  for (const x of [a, b, c]) x.client.terminate();
});

test('a schema 1 record is converted by the engine; the original is kept aside; stored verdicts are not taken', async () => {
  const key = keyFor('distillation');
  // what the page of schema 1 wrote: a forged verdict on a wrong answer
  const old = JSON.stringify({ schema: 1, notebook: 'distillation', updated: null, exercises: {}, parts: { ex8b: { answer: '0.5', checked: '0.5', verdict: 'correct', score: 1 } } });
  const storage = new FakeStorage({ [key]: old });
  const x = open(storage);
  await x.record.ready;
  assert.equal(x.notices.length, 1);
  assert.match(x.notices[0].message, /converted/);
  const [aside] = storage.aside(key);
  assert.equal(storage.getItem(aside), old);
  assert.ok(x.notices[0].message.includes(aside));
  assert.equal((await x.nb.recheck('ex8b')).verdict, 'incorrect', 'the stored "correct" counts for nothing');
  x.record.changed();
  await x.record.flush();
  assert.notEqual(storage.getItem(key), old, 'the converted record is written');
  x.client.terminate();
});

test('a record the engine refuses is set aside; the page starts fresh', async () => {
  const key = keyFor('distillation');
  for (const bad of ['{"schema": 1, "notebook": tru', JSON.stringify({ kind: 'kllab-progress', schema: 99, notebook: 'distillation' }), JSON.stringify({ schema: 1, notebook: 'vae-elbo', exercises: {}, parts: {} })]) {
    const storage = new FakeStorage({ [key]: bad });
    const x = open(storage);
    await x.record.ready;
    assert.deepEqual(storage.aside(key).map((k) => storage.getItem(k)), [bad]);
    assert.equal(storage.getItem(key), null);
    assert.match(x.notices[0].message, /could not be read/);
    assert.equal((await x.nb.state()).exercises.every((e) => e.parts.every((p) => !p.checked)), true);
    x.client.terminate();
  }
});

test('learners on one browser: separate keys; an anonymous page given a learner hands its work over; switching loads the other record', async () => {
  const storage = new FakeStorage();
  const anon = open(storage);
  await anon.nb.submit('ex8b', RIGHT.ex8b);
  anon.record.changed();
  await anon.record.flush();
  assert.ok(storage.getItem(keyFor('distillation')));
  // the learner names themselves: the work moves to their key, and the anonymous copy goes
  assert.deepEqual(await anon.record.setLearner({ id: 'ada' }), { ok: true, switched: false });
  assert.equal(storage.getItem(keyFor('distillation')), null);
  assert.ok(storage.getItem(keyFor('distillation', 'ada')));
  assert.deepEqual(rememberedLearner(storage), null, 'an injected storage (the LMS) remembers nobody');
  // another learner on the same page: Ada's record saved, Bob's (empty) loaded
  await anon.nb.submit('ex8a', RIGHT.ex8a);
  anon.record.changed();
  assert.deepEqual(await anon.record.setLearner({ id: 'bob' }), { ok: true, switched: true });
  assert.equal((await anon.nb.state()).exercises.find((e) => e.id === 'ex8').parts.every((p) => !p.checked), true, "Bob does not see Ada's work");
  await anon.nb.submit('ex8b2', '1');
  anon.record.changed();
  await anon.record.flush();
  const ada = open(storage, { learner: { id: 'ada' } });
  await ada.record.ready;
  const parts = (await ada.nb.state()).exercises.find((e) => e.id === 'ex8').parts;
  assert.equal(parts.find((p) => p.id === 'ex8a').checked, RIGHT.ex8a);
  assert.equal(parts.find((p) => p.id === 'ex8b2').checked, '', "Bob's answer is not Ada's");
  const exported = JSON.parse(await ada.nb.exportFile());
  assert.equal(exported.learner.id, 'ada');
  for (const x of [anon, ada]) x.client.terminate();
});

test('a stored record of another learner under this learner\'s key is never taken over', async () => {
  const storage = new FakeStorage();
  const bob = open(storage, { learner: { id: 'bob' } });
  await bob.nb.submit('ex8b', RIGHT.ex8b);
  const bobs = await bob.nb.recordJson();
  bob.client.terminate();
  storage.setItem(keyFor('distillation', 'ada'), bobs); // copied by hand under Ada's key
  const ada = open(storage, { learner: { id: 'ada' } });
  await ada.record.ready;
  assert.deepEqual(storage.aside(keyFor('distillation', 'ada')).map((k) => storage.getItem(k)), [bobs]);
  assert.equal((await ada.nb.state()).exercises.find((e) => e.id === 'ex8').parts.find((p) => p.id === 'ex8b').checked, '');
  assert.match(ada.notices[0].message, /bob/);
  ada.client.terminate();
});

test('import: the previous record is kept aside; merge keeps both, replace takes the file', async () => {
  const storage = new FakeStorage();
  const other = open(new FakeStorage());
  await other.nb.submit('ex8b2', RIGHT.ex8b2);
  const file = await other.nb.exportFile();
  other.client.terminate();
  const x = open(storage);
  await x.nb.submit('ex8b', RIGHT.ex8b);
  x.record.changed();
  await x.record.flush();
  const before = storage.getItem(keyFor('distillation'));
  const preview = await x.record.previewImport(file);
  assert.equal(preview.partsNew, 1);
  const merged = await x.record.applyImport(file, { merge: true });
  assert.equal(merged.ok, true);
  assert.equal(storage.getItem(merged.aside), before);
  let parts = (await x.nb.state()).exercises.find((e) => e.id === 'ex8').parts;
  assert.deepEqual([parts.find((p) => p.id === 'ex8b').checked, parts.find((p) => p.id === 'ex8b2').checked], [RIGHT.ex8b, RIGHT.ex8b2]);
  const replaced = await x.record.applyImport(file, { merge: false });
  assert.equal(replaced.ok, true);
  parts = (await x.nb.state()).exercises.find((e) => e.id === 'ex8').parts;
  assert.deepEqual([parts.find((p) => p.id === 'ex8b').checked, parts.find((p) => p.id === 'ex8b2').checked], ['', RIGHT.ex8b2]);
  // stored after the import (not merged back with what was stored before it)
  const y = open(storage);
  await y.record.ready;
  assert.equal((await y.nb.state()).exercises.find((e) => e.id === 'ex8').parts.find((p) => p.id === 'ex8b').checked, '');
  for (const z of [x, y]) z.client.terminate();
});

test('a part set aside: the record as it was goes aside in storage, the engine forgets that part only', async () => {
  const storage = new FakeStorage();
  const x = open(storage);
  await x.nb.submit('ex8a', RIGHT.ex8a);
  await x.nb.submit('ex8b', RIGHT.ex8b);
  const aside = await x.record.setAsidePart('ex8b');
  assert.ok(aside);
  const kept = open(new FakeStorage({ [keyFor('distillation')]: storage.getItem(aside) }));
  await kept.record.ready;
  assert.equal((await kept.nb.state()).exercises.find((e) => e.id === 'ex8').parts.find((p) => p.id === 'ex8b').checked, RIGHT.ex8b, 'the copy has the part');
  const parts = (await x.nb.state()).exercises.find((e) => e.id === 'ex8').parts;
  assert.equal(parts.find((p) => p.id === 'ex8b').checked, '');
  assert.equal(parts.find((p) => p.id === 'ex8a').checked, RIGHT.ex8a);
  for (const z of [x, kept]) z.client.terminate();
});

test('a worker restart keeps the record: the snapshot and every change after it are replayed', async () => {
  const crashRecheck = (objects, msg) => {
    if (msg.method !== 'recheck') return;
    objects.get(msg.target).recheck = () => {
      throw new WebAssembly.RuntimeError('memory access out of bounds');
    };
  };
  const storage = new FakeStorage();
  const x = open(storage, { learner: { id: 'ada' }, patches: [crashRecheck] });
  await x.nb.submit('ex8a', RIGHT.ex8a);
  x.record.changed();
  await x.record.flush(); // a snapshot (recordJson)
  await x.nb.submit('ex8b', RIGHT.ex8b); // after it
  await x.nb.revealHint('ex8b2');
  const v = await x.nb.recheck('ex8a'); // kills the first worker
  assert.equal(v.ok, false);
  const st = (await x.nb.state()).exercises.find((e) => e.id === 'ex8').parts;
  assert.deepEqual(
    st.filter((p) => p.checked || p.hints).map((p) => [p.id, p.checked, p.hints]),
    [['ex8a', RIGHT.ex8a, 0], ['ex8b', RIGHT.ex8b, 0], ['ex8b2', '', 1]],
  );
  assert.equal(JSON.parse(await x.nb.exportFile()).learner.id, 'ada', 'the learner too');
  assert.equal((await x.nb.recheck('ex8b')).verdict, 'correct');
  x.client.terminate();
});
