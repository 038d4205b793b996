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

test('a record in the older format is converted by the engine, and the original kept', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    await page.evaluate(() => {
      localStorage.setItem('kllab:progress:distillation', JSON.stringify({ notebook: 'distillation', answers: { ex8a: '[0.876, 0.118, 0.006]', ex9z: '1' } }));
    });
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator('[name="ex8a"]').inputValue(), '[0.876, 0.118, 0.006]');
    assert.match(await page.locator('body').innerText(), /older version of KL Lab; it has been converted/);
    const keys = await page.evaluate(() => Object.keys(localStorage));
    assert.ok(keys.some((k) => k.startsWith('kllab:progress:distillation:set-aside:')), keys.join(', '));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
