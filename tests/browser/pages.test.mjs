// Every page the site serves, under its strict Content-Security-Policy header: zero violations (the
// support guards listen for `securitypolicyviolation` in every frame and for CSP console messages), and
// zero axe-core violations, in light and dark, with feedback, hints and a solution on screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { CSP } from '../../site/tools/serve.mjs';
import { launch, openPage, waitReady, axe, ROOT } from './support.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => env?.stop());

const PAGES = [
  'index.html',
  'kl-foundations.html',
  'distillation.html',
  'vae-elbo.html',
  'diffusion-kl.html',
  'kl-at-work.html',
  'example-course.html',
  'embed.html?notebook=vae-elbo&exercise=ex6',
  'embed.html?notebook=vae-elbo',
];

async function settled(page) {
  await waitReady(page);
  await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise, kl-notebook')].every((e) => e.dataset.ready === 'true'), null, { timeout: 20000 });
  for (const f of page.frames().slice(1)) await f.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 20000 });
}

// Dark mode changes colours only: its pass covers one page of each kind.
const DARK = ['index.html', 'distillation.html', 'example-course.html', 'embed.html?notebook=distillation'];

for (const scheme of ['light', 'dark']) {
  test(`every page, ${scheme}: the strict CSP header, zero CSP violations, zero axe violations`, async (t) => {
    const { context, page, problems } = await openPage(env, null, { colorScheme: scheme });
    try {
      for (const path of scheme === 'dark' ? DARK : PAGES) {
        const response = await page.goto(env.base + path);
        assert.equal(response.headers()['content-security-policy'], CSP, path);
        assert.equal(CSP, "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'");
        await settled(page);
        const ready = await page.evaluate(() => performance.getEntriesByName('kllab:ready')[0]?.startTime);
        if (ready) t.diagnostic(`${path}: ready (first part checkable) ${Math.round(ready)} ms after navigation`);
        assert.deepEqual(await axe(page), [], `${path} (${scheme})`);
        for (const f of page.frames().slice(1)) assert.deepEqual(await axe(f), [], `${path}: frame ${f.url()}`);
      }
      // a page with feedback of every kind on screen, an open hint, the solution and a confirmation
      await page.goto(`${env.base}distillation.html`);
      await waitReady(page);
      const fill = async (id, text) => {
        await page.locator(`[name="${id}"]`).fill(text);
        await page.locator(`[data-part="${id}"] button[data-action="check"]`).click();
        await page.waitForFunction((x) => document.querySelector(`[data-part="${x}"]`).dataset.verdict, id);
      };
      await fill('ex8a', '[0.85, 0.1, 0.05]'); // incorrect, entries marked
      await fill('ex8b', '0.0016'); // partly: error carried forward
      await fill('ex8a2', 'softmax(zS, 3)'); // an author mistake
      await fill('ex8b2', '1 +* 2'); // invalid, with the caret
      await page.locator('[data-part="ex8a"] [data-action="hint"]').click();
      await page.locator('[data-part="ex8c"] [data-action="solution"]').click();
      await page.locator('[data-part="ex8c"] [data-action="solution-yes"]').click();
      await page.locator('[data-part="ex8d"] [data-action="solution"]').click();
      await page.locator('[data-action="reset"]').click();
      await page.locator('#src-scratch').fill('kl(pT,');
      await page.locator('#src-scratch').press('Control+Enter');
      await page.waitForFunction(() => /Error/.test(document.querySelector('.kl-code[data-cell="scratch"] [data-output]').textContent));
      assert.deepEqual(await axe(page), [], `distillation with feedback (${scheme})`);
      // the feedback regions announce: role=status, polite
      for (const id of ['ex8a', 'ex8b', 'ex8a2', 'ex8b2']) {
        const fb = page.locator(`#fb-${id}`);
        assert.equal(await fb.getAttribute('role'), 'status');
        assert.equal(await fb.getAttribute('aria-live'), 'polite');
        assert.ok((await fb.textContent()).length > 10);
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('the CSP guard itself: a violation on a served page and in an offline file is caught', async () => {
  for (const url of [`${env.base}distillation.html`, pathToFileURL(`${ROOT}site/dist/offline/distillation.html`).href]) {
    const { context, page, problems } = await openPage(env, null);
    try {
      await page.goto(url);
      await waitReady(page);
      // an inline script (as an injection would add) is refused, and reported
      const ran = await page.evaluate(async () => {
        const s = document.createElement('script');
        s.textContent = 'window.__injected = true';
        document.head.appendChild(s);
        await new Promise((r) => setTimeout(r, 50));
        return window.__injected === true;
      });
      assert.equal(ran, false, `${url}: an inline script does not run`);
      await page.evaluate(() => {
        const s = document.createElement('style');
        s.textContent = 'body { color: red }';
        document.head.appendChild(s);
      });
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(problems.some((p) => /CSP violation.*script-src/.test(p)), `${url}: the script reported: ${problems.join(' | ')}`);
      assert.ok(problems.some((p) => /CSP violation.*style-src/.test(p)), `${url}: inline style reported`);
    } finally {
      await context.close();
    }
  }
});
