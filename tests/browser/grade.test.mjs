// Grading a class, start to finish (issue 12, "Done when"): a learner works in a real page opened with
// ?learner=... (right answers, a wrong one, an error-carried-forward answer, a hint, a solution, a
// variant change), exports with the page's Export button; `build/native/kllab grade` of that file
// gives the expected credit for every part; a copy whose stored verdicts were edited gets the same
// score and a `tampered` flag; a copy whose notebook hash was changed is flagged `notebook-changed`.
// The exported file and its CSV are the worked example of README "Grading a class" (written to
// build/grade-example/ for it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { launch, openPage, ROOT, clickCheck } from './support.mjs';
import { engine } from '../node/support.mjs';

const KLLAB = `${ROOT}build/native/kllab`;
const OUT = `${ROOT}build/grade-example/`;
const POLICY = ['--policy', 'best', '--hint-penalty', '0.1', '--solution-penalty', '0.5'];

let env, kl;
before(async () => {
  [env, kl] = await Promise.all([launch(), engine()]);
  mkdirSync(`${OUT}notebooks`, { recursive: true });
  copyFileSync(`${ROOT}site/notebooks/distillation.md`, `${OUT}notebooks/distillation.md`);
});
after(async () => env?.stop());

/** Parses the grade sheet: one object per row, by column name. */
function csv(text) {
  const rows = text.trim().split('\n').map((line) => {
    const cells = [];
    let cur = '', quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') cells.push(cur), (cur = '');
      else cur += c;
    }
    cells.push(cur);
    return cells;
  });
  const [head, ...body] = rows;
  return { head, rows: body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]]))) };
}

function grade(...files) {
  return csv(execFileSync(KLLAB, ['grade', '--notebooks', `${OUT}notebooks`, ...POLICY, ...files], { encoding: 'utf8' }));
}

test('a learner works in the page, exports; kllab grade re-checks the file: expected credits, tampering and a changed notebook flagged', async () => {
  const score = Object.fromEntries(kl.vocabulary().verdicts.map((v) => [v.name, v.score]));
  const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
  const { context, page, problems } = await openPage(env, 'distillation.html?learner=s-042&name=Ada%20Lovelace');
  try {
    const check = async (part, text) => {
      await page.locator(`[name="${part}"]`).fill(text);
      await clickCheck(page.locator(`[data-part="${part}"] button[data-action="check"]`));
      await page.waitForFunction((id) => {
        const el = document.querySelector(`[data-part="${id}"]`);
        return el.dataset.verdict && !el.hasAttribute('aria-busy');
      }, part);
      return page.locator(`[data-part="${part}"]`).getAttribute('data-verdict');
    };
    const wrongA = '[0.85, 0.1, 0.05]';
    const ecf = kl.evaluate(`kl(${wrongA}, softmax([2, 0, -1]))`).value.toPrecision(4);
    // a wrong answer, then error carried forward from it
    assert.equal(await check('ex8a', wrongA), 'incorrect');
    assert.equal(await check('ex8b', ecf), 'partial');
    // a hint, then a right answer
    await page.locator('[data-part="ex8a2"] [data-action="hint"]').click();
    await page.locator('[data-part="ex8a2"] .kl-hints > li').waitFor();
    assert.equal(await check('ex8a2', nb.view('ex8a2').reference), 'correct');
    // a wrong answer
    assert.equal(await check('ex8b2', '0.5'), 'incorrect');
    // the solution, then a right answer
    await page.locator('[data-part="ex8c"] [data-action="solution"]').click();
    await page.locator('[data-part="ex8c"] [data-action="solution-yes"]').click();
    await page.locator('[data-part="ex8c"] .kl-solution-body > *').first().waitFor();
    assert.equal(await check('ex8c', nb.view('ex8c').reference), 'correct');
    // a right answer
    assert.equal(await check('ex8c3', nb.view('ex8c3').reference), 'correct');
    // another variant: a right answer there, then back to the textbook numbers (the work is still there)
    await page.locator('#ex8 [data-action="variant"]').click();
    await page.waitForFunction(() => Number(document.getElementById('ex8').dataset.seed) > 0);
    const seed = Number(await page.locator('#ex8').getAttribute('data-seed'));
    assert.equal(await check('ex8d', nb.view('ex8d', { seed }).reference), 'correct');
    await page.locator('#ex8 [data-action="textbook"]').click();
    await page.waitForFunction(() => document.getElementById('ex8').dataset.seed === '0' && document.querySelector('[data-part="ex8c3"]').dataset.verdict === 'correct');

    // Export: the page's button, no prompt
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="export"]').click()]);
    assert.match(download.suggestedFilename(), /^kllab-distillation-s-042-\d{4}-\d\d-\d\d\.json$/);
    const file = `${OUT}s-042.json`;
    writeFileSync(file, readFileSync(await download.path(), 'utf8'));

    // 1. the file as exported
    const sheet = grade(file);
    const parts = nb.cells().filter((c) => c.type === 'exercise').flatMap((c) => nb.exercise(c.exercise).parts.map((p) => p.id));
    assert.deepEqual(sheet.head, ['learner', 'notebook', 'score', 'max', ...parts, 'flags']);
    const [row] = sheet.rows;
    const expected = {
      ex8a: score.incorrect,
      ex8b: score.correct_given_earlier,
      ex8a2: score.correct * (1 - 0.1), // one hint seen before it
      ex8b2: score.incorrect,
      ex8c: score.correct * (1 - 0.5), // the solution shown before it
      ex8c3: score.correct,
      ex8d: score.correct, // in the learner's other variant
    };
    assert.equal(row.learner, 's-042');
    assert.equal(row.notebook, 'distillation');
    for (const p of parts) assert.ok(Math.abs(Number(row[p] || 0) - (expected[p] ?? 0)) < 1e-9, `${p}: ${row[p]}, expected ${expected[p] ?? 0}`);
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(Number(row.score) - total) < 1e-9, `score ${row.score}, expected ${total}`);
    assert.equal(Number(row.max), parts.length);
    assert.equal(row.flags, '');

    // 2. a copy whose stored verdicts and scores all say "correct": the same score, flagged
    const x = JSON.parse(readFileSync(file, 'utf8'));
    const edit = (o, f) => {
      if (Array.isArray(o)) o.forEach((y) => edit(y, f));
      else if (o && typeof o === 'object') {
        f(o);
        Object.values(o).forEach((y) => edit(y, f));
      }
    };
    const forged = structuredClone(x);
    edit(forged, (o) => 'verdict' in o && 'answer' in o && Object.assign(o, { verdict: 'correct', score: 1 }));
    writeFileSync(`${OUT}s-042-tampered.json`, JSON.stringify(forged, null, 1));
    // 3. a copy made against another version of the notebook's exercises
    const changed = structuredClone(x);
    edit(changed, (o) => 'notebookHash' in o && (o.notebookHash = '0123456789abcdef'));
    writeFileSync(`${OUT}s-042-changed.json`, JSON.stringify(changed));
    const all = grade(file, `${OUT}s-042-tampered.json`, `${OUT}s-042-changed.json`);
    const [asIs, tampered, moved] = all.rows;
    assert.equal(tampered.score, asIs.score, 'edited verdicts gain nothing');
    for (const p of parts) assert.equal(tampered[p], asIs[p], p);
    assert.deepEqual(tampered.flags.split(';').sort(), ['ex8a', 'ex8b', 'ex8b2'].map((p) => `tampered:${p}`), 'exactly the parts whose stored verdict changed');
    assert.equal(moved.flags, 'notebook-changed');
    assert.equal(moved.score, asIs.score);
    writeFileSync(`${OUT}grades.csv`, execFileSync(KLLAB, ['grade', '--notebooks', `${OUT}notebooks`, ...POLICY, file, `${OUT}s-042-tampered.json`, `${OUT}s-042-changed.json`], { encoding: 'utf8' }));
    assert.deepEqual(problems, []);
  } finally {
    nb.close();
    await context.close();
  }
});
