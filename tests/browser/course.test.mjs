// A course, not a long page: each notebook's table of contents with every exercise's status and the next
// unfinished part (from the verdicts on the page), the total across notebooks on the index (from what the
// pages left in storage, robust to missing or damaged data), previous/next notebook links, a skip link,
// a print stylesheet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { launch, openPage, goto, waitReady, notebookFacts, axe, ROOT, clickCheck } from './support.mjs';

let env, facts;
before(async () => {
  env = await launch();
  facts = await notebookFacts();
});
after(async () => env?.stop());

/** The index's order of notebooks, as the index page lists them. */
async function indexOrder(page) {
  await goto(page, `${env.base}index.html`);
  return page.locator('[data-notebook]').evaluateAll((xs) => xs.map((x) => x.dataset.notebook));
}

async function answer(page, part, text, kind) {
  if (kind === 'choice') await page.locator(`[data-part="${part}"] input[type="radio"][value="${text}"]`).check();
  else await page.locator(`[name="${part}"]`).fill(text);
  await clickCheck(page.locator(`[data-part="${part}"] button[data-action="check"]`));
  await page.waitForFunction((id) => document.querySelector(`[data-part="${id}"]`).dataset.verdict, part);
}

const status = (page, ex) => page.locator(`#kl-toc [data-toc-exercise="${ex}"] [data-toc-status]`);

test('the table of contents lists every exercise of its notebook, follows the verdicts, and points to the next unfinished part', async () => {
  // a notebook where the exercise the facts answer is not its last
  const exercisesOf = (x) => x.nb.cells().filter((c) => c.type === 'exercise').map((c) => x.nb.exercise(c.exercise));
  const f = facts.find((x) => exercisesOf(x).findIndex((e) => e.id === x.exercise) < exercisesOf(x).length - 1);
  const exercises = exercisesOf(f);
  const { context, page, problems } = await openPage(env, `${f.id}.html`);
  try {
    const listed = await page.locator('#kl-toc [data-toc-exercise]').evaluateAll((xs) => xs.map((x) => [x.dataset.tocExercise, x.querySelector('a').getAttribute('href')]));
    assert.deepEqual(listed, exercises.map((x) => [x.id, `#${x.id}`]));
    for (const x of exercises) assert.equal(await status(page, x.id).getAttribute('data-toc-status'), 'todo');
    // nothing answered: the next part is the notebook's first
    const first = exercises[0].parts[0].id;
    const next = page.locator('#kl-toc [data-toc-next]');
    assert.equal(await next.getAttribute('data-next-part'), first);

    // the chosen exercise answered right, part by part: its status moves from started to done, and the
    // next unfinished part moves past it
    const ex = f.exercise;
    const parts = f.answers;
    await answer(page, parts[0].id, parts[0].answer, parts[0].kind);
    await page.waitForFunction((id) => document.querySelector(`#kl-toc [data-toc-exercise="${id}"] [data-toc-status]`).dataset.tocStatus === 'started', ex);
    assert.match(await status(page, ex).textContent(), new RegExp(`^1 of ${parts.length} correct$`));
    for (const p of parts.slice(1)) await answer(page, p.id, p.answer, p.kind);
    await page.waitForFunction((id) => document.querySelector(`#kl-toc [data-toc-exercise="${id}"] [data-toc-status]`).dataset.tocStatus === 'done', ex);
    const after = exercises.flatMap((x) => x.parts.map((p) => p.id)).find((id) => !parts.some((p) => p.id === id));
    await page.waitForFunction((id) => document.querySelector('#kl-toc [data-toc-next]').dataset.nextPart === id, after);
    assert.match(await page.locator('#kl-toc [data-toc-summary]').textContent(), new RegExp(`${parts.length} of \\d+ parts correct`));

    // following the link puts the cursor in that part's box
    await next.click();
    await page.waitForFunction((id) => document.activeElement?.closest('.kl-part')?.dataset.part === id, after);
    assert.equal(await page.evaluate(() => location.hash), `#${after}`);

    // after a reload the statuses come back from the recomputed verdicts
    await page.reload();
    await waitReady(page);
    await page.waitForFunction((id) => document.querySelector(`#kl-toc [data-toc-exercise="${id}"] [data-toc-status]`).dataset.tocStatus === 'done', ex);
    assert.equal(await next.getAttribute('data-next-part'), after);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the index adds up the notebooks, and a missing or damaged notebook record does not break it', async () => {
  // a notebook left begun and not finished: the exercise the facts answer is not all of it
  const f = facts.find((x) => x.nb.cells().filter((c) => c.type === 'exercise').length > 1);
  const { context, page, problems } = await openPage(env, 'index.html');
  try {
    const total = await page.locator('#kl-total').getAttribute('data-parts');
    const sum = await page.locator('[data-notebook]').evaluateAll((xs) => xs.reduce((n, x) => n + Number(x.dataset.parts), 0));
    assert.equal(Number(total), sum);
    assert.equal(await page.locator('#kl-total').getAttribute('data-correct'), '0');
    // nothing begun: it suggests the first notebook
    const order = await page.locator('[data-notebook]').evaluateAll((xs) => xs.map((x) => x.dataset.notebook));
    assert.equal(await page.locator('#kl-total [data-total-next]').getAttribute('href'), `${order[0]}.html`);

    await goto(page, `${env.base}${f.id}.html`);
    for (const p of f.answers) await answer(page, p.id, p.answer, p.kind);
    await page.waitForFunction((n) => Number(document.querySelector('#kl-toc').dataset.correct) === n, f.answers.length);
    // another notebook's stored data, damaged
    const other = facts.find((x) => x.id !== f.id);
    await goto(page, `${env.base}${other.id}.html`);
    await answer(page, other.answers[0].id, '0.5', other.answers[0].kind === 'choice' ? 'text' : other.answers[0].kind).catch(() => {});
    // (damaged once its page is closed, so that page cannot write it again on the way out)
    await goto(page, `${env.base}index.html`);
    await page.evaluate((id) => {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k.startsWith('kllab:') && k.includes(id)) localStorage.setItem(k, '{"schema": 1, "parts": [not json');
      }
    }, other.id);
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#kl-total').dataset.correct !== undefined);
    assert.equal(Number(await page.locator('#kl-total').getAttribute('data-correct')), f.answers.length);
    assert.match(await page.locator('#kl-total [data-total-text]').textContent(), new RegExp(`^${f.answers.length} of ${sum} parts correct across ${order.length} notebooks`));
    assert.equal(await page.locator('#kl-total progress').getAttribute('value'), String(f.answers.length));
    // where to go on: the notebook begun and not finished
    assert.equal(await page.locator('#kl-total [data-total-next]').getAttribute('href'), `${f.id}.html`);
    assert.deepEqual(await axe(page), []);
    // a damaged record may bring a warning notice, never an error
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('previous and next notebook follow the index\'s order; the offline copies stand alone', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    const order = await indexOrder(page);
    for (const [i, id] of order.entries()) {
      await page.goto(`${env.base}${id}.html`);
      // read at once: a missing link is null (a locator would wait for it to appear)
      const { prev, next } = await page.evaluate(() => ({
        prev: document.querySelector('.kl-pager a[rel="prev"]')?.getAttribute('href') ?? null,
        next: document.querySelector('.kl-pager a[rel="next"]')?.getAttribute('href') ?? null,
      }));
      assert.equal(prev, i > 0 ? `${order[i - 1]}.html` : null, id);
      assert.equal(next, i < order.length - 1 ? `${order[i + 1]}.html` : null, id);
    }
    // an offline copy: its contents and skip link, no links to notebooks it does not hold
    await goto(page, pathToFileURL(`${ROOT}site/dist/offline/${order[1]}.html`).href);
    assert.equal(await page.locator('.kl-pager').count(), 0);
    assert.equal(await page.locator('#kl-toc [data-toc-exercise]').count() > 0, true);
    assert.equal(await page.locator('body > .kl-skip').count(), 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a skip link is the first stop of the keyboard and leads to the content; print leaves the controls out', async () => {
  const { context, page, problems } = await openPage(env, 'vae-elbo.html');
  try {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'kl-skip');
    assert.ok(await page.evaluate(() => {
      const r = document.activeElement.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight && r.width > 0;
    }), 'visible once focused');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#main');
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement.closest('main')), 'the next stop is inside the content');

    await page.emulateMedia({ media: 'print' });
    const shown = await page.evaluate(() => {
      const visible = (sel) => [...document.querySelectorAll(sel)].some((x) => getComputedStyle(x).display !== 'none');
      return {
        toolbar: visible('#kl-toolbar'),
        toc: visible('#kl-toc'),
        buttons: visible('main button'),
        help: visible('details.kl-syntax'),
        math: visible('main math'),
        exercises: visible('.kl-exercise'),
        inputs: visible('main .kl-input'),
      };
    });
    assert.deepEqual(shown, { toolbar: false, toc: false, buttons: false, help: false, math: true, exercises: true, inputs: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('on a phone the contents start folded, and the next unfinished part shows above them', async () => {
  const { context, page, problems } = await openPage(env, 'kl-foundations.html', { viewport: { width: 390, height: 844 } });
  try {
    assert.equal(await page.locator('#kl-toc details').getAttribute('open'), null);
    assert.ok(await page.locator('#kl-toc [data-toc-next]').isVisible());
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
