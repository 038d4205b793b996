// Storage written by two tabs at once (issue 8): each tab's answers survive the other's saves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, waitReady } from './support.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => {
  await env?.stop();
});

async function answer(page, part, text) {
  const box = page.locator(`[data-part="${part}"]`);
  await box.locator(`[name="${part}"]`).fill(text);
  await box.getByRole('button', { name: /check/i }).first().click();
  await page.waitForFunction((id) => !!document.querySelector(`[data-part="${id}"]`)?.dataset.verdict, part);
}

test('two tabs of one notebook: neither loses the answers the other saved', async () => {
  const { context, page: a, problems } = await openPage(env, 'distillation.html');
  try {
    const b = await context.newPage();
    await b.goto(`${env.base}distillation.html`);
    await waitReady(b);
    // Interleaved: A answers ex8a, B (which loaded before that) answers ex8b, then A answers ex8b2.
    await answer(a, 'ex8a', '[0.876, 0.118, 0.006]');
    await answer(b, 'ex8b', '0.0252');
    await answer(a, 'ex8b2', '0.0470');
    const stored = JSON.parse(await a.evaluate(() => localStorage.getItem('kllab:progress:distillation')));
    assert.equal(stored.parts.ex8a.answer, '[0.876, 0.118, 0.006]');
    assert.equal(stored.parts.ex8b.answer, '0.0252');
    assert.equal(stored.parts.ex8b2.answer, '0.0470');
    // A fresh load shows all three.
    const c = await context.newPage();
    await c.goto(`${env.base}distillation.html`);
    await waitReady(c);
    for (const [part, value] of [['ex8a', '[0.876, 0.118, 0.006]'], ['ex8b', '0.0252'], ['ex8b2', '0.0470']]) {
      assert.equal(await c.locator(`[name="${part}"]`).inputValue(), value, part);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
