// Storage in the real page, once (the mechanics are unit-tested in tests/site/progress.test.mjs): two
// tabs at once keep each other's answers; a corrupted record is set aside; an older format converted;
// a hostile answer stays text.
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
  await page.waitForFunction((id) => {
    const el = document.querySelector(`[data-part="${id}"]`);
    return !!el?.dataset.verdict && !el.hasAttribute('aria-busy');
  }, part);
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

test('a corrupted record is set aside with a notice, other notebooks untouched; a hostile answer stays text', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    const key = 'kllab:progress:distillation';
    const other = 'kllab:progress:some-other-notebook';
    await page.evaluate(([k, o]) => {
      localStorage.setItem(k, '{"schema": 1, "notebook": tru');
      localStorage.setItem(o, '{"keep": "me"}');
    }, [key, other]);
    await page.reload();
    await waitReady(page);
    assert.match(await page.locator('#kl-notices').textContent(), /could not be read/);
    const stored = await page.evaluate(([k, o]) => {
      const aside = Object.keys(localStorage).filter((x) => x.startsWith(`${k}:set-aside:`));
      return { aside: aside.map((x) => localStorage.getItem(x)), other: localStorage.getItem(o), main: localStorage.getItem(k) };
    }, [key, other]);
    assert.deepEqual(stored.aside, ['{"schema": 1, "notebook": tru']);
    assert.equal(stored.other, '{"keep": "me"}');
    assert.equal(stored.main, null);
    assert.equal(await page.locator('[data-verdict]').count(), 0, 'a fresh start');
    // a hostile answer is text, never markup, and the page still works
    const hostile = '<img src=x onerror=alert(1)>';
    await answer(page, 'ex8b', hostile);
    const part = page.locator('[data-part="ex8b"]');
    assert.equal(await part.getAttribute('data-verdict'), 'invalid');
    assert.equal(await part.locator('img').count(), 0);
    assert.ok((await part.locator('.kl-feedback').textContent()).includes(hostile));
    assert.equal(await page.locator('[name="ex8b"]').getAttribute('aria-invalid'), 'true');
    await answer(page, 'ex8b', '0.0252');
    assert.equal(await part.getAttribute('data-verdict'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
