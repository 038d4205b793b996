// Hostile input in the real page (issue 11). Nothing here measures time: it asserts verdicts, messages,
// and that the same page then checks a right answer. Answers are pasted as a learner pastes them (the
// input's maxlength, the engine's answer limit, applies). The engine works in a Web Worker: a test
// proves that the page's main thread never compiles wasm, and that a failing or hanging engine is
// replaced (the learner told once) with the notebook, the cell edits and the slider values replayed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, goto, waitReady, clickCheck } from './support.mjs';
import { engine } from '../node/support.mjs';

let env, limits;
before(async () => {
  [env, limits] = await Promise.all([launch(), engine().then((kl) => kl.limits())]);
});
after(async () => {
  await env?.stop();
});

/** Pastes text into a field from the clipboard (Ctrl+V), as a learner would. */
async function paste(page, field, text) {
  await field.fill('');
  await field.focus();
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('Control+V');
}

async function checkPart(page, id) {
  await clickCheck(page.locator(`[data-part="${id}"] button[data-action="check"]`));
  await page.waitForFunction((x) => {
    const el = document.querySelector(`[data-part="${x}"]`);
    return el.dataset.verdict && !el.hasAttribute('aria-busy');
  }, id);
  return page.locator(`[data-part="${id}"]`).getAttribute('data-verdict');
}

const feedback = (page, id) => page.locator(`#fb-${id}`).innerText();
// The engine's own message, or the worker's when the computation had to be stopped.
const STOPPED = 'failed inside the engine|took too long';

/** As many terms joined by `op` as fit in the answer limit. */
const chain = (op, term = '1') => Array(Math.floor((limits.answerLength + op.length) / (term.length + op.length))).fill(term).join(op);

// [answer, expected message]: every one gets an `invalid` verdict.
const hostile = () => [
  ['9^9^9^9', /overflow/],
  ['zeros(1e12)', /limit/],
  ['1/0', /division by zero/],
  ['kl([0.5, 0.5], [0.2, 0.3, 0.5])', /single number|entries/],
  // 4,000 nested brackets, inside the answer limit
  ['('.repeat(4000) + '1' + ')'.repeat(4000), /nested too deeply/],
  // chains of every binary operator and of indexes (trees as tall as the answer is long)
  ...['+', '-', '*', '/', '^', '@', ' and ', ' or ', '<'].map((op) => [chain(op), new RegExp(`too deep|too large|too long|${STOPPED}|type|boolean|matrix|overflow|unexpected`)]),
  [`[1]${chain('', '[1]')}`.slice(0, limits.answerLength), new RegExp(`too deep|too large|index|${STOPPED}`)],
  ['abs('.repeat(150) + '1' + ')'.repeat(150), /./, /invalid|incorrect/],
  // heavy work in few characters
  ['sum(eye(2236)@eye(2236))', new RegExp(`too large|limit|${STOPPED}`)],
  // (until the engine charges O(n^3) work, this one may be computed: then it is simply incorrect)
  ['kl_mvn(zeros(1000), eye(1000), ones(1000), 2 * eye(1000))', new RegExp(`too large|limit|${STOPPED}|Not correct`), /invalid|incorrect/],
];

test('hostile answers, pasted: invalid verdicts with their messages, shown as text; then a right answer is right', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    // work the engine does not stop by itself is stopped by the page's watchdog (shortened here)
    await context.addInitScript(() => {
      window.KLLAB_ENGINE_DEADLINE_MS = 5000;
    });
    await goto(page, `${env.base}distillation.html`);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const input = page.locator('[name="ex8b"]');
    assert.equal(Number(await input.getAttribute('maxlength')), limits.answerLength);
    for (const [answer, message, verdicts = /^invalid$/] of hostile()) {
      await paste(page, input, answer);
      assert.ok((await input.inputValue()) === answer, `${answer.slice(0, 30)}…: pasted whole (within the limit)`);
      const verdict = await checkPart(page, 'ex8b');
      const fb = await feedback(page, 'ex8b');
      if (!verdicts.test(verdict)) assert.fail(`${answer.slice(0, 30)}…: ${verdict}: ${fb.slice(0, 200)}`);
      assert.match(fb, message, `${answer.slice(0, 30)}: ${fb.slice(0, 200)}`);
    }
    // a 10 MB paste is cut at the limit by the input itself: the engine sees at most answerLength characters
    await paste(page, input, '1'.repeat(10 * 1024 * 1024));
    assert.equal((await input.inputValue()).length, limits.answerLength);
    assert.match(await checkPart(page, 'ex8b'), /invalid|incorrect/);
    // after all of them, the same page checks a right answer
    await input.fill('0.0252');
    assert.equal(await checkPart(page, 'ex8b'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('learner text in code cells and their errors is shown as text, never as HTML', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    const hostile = '<img src=x onerror=alert(1)>';
    await page.locator('#src-scratch').fill(`s = "${hostile}"\n${hostile}`);
    await page.locator('.kl-code[data-cell="scratch"] [data-action="run"]').click();
    const out = page.locator('.kl-code[data-cell="scratch"] [data-output]');
    await page.waitForFunction((sel) => /img src=x/.test(document.querySelector(sel).textContent), '.kl-code[data-cell="scratch"] [data-output]');
    assert.equal(await out.locator('img').count(), 0, 'no <img> was created from the cell value or its error');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('no engine work on the main thread: wasm is compiled only in the worker, and checks, edits and plots work', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    // In the page's main world (not in workers), count every way of compiling or instantiating wasm.
    await context.addInitScript(() => {
      const calls = (window.__wasmCalls = []);
      const W = WebAssembly;
      for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming', 'validate']) {
        const f = W[name];
        W[name] = function (...args) {
          calls.push(name);
          return f.apply(this, args);
        };
      }
      for (const name of ['Module', 'Instance']) {
        const C = W[name];
        W[name] = new Proxy(C, {
          construct(target, args) {
            calls.push(name);
            return Reflect.construct(target, args);
          },
        });
      }
    });
    await goto(page, `${env.base}distillation.html`);
    await page.locator('[name="ex8b"]').fill('0.0252');
    assert.equal(await checkPart(page, 'ex8b'), 'correct');
    // a cell edit re-runs its dependents; a slider redraws its plot
    const out = page.locator('.kl-code[data-cell="scratch"] [data-output]');
    await page.locator('#src-scratch').fill('answer = 6 * 7');
    await page.locator('.kl-code[data-cell="scratch"] [data-action="run"]').click();
    await page.waitForFunction((sel) => /answer = 42/.test(document.querySelector(sel).textContent), '.kl-code[data-cell="scratch"] [data-output]');
    assert.match(await out.textContent(), /answer = 42/);
    const soft = () => page.locator('.kl-code[data-cell="soft-labels"] [data-output]').textContent();
    const before = await soft();
    await page.locator('#range-tau').focus();
    await page.keyboard.press('End');
    await page.waitForFunction((b) => document.querySelector('.kl-code[data-cell="soft-labels"] [data-output]').textContent !== b, before);
    // a plot redrawn by the engine at a new width (a version past the one drawn before the resize)
    const version = await page.evaluate(() => Number(document.querySelector('[data-plot="entropy-vs-tau"]').dataset.version || 0));
    await page.setViewportSize({ width: 600, height: 900 });
    await page.waitForFunction((v) => Number(document.querySelector('[data-plot="entropy-vs-tau"]').dataset.version) > v, version);

    assert.deepEqual(await page.evaluate(() => window.__wasmCalls), [], 'the main thread compiled or instantiated no wasm');
    // the engine is in the page's one worker
    const workers = page.workers();
    assert.equal(workers.length, 1);
    assert.match(workers[0].url(), /kllab-worker\.js$/);
    assert.equal(await workers[0].evaluate(() => typeof self.__kllab.objects.get(0).evaluate), 'function');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

/** Makes the next check (a submit: checked and recorded) of the notebook inside the page's engine worker crash or hang. */
async function breakWorker(page, how) {
  const [w] = page.workers();
  await w.evaluate((mode) => {
    const nb = [...self.__kllab.objects.values()].find((o) => o && typeof o.submit === 'function' && typeof o.editCell === 'function');
    nb.submit = () => {
      if (mode === 'crash') throw new WebAssembly.RuntimeError('memory access out of bounds');
      for (;;);
    };
  }, how);
}

test('a failing engine is replaced: a crash and a hang each get an invalid verdict, the learner is told once, edits are replayed', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    // a short watchdog for this page (the default is generous)
    await context.addInitScript(() => {
      window.KLLAB_ENGINE_DEADLINE_MS = 3000;
    });
    await goto(page, `${env.base}distillation.html`);
    // the learner's state: a cell edit and a slider value
    await page.locator('#src-scratch').fill('answer = 6 * 7');
    await page.locator('.kl-code[data-cell="scratch"] [data-action="run"]').click();
    await page.waitForFunction(() => /answer = 42/.test(document.querySelector('.kl-code[data-cell="scratch"] [data-output]').textContent));
    await page.locator('#range-tau').focus();
    await page.keyboard.press('End');
    const tau = await page.locator('#range-tau').inputValue();
    await page.waitForFunction((t) => document.getElementById('val-tau').textContent.endsWith(`= ${t}`), tau);
    const firstWorker = page.workers()[0];

    // 1. the instance breaks (as "memory access out of bounds" did) on the next check
    await breakWorker(page, 'crash');
    await page.locator('[name="ex8b"]').fill('0.0252');
    assert.equal(await checkPart(page, 'ex8b'), 'invalid');
    assert.match(await feedback(page, 'ex8b'), /failed inside the engine/);
    await page.waitForFunction(() => /engine restarted/.test(document.getElementById('kl-notices').textContent));
    // the next check works, in a fresh worker that has the learner's edit and slider value
    assert.equal(await checkPart(page, 'ex8b'), 'correct');
    const [second] = page.workers();
    assert.notEqual(second, firstWorker);
    // the new worker's notebook runs the edited cell and has the slider's value
    const state = await second.evaluate(() => {
      const nb = [...self.__kllab.objects.values()].find((o) => o && typeof o.editCell === 'function');
      const values = Object.fromEntries(nb.runAll().flatMap((r) => r.values.map((v) => [v.name, v.text])));
      return { answer: values.answer, tau: values.tau };
    });
    assert.deepEqual(state, { answer: '42', tau });

    // 2. the engine hangs: the watchdog stops it
    await breakWorker(page, 'hang');
    await page.locator('[name="ex8b2"]').fill('0.047');
    assert.equal(await checkPart(page, 'ex8b2'), 'invalid');
    assert.match(await feedback(page, 'ex8b2'), /took too long/);
    assert.equal(await checkPart(page, 'ex8b2'), 'correct');

    // told once, however many restarts
    const notices = await page.locator('#kl-notices .kl-notice').allTextContents();
    assert.equal(notices.filter((n) => /engine restarted/.test(n)).length, 1, notices.join(' | '));
    assert.equal(await page.evaluate(() => document.documentElement.dataset.ready), 'true');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a poisoned progress record never stops the page: the bad part gets its verdict or is set aside with a notice, the rest is restored', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    const chain = Array(2500).fill('1').join('+');
    await page.evaluate((c) => {
      localStorage.setItem(
        'kllab:progress:distillation',
        JSON.stringify({
          schema: 1,
          notebook: 'distillation',
          updated: null,
          exercises: {},
          parts: { ex8b: { answer: c, checked: c, verdict: 'correct', score: 1 }, ex8b2: { answer: '0.0470', checked: '0.0470', verdict: 'correct', score: 1 } },
        }),
      );
    }, chain);
    await page.reload();
    await waitReady(page);
    // the stored "correct" is not trusted: the chain is re-checked and is not correct, or (when its
    // re-check stops the engine) it is set aside with a notice
    await page.waitForFunction(
      () => document.querySelector('[data-part="ex8b2"]').dataset.verdict && (document.querySelector('[data-part="ex8b"]').dataset.verdict || /answer to ex8b could not be checked again/.test(document.getElementById('kl-notices').textContent)),
    );
    assert.notEqual(await page.locator('[data-part="ex8b"]').getAttribute('data-verdict'), 'correct');
    assert.equal(await page.locator('[data-part="ex8b2"]').getAttribute('data-verdict'), 'correct');
    await page.locator('[name="ex8b"]').fill('0.0252');
    assert.equal(await checkPart(page, 'ex8b'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an engine that cannot start: the page says so, keeps its text and numbers, and a check never hangs', async () => {
  const { context, page } = await openPage(env, null);
  try {
    await context.route(/kllab-engine\.wasm$/, (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(`${env.base}distillation.html`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'error');
    assert.match(await page.locator('#kl-engine-status').textContent(), /could not start/);
    assert.match(await page.locator('#ex8 [data-t="intro"]').textContent(), /0\.0252|3, 1/);
    await page.locator('[name="ex8b"]').fill('0.0252');
    assert.equal(await checkPart(page, 'ex8b'), 'invalid');
    assert.match(await feedback(page, 'ex8b'), /could not start/);
  } finally {
    await context.close();
  }
});
