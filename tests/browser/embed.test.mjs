// Embedding: the example course page (three <kl-exercise> elements from three notebooks, one shared
// engine, score events, styles isolated both ways), the iframe embed (resizes, posts its checks), and
// <kl-notebook> (a whole notebook in an element); host pages as real course sites make them: a hostile
// theme stylesheet (computed styles inside compared with a bare page), and the element written
// self-closing. Strict CSP on every page; axe-core on each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer } from '../../site/tools/serve.mjs';
import { launch, openPage, axe, ROOT, clickCheck } from './support.mjs';

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
  await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise, kl-notebook')].every((e) => e.dataset.ready === 'true'));
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
      await clickCheck(inEmbed(page, e.notebook, `[data-part="${e.part}"] button[data-action="check"]`));
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
        {
          target: got.target, composed: got.composed, bubbles: got.bubbles, notebook: got.notebook, exercise: got.exercise, part: got.part,
          verdict: got.verdict, score: got.score, seed: got.seed, answer: got.answer, hints: got.hints, solution: got.solution,
        },
        {
          target: 'kl-exercise', composed: true, bubbles: true, notebook: e.notebook, exercise: e.exercise, part: e.part,
          verdict: 'correct', score: 1, seed: 0, answer: e.answer, hints: 0, solution: false,
        },
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

    // the embed keeps progress under the site's key: the notebook page of the same origin shows the same answer as checked
    await page.reload();
    await allReady(page);
    assert.equal(await inEmbed(page, 'distillation', '[data-part="ex8b"]').getAttribute('data-verdict'), 'correct', 'kept across reloads');
    const site = await context.newPage();
    await site.goto(`${env.base}distillation.html`);
    await site.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    assert.equal(await site.locator('[data-part="ex8b"]').getAttribute('data-verdict'), 'correct', 'shown on the site page');
    assert.equal(await site.locator('[name="ex8b"]').inputValue(), '0.0252');
    await site.close();

    assert.deepEqual(await axe(page), []);
    const frame = page.frame({ url: /embed\.html/ });
    await frame.waitForFunction(() => document.documentElement.dataset.ready === 'true');
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
    await frame.locator('html[data-ready="true"]').waitFor();
    const inner = () => page.frame({ url: /embed\.html/ }).evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    // the iframe's height follows its content once the frame's resize message is handled (the
    // predicates are synchronous: waitForFunction takes a returned promise for a truthy value)
    await page.evaluate(() => {
      window.__fits = () => {
        const f = document.getElementById('frame-embed');
        const content = Math.ceil(f.contentDocument.documentElement.getBoundingClientRect().height);
        return f.height !== '400' && Math.abs(Number(f.height) - Math.min(5000, Math.max(80, content))) <= 1;
      };
    });
    await page.waitForFunction(() => window.__fits());
    const h0 = Number(await frameEl.getAttribute('height'));
    assert.ok(Math.abs(h0 - (await inner())) <= 1, `iframe ${h0} vs content ${await inner()}`);
    const box0 = await frameEl.boundingBox();
    assert.ok(Math.abs(box0.height - h0) <= 3, 'the attribute sizes the iframe');

    // feedback makes the content taller: the iframe follows
    await frame.locator('[name="d1"]').fill('[0.9, 0.8, 0.7, 0.6]');
    // (the answer's preview first: it arrives on its own and makes the content taller too)
    await frame.locator('kl-exercise #pv-d1[data-state="readable"]').waitFor();
    await page.waitForFunction(() => window.__fits());
    await clickCheck(frame.locator('[data-part="d1"] button[data-action="check"]'));
    await frame.locator('[data-part="d1"][data-verdict]').waitFor();
    await page.waitForFunction((h) => Number(document.getElementById('frame-embed').height) > h && window.__fits(), h0);
    const h1 = Number(await frameEl.getAttribute('height'));
    assert.ok(h1 > h0 && Math.abs(h1 - (await inner())) <= 1);
    // a hint makes it taller again
    await frame.locator('[data-part="d1"] [data-action="hint"]').click();
    await page.waitForFunction((h) => Number(document.getElementById('frame-embed').height) > h, h1);

    await frame.locator('[data-part="d1"] .kl-hints > li').first().waitFor();
    await frame.locator('[name="d1"]').fill('[0.9, 0.72, 0.504, 0.3024]');
    await clickCheck(frame.locator('[data-part="d1"] button[data-action="check"]'));
    await page.waitForFunction(() => window.__messages.filter((m) => m.type === 'kllab:check').length === 2);
    const checks = await page.evaluate(() => window.__messages.filter((m) => m.type === 'kllab:check'));
    // each message carries the answer, and whether hints or the solution came before it
    assert.deepEqual(
      checks.map((m) => [m.id, m.notebook, m.exercise, m.part, m.verdict, m.score, m.answer, m.hints, m.solution]),
      [
        ['week3-diffusion', 'diffusion-kl', 'd', 'd1', 'incorrect', 0, '[0.9, 0.8, 0.7, 0.6]', 0, false],
        ['week3-diffusion', 'diffusion-kl', 'd', 'd1', 'correct', 1, '[0.9, 0.72, 0.504, 0.3024]', 1, false],
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
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    const nbEl = page.locator('kl-notebook[notebook="distillation"]');
    assert.equal(await nbEl.locator('.kl-exercise').count(), 1);
    await nbEl.locator('[name="ex8b"]').fill('0.047');
    await clickCheck(nbEl.locator('[data-part="ex8b"] button[data-action="check"]'));
    await page.waitForFunction(() => document.querySelector('kl-notebook').shadowRoot.querySelector('[data-part="ex8b"]').dataset.verdict === 'incorrect');
    assert.match(await nbEl.locator('#fb-ex8b').textContent(), /Recognised mistake/);
    assert.match(await nbEl.locator('.kl-summary').textContent(), /0 of \d+ parts correct/);
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

// ---- host pages that are hostile without meaning to be ------------------------------------------------

/** A folder served as a host site: its pages, and the KL Lab build under /kllab/. */
async function hostSite(pages) {
  const dir = mkdtempSync(`${tmpdir()}/kllab-host-`);
  symlinkSync(`${ROOT}site/dist`, `${dir}/kllab`);
  for (const [name, text] of Object.entries(pages)) writeFileSync(`${dir}/${name}`, text);
  const server = await startServer({ port: 0, dir });
  return { base: server.url, async close() { await server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const hostPage = (body, head = '') => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A course page</title>${head}
<script type="module" src="kllab/kllab-embed.js"></script>
</head>
<body><main><h1>Week 2</h1>
${body}
</main></body>
</html>
`;

// A theme's worth of rules that reach into embedded content by inheritance, by rem, and by custom properties.
const HOSTILE_CSS = `
html { font-size: 10px; }
* { font-family: serif !important; letter-spacing: .02em; }
body { color: #c0f; line-height: 3; text-transform: uppercase; text-align: center; font-size: 22px; word-spacing: 4px;
  font-style: italic; text-indent: 3em; text-shadow: 1px 1px red; white-space: pre-wrap; cursor: crosshair; font-weight: 700;
  font-variant: small-caps; list-style: square inside; visibility: visible; hyphens: auto; tab-size: 12; }
kl-exercise { font-weight: 900; color: red; letter-spacing: 3px; line-height: .5; --fg: red; --accent: lime; --radius: 0; --line: transparent; }
h3, h4, p, button, input, li, div, form, label { margin: 40px; padding: 20px; font-size: 30px; color: green; border: 5px dotted red; }
`;

const COMPARED = [
  'font-family', 'font-size', 'font-weight', 'font-style', 'font-variant-caps', 'letter-spacing', 'word-spacing', 'line-height',
  'text-transform', 'text-align', 'text-indent', 'text-shadow', 'white-space', 'color', 'background-color', 'cursor', 'visibility',
  'list-style-type', 'list-style-position', 'hyphens', 'tab-size', 'border-top-width', 'border-top-style', 'border-top-color',
  'border-top-left-radius', 'padding-top', 'padding-left', 'margin-top', 'margin-left', 'min-height',
];

/** Computed styles of every element inside the embed, after a check (so the feedback is there too). */
async function insideStyles(base, page, path) {
  await page.goto(base + path);
  await page.waitForFunction(() => document.querySelector('kl-exercise')?.dataset.ready === 'true');
  const part = page.locator('kl-exercise [data-part="ex8b"]');
  await part.locator('[name="ex8b"]').fill('0.047');
  await clickCheck(part.locator('button[data-action="check"]'));
  await page.waitForFunction(() => document.querySelector('kl-exercise').shadowRoot.querySelector('[data-part="ex8b"]').dataset.verdict);
  // and the answer's preview (preview.mjs), which arrives on its own
  await page.waitForFunction(() => document.querySelector('kl-exercise').shadowRoot.getElementById('pv-ex8b').dataset.state === 'readable');
  // a hint and the solution too (shown on request, from the reveal file)
  await part.locator('[data-action="hint"]').click();
  await part.locator('[data-action="solution"]').click();
  await part.locator('[data-action="solution-yes"]').click();
  await page.waitForFunction(() => {
    const p = document.querySelector('kl-exercise').shadowRoot.querySelector('[data-part="ex8b"]');
    return p.querySelector('.kl-hints > li') && p.querySelector('.kl-solution-body').childElementCount > 0;
  });
  return page.evaluate((props) => {
    const root = document.querySelector('kl-exercise').shadowRoot;
    return [...root.querySelectorAll('*')].filter((e) => e.localName !== 'link').map((e, i) => {
      const cs = getComputedStyle(e);
      return { el: `${i} ${e.localName}.${e.className}`, ...Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)])) };
    });
  }, COMPARED);
}

test('host CSS does not reach in: every element inside computes the same styles under a hostile host stylesheet as on a bare page', async () => {
  const site = await hostSite({
    'bare.html': hostPage('<kl-exercise notebook="distillation" exercise="ex8"></kl-exercise>'),
    'hostile.html': hostPage('<kl-exercise notebook="distillation" exercise="ex8"></kl-exercise>', '\n<link rel="stylesheet" href="hostile.css">'),
    'hostile.css': HOSTILE_CSS,
  });
  const { context, page, problems } = await openPage({ browser: env.browser, base: site.base }, null);
  try {
    // each page in a fresh profile, so both start from an empty record
    const other = await openPage({ browser: env.browser, base: site.base }, null);
    const bare = await insideStyles(site.base, other.page, 'bare.html');
    assert.deepEqual(other.problems, []);
    await other.context.close();
    const hostile = await insideStyles(site.base, page, 'hostile.html');
    // the hostile sheet is in force outside
    assert.match(await page.evaluate(() => getComputedStyle(document.querySelector('h1')).fontFamily), /serif/);
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('kl-exercise')).letterSpacing), '3px');
    assert.ok(bare.length > 40, `${bare.length} elements compared`);
    assert.equal(hostile.length, bare.length);
    for (let i = 0; i < bare.length; i++) assert.deepEqual(hostile[i], bare[i]);
    // and inside, the site's own look: its font, its 16px rem (a part heading is 1.15rem in style.css? the buttons' min-height is 2.25rem)
    const button = bare.find((x) => x.el.includes('button') && x['min-height'] !== 'auto');
    assert.equal(button['min-height'], '36px');
    assert.doesNotMatch(bare.find((x) => x.el.includes(' h3'))['font-family'], /^serif$/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await site.close();
  }
});

test('<kl-exercise … /> written self-closing: the swallowed rest of the page is put back, visible, in order, with a console warning', async () => {
  const site = await hostSite({
    'self-closing.html': hostPage(`<kl-exercise notebook="distillation" exercise="ex8" />
<p id="after-1">Read this after the first exercise.</p>
<kl-exercise notebook="vae-elbo" exercise="ex6" />
<p id="after-2">And this at the end.</p>
<div id="last"><a href="#after-1">Back up</a></div>`),
  });
  const { context, page, problems } = await openPage({ browser: env.browser, base: site.base }, null);
  try {
    const warnings = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await page.goto(`${site.base}self-closing.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise')].every((e) => e.dataset.ready === 'true'));
    for (const id of ['after-1', 'after-2', 'last']) {
      assert.equal(await page.locator(`#${id}`).isVisible(), true, `#${id} is visible`);
      assert.equal(await page.evaluate((x) => document.getElementById(x).closest('kl-exercise'), id), null, `#${id} is not inside an element`);
    }
    // in the order written
    const order = await page.evaluate(() => [...document.querySelectorAll('kl-exercise, #after-1, #after-2, #last')].map((e) => e.id || e.getAttribute('notebook')));
    assert.deepEqual(order, ['distillation', 'after-1', 'vae-elbo', 'after-2', 'last']);
    // both exercises work
    const ex = page.locator('kl-exercise[notebook="vae-elbo"] [data-part="ex6c"]');
    await ex.locator('[name="ex6c"]').fill('0.9090909');
    await clickCheck(ex.locator('button[data-action="check"]'));
    await page.waitForFunction(() => document.querySelector('kl-exercise[notebook="vae-elbo"]').shadowRoot.querySelector('[data-part="ex6c"]').dataset.verdict === 'correct');
    // each element that swallowed content says so once, naming itself and the fix
    assert.equal(warnings.length, 2, warnings.join('\n'));
    for (const [nb, ex] of [['distillation', 'ex8'], ['vae-elbo', 'ex6']]) {
      assert.ok(warnings.some((w) => w.includes(`<kl-exercise notebook="${nb}" exercise="${ex}"> had content inside it`) && w.includes('write <kl-exercise …></kl-exercise>')), nb);
    }
    // elements written properly say nothing
    await page.goto(`${env.base}example-course.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise')].every((e) => e.dataset.ready === 'true'));
    assert.equal(warnings.length, 2);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await site.close();
  }
});

test('the learner attribute: each learner their own record, never mixed, on one page and across reloads', async () => {
  const site = await hostSite({
    'two.html': hostPage('<kl-exercise notebook="distillation" exercise="ex8" learner="ada" learner-name="Ada"></kl-exercise>\n<kl-exercise notebook="distillation" exercise="ex8" learner="bob"></kl-exercise>'),
  });
  const { context, page, problems } = await openPage({ browser: env.browser, base: site.base }, null);
  try {
    const events = [];
    await page.exposeFunction('__recordCheck', (d) => events.push(d));
    await context.addInitScript(() => document.addEventListener('kllab:check', (e) => window.__recordCheck(e.detail)));
    await page.goto(`${site.base}two.html`);
    await allReady(page);
    const ada = (sel) => page.locator(`kl-exercise[learner="ada"] ${sel}`);
    const bob = (sel) => page.locator(`kl-exercise[learner="bob"] ${sel}`);
    await ada('[name="ex8b"]').fill('0.0252');
    await clickCheck(ada('[data-part="ex8b"] button[data-action="check"]'));
    await page.waitForFunction(() => document.querySelector('kl-exercise[learner="ada"]').shadowRoot.querySelector('[data-part="ex8b"]').dataset.verdict === 'correct');
    await bob('[name="ex8b2"]').fill('0.0470');
    await clickCheck(bob('[data-part="ex8b2"] button[data-action="check"]'));
    await page.waitForFunction(() => document.querySelector('kl-exercise[learner="bob"]').shadowRoot.querySelector('[data-part="ex8b2"]').dataset.verdict === 'correct');
    assert.equal(await bob('[data-part="ex8b"]').getAttribute('data-verdict'), null);
    assert.equal(events.length, 2);
    await page.waitForFunction(() => ['ada', 'bob'].every((l) => localStorage.getItem(`kllab:progress:distillation@${l}`)));
    await page.reload();
    await allReady(page);
    assert.equal(await ada('[data-part="ex8b"]').getAttribute('data-verdict'), 'correct');
    assert.equal(await ada('[data-part="ex8b2"]').getAttribute('data-verdict'), null, "Bob's answer is not Ada's");
    assert.equal(await bob('[data-part="ex8b2"]').getAttribute('data-verdict'), 'correct');
    assert.equal(await bob('[data-part="ex8b"]').getAttribute('data-verdict'), null, "Ada's answer is not Bob's");
    assert.equal(await page.evaluate(() => localStorage.getItem('kllab:progress:distillation')), null, 'nothing anonymous');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await site.close();
  }
});
