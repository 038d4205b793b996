// The page says when it is loading its engine and when it is ready (site/src/engine-status.mjs): while
// the engine's wasm has not arrived (held back here), the status line says so and stays in view, the
// boxes take typing and the preview says it waits for the engine; once the engine is ready the line says
// that, in a polite status region.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, axe, WAIT } from './support.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => env?.stop());

test('before the engine: "loading", in view wherever the learner is; then "ready"', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    let release;
    const held = new Promise((r) => (release = r));
    // the worker asks for the wasm once it has started, which can trail the page on a busy machine
    let asked;
    const askedP = new Promise((r) => (asked = r));
    await context.route('**/kllab-engine.wasm', async (route) => {
      asked();
      await held;
      await route.continue();
    });
    await page.goto(`${env.base}distillation.html`);
    await page.waitForFunction(() => document.querySelector('#in-ex8b') && !document.querySelector('#in-ex8b').disabled);
    const status = page.locator('#kl-engine-status');
    assert.equal(await status.getAttribute('data-state'), 'loading');
    assert.equal(await status.getAttribute('role'), 'status');
    assert.match(await status.textContent(), /^Loading the engine that checks your answers/);
    assert.notEqual(await page.evaluate(() => document.documentElement.dataset.ready), 'true');

    // far down the page the line is still in view (it sticks to the top of the window)
    await page.locator('#ex8b').scrollIntoViewIfNeeded();
    const box = await status.boundingBox();
    assert.ok(box && box.y >= -1 && box.y < 5, `the status line at y=${box?.y}`);

    // typing works, and the preview says what it waits for
    await page.locator('#in-ex8b').fill('0.5*ln(2)');
    await page.waitForFunction(() => /once the engine has loaded/.test(document.getElementById('pv-ex8b').textContent));
    assert.deepEqual(await axe(page), []);

    // the engine was held back (else the page was never waiting for it)
    let timer;
    await Promise.race([askedP, new Promise((_, no) => (timer = setTimeout(() => no(new Error('the wasm was never asked for')), WAIT)))]);
    clearTimeout(timer);
    release();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    assert.equal(await status.getAttribute('data-state'), 'ready');
    assert.match(await status.textContent(), /^Ready: your answers are checked here, in your browser\.$/);
    // and the preview waiting for it arrives
    await page.waitForFunction(() => document.getElementById('pv-ex8b').dataset.state === 'readable');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
