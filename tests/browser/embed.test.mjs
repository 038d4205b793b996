// Embedding: the example course page (three <kl-exercise> elements from three notebooks, one shared
// engine, score events, styles isolated both ways), the iframe embed (resizes, posts its checks), and
// <kl-notebook> (a whole notebook in an element). Strict CSP on every page; axe-core on each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, axe } from './support.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => env?.stop());

const EMBEDS = [
  { notebook: 'kl-foundations', exercise: 'wk1', part: 'wk1a', answer: '0.0871767' },
  { notebook: 'distillation', exercise: 'ex8', part: 'ex8b', answer: '0.0252' },
  { notebook: 'vae-elbo', exercise: 'ex6', part: 'ex6c', answer: '0.9090909' },
];

const inEmbed = (page, notebook, sel) => page.locator(`kl-exercise[notebook="${notebook}"] ${sel}`);

async function allReady(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise, kl-notebook')].every((e) => e.dataset.ready === 'true'), null, { timeout: 20000 });
}

test('example course page: three exercises from three notebooks, one engine, score events, isolated styles', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    const engineLoads = [];
    page.on('request', (r) => {
      if (/kllab-(engine\.mjs|engine\.wasm|worker\.js)$/.test(new URL(r.url()).pathname) && r.frame() === page.mainFrame()) engineLoads.push(r.url());
    });
    const events = [];
    await page.exposeFunction('__recordCheck', (d) => events.push(d));
    await context.addInitScript(() => {
      document.addEventListener('kllab:check', (e) => window.__recordCheck({ target: e.target.tagName.toLowerCase(), composed: e.composed, bubbles: e.bubbles, ...e.detail }));
    });
    const response = await page.goto(`${env.base}example-course.html`);
    assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
    await allReady(page);
    assert.equal(await page.locator('kl-exercise').count(), 3);

    for (const e of EMBEDS) {
      const input = inEmbed(page, e.notebook, `[name="${e.part}"]`);
      await input.fill(e.answer);
      await inEmbed(page, e.notebook, `[data-part="${e.part}"] button[data-action="check"]`).click();
      await page.waitForFunction(
        ([nb, id]) => document.querySelector(`kl-exercise[notebook="${nb}"]`).shadowRoot.querySelector(`[data-part="${id}"]`).dataset.verdict,
        [e.notebook, e.part],
      );
      assert.equal(await inEmbed(page, e.notebook, `[data-part="${e.part}"]`).getAttribute('data-verdict'), 'correct', `${e.notebook} ${e.part}`);
      // the verdict is announced: a polite status region holds it
      const fb = inEmbed(page, e.notebook, `#fb-${e.part}`);
      assert.equal(await fb.getAttribute('role'), 'status');
      assert.match(await fb.textContent(), /Correct/);
    }
    // keyboard only, inside an embed: focus the input, type, Enter
    await inEmbed(page, 'kl-foundations', '#in-wk1b').focus();
    await page.keyboard.type('0');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('kl-exercise[notebook="kl-foundations"]').shadowRoot.querySelector('[data-part="wk1b"]').dataset.verdict === 'correct');

    // score events: bubbling, composed, retargeted to the element, with the documented detail
    await page.waitForFunction(() => document.querySelectorAll('#score-log li').length === 4);
    assert.equal(events.length, 4);
    for (const [i, e] of EMBEDS.entries()) {
      const got = events[i];
      assert.deepEqual(
        { target: got.target, composed: got.composed, bubbles: got.bubbles, notebook: got.notebook, exercise: got.exercise, part: got.part, verdict: got.verdict, score: got.score, seed: got.seed },
        { target: 'kl-exercise', composed: true, bubbles: true, notebook: e.notebook, exercise: e.exercise, part: e.part, verdict: 'correct', score: 1, seed: 0 },
      );
    }
    assert.match(await page.locator('#score-total').textContent(), /Score so far: 4 \(4 parts tried\)/);

    // one engine for the page: one worker (the engine's glue is inside it), its wasm fetched once
    assert.deepEqual(engineLoads.map((u) => u.replace(env.base, '')).sort(), ['kllab-engine.wasm', 'kllab-worker.js']);

    // the host's CSS does not reach in, ours does not leak out
    const styles = await page.evaluate(() => {
      const cs = (el) => getComputedStyle(el);
      const host = document.getElementById('score-clear');
      const embedded = document.querySelector('kl-exercise[notebook="distillation"]').shadowRoot.querySelector('button[data-action="check"]');
      const input = document.querySelector('kl-exercise[notebook="distillation"]').shadowRoot.querySelector('#in-ex8b');
      const p = document.querySelector('kl-exercise[notebook="distillation"]').shadowRoot.querySelector('.kl-intro p');
      return {
        host: { transform: cs(host).textTransform, bg: cs(host).backgroundColor, font: cs(host).fontFamily },
        embedded: { transform: cs(embedded).textTransform, font: cs(embedded).fontFamily, radius: cs(embedded).borderTopLeftRadius },
        input: cs(input).borderTopStyle,
        p: { font: cs(p).fontFamily, size: cs(p).fontSize },
        h2: cs(document.querySelector('h2')).color,
      };
    });
    assert.equal(styles.host.transform, 'uppercase');
    assert.equal(styles.host.bg, 'rgb(74, 25, 66)');
    assert.match(styles.host.font, /Georgia/);
    assert.equal(styles.embedded.transform, 'none');
    assert.doesNotMatch(styles.embedded.font, /Georgia/);
    assert.equal(styles.embedded.radius, '6px');
    assert.equal(styles.input, 'solid');
    assert.doesNotMatch(styles.p.font, /Georgia/);
    assert.equal(styles.p.size, '17px');
    assert.equal(styles.h2, 'rgb(74, 25, 66)');

    // the embed keeps progress under the site's key: the notebook page shows the same answer as checked
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('kllab:progress:distillation')));
    assert.equal(stored.parts.ex8b.verdict, 'correct');
    await page.reload();
    await allReady(page);
    assert.equal(await inEmbed(page, 'distillation', '[data-part="ex8b"]').getAttribute('data-verdict'), 'correct', 'kept across reloads');

    assert.deepEqual(await axe(page), []);
    const frame = page.frame({ url: /embed\.html/ });
    await frame.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 20000 });
    assert.deepEqual(await axe(frame), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('iframe embed: its height follows the content, and checks arrive as messages', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await context.addInitScript(() => {
      window.__messages = [];
      window.addEventListener('message', (e) => window.__messages.push(e.data));
    });
    await page.goto(`${env.base}example-course.html`);
    const frameEl = page.locator('#frame-embed');
    const frame = page.frameLocator('#frame-embed');
    await frame.locator('html[data-ready="true"]').waitFor({ timeout: 20000 });
    const inner = () => page.frame({ url: /embed\.html/ }).evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    await page.waitForFunction(async () => document.getElementById('frame-embed').height !== '400');
    const h0 = Number(await frameEl.getAttribute('height'));
    assert.ok(Math.abs(h0 - (await inner())) <= 1, `iframe ${h0} vs content ${await inner()}`);
    const box0 = await frameEl.boundingBox();
    assert.ok(Math.abs(box0.height - h0) <= 3, 'the attribute sizes the iframe');

    // feedback makes the content taller: the iframe follows
    await frame.locator('[name="d1"]').fill('[0.9, 0.8, 0.7, 0.6]');
    await frame.locator('[data-part="d1"] button[data-action="check"]').click();
    await frame.locator('[data-part="d1"][data-verdict]').waitFor();
    await page.waitForFunction((h) => Number(document.getElementById('frame-embed').height) > h, h0);
    const h1 = Number(await frameEl.getAttribute('height'));
    assert.ok(h1 > h0 && Math.abs(h1 - (await inner())) <= 1);
    // a hint makes it taller again
    await frame.locator('[data-part="d1"] [data-action="hint"]').click();
    await page.waitForFunction((h) => Number(document.getElementById('frame-embed').height) > h, h1);

    await frame.locator('[name="d1"]').fill('[0.9, 0.72, 0.504, 0.3024]');
    await frame.locator('[data-part="d1"] button[data-action="check"]').click();
    await page.waitForFunction(() => window.__messages.filter((m) => m.type === 'kllab:check').length === 2);
    const checks = await page.evaluate(() => window.__messages.filter((m) => m.type === 'kllab:check'));
    assert.deepEqual(
      checks.map((m) => [m.id, m.notebook, m.exercise, m.part, m.verdict, m.score]),
      [
        ['week3-diffusion', 'diffusion-kl', 'd', 'd1', 'incorrect', 0],
        ['week3-diffusion', 'diffusion-kl', 'd', 'd1', 'correct', 1],
      ],
    );
    assert.ok(await page.evaluate(() => window.__messages.some((m) => m.type === 'kllab:ready' && m.id === 'week3-diffusion')));
    assert.equal(await page.locator('#score-log li[data-source="iframe"]').count(), 2);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('<kl-notebook>: a whole notebook in one element (embed.html without an exercise): checks, cells, sliders', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await page.goto(`${env.base}embed.html?notebook=distillation`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 20000 });
    const nbEl = page.locator('kl-notebook[notebook="distillation"]');
    assert.equal(await nbEl.locator('.kl-exercise').count(), 1);
    await nbEl.locator('[name="ex8b"]').fill('0.047');
    await nbEl.locator('[data-part="ex8b"] button[data-action="check"]').click();
    await page.waitForFunction(() => document.querySelector('kl-notebook').shadowRoot.querySelector('[data-part="ex8b"]').dataset.verdict === 'incorrect');
    assert.match(await nbEl.locator('#fb-ex8b').textContent(), /Recognised mistake/);
    assert.match(await nbEl.locator('.kl-summary').textContent(), /0 of 10 parts correct/);
    // a slider re-runs its dependents (the cells run lazily, on first use)
    const plot = () => page.evaluate(() => [...document.querySelector('kl-notebook').shadowRoot.querySelectorAll('.kl-plot path.kl-line')].map((p) => p.getAttribute('d')).join('|'));
    const out = nbEl.locator('.kl-code[data-cell="soft-labels"] [data-output]');
    const before = await out.textContent();
    await nbEl.locator('#range-tau').focus();
    await page.keyboard.press('End');
    await page.waitForFunction((b) => document.querySelector('kl-notebook').shadowRoot.querySelector('.kl-code[data-cell="soft-labels"] [data-output]').textContent !== b, before);
    assert.ok((await plot()).length > 0);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
