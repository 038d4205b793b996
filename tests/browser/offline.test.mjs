// Offline: the service worker (one visit, then the whole site with the network off; a new build
// replaces the old cache through the page's update notice) and the single-file notebooks opened from
// file:// with no server and no network (answers checked, progress kept across reloads).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { startServer } from '../../site/tools/serve.mjs';
import { engine } from '../node/support.mjs';
import { launch, openPage, goto, waitReady, axe, referenceAnswer, ROOT, clickCheck, WAIT } from './support.mjs';

let env, kl;
const NOTEBOOKS = readdirSync(`${ROOT}site/notebooks`).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, ''));

before(async () => {
  [env, kl] = await Promise.all([launch(), engine()]);
});
after(async () => env?.stop());

/** The first exercise's first typed part of a notebook, and its right answer (variant 0). */
function firstPart(id) {
  const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/${id}.md`, 'utf8'), `${id}.md`);
  try {
    for (const c of nb.cells().filter((x) => x.type === 'exercise')) {
      const part = nb.exercise(c.exercise).parts.find((p) => p.kind !== 'choice');
      if (part) return { id: part.id, answer: referenceAnswer(nb, part, 0) };
    }
    throw new Error(`${id}: no typed part`);
  } finally {
    nb.close();
  }
}

async function check(page, partId, text) {
  const part = page.locator(`[data-part="${partId}"]`);
  await part.locator(`[name="${partId}"]`).fill(text);
  await clickCheck(part.locator('button[data-action="check"]'));
  await page.waitForFunction((id) => {
    const el = document.querySelector(`[data-part="${id}"]`);
    return el.dataset.verdict && !el.hasAttribute('aria-busy');
  }, partId);
  return part.getAttribute('data-verdict');
}

const controlled = (page) => page.waitForFunction(() => navigator.serviceWorker.controller !== null);
const cacheKeys = (page) => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('kllab-')));

test('one visit, then the whole site works with the network off', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html', { serviceWorkers: 'allow' });
  try {
    await controlled(page);
    assert.equal((await cacheKeys(page)).length, 1);
    await context.setOffline(true);
    assert.equal(await page.evaluate(() => navigator.onLine), false);
    await page.reload();
    await waitReady(page);
    assert.equal(await check(page, 'ex8b', '0.0252'), 'correct');
    // every other page too, embeds and the iframe page included, and a part checked on each notebook
    for (const id of NOTEBOOKS.filter((x) => x !== 'distillation')) {
      await goto(page, `${env.base}${id}.html`);
      const p = firstPart(id);
      assert.equal(await check(page, p.id, p.answer), 'correct', `${id} offline`);
    }
    await goto(page, `${env.base}index.html`);
    await goto(page, env.base);
    await page.goto(`${env.base}example-course.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise')].every((e) => e.dataset.ready === 'true'));
    await page.frameLocator('#frame-embed').locator('html[data-ready="true"]').waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a new build replaces the old cache: the page says an update is ready, the reload activates it', async () => {
  const dir = mkdtempSync(`${tmpdir()}/kllab-sw-`);
  const build = () => {
    const r = spawnSync(process.execPath, ['--no-experimental-fetch', `${ROOT}site/tools/build.mjs`], {
      env: { ...process.env, KLLAB_NOTEBOOKS: `${dir}/notebooks`, KLLAB_DIST: `${dir}/dist`, KLLAB_VARIANTS: '1', KLLAB_QUIET: '1', KLLAB_PRECOMPRESS: '0' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  };
  cpSync(`${ROOT}site/notebooks/distillation.md`, `${dir}/notebooks/distillation.md`);
  build();
  const server = await startServer({ port: 0, dir: `${dir}/dist` });
  const { context, page, problems } = await openPage({ browser: env.browser, base: server.url }, 'distillation.html', { serviceWorkers: 'allow' });
  try {
    await controlled(page);
    const [v1] = await cacheKeys(page);
    assert.equal(await page.locator('.kl-crumb').first().textContent(), 'Knowledge distillation');

    // deploy: the notebook's title changes, so the page and the version change
    const md = readFileSync(`${dir}/notebooks/distillation.md`, 'utf8');
    writeFileSync(`${dir}/notebooks/distillation.md`, md.replace('title: Knowledge distillation', 'title: Knowledge distillation, revised'));
    build();

    await page.reload();
    await waitReady(page);
    // still the old version, whole: the old page from the old cache, and the notice
    assert.equal(await page.locator('.kl-crumb').first().textContent(), 'Knowledge distillation');
    const button = page.locator('#kl-notices [data-action="update-reload"]');
    await button.waitFor();
    assert.match(await page.locator('#kl-notices').textContent(), /A new version of KL Lab is ready/);
    assert.deepEqual((await cacheKeys(page)).sort(), [v1, (await cacheKeys(page)).find((k) => k !== v1)].sort(), 'both versions while the new one waits');

    await Promise.all([page.waitForEvent('load'), button.click()]);
    await waitReady(page);
    assert.equal(await page.locator('.kl-crumb').first().textContent(), 'Knowledge distillation, revised');
    // the old cache goes once the new worker has activated (polled from here: a page-side predicate
    // must be synchronous, and caches.keys() is not)
    let keys = await cacheKeys(page);
    for (const until = Date.now() + WAIT; keys.includes(v1) && Date.now() < until; keys = await cacheKeys(page)) await new Promise((r) => setTimeout(r, 100));
    assert.equal(keys.length, 1, keys.join(', '));
    assert.notEqual(keys[0], v1);
    assert.equal(await page.locator('#kl-notices [data-action="update-reload"]').count(), 0);
    // and it still works, offline too
    await context.setOffline(true);
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator('.kl-crumb').first().textContent(), 'Knowledge distillation, revised');
    assert.equal(await check(page, 'ex8b', '0.0252'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('offline file from file://, no network: checks answers in its blob: worker, keeps progress, strict CSP, axe', async () => {
  const id = 'distillation';
  const { context, page, problems } = await openPage(env, null);
  try {
    await context.setOffline(true);
    const url = pathToFileURL(`${ROOT}site/dist/offline/${id}.html`).href;
    await page.goto(url);
    await waitReady(page);
    assert.match(page.workers()[0]?.url() ?? '', /^blob:/, 'the engine runs in a worker made from the inlined code');
    const p = firstPart(id);
    assert.equal(await check(page, p.id, `${p.answer} +`), 'invalid');
    assert.equal(await check(page, p.id, p.answer), 'correct');
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator(`[data-part="${p.id}"]`).getAttribute('data-verdict'), 'correct', 'progress kept');
    assert.equal(await page.locator(`[name="${p.id}"]`).inputValue(), p.answer);
    assert.match(await page.locator('#kl-summary').textContent(), /1 of \d+ parts correct/);
    // a broken instance is replaced here too, by a new worker from the same inlined code
    await page.workers()[0].evaluate(() => {
      const nb = [...self.__kllab.objects.values()].find((o) => o && typeof o.submit === 'function');
      nb.submit = () => {
        throw new WebAssembly.RuntimeError('memory access out of bounds');
      };
    });
    assert.equal(await check(page, p.id, p.answer), 'invalid');
    assert.equal(await check(page, p.id, p.answer), 'correct');
    assert.match(await page.locator('#kl-notices').textContent(), /engine restarted/);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('every offline file opens from file:// and checks its first part', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await context.setOffline(true);
    for (const id of NOTEBOOKS) {
      await page.goto(pathToFileURL(`${ROOT}site/dist/offline/${id}.html`).href);
      await waitReady(page);
      const p = firstPart(id);
      assert.equal(await check(page, p.id, p.answer), 'correct', id);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
