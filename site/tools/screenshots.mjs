// Screenshots of the built site for people to look at (`make screenshots` → build/screenshots/): every
// notebook page and the index at desktop and phone width, light and dark, plus a page with feedback on
// screen, and the learner's record (the learner field, a restored page, the import dialog). Not a test:
// nothing is compared, so the tests take none.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const OUT = `${ROOT}build/screenshots/`;
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PAGES = ['index.html', 'kl-foundations.html', 'distillation.html', 'vae-elbo.html', 'diffusion-kl.html', 'kl-at-work.html', 'example-course.html'];
const SIZES = { desktop: { width: 1100, height: 900 }, phone: { width: 390, height: 844 } };

mkdirSync(OUT, { recursive: true });
const server = await startServer({ port: 0, dir: `${ROOT}site/dist` });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
try {
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({ viewport, colorScheme: scheme });
      const page = await context.newPage();
      for (const path of PAGES) {
        await page.goto(server.url + path);
        await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 20000 });
        const file = `${OUT}${path.replace('.html', '')}-${size}-${scheme}.png`;
        await page.screenshot({ path: file, fullPage: path === 'index.html' });
        console.log(file.replace(ROOT, ''));
      }
      // feedback of several kinds on screen
      await page.goto(`${server.url}distillation.html`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      for (const [id, text] of [['ex8a', '[0.85, 0.1, 0.05]'], ['ex8b', '0.0016'], ['ex8b2', '1 +* 2']]) {
        await page.locator(`[name="${id}"]`).fill(text);
        await page.locator(`[data-part="${id}"] button[data-action="check"]`).click();
        await page.waitForFunction((x) => document.querySelector(`[data-part="${x}"]`).dataset.verdict, id);
      }
      await page.locator('#ex8').scrollIntoViewIfNeeded();
      const file = `${OUT}distillation-feedback-${size}-${scheme}.png`;
      await page.screenshot({ path: file });
      console.log(file.replace(ROOT, ''));
      // a derivation checked step by step (the first step right, the second unreadable)
      await page.goto(`${server.url}kl-at-work.html`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      const part = page.locator('.kl-part[data-kind="derivation"]').first();
      await part.locator('textarea').fill('-0.5 * ln(2 * pi * s2) - dy^2 / (2 * s2)\n1 +');
      await part.locator('button[data-action="check"]').click();
      await page.waitForFunction(() => document.querySelector('.kl-part[data-kind="derivation"]').dataset.verdict);
      await part.scrollIntoViewIfNeeded();
      const dfile = `${OUT}kl-at-work-derivation-${size}-${scheme}.png`;
      await page.screenshot({ path: dfile });
      console.log(dfile.replace(ROOT, ''));
      // the answer preview while typing (a value, an error with its column) and a part's notation help
      await page.goto(`${server.url}distillation.html`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      for (const [id, text] of [['ex8a', '[0.876, 0.118'], ['ex8a2', '(0.844, 0.134, 0.022)'], ['ex8b', '0.5*ln(2) + 1/(3 + sqrt(2))']]) {
        await page.locator(`[name="${id}"]`).fill(text);
        await page.waitForFunction((x) => ['readable', 'unreadable'].includes(document.getElementById(`pv-${x}`).dataset.state), id);
      }
      await page.locator('[data-part="ex8b"] details.kl-syntax summary').click();
      await page.locator('[data-part="ex8a"]').scrollIntoViewIfNeeded();
      const pfile = `${OUT}distillation-preview-${size}-${scheme}.png`;
      await page.screenshot({ path: pfile });
      console.log(pfile.replace(ROOT, ''));
      // the learner's record: the learner field, a restored page (answers, a hint, a solution,
      // verdicts re-checked), and the import dialog over it
      await page.goto(`${server.url}distillation.html?learner=s-042&name=Ada%20Lovelace`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      for (const [id, text] of [['ex8a', '[0.85, 0.1, 0.05]'], ['ex8b', '0.001660']]) {
        await page.locator(`[name="${id}"]`).fill(text);
        await page.locator(`[data-part="${id}"] button[data-action="check"]`).click();
        await page.waitForFunction((x) => document.querySelector(`[data-part="${x}"]`).dataset.verdict, id);
      }
      await page.locator('[data-part="ex8a"] [data-action="hint"]').click();
      await page.locator('[data-part="ex8a"] [data-action="solution"]').click();
      await page.locator('[data-part="ex8a"] [data-action="solution-yes"]').click();
      await page.locator('[data-part="ex8a"] .kl-solution-body > *').first().waitFor();
      await page.reload();
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      await page.screenshot({ path: `${OUT}record-learner-${size}-${scheme}.png` });
      await page.locator('#ex8').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${OUT}record-restored-${size}-${scheme}.png` });
      const record = await page.evaluate(() => localStorage.getItem('kllab:progress:distillation@s-042'));
      // nobody named in this browser: the optional field; importing Ada's file makes her the learner
      await page.evaluate(() => localStorage.removeItem('kllab:learner'));
      await page.goto(`${server.url}distillation.html`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      await page.screenshot({ path: `${OUT}record-anonymous-${size}-${scheme}.png` });
      const importing = async (name) => {
        await page.locator('#kl-import-file').setInputFiles({ name: 'kllab-distillation-s-042.json', mimeType: 'application/json', buffer: Buffer.from(record) });
        await page.locator('#kl-import-dialog').waitFor();
        await page.screenshot({ path: `${OUT}record-${name}-${size}-${scheme}.png` });
        await page.keyboard.press('Escape');
        await page.locator('#kl-import-dialog').waitFor({ state: 'detached' });
      };
      await importing('import');
      // another learner's page: the file is shown as someone else's work and not taken
      await page.goto(`${server.url}distillation.html?learner=s-007`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
      await importing('import-other');
      console.log(`build/screenshots/record-{learner,restored,anonymous,import,import-other}-${size}-${scheme}.png`);
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
