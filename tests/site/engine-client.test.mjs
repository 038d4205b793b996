// The engine client (site/src/engine-client.mjs) against the real worker protocol (engine-host.mjs)
// and the real engine (node flavour), in-process: a fake Worker passes structured clones through
// timers, as a real one does. Failures are simulated by patching the engine objects inside a "worker".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createEngineClient, failureResult, REPLAY } from '../../site/src/engine-client.mjs';
import { createHost } from '../../site/src/engine-host.mjs';
import { Notebook } from '../../bindings/kllab.mjs';
import { engine, nodeFactory } from '../node/support.mjs';
import { loadEngine } from '../../bindings/kllab.mjs';
import { ROOT } from '../support/reference.mjs';

const SOURCE = readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8');

/** A Worker stand-in that runs engine-host.mjs with a fresh engine instance. */
class FakeWorker extends EventTarget {
  constructor({ patch, drop, fail } = {}) {
    super();
    this.dead = false;
    const ready = fail ? Promise.reject(new Error(fail)) : loadEngine({ factory: nodeFactory() });
    this.host = createHost(ready, (m) => setTimeout(() => !this.dead && this.dispatchEvent(new MessageEvent('message', { data: structuredClone(m) }))));
    this.patch = patch;
    this.drop = drop;
  }

  postMessage(m) {
    if (this.dead) return;
    const msg = structuredClone(m);
    setTimeout(() => {
      if (this.dead) return;
      if (this.drop?.(msg)) return; // a hang: never answers
      this.patch?.(this.host.objects, msg);
      this.host.onMessage(msg);
    });
  }

  terminate() {
    this.dead = true;
  }
}

function client(workers, options = {}) {
  const spawned = [];
  const events = [];
  const c = createEngineClient({
    spawn: () => {
      const w = new FakeWorker(workers[spawned.length] ?? {});
      spawned.push(w);
      return w;
    },
    onEvent: (e) => events.push(e),
    deadlineMs: 2000,
    ...options,
  });
  return { c, spawned, events };
}

const crashOn = (method) => (objects, msg) => {
  if (msg.method !== method) return;
  const o = objects.get(msg.target);
  o[method] = () => {
    throw new WebAssembly.RuntimeError('memory access out of bounds');
  };
};

test('generic calls: the API through the worker, results as structured clones, handles as proxies', async () => {
  const { c } = client([]);
  const limits = await c.ready;
  assert.equal(typeof limits.answerLength, 'number');
  const r = await c.engine.evaluate('kl([0.5, 0.5], [0.7, 0.3])');
  assert.equal(r.ok, true);
  assert.equal(r.text.slice(0, 8), '0.087176');
  const v = await c.engine.evaluate('[1, 2]');
  assert.ok(v.value instanceof Float64Array);
  const nb = await c.engine.loadNotebook(SOURCE, 'distillation.md');
  assert.equal(typeof nb.$handle, 'number');
  assert.deepEqual(await nb.errors(), []);
  assert.equal((await nb.check('ex8b', '0.0252')).verdict, 'correct');
  // an unknown method is the caller's mistake: the promise rejects
  await assert.rejects(nb.noSuchMethod(), /no method noSuchMethod/);
  await nb.close();
  await assert.rejects(nb.errors(), /no engine object/);
  c.terminate();
});

test('a failed call gets the same shape as its normal result', async () => {
  const kl = await engine();
  const nb = kl.loadNotebook(SOURCE, 'distillation.md');
  const real = nb.check('ex8b', '0.0252');
  nb.close();
  const failed = failureResult('check', 'x');
  // the API's failure shape, with every field of a verdict (an `invalid` one)
  assert.deepEqual(Object.keys(failed).sort(), [...Object.keys(real), 'error'].sort());
  assert.equal(failed.ok, false);
  assert.equal(failed.error.message, 'x');
  assert.equal(failed.verdict, 'invalid');
  assert.deepEqual(Object.keys(failureResult('editCell', 'x')).sort(), ['error', 'ok']);
});

test('every method REPLAY lists is a method of the API (or of the planned engine-owned record)', () => {
  const PLANNED = [];
  for (const m of Object.keys(REPLAY)) assert.ok(typeof Notebook.prototype[m] === 'function' || PLANNED.includes(m), m);
});

test('a crash: the call gets an invalid verdict, a fresh worker replays the notebook, edits and sliders, the next call works', async () => {
  const replayed = [];
  const { c, spawned, events } = client([{ patch: crashOn('check') }, { patch: (objects, msg) => replayed.push(msg.method) }]);
  const nb = await c.engine.loadNotebook(SOURCE, 'distillation.md');
  await nb.runAll();
  assert.equal((await nb.editCell('scratch', 'answer = 6 * 7')).ok, true);
  assert.equal((await nb.editCell('scratch', 'answer = 6 * 8')).ok, true);
  assert.equal((await nb.setSlider('tau', 3)).ok, true);
  const v = await nb.check('ex8b', '0.0252');
  assert.equal(v.verdict, 'invalid');
  assert.match(v.feedback, /failed inside the engine/);
  assert.deepEqual(events.map((e) => e.type), ['restarted']);
  assert.equal(spawned.length, 2);
  assert.equal(spawned[0].dead, true);
  // the same proxy works in the new worker, with the learner's state
  assert.equal((await nb.check('ex8b', '0.0252')).verdict, 'correct');
  const values = Object.fromEntries((await nb.runAll()).flatMap((r) => r.values.map((x) => [x.name, x.text])));
  assert.equal(values.answer, '48');
  assert.equal(values.tau, '3');
  // the replay was the notebook, runAll, the latest source of the cell and the slider: not every call
  assert.deepEqual(replayed.slice(0, 4), ['loadNotebook', 'runAll', 'editCell', 'setSlider']);
  assert.equal(replayed[4], 'check');
  assert.equal(spawned[1].host.objects.size, 2, 'the engine and the notebook');
  c.terminate();
});

test('a hang: the watchdog answers the call and replaces the worker; calls that were waiting run on the new one', async () => {
  const hang = (m) => (m.method === 'check' && m.args[1] === 'hang') || (m.method === 'editCell' && m.args[1] === 'hang');
  const { c, events } = client([{ drop: hang }, { drop: hang }, {}], { deadlineMs: 100 });
  const nb = await c.engine.loadNotebook(SOURCE, 'distillation.md');
  const [hung, next] = await Promise.all([nb.check('ex8b', 'hang'), nb.check('ex8b', '0.0252')]);
  assert.equal(hung.verdict, 'invalid');
  assert.match(hung.feedback, /took too long/);
  assert.equal(next.verdict, 'correct');
  // a call that is not a check gets {ok: false, error}
  const r = await nb.editCell('scratch', 'hang');
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'too_large');
  assert.match(r.error.message, /took too long/);
  assert.equal((await nb.editCell('scratch', '1 + 1')).ok, true);
  assert.deepEqual(events.map((e) => e.type), ['restarted', 'restarted']);
  c.terminate();
});

test('a replay that fails drops the cell edits (the learner is told) and reloads the notebook alone', async () => {
  const { c, events, spawned } = client([{ patch: crashOn('check') }, { patch: crashOn('editCell') }, {}]);
  const nb = await c.engine.loadNotebook(SOURCE, 'distillation.md');
  await nb.editCell('scratch', 'answer = 6 * 7');
  assert.equal((await nb.check('ex8b', '0.0252')).verdict, 'invalid');
  assert.equal((await nb.check('ex8b', '0.0252')).verdict, 'correct');
  assert.deepEqual(events.map((e) => e.type), ['restarted', 'reset']);
  assert.equal(spawned.length, 3);
  const values = Object.fromEntries((await nb.runAll()).flatMap((r) => r.values.map((x) => [x.name, x.text])));
  assert.equal(values.answer, undefined, 'the edit is gone');
  c.terminate();
});

test('an engine that cannot start: ready rejects, every call gets a failure result, nothing hangs', async () => {
  const { c, events } = client([{ fail: 'CompileError: wasm blocked' }]);
  await assert.rejects(c.ready, /could not start: CompileError/);
  assert.equal(c.state, 'dead');
  assert.equal((await c.engine.evaluate('1')).ok, false);
  assert.equal((await c.engine.loadNotebook(SOURCE)).ok, false);
  assert.deepEqual(events.map((e) => e.type), ['dead']);
});

test('many hostile answers in a row do not kill the page: each restart consumes its call', async () => {
  const crashBad = (objects, msg) => {
    if (msg.method === 'check' && msg.args[1] === 'bad') {
      objects.get(msg.target).check = () => {
        throw new WebAssembly.RuntimeError('unreachable');
      };
    }
  };
  const { c, events } = client(Array(12).fill({ patch: crashBad }));
  const nb = await c.engine.loadNotebook(SOURCE, 'distillation.md');
  for (let i = 0; i < 10; i++) {
    assert.equal((await nb.check('ex8b', 'bad')).verdict, 'invalid');
    assert.equal((await nb.check('ex8b', '0.0252')).verdict, 'correct');
  }
  assert.equal(events.filter((e) => e.type === 'restarted').length, 10);
  assert.equal(c.state, 'ready');
  c.terminate();
});

test('the record group (issue 12): changes append, a snapshot (recordJson) collapses them into loadRecord', async () => {
  // a stand-in engine object with the planned record API, to pin the journal's rules
  const log = [];
  const fakeNotebook = () => ({
    state: [],
    loadRecord(json) {
      log.push(['loadRecord', json]);
      this.state = JSON.parse(json);
      return { ok: true, warnings: [] };
    },
    submit(part, answer) {
      log.push(['submit', part]);
      this.state.push(part);
      return { verdict: 'correct', score: 1 };
    },
    recordJson() {
      return JSON.stringify(this.state);
    },
    check() {
      throw new WebAssembly.RuntimeError('boom');
    },
    close() {},
  });
  const fakeWorker = () => {
    const w = new EventTarget();
    const host = createHost(Promise.resolve({ limits: () => ({}), open: () => fakeNotebook() }), (m) => setTimeout(() => w.dispatchEvent(new MessageEvent('message', { data: m }))));
    w.postMessage = (m) => setTimeout(() => host.onMessage(structuredClone(m)));
    w.terminate = () => {};
    return w;
  };
  const c = createEngineClient({ spawn: fakeWorker, deadlineMs: 1000 });
  const nb = await c.engine.open();
  await nb.submit('a', '1');
  assert.equal(await nb.recordJson(), '["a"]');
  await nb.submit('b', '2');
  log.length = 0;
  assert.equal((await nb.check('x', 'y')).verdict, 'invalid');
  // replayed: the snapshot, then what came after it
  await nb.recordJson();
  assert.deepEqual(log, [['loadRecord', '["a"]'], ['submit', 'b']]);
  assert.equal(await nb.recordJson(), '["a","b"]');
  c.terminate();
});

test('the page tells the learner once about restarts, and about dropped edits and a dead engine', async () => {
  const { engineNotices, later } = await import('../../site/src/page.mjs');
  const listeners = new Set();
  const fakeClient = { subscribe: (f) => (listeners.add(f), () => listeners.delete(f)) };
  const told = [];
  const failed = [];
  engineNotices(fakeClient, (m) => told.push(m), (m) => failed.push(m));
  const send = (e) => listeners.forEach((f) => f(e));
  send({ type: 'restarted', reason: 'crash' });
  send({ type: 'restarted', reason: 'deadline' });
  assert.equal(told.length, 1);
  assert.match(told[0], /engine restarted/);
  send({ type: 'reset' });
  assert.match(told[1], /edits to the code cells could not be restored/);
  send({ type: 'dead', reason: 'gone' });
  assert.deepEqual(failed, ['gone']);
  // later(): calls wait for the object, then go to it
  let resolve;
  const nb = later(new Promise((r) => (resolve = r)));
  const pending = nb.check('a', 'b');
  resolve({ check: async (p, a) => `${p}:${a}` });
  assert.equal(await pending, 'a:b');
  assert.equal(nb.then, undefined, 'not a thenable');
});
