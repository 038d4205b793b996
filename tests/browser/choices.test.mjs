// Choices on screen in each variant's own order (the engine's shuffle: exerciseSlots().parts[id].order):
// the page is built in the textbook variant's order and reorders the options when the variant changes;
// the value checked stays the authored option's number, so checking is right in every order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, openPage, referenceAnswer, axe, ROOT, clickCheck } from './support.mjs';
import { engine } from '../node/support.mjs';

let env, kl;
before(async () => {
  env = await launch();
  kl = await engine();
});
after(async () => env?.stop());

/** Every choice part of every notebook: {notebook, exercise, part} */
function choiceParts() {
  const out = [];
  for (const id of ['kl-foundations', 'distillation', 'vae-elbo', 'diffusion-kl', 'kl-at-work']) {
    const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/${id}.md`, 'utf8'), `${id}.md`);
    for (const c of nb.cells().filter((x) => x.type === 'exercise')) {
      for (const p of nb.exercise(c.exercise).parts) if (p.kind === 'choice') out.push({ notebook: id, nb, exercise: c.exercise, part: p });
    }
  }
  return out;
}

const shownOrder = (page, part) => page.locator(`[data-part="${part}"] .kl-choice[data-choice]`).evaluateAll((xs) => xs.map((x) => Number(x.dataset.choice) - 1));

test('every choice part is built in the textbook variant\'s order, the engine\'s', async () => {
  const parts = choiceParts();
  assert.ok(parts.length >= 5, `${parts.length} choice parts`);
  const { context, page, problems } = await openPage(env, null);
  try {
    let shuffled = 0;
    for (const notebook of new Set(parts.map((p) => p.notebook))) {
      await page.goto(`${env.base}${notebook}.html`);
      for (const p of parts.filter((x) => x.notebook === notebook)) {
        const order = p.nb.exerciseSlots(p.exercise, { seed: 0 }).parts[p.part.id].order;
        assert.deepEqual(await shownOrder(page, p.part.id), order, p.part.id);
        // the radios keep their authored numbers
        const values = await page.locator(`[data-part="${p.part.id}"] input[type="radio"]`).evaluateAll((xs) => xs.map((x) => Number(x.value) - 1));
        assert.deepEqual(values, order);
        if (order.some((v, i) => v !== i)) shuffled++;
      }
    }
    // the textbook variant is shuffled too: not every part shows its options as authored
    assert.ok(shuffled > 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a new variant shows its own order (the engine\'s for that seed), and the right option is still right', async () => {
  const { nb, exercise, part } = choiceParts().find((p) => p.notebook === 'distillation');
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    const textbook = await shownOrder(page, part.id);
    const seen = new Set([JSON.stringify(textbook)]);
    let seed = 0;
    // new variants until one orders the options differently from the textbook's
    for (let i = 0; i < 30 && seen.size < 2; i++) {
      await page.locator(`#${exercise} [data-action="variant"]`).click();
      await page.waitForFunction(([x, s]) => document.getElementById(x).dataset.seed && document.getElementById(x).dataset.seed !== s, [exercise, String(seed)]);
      seed = Number(await page.locator(`#${exercise}`).getAttribute('data-seed'));
      const order = await shownOrder(page, part.id);
      assert.deepEqual(order, nb.exerciseSlots(exercise, { seed }).parts[part.id].order, `seed ${seed}`);
      seen.add(JSON.stringify(order));
    }
    assert.equal(seen.size, 2, 'the order changes with the seed');
    // checking: the right option by its authored number, wherever it now stands
    const right = referenceAnswer(nb, part, seed);
    await page.locator(`[data-part="${part.id}"] input[type="radio"][value="${right}"]`).check();
    await clickCheck(page.locator(`[data-part="${part.id}"] [data-action="check"]`));
    await page.waitForFunction((id) => document.querySelector(`[data-part="${id}"]`).dataset.verdict, part.id);
    assert.equal(await page.locator(`[data-part="${part.id}"]`).getAttribute('data-verdict'), 'correct');
    // a wrong one gets the engine's feedback for it
    const wrong = String(((Number(right) % part.choices.length) + 1));
    const expected = nb.check(part.id, wrong, { seed });
    await page.locator(`[data-part="${part.id}"] input[type="radio"][value="${wrong}"]`).check();
    await clickCheck(page.locator(`[data-part="${part.id}"] [data-action="check"]`));
    await page.waitForFunction((id) => document.querySelector(`[data-part="${id}"]`).dataset.verdict === 'incorrect', part.id);
    assert.ok((await page.locator(`#fb-${part.id}`).textContent()).length > 10);
    assert.equal(expected.verdict, 'incorrect');
    // back to the textbook numbers: the textbook order
    await page.locator(`#${exercise} [data-action="textbook"]`).click();
    await page.waitForFunction((x) => document.getElementById(x).dataset.seed === '0', exercise);
    assert.deepEqual(await shownOrder(page, part.id), textbook);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
