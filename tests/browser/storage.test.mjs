// The learner's record in the real page (the mechanics are unit-tested in tests/site/progress.test.mjs):
// two tabs keep each other's answers; a corrupted record is set aside; an older format is converted
// by the engine (the original kept); records cannot hurt: a stored answer whose re-check kills the
// engine is set aside with a notice and the page starts and works, a forged verdict counts for
// nothing, an import is previewed and agreed to first (merge, replace or cancel), a poisoned import
// is survived, another learner's file is not taken; the learner field; a hostile answer stays text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { launch, openPage, goto, waitReady, ROOT, clickCheck, patchNotebooks, slowNotebooks } from './support.mjs';
import { engine } from '../node/support.mjs';

let env, kl;
const dir = mkdtempSync(`${tmpdir()}/kllab-storage-`);
before(async () => {
  [env, kl] = await Promise.all([launch(), engine()]);
});
after(async () => {
  await env?.stop();
});

const KEY = 'kllab:progress:distillation';
const SOURCE = readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8');

/** A record or export file made by the engine in node: `work(nb)` does what a learner did. */
function made(work, { exportFile = false } = {}) {
  const nb = kl.loadNotebook(SOURCE, 'distillation.md');
  try {
    work(nb);
    return exportFile ? nb.exportFile() : nb.recordJson();
  } finally {
    nb.close();
  }
}

/** The same JSON with every stored verdict and score claiming full marks (what a forger writes). */
function forged(json) {
  const x = JSON.parse(json);
  const walk = (o) => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o && typeof o === 'object') {
      if ('verdict' in o && 'answer' in o) Object.assign(o, { verdict: 'correct', score: 1 });
      Object.values(o).forEach(walk);
    }
  };
  walk(x);
  return JSON.stringify(x);
}

async function answer(page, part, text) {
  const box = page.locator(`[data-part="${part}"]`);
  await box.locator(`[name="${part}"]`).fill(text);
  await clickCheck(box.locator('button[data-action="check"]'));
  await page.waitForFunction((id) => {
    const el = document.querySelector(`[data-part="${id}"]`);
    return !!el?.dataset.verdict && !el.hasAttribute('aria-busy');
  }, part);
  return box.getAttribute('data-verdict');
}

const verdictOf = (page, part) => page.locator(`[data-part="${part}"]`).getAttribute('data-verdict');
const notices = (page) => page.locator('#kl-notices').textContent();

/** Waits until the page has written its record (saving is debounced, never on the click itself). */
async function saved(page, key, predicate = '') {
  await page.waitForFunction(([k, p]) => {
    const v = localStorage.getItem(k);
    return v !== null && v.includes(p);
  }, [key, predicate]);
}

/** The stored answer that kills the engine when re-checked (see poisonRecheck). */
const POISON = '0.025201290';

/**
 * Every engine worker of the context breaks the instance when it re-checks `part` while that part's
 * checked answer is POISON (a stored answer that kills the engine: what a chain of operators did before
 * issue 11).
 */
async function poisonRecheck(context, part) {
  await patchNotebooks(
    context,
    `(v) => {
      const recheck = v.recheck.bind(v);
      v.recheck = (p) => {
        const st = v.state();
        const checked = st.ok ? st.exercises.flatMap((e) => e.parts).find((x) => x.id === p)?.checked : '';
        if (p === ${JSON.stringify(part)} && checked === ${JSON.stringify(POISON)}) throw new WebAssembly.RuntimeError('memory access out of bounds');
        return recheck(p);
      };
    }`,
  );
}

/**
 * Every engine worker of the context takes a second longer to give the record's text (recordJson), as a
 * busy instance might: a page that showed a change before it held the text to save would lose the
 * change to a reload in that second.
 */
const slowRecordText = (context) => slowNotebooks(context, 'recordJson', 1000);

async function importFile(page, name, text) {
  const path = `${dir}/${name}`;
  writeFileSync(path, text);
  await page.locator('#kl-import-file').setInputFiles(path);
}

test('two tabs of one notebook: neither loses the answers the other saved', async () => {
  const { context, page: a, problems } = await openPage(env, 'distillation.html');
  try {
    const b = await context.newPage();
    await b.goto(`${env.base}distillation.html`);
    await waitReady(b);
    // Interleaved: A answers ex8a, B (which loaded before that) answers ex8b, then A answers ex8b2.
    await answer(a, 'ex8a', '[0.8756, 0.1185, 0.0059]');
    await saved(a, KEY, '0.8756');
    await answer(b, 'ex8b', '0.0252');
    await saved(b, KEY, '0.0252');
    await answer(a, 'ex8b2', '0.0470');
    await saved(a, KEY, '0.0470');
    // A fresh load shows all three, with their verdicts re-checked.
    const c = await context.newPage();
    await c.goto(`${env.base}distillation.html`);
    await waitReady(c);
    for (const [part, value] of [['ex8a', '[0.8756, 0.1185, 0.0059]'], ['ex8b', '0.0252'], ['ex8b2', '0.0470']]) {
      assert.equal(await c.locator(`[name="${part}"]`).inputValue(), value, part);
      assert.equal(await verdictOf(c, part), 'correct', part);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('leaving the page the moment a verdict, a hint or a solution appears keeps it', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await slowRecordText(context);
    await goto(page, `${env.base}distillation.html`);
    // no wait for the debounced save: the page writes on pagehide what it has shown
    assert.equal(await answer(page, 'ex8b', '0.0252'), 'correct');
    await page.reload();
    await waitReady(page);
    assert.equal(await verdictOf(page, 'ex8b'), 'correct', 'the verdict shown before the reload');
    const box = page.locator('[data-part="ex8b"]');
    await box.locator('[data-action="hint"]').click();
    await box.locator('.kl-hints > li').first().waitFor();
    await page.reload();
    await waitReady(page);
    assert.equal(await box.locator('.kl-hints > li').count(), 1, 'the hint shown before the reload');
    await box.locator('[data-action="solution"]').click();
    await box.locator('[data-action="solution-yes"]').click();
    await box.locator('.kl-solution:not([hidden])').waitFor();
    await page.reload();
    await waitReady(page);
    assert.equal(await box.locator('.kl-solution').isVisible(), true, 'the solution shown before the reload');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a corrupted record is set aside with a notice, other notebooks untouched; a hostile answer stays text', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    const other = 'kllab:progress:some-other-notebook';
    await page.evaluate(([k, o]) => {
      localStorage.setItem(k, '{"schema": 1, "notebook": tru');
      localStorage.setItem(o, '{"keep": "me"}');
    }, [KEY, other]);
    await page.reload();
    await waitReady(page);
    assert.match(await notices(page), /could not be read/);
    const stored = await page.evaluate(([k, o]) => {
      const aside = Object.keys(localStorage).filter((x) => x.startsWith(`${k}:set-aside:`));
      return { aside: aside.map((x) => localStorage.getItem(x)), other: localStorage.getItem(o), main: localStorage.getItem(k) };
    }, [KEY, other]);
    assert.deepEqual(stored.aside, ['{"schema": 1, "notebook": tru']);
    assert.equal(stored.other, '{"keep": "me"}');
    assert.equal(stored.main, null);
    assert.equal(await page.locator('[data-verdict]').count(), 0, 'a fresh start');
    // a hostile answer is text, never markup, and the page still works
    const hostile = '<img src=x onerror=alert(1)>';
    assert.equal(await answer(page, 'ex8b', hostile), 'invalid');
    const part = page.locator('[data-part="ex8b"]');
    assert.equal(await part.locator('img').count(), 0);
    assert.ok((await part.locator('.kl-feedback').textContent()).includes(hostile));
    assert.equal(await page.locator('[name="ex8b"]').getAttribute('aria-invalid'), 'true');
    assert.equal(await answer(page, 'ex8b', '0.0252'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an older (schema 1) record is converted by the engine, the original kept aside; its forged verdicts count for nothing', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    const old = JSON.stringify({
      schema: 1,
      notebook: 'distillation',
      updated: null,
      exercises: {},
      parts: { ex8b: { answer: '0.5', checked: '0.5', verdict: 'correct', score: 1 }, ex8b2: { answer: '0.0470', checked: '0.0470', verdict: 'incorrect', score: 0 } },
    });
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [KEY, old]);
    await page.reload();
    await waitReady(page);
    assert.equal(await verdictOf(page, 'ex8b'), 'incorrect', 'the stored "correct" is not trusted');
    assert.equal(await verdictOf(page, 'ex8b2'), 'correct', 'nor the stored "incorrect"');
    assert.match(await notices(page), /converted/);
    const aside = await page.evaluate((k) => Object.keys(localStorage).filter((x) => x.startsWith(`${k}:set-aside:`)).map((x) => localStorage.getItem(x)), KEY);
    assert.deepEqual(aside, [old]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('records cannot hurt: a stored answer whose re-check kills the engine is set aside with a notice; the rest restores; the page works', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await poisonRecheck(context, 'ex8b');
    const record = forged(made((nb) => {
      nb.submit('ex8a', '[0.8756, 0.1185, 0.0059]');
      nb.submit('ex8b', POISON);
      nb.submit('ex8b2', '0.0470');
    }));
    await context.addInitScript(([k, v]) => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem(k, v);
        sessionStorage.setItem('seeded', '1');
      }
    }, [KEY, record]);
    await goto(page, `${env.base}distillation.html`);
    // started and ready, the other parts restored with their re-checked verdicts
    assert.equal(await verdictOf(page, 'ex8a'), 'correct');
    assert.equal(await verdictOf(page, 'ex8b2'), 'correct');
    assert.equal(await verdictOf(page, 'ex8b'), null, 'no verdict shown for the part set aside');
    assert.match(await page.locator('#fb-ex8b').textContent(), /set aside/);
    const text = await notices(page);
    assert.match(text, /answer to ex8b could not be checked again/);
    const key = /under “([^”]+)”/.exec(text.slice(text.indexOf('ex8b')))[1];
    assert.equal(await page.evaluate((k) => localStorage.getItem(k) !== null, key), true, 'the record as it was is kept aside');
    // the page works: a new answer to that part is checked (a check is not a re-check)
    assert.equal(await answer(page, 'ex8b', '0.0252'), 'correct');
    // and the next visit does not stumble again: the part is gone from the stored record (the seeded
    // record holds the poisoned answer, which contains the new one: wait for the poison to go)
    await page.waitForFunction(([k, poison]) => !(localStorage.getItem(k) ?? poison).includes(poison), [KEY, POISON]);
    await page.reload();
    await waitReady(page);
    assert.equal(await verdictOf(page, 'ex8a'), 'correct');
    assert.doesNotMatch(await notices(page), /could not be checked again/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the summary follows every verdict as it is shown, while a variant's stored answers are re-checked one by one", async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    // each re-check takes a moment longer, so that the verdicts of ex8 come back one at a time
    await slowNotebooks(context, 'recheck', 300);
    const record = made((nb) => {
      nb.submit('ex8a', '[0.8756, 0.1185, 0.0059]');
      nb.submit('ex8b', '0.0252');
      nb.submit('ex8b2', '0.0470');
    });
    await context.addInitScript(([k, v]) => localStorage.setItem(k, v), [KEY, record]);
    await goto(page, `${env.base}distillation.html`);
    const correctNow = () => page.evaluate(() => document.querySelectorAll('[data-part][data-verdict="correct"]').length);
    const before = await correctNow();
    assert.ok(before >= 3, `the stored answers are correct: ${before}`);
    // every change of a verdict or of the summary is recorded with both figures as they stand
    await page.evaluate(() => {
      const figures = () => ({
        shown: document.querySelectorAll('[data-part][data-verdict="correct"]').length,
        summary: Number(/(\d+) of \d+ parts correct/.exec(document.getElementById('kl-summary').textContent)?.[1]),
      });
      window.__seen = [figures()];
      new MutationObserver(() => window.__seen.push(figures())).observe(document.querySelector('main'), {
        subtree: true,
        attributes: true,
        attributeFilter: ['data-verdict'],
      });
      new MutationObserver(() => window.__seen.push(figures())).observe(document.getElementById('kl-summary'), { childList: true, characterData: true, subtree: true });
    });
    // another variant clears ex8's verdicts; the textbook numbers bring them back, one re-check at a time
    await page.locator('#ex8 [data-action="variant"]').click();
    await page.waitForFunction(() => Number(document.getElementById('ex8').dataset.seed) > 0);
    await page.locator('#ex8 [data-action="textbook"]').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-part][data-verdict="correct"]').length === n, before);
    const seen = await page.evaluate(() => window.__seen);
    assert.ok(seen.some((s) => s.shown === before - 3), `the variant cleared ex8: ${JSON.stringify(seen)}`);
    assert.ok(seen.some((s) => s.shown === before - 2), `the verdicts came back one at a time: ${JSON.stringify(seen)}`);
    assert.deepEqual(seen.filter((s) => s.shown !== s.summary), [], `the summary lagged behind the verdicts: ${JSON.stringify(seen)}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('import: the engine previews it, the learner chooses (cancel, merge, replace), the previous record is kept aside, forged verdicts count for nothing', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    assert.equal(await answer(page, 'ex8a', '[0.8756, 0.1185, 0.0059]'), 'correct');
    await saved(page, KEY, '0.8756');
    // a file with a wrong ex8b claiming "correct", and a right ex8b2
    const file = forged(made((nb) => {
      nb.submit('ex8b', '0.5');
      nb.submit('ex8b2', '0.0470');
    }, { exportFile: true }));
    await importFile(page, 'class.json', file);
    const dialog = page.locator('#kl-import-dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /Parts with work in the file: 2 \(new here: 2; different from yours: 0\)/);
    assert.match(await dialog.textContent(), /Checked answers that are not in your progress yet: 2/);
    assert.match(await dialog.textContent(), /count for nothing/);
    // cancel: nothing changes
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await verdictOf(page, 'ex8b'), null);
    // merge: both kept, every answer re-checked
    await importFile(page, 'class.json', file);
    await dialog.getByRole('button', { name: /Merge/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-part="ex8b2"]').dataset.verdict === 'correct');
    assert.equal(await verdictOf(page, 'ex8a'), 'correct', 'mine kept');
    assert.equal(await verdictOf(page, 'ex8b'), 'incorrect', 'the forged "correct" is re-checked');
    const text = await notices(page);
    assert.match(text, /merged from “class\.json”/);
    const aside = /under “([^”]+)”/.exec(text.slice(text.lastIndexOf('merged')))[1];
    assert.match(await page.evaluate((k) => localStorage.getItem(k), aside), /0\.8756/, 'the previous record is kept aside');
    // replace: the file's work only
    await importFile(page, 'class.json', file);
    await dialog.getByRole('button', { name: /Replace/ }).click();
    // the record is replaced at once and the file's answers are re-checked after: wait for both
    await page.waitForFunction(() => !document.querySelector('[data-part="ex8a"]').dataset.verdict
      && document.querySelector('[data-part="ex8b2"]').dataset.verdict === 'correct');
    assert.equal(await verdictOf(page, 'ex8b'), 'incorrect');
    // files the engine refuses: a clear message, nothing changes
    await importFile(page, 'other.json', made((nb) => nb.submit('ex8b', '1'), { exportFile: true }).replace(/"distillation"/g, '"vae-elbo"'));
    await page.waitForFunction(() => /“other\.json” was not imported/.test(document.getElementById('kl-notices').textContent));
    await importFile(page, 'junk.json', 'not json at all');
    await page.waitForFunction(() => /“junk\.json” was not imported/.test(document.getElementById('kl-notices').textContent));
    assert.equal(await verdictOf(page, 'ex8b2'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a poisoned import (an answer whose re-check kills the engine) is survived: that part set aside, the rest imported', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await poisonRecheck(context, 'ex8b');
    await goto(page, `${env.base}distillation.html`);
    const file = made((nb) => {
      nb.submit('ex8b', POISON);
      nb.submit('ex8b2', '0.0470');
    }, { exportFile: true });
    await importFile(page, 'poisoned.json', file);
    await page.locator('#kl-import-dialog').getByRole('button', { name: /Replace/ }).click();
    await page.waitForFunction(() => /answer to ex8b could not be checked again/.test(document.getElementById('kl-notices').textContent));
    await page.waitForFunction(() => document.querySelector('[data-part="ex8b2"]').dataset.verdict === 'correct');
    assert.equal(await verdictOf(page, 'ex8b'), null);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.ready), 'true');
    assert.equal(await answer(page, 'ex8a', '[0.8756, 0.1185, 0.0059]'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("learners: another learner's file is shown as such and not taken; the learner field names an anonymous learner, whose work follows", async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html?learner=ada&name=Ada');
  try {
    assert.match(await page.locator('#kl-learner').innerText(), /Working as Ada \(ada\)/);
    assert.equal(await page.locator('[data-action="learner-change"]').isVisible(), false, 'a learner from the URL is fixed');
    assert.equal(await answer(page, 'ex8b', '0.0252'), 'correct');
    const bobs = made((nb) => {
      nb.setLearner({ id: 'bob', name: 'Bob' });
      nb.submit('ex8b2', '0.0470');
    }, { exportFile: true });
    await importFile(page, 'bob.json', bobs);
    const dialog = page.locator('#kl-import-dialog');
    await dialog.waitFor();
    assert.match(await dialog.textContent(), /This file is the work of Bob \(bob\), not of Ada \(ada\)/);
    assert.equal(await dialog.getByRole('button').count(), 1, 'only Close: no merge, no replace');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await verdictOf(page, 'ex8b2'), null);
    await saved(page, `${KEY}@ada`, '0.0252');

    // a second learner on the same browser: their own record, nothing of Ada's
    const other = await context.newPage();
    await goto(other, `${env.base}distillation.html?learner=cy`);
    assert.equal(await verdictOf(other, 'ex8b'), null, "Cy does not see Ada's work");

    // an anonymous page names its learner in the field: the work is theirs, and exports carry the id
    const anon = await context.newPage();
    await anon.addInitScript(() => localStorage.removeItem('kllab:learner'));
    await goto(anon, `${env.base}distillation.html`);
    assert.ok(await anon.locator('#kl-learner-id').isVisible());
    assert.equal(await anon.locator('#kl-learner-id').getAttribute('maxlength'), String(kl.limits().learnerText));
    assert.equal(await answer(anon, 'ex8a', '[0.8756, 0.1185, 0.0059]'), 'correct');
    await anon.locator('#kl-learner-id').fill('dee-7');
    await anon.locator('[data-action="learner-save"]').click();
    await anon.waitForFunction(() => /Working as dee-7/.test(document.getElementById('kl-learner').innerText));
    await saved(anon, `${KEY}@dee-7`, '0.8756');
    assert.equal(await anon.evaluate((k) => localStorage.getItem(k), KEY), null, 'the anonymous copy moved');
    const [download] = await Promise.all([anon.waitForEvent('download'), anon.locator('[data-action="export"]').click()]);
    const exported = readFileSync(await download.path(), 'utf8');
    const nb = kl.loadNotebook(SOURCE, 'distillation.md');
    const preview = nb.previewImport(exported);
    nb.close();
    assert.equal(preview.learner.id, 'dee-7');
    assert.equal(preview.partsInFile, 1);
    assert.match(download.suggestedFilename(), /^kllab-distillation-dee-7-\d{4}-\d\d-\d\d\.json$/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
