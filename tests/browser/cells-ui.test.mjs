// Cells that follow the learner: a slider moves a marker on the plot whose x axis is its quantity
// (site/src/plot-marks.mjs), plot titles with {{name}} follow the sliders and the edited cells, and edits
// of the code cells survive a reload (site/src/cell-store.mjs), with Revert as the way back; stored
// edits that are damaged are ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, goto, waitReady, notebookFacts, axe, slowNotebooks } from './support.mjs';
import { shortValue } from '../../site/src/view.mjs';

let env, facts;
before(async () => {
  env = await launch();
  facts = await notebookFacts();
});
after(async () => env?.stop());

test('a slider moves its marker on the plots whose x axis it is, at once; the others have none', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    let marked = 0;
    for (const f of facts) {
      await goto(page, `${env.base}${f.id}.html`);
      for (const s of f.sliders) {
        const figs = page.locator(`.kl-plot[data-marker="${s.name}"]`);
        const n = await figs.count();
        if (!n) continue;
        marked += n;
        const input = page.locator(`#range-${s.name}`);
        await input.focus();
        await input.press('ArrowRight');
        await input.press('ArrowRight');
        const value = await input.inputValue();
        for (let i = 0; i < n; i++) {
          const svg = figs.nth(i).locator('svg.kl-svg');
          await page.waitForFunction(([el, v]) => el.dataset.markerValue === v, [await svg.elementHandle(), value]);
          const m = await svg.evaluate((el) => {
            const [x0, x1, left, right] = el.dataset.frame.split(' ').map(Number);
            const line = el.querySelector('g.kl-marker line');
            return { x: Number(line.getAttribute('x1')), x0, x1, left, right, label: el.querySelector('g.kl-marker text').textContent, shown: getComputedStyle(el.querySelector('g.kl-marker')).display !== 'none' };
          });
          // the line stands where the slider's value is on the x axis
          const expected = m.left + ((Number(value) - m.x0) / (m.x1 - m.x0)) * (m.right - m.left);
          assert.ok(m.shown && Math.abs(m.x - expected) < 0.2, `${f.id} ${s.name}: line at ${m.x}, value ${value} at ${expected}`);
          assert.ok(m.label.endsWith(`= ${value.replace('-', '−')}`), m.label);
        }
      }
      // a plot the slider redraws (it depends on the slider) has no marker of that slider
      for (const s of f.sliders) for (const p of s.plots) assert.notEqual(await page.locator(`.kl-plot[data-plot="${p}"]`).getAttribute('data-marker'), s.name, `${f.id} ${p}`);
    }
    assert.ok(marked >= 6, `${marked} plots mark a slider`);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('plot titles follow the slider and the edited cells', async () => {
  const { context, page, problems } = await openPage(env, 'kl-foundations.html');
  try {
    const title = (id) => page.locator(`.kl-plot[data-plot="${id}"] figcaption`).textContent();
    assert.match(await title('densities'), /q = N\(1, 0\.25\)/);
    const mu = page.locator('#range-mu_q');
    await mu.focus();
    await mu.press('ArrowLeft');
    await page.waitForFunction(() => /q = N\(0\.95, 0\.25\)/.test(document.querySelector('.kl-plot[data-plot="densities"] figcaption').textContent));
    // the chart's accessible title says the same
    assert.match(await page.locator('.kl-plot[data-plot="densities"] svg > title').textContent(), /q = N\(0\.95, 0\.25\)/);

    assert.match(await title('ce-vs-model'), /\(data = \[0\.5, 0\.5\]\)/);
    const src = page.locator('#src-setup');
    await src.fill((await src.inputValue()).replace(/pdata = \[[^\]]*\]/, 'pdata = [0.6, 0.4]'));
    await src.press('Control+Enter');
    await page.waitForFunction(() => /\(data = \[0\.6, 0\.4\]\)/.test(document.querySelector('.kl-plot[data-plot="ce-vs-model"] figcaption').textContent));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a slider moved while the first run of the cells is under way keeps its value in the title', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    // the first run of the cells (the page asks for it when the slider gets the focus) takes a second
    // longer, so that its results, computed with the old value, arrive after the slider moved
    await slowNotebooks(context, 'runAll', 1000);
    await goto(page, `${env.base}kl-foundations.html`);
    const caption = '.kl-plot[data-plot="densities"] figcaption';
    await page.evaluate((sel) => {
      const cap = document.querySelector(sel);
      window.__captions = [];
      new MutationObserver(() => window.__captions.push(cap.textContent)).observe(cap, { childList: true, characterData: true, subtree: true });
    }, caption);
    const mu = page.locator('#range-mu_q');
    await mu.focus();
    await mu.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('[data-cells]').dataset.cells === 'ran');
    // the plot is drawn again for the new value, with the slider's value in both titles
    await page.waitForFunction((sel) => Number(document.querySelector(sel).closest('.kl-plot').dataset.version || 0) > 0, caption);
    const seen = await page.evaluate(() => window.__captions);
    assert.ok(seen.length > 0 && seen.every((t) => /q = N\(0\.95, 0\.25\)/.test(t)), `the title went through: ${JSON.stringify(seen)}`);
    assert.match(await page.locator('.kl-plot[data-plot="densities"] svg > title').textContent(), /q = N\(0\.95, 0\.25\)/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an edit is kept as soon as its first output shows, while the plots after it are still being drawn', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    // each plot takes a moment longer in the worker: the outputs of an edit come well before its plots
    await slowNotebooks(context, 'plot', 1500);
    await goto(page, `${env.base}kl-foundations.html`);
    const out = '.kl-code[data-cell="at-slider"] [data-output]';
    const before = await page.locator(out).textContent();
    const modified = (await page.locator('#src-bimodal').inputValue()).replace('seed = 7', 'seed = 8');
    await page.locator('#src-bimodal').fill(modified);
    await page.locator('.kl-code[data-cell="bimodal"] [data-action="run"]').click();
    // the dependent cell's output (drawn before the two plots that follow it), then a reload at once
    await page.waitForFunction(([sel, b]) => document.querySelector(sel).textContent !== b, [out, before]);
    assert.equal(await page.locator('.kl-code[data-cell="bimodal"]').getAttribute('data-edited'), 'true');
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator('#src-bimodal').inputValue(), modified, 'the edit is kept');
    assert.equal(await page.locator('.kl-code[data-cell="bimodal"]').getAttribute('data-edited'), 'true');
    await page.waitForFunction(() => /back from your last visit/.test(document.getElementById('kl-notices').textContent));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an edited cell survives a reload, with its outputs; Revert brings the original back for good', async () => {
  const f = facts.find((x) => x.edit);
  const { cell, source, modified, dependent } = f.edit;
  const before = f.nb.runAll().find((r) => r.cell === dependent).values.map(shortValue);
  const edited = f.nb.editCell(cell, modified).cells.find((r) => r.cell === dependent).values.map(shortValue);
  f.nb.editCell(cell, source);
  const out = (page) => page.locator(`.kl-code[data-cell="${dependent}"] [data-output] .kl-text`).evaluateAll((xs) => xs.map((x) => x.textContent));
  const { context, page, problems } = await openPage(env, `${f.id}.html`);
  try {
    await page.locator(`#src-${cell}`).fill(modified);
    await page.locator(`#src-${cell}`).press('Control+Enter');
    await page.waitForFunction(([id, v]) => document.querySelector(`.kl-code[data-cell="${id}"] [data-output]`).textContent.includes(v), [dependent, edited[0]]);

    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator(`#src-${cell}`).inputValue(), modified);
    assert.equal(await page.locator(`.kl-code[data-cell="${cell}"]`).getAttribute('data-edited'), 'true');
    assert.ok(await page.locator(`.kl-code[data-cell="${cell}"] [data-action="revert"]`).isVisible());
    // the outputs are those of the edit, computed again by the engine
    await page.waitForFunction(([id, v]) => document.querySelector(`.kl-code[data-cell="${id}"] [data-output]`).textContent.includes(v), [dependent, edited[0]]);
    assert.deepEqual(await out(page), edited);
    // the notice comes once every kept edit has run, outputs and plots drawn
    await page.waitForFunction(() => /back from your last visit.*Revert/.test(document.getElementById('kl-notices').textContent));

    await page.locator(`.kl-code[data-cell="${cell}"] [data-action="revert"]`).click();
    await page.waitForFunction(([id, v]) => document.querySelector(`.kl-code[data-cell="${id}"] [data-output]`).textContent.includes(v), [dependent, before[0]]);
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator(`#src-${cell}`).inputValue(), source);
    assert.equal(await page.locator(`.kl-code[data-cell="${cell}"]`).getAttribute('data-edited'), null);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('damaged stored edits are ignored: the notebook\'s own code, no error', async () => {
  const f = facts.find((x) => x.edit);
  const { context, page, problems } = await openPage(env, `${f.id}.html`);
  try {
    for (const bad of ['not json', '{"v": 1, "cells": ["x"]}', `{"v": 1, "cells": {"${f.edit.cell}": 42}}`, `{"v": 9, "cells": {"${f.edit.cell}": "x = 1"}}`]) {
      await page.evaluate(([k, v]) => localStorage.setItem(k, v), [`kllab:cells:${f.id}`, bad]);
      await page.reload();
      await waitReady(page);
      assert.equal(await page.locator(`#src-${f.edit.cell}`).inputValue(), f.edit.source, bad);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
