// Every notebook page in a real browser (Debian's Chromium), served by the site's own static server
// with the strict CSP: answers checked by the wasm engine (in its worker), mistakes named, cells re-run
// on edit, sliders move plots, progress survives a reload. What does not depend on the notebook (a
// corrupted record, storage faults, two tabs, import and export, hostile text, offline) is tested once:
// here on distillation, and in storage.test.mjs, hostile.test.mjs, offline.test.mjs. Nothing may leave
// 127.0.0.1, and any console error, page error or dialog fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { launch, openPage, goto, waitReady, notebookFacts, partState, ROOT, clickCheck } from './support.mjs';

let env;
let facts;

before(async () => {
  [env, facts] = await Promise.all([launch(), notebookFacts()]);
});

after(async () => {
  for (const f of facts ?? []) f.nb.close();
  await env?.stop();
});

async function answer(page, partId, kind, text, { enter = false } = {}) {
  const part = page.locator(`[data-part="${partId}"]`);
  if (kind === 'choice') {
    await part.locator(`input[type="radio"][value="${text}"]`).check();
    await clickCheck(part.locator('button[data-action="check"]'));
  } else {
    const input = part.locator(`[name="${partId}"]`);
    await input.fill(text);
    if (enter) await input.press('Enter');
    else await clickCheck(part.locator('button[data-action="check"]'));
  }
  try {
    await page.waitForFunction((id) => document.querySelector(`[data-part="${id}"]`).dataset.verdict, partId);
  } catch (e) {
    // what the page showed when no verdict came (for a failure's report)
    const seen = await partState(page, partId);
    throw new Error(`no verdict after checking ${partId} = ${text}${enter ? ' (Enter)' : ''}: ${seen}; ${e.message}`);
  }
  return part;
}

async function plotPaths(page, id) {
  return page.evaluate((pid) => [...document.querySelectorAll(`[data-plot="${pid}"] path.kl-line`)].map((x) => x.getAttribute('d')).join('|'), id);
}

async function verdictOf(page, partId) {
  return page.locator(`[data-part="${partId}"]`).getAttribute('data-verdict');
}

const IDS = readdirSync(`${ROOT}site/notebooks`).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, '')).sort();

for (const id of IDS) {
  test(`${id}: answers, mistakes, cells, sliders, progress`, async () => {
    const f = facts.find((x) => x.id === id);
    assert.ok(f, `notebook ${id} exists`);
    const { context, page, problems } = await openPage(env, `${id}.html`);
    try {
      assert.equal(await page.title(), `${f.title} · KL Lab`);
      // ready does not wait for the cells: they run on first use (their outputs and plots are pre-rendered)
      assert.equal(await page.locator('main').getAttribute('data-cells'), 'pending');
      // contract: the exercise element has the exercise id; parts have data-part, labelled named inputs
      assert.equal(await page.locator(`#${f.exercise}`).count(), 1);
      const checks = [];
      await page.exposeFunction('__recordCheck', (d) => checks.push(d));
      await page.evaluate(() => document.addEventListener('kllab:check', (e) => window.__recordCheck(e.detail)));

      const m = f.mistake;
      const mpart = page.locator(`[data-part="${m.part}"]`);
      // a recognised mistake: verdict, and the mistake named in the feedback
      await answer(page, m.part, 'number', m.answer);
      assert.equal(await verdictOf(page, m.part), 'incorrect');
      const fbText = await mpart.locator('[role="status"]').textContent();
      assert.ok(fbText.includes(m.name), `feedback names the mistake "${m.name}": ${fbText}`);
      assert.ok(fbText.includes('Incorrect'), 'the verdict is written as a word');

      // every part of one exercise, correctly (Enter checks for the first, the button for the rest)
      for (const [i, a] of f.answers.entries()) {
        await answer(page, a.id, a.kind, a.answer, { enter: i === 0 && a.kind !== 'choice' && a.kind !== 'derivation' });
        assert.equal(await verdictOf(page, a.id), 'correct', `${a.id} with ${a.answer}: ${await page.locator(`#fb-${a.id}`).textContent()}`);
      }
      assert.ok(checks.some((c) => c.part === f.answers[0].id && c.verdict === 'correct' && c.score === 1), 'kllab:check events fire');
      const label = await page.locator(`label[for="in-${f.answers.find((a) => a.kind !== 'choice').id}"]`).count();
      assert.equal(label, 1, 'the answer input is labelled');

      // editing a code cell re-runs its dependents; a broken cell blocks them; Revert restores
      if (f.edit) {
        const e = f.edit;
        const dep = page.locator(`.kl-code[data-cell="${e.dependent}"] [data-output]`);
        const before = await dep.textContent();
        await page.locator(`#src-${e.cell}`).fill(e.modified);
        await page.locator(`#src-${e.cell}`).press('Control+Enter');
        await page.waitForFunction(([sel, b]) => document.querySelector(sel).textContent !== b, [`.kl-code[data-cell="${e.dependent}"] [data-output]`, before]);
        assert.notEqual(await dep.textContent(), before);
        await page.locator(`#src-${e.cell}`).fill(`${e.source}\nbroken = (1 +`);
        await page.locator(`.kl-code[data-cell="${e.cell}"] [data-action="run"]`).click();
        await page.waitForFunction((sel) => /Waiting for/.test(document.querySelector(sel).textContent), `.kl-code[data-cell="${e.dependent}"] [data-output]`);
        const own = await page.locator(`.kl-code[data-cell="${e.cell}"] [data-output]`).textContent();
        assert.match(own, /Error \(line \d+, column \d+\)/);
        await page.locator(`.kl-code[data-cell="${e.cell}"] [data-action="revert"]`).click();
        await page.waitForFunction(([sel, b]) => document.querySelector(sel).textContent === b, [`.kl-code[data-cell="${e.dependent}"] [data-output]`, before]);
      }

      if (f.edit) assert.equal(await page.locator('main').getAttribute('data-cells'), 'ran');
      // sliders: moved from the keyboard, the value shown follows, and so do dependent plots
      for (const s of f.sliders) {
        const range = page.locator(`#range-${s.name}`);
        const paths = {};
        for (const p of s.plots) paths[p] = await plotPaths(page, p);
        const shown = await page.locator(`#val-${s.name}`).textContent();
        await range.focus();
        await range.press('End');
        await page.waitForFunction(([sel, b]) => document.querySelector(sel).textContent !== b, [`#val-${s.name}`, shown]);
        for (const p of s.plots) {
          await page.waitForFunction(
            ([pid, d]) => [...document.querySelectorAll(`[data-plot="${pid}"] path.kl-line`)].map((x) => x.getAttribute('d')).join('|') !== d,
            [p, paths[p]],
          );
        }
        // to the other end, and the plots with it, before the next slider's plots are read
        const atEnd = await page.locator(`#val-${s.name}`).textContent();
        for (const p of s.plots) paths[p] = await plotPaths(page, p);
        await range.press('Home');
        await page.waitForFunction(([sel, b]) => document.querySelector(sel).textContent !== b, [`#val-${s.name}`, atEnd]);
        for (const p of s.plots) {
          await page.waitForFunction(
            ([pid, d]) => [...document.querySelectorAll(`[data-plot="${pid}"] path.kl-line`)].map((x) => x.getAttribute('d')).join('|') !== d,
            [p, paths[p]],
          );
        }
      }
      if (f.sliders.length) assert.ok(f.sliders.some((s) => s.plots.length) || id === 'distillation', `${id}: some slider moves a plot`);


      // reload: the answers, verdicts and mistake part are kept
      await page.reload();
      await waitReady(page);
      for (const a of f.answers) {
        assert.equal(await verdictOf(page, a.id), 'correct', `${a.id} kept after reload`);
        if (a.kind !== 'choice') assert.equal(await page.locator(`[name="${a.id}"]`).inputValue(), a.answer);
      }
      assert.match(await page.locator('#kl-summary').textContent(), new RegExp(`${f.answers.length} of \\d+ parts correct`));

      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('distillation: hints, solution, variants side by side, export and import, keyboard only, phone width, index', async () => {
  const f = facts.find((x) => x.id === 'distillation');
  const { context, page, problems } = await openPage(env, 'distillation.html', { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  try {
    const checks = [];
    await page.exposeFunction('__recordCheck', (d) => checks.push(d));
    await page.evaluate(() => document.addEventListener('kllab:check', (e) => window.__recordCheck(e.detail)));
    // keyboard only: Tab into the first answer, type, Enter
    await page.locator('#in-ex8a').focus();
    await page.keyboard.type('[0.8756, 0.1185, 0.0059]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-part="ex8a"]').dataset.verdict);
    assert.equal(await verdictOf(page, 'ex8a'), 'correct');
    // error carried forward: a wrong ex8a, then ex8b computed from it
    await answer(page, 'ex8a', 'probability', '[0.85, 0.1, 0.05]');
    assert.equal(await verdictOf(page, 'ex8a'), 'incorrect');
    const own = f.kl.evaluate('kl([0.85, 0.1, 0.05], softmax([2, 0, -1]))').value.toPrecision(4);
    await answer(page, 'ex8b', 'number', own);
    assert.equal(await verdictOf(page, 'ex8b'), 'partial');
    // an author mistake shows its pre-rendered feedback with the slot filled
    await answer(page, 'ex8a2', 'probability', 'softmax(zS, 3)');
    assert.equal(await verdictOf(page, 'ex8a2'), 'incorrect');
    assert.match(await page.locator('#fb-ex8a2').textContent(), /temperature τ = 3/);
    // hints, one at a time, made on request (none is in the page before)
    const part = page.locator('[data-part="ex8a"]');
    assert.equal(await part.locator('.kl-hints > li').count(), 0);
    await part.locator('[data-action="hint"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-part="ex8a"] .kl-hints > li').length === 1);
    assert.equal(await part.locator('.kl-hints > li:visible').count(), 1);
    await part.locator('[data-action="hint"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-part="ex8a"] .kl-hints > li').length === 2);
    assert.ok(await part.locator('[data-action="hint"]').isDisabled());
    // the solution asks first (keyboard: Enter on the button, then on the confirmation)
    assert.equal((await part.locator('.kl-solution').textContent()).includes('0.8756'), false, 'not in the page before it is asked for');
    await part.locator('[data-action="solution"]').focus();
    await page.keyboard.press('Enter');
    assert.ok(await part.locator('[data-confirm]').isVisible());
    await page.keyboard.press('Escape');
    assert.ok(!(await part.locator('[data-confirm]').isVisible()));
    await part.locator('[data-action="solution"]').click();
    await page.keyboard.press('Enter');
    await part.locator('.kl-solution').waitFor();
    assert.match(await part.locator('.kl-solution').textContent(), /0\.8756/);
    // the check event says what was checked, with the hints and solution seen before it
    await answer(page, 'ex8a', 'probability', '[0.8756, 0.1185, 0.0059]');
    assert.deepEqual(
      (({ part: p, verdict, answer: a, hints, solution, seed }) => ({ p, verdict, a, hints, solution, seed }))(checks.at(-1)),
      { p: 'ex8a', verdict: 'correct', a: '[0.8756, 0.1185, 0.0059]', hints: 2, solution: true, seed: 0 },
    );
    assert.deepEqual([checks[0].hints, checks[0].solution], [0, false]);

    // a new variant: numbers change, answers clear, and the variant's own reference is accepted
    const introBefore = await page.locator('#ex8 [data-t="intro"]').textContent();
    await page.locator('#ex8 [data-action="variant"]').click();
    await page.waitForFunction(() => Number(document.getElementById('ex8').dataset.seed) > 0);
    const seed = Number(await page.locator('#ex8').getAttribute('data-seed'));
    assert.ok(seed > 0);
    const slots = f.nb.exerciseSlots('ex8', { seed });
    const introAfter = await page.locator('#ex8 [data-t="intro"]').textContent();
    assert.ok(introAfter.includes(slots.intro[0].replace(/-/g, '−')), `intro shows ${slots.intro[0]}: ${introAfter}`);
    if (slots.intro[0] !== '[3, 1, -2]') assert.notEqual(introAfter, introBefore);
    assert.equal(await page.locator('#ex8 [data-verdict]').count(), 0);
    assert.equal(await page.locator('#in-ex8a').inputValue(), '');
    assert.equal(await part.locator('.kl-hints > li').count(), 0, "this variant's hints are not shown yet");
    const ref = f.nb.view('ex8b', { seed }).reference;
    const refA = f.nb.view('ex8a', { seed }).reference;
    await answer(page, 'ex8a', 'probability', refA);
    await answer(page, 'ex8b', 'number', ref);
    assert.equal(await verdictOf(page, 'ex8b'), 'correct');
    assert.equal(checks.at(-1).seed, seed);
    // back to the textbook numbers: that variant's work is there again, and back again to this one
    await page.locator('#ex8 [data-action="textbook"]').click();
    await page.waitForFunction(() => document.getElementById('ex8').dataset.seed === '0' && document.querySelector('[data-part="ex8b"]').dataset.verdict);
    assert.equal(await page.locator('#in-ex8b').inputValue(), own);
    // ex8b is re-checked against the learner's last ex8a of this variant (now right), as the engine does
    const expected = f.nb.check('ex8b', own, { seed: 0, earlier: { ex8a: '[0.8756, 0.1185, 0.0059]' } });
    assert.equal(await verdictOf(page, 'ex8b'), f.kl.vocabulary().verdicts.find((k) => k.name === expected.verdict).state);
    assert.equal(await verdictOf(page, 'ex8a2'), 'incorrect');
    assert.equal(await part.locator('.kl-hints > li').count(), 2);
    assert.ok(await part.locator('.kl-solution').isVisible());
    await page.locator('#ex8 [data-action="variant"]').click();
    await page.waitForFunction(() => Number(document.getElementById('ex8').dataset.seed) > 0);
    const seed2 = Number(await page.locator('#ex8').getAttribute('data-seed'));
    if (seed2 !== seed) assert.equal(await page.locator('#ex8 [data-verdict]').count(), 0, 'a third variant is fresh');
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator('#ex8').getAttribute('data-seed'), String(seed2), 'the variant shown is kept');

    // export (no prompt), reset (asks first), import (previewed, then replace)
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export"]').click()]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const exported = readFileSync(path, 'utf8');
    const preview = f.nb.previewImport(exported);
    assert.equal(preview.ok, true);
    assert.ok(preview.partsInFile >= 5, `parts with work in both variants: ${preview.partsInFile}`);
    await page.locator('[data-action="reset"]').click();
    assert.ok(await page.locator('#kl-reset-confirm').isVisible());
    await page.locator('[data-action="reset-yes"]').click();
    await page.waitForFunction(() => document.getElementById('ex8').dataset.seed === '0' && !document.querySelector('[data-verdict]'));
    await page.locator('#kl-import-file').setInputFiles(path);
    await page.locator('#kl-import-dialog').getByRole('button', { name: /Replace/ }).click();
    await page.waitForFunction((s) => document.getElementById('ex8').dataset.seed === s, String(seed2));
    await page.locator('#ex8 [data-action="textbook"]').click();
    await page.waitForFunction(() => document.querySelector('[data-part="ex8a"]').dataset.verdict === 'correct');
    assert.equal(await page.locator('#in-ex8b').inputValue(), own);

    // the index lists the notebooks in order, with this notebook's progress as the page last showed it
    const correct = /(\d+) of \d+ parts correct/.exec(await page.locator('#kl-summary').textContent())[1];
    assert.ok(Number(correct) >= 1);
    await goto(page, `${env.base}index.html`);
    const titles = await page.locator('.kl-card h2').allTextContents();
    assert.deepEqual(titles, [...facts].sort((a, b) => a.nb.info().order - b.nb.info().order).map((x) => x.title));
    const total = f.nb.cells().filter((c) => c.type === 'exercise').reduce((n, c) => n + f.nb.exercise(c.exercise).parts.length, 0);
    assert.match(await page.locator('[data-progress="distillation"]').textContent(), new RegExp(`${correct} of ${total} parts correct`));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('storage unavailable: the page works and says it cannot save', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await context.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } });
    });
    await goto(page, `${env.base}distillation.html`);
    assert.match(await page.locator('#kl-notices').textContent(), /progress will not be kept/);
    await answer(page, 'ex8b', 'number', '0.0252');
    assert.equal(await verdictOf(page, 'ex8b'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('storage full: the learner is told once what could not be saved', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await context.addInitScript(() => {
      const real = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k, v) {
        if (String(k).startsWith('kllab:')) throw new DOMException('full', 'QuotaExceededError');
        return real.call(this, k, v);
      };
    });
    await goto(page, `${env.base}distillation.html`);
    await answer(page, 'ex8b', 'number', '0.0252');
    await answer(page, 'ex8b2', 'number', '0.047');
    assert.equal(await verdictOf(page, 'ex8b2'), 'correct');
    // the record is written after the verdict is shown: wait for the notice, then count
    await page.waitForFunction(() => /storage is full/.test(document.getElementById('kl-notices').textContent));
    const notices = await page.locator('#kl-notices .kl-notice').allTextContents();
    assert.equal(notices.filter((n) => /storage is full/.test(n)).length, 1, notices.join(' | '));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a derivation: one step per line (Enter adds a line, Ctrl+Enter checks), each step checked and shown on its own', async () => {
  const kl = facts[0].kl;
  const { readFileSync } = await import('node:fs');
  const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/kl-at-work.md`, 'utf8'), 'kl-at-work.md');
  const ex = nb.cells().filter((c) => c.type === 'exercise').map((c) => nb.exercise(c.exercise));
  const part = ex.flatMap((e) => e.parts).find((p) => p.kind === 'derivation' && p.steps[0].mistakes.length);
  const steps = nb.view(part.id).reference.split(';').map((x) => x.trim());
  const probe = nb.check(part.id, steps.join('\n'));
  assert.equal(probe.verdict, 'correct');
  nb.close();
  const { context, page, problems } = await openPage(env, 'kl-at-work.html');
  try {
    const box = page.locator(`[data-part="${part.id}"]`);
    assert.equal(await box.locator('.kl-steps > li').count(), part.steps.length);
    const input = box.locator(`[name="${part.id}"]`);
    await input.focus();
    await page.keyboard.type(steps[0]);
    await page.keyboard.press('Enter');
    assert.equal(await box.getAttribute('data-verdict'), null, 'Enter does not check a derivation');
    assert.equal(await box.getAttribute('aria-busy'), null, 'no check under way either (a check marks the part busy on submit)');
    await page.keyboard.type('1 +');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction((id) => document.querySelector(`[data-part="${id}"]`).dataset.verdict, part.id);
    const rows = box.locator('.kl-step-verdicts > li');
    assert.equal(await rows.count(), part.steps.length);
    assert.equal(await rows.nth(0).getAttribute('data-verdict'), 'correct');
    assert.equal(await rows.nth(1).getAttribute('data-verdict'), 'invalid');
    assert.match(await rows.nth(0).textContent(), /Step 1/);
    // all steps right: correct
    await input.fill(steps.join('\n'));
    await clickCheck(box.locator('button[data-action="check"]'));
    await page.waitForFunction((id) => document.querySelector(`[data-part="${id}"]`).dataset.verdict === 'correct', part.id);
    assert.equal(await rows.count(), part.steps.length);
    for (let i = 0; i < part.steps.length; i++) assert.equal(await rows.nth(i).getAttribute('data-verdict'), 'correct');
    // its hints: the part's own, then each step's, labelled with the step (the engine counts them all)
    const total = part.hints.length + part.steps.reduce((n, st) => n + st.hints.length, 0);
    for (let i = 1; i <= total; i++) {
      await box.locator('[data-action="hint"]').click();
      await page.waitForFunction(([id, n]) => document.querySelectorAll(`[data-part="${id}"] .kl-hints > li`).length === n, [part.id, i]);
    }
    assert.ok(await box.locator('[data-action="hint"]').isDisabled());
    assert.match(await box.locator('.kl-hints > li').nth(part.hints.length).textContent(), /^Step 1/);
    await page.reload();
    await waitReady(page);
    assert.equal(await box.locator('.kl-hints > li').count(), total, 'every hint seen is shown again after a reload');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
