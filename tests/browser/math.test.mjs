// Maths that renders anywhere: the site's own math font (site/tools/math-font.mjs), served from the site
// under the strict CSP and inlined in the offline files, and screenshot comparisons of a fixed set of
// formulas (ᾱ, 𝔼, 𝒩, stretchy brackets, fractions, sums, the DDPM bound) at desktop and phone width
// against committed baselines (tests/browser/baselines/math/), with a tolerance (pixelmatch): a regression
// in how maths renders (the font not loading, a glyph or a stretchy construction lost in the subset, the
// styled letters written back as plain ones) fails. Chromium here has no math font of its own, so what
// is measured is the site's font. Then: at phone width no formula of any page overflows its column
// unseen (it fits, or it scrolls with a visible cue and can be reached by keyboard).
//
// UPDATE_BASELINES=1 node --test tests/browser/math.test.mjs writes the baselines anew (look at them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync, cpSync, rmSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import pixelmatch from 'pixelmatch';
import { renderText } from '../../site/tools/render.mjs';
import { cspMeta } from '../../site/tools/csp.mjs';
import { MATH_FAMILY, MATH_FONT_FILE, MATH_FONT_CSS } from '../../site/tools/math-font.mjs';
import { startServer } from '../../site/tools/serve.mjs';
import { launch, openPage, goto, waitReady, ROOT } from './support.mjs';

const DIST = `${ROOT}site/dist/`;
const BASELINES = `${ROOT}tests/browser/baselines/math/`;
const FIXTURE = `${ROOT}build/test-math/`;
const UPDATE = process.env.UPDATE_BASELINES === '1';

/** The formulas compared, fixed here (not read from a notebook, so editing prose never moves them). */
const FORMULAS = {
  'alpha-bar': String.raw`\bar\alpha_t = \prod_{s=1}^{t} (1 - \beta_s), \qquad \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon`,
  'expectation': String.raw`\mathbb{E}_{q_\phi(z \mid x)}\big[\log p(x \mid z)\big]`,
  'normal': String.raw`q(x_t \mid x_0) = \mathcal{N}\big(\sqrt{\bar\alpha_t}\,x_0,\; 1 - \bar\alpha_t\big)`,
  'brackets': String.raw`\left(\frac{p(x)}{q(x)}\right) \left[\sum_{i=1}^{n} \frac{a_i}{b_i}\right] \left\lvert \frac{1}{2} \right\rvert`,
  'fraction': String.raw`\mathrm{KL}(p\|q) = \ln\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2} - \frac{1}{2}`,
  'sum': String.raw`\mathrm{KL}(p\|q) = \sum_{x} p(x) \ln \frac{p(x)}{q(x)} \ge 0`,
  'ddpm-bound': String.raw`-\log p_\theta(x_0) \;\le\;
\underbrace{\mathrm{KL}\big(q(x_T \mid x_0) \,\|\, p(x_T)\big)}_{L_T}
\;+\; \sum_{t=2}^{T} \underbrace{\mathrm{KL}\big(q(x_{t-1} \mid x_t, x_0) \,\|\, p_\theta(x_{t-1} \mid x_t)\big)}_{L_{t-1}}
\;-\; \underbrace{\log p_\theta(x_0 \mid x_1)}_{L_0} .`,
};
const SIZES = { desktop: { width: 1100, height: 900 }, phone: { width: 390, height: 844 } };
/** pixelmatch's colour threshold, and the share of pixels allowed to differ (antialiasing noise). */
const THRESHOLD = 0.1;
const MAX_DIFF = 0.005;

let env, fixture;
before(async () => {
  env = await launch();
  // the fixture: the formulas rendered by the build's own renderer, with the built stylesheet and font
  rmSync(FIXTURE, { recursive: true, force: true });
  mkdirSync(`${FIXTURE}fonts`, { recursive: true });
  cpSync(`${DIST}style.css`, `${FIXTURE}style.css`);
  cpSync(`${DIST}${MATH_FONT_CSS}`, `${FIXTURE}${MATH_FONT_CSS}`);
  cpSync(DIST + MATH_FONT_FILE, FIXTURE + MATH_FONT_FILE);
  const errors = [];
  const body = Object.entries(FORMULAS)
    .map(([id, tex]) => `<div class="f" id="${id}">${renderText(`$$\n${tex}\n$$`, { errors }).html}</div>`)
    .join('\n');
  assert.deepEqual(errors, []);
  writeFileSync(
    `${FIXTURE}index.html`,
    `<!doctype html><html lang="en"><head><meta charset="utf-8">${cspMeta()}<meta name="viewport" content="width=device-width, initial-scale=1"><title>math</title><link rel="stylesheet" href="${MATH_FONT_CSS}"><link rel="stylesheet" href="style.css"></head>
<body class="kl-notebook-page"><main id="main" class="kl-notebook">${body}</main></body></html>`,
  );
  fixture = await startServer({ port: 0, dir: FIXTURE });
});
after(async () => {
  await fixture?.close();
  await env?.stop();
});

async function formulaShots(size, { blockFont = false } = {}) {
  const { context, page, problems } = await openPage(env, null, { viewport: SIZES[size] });
  if (blockFont) await page.route('**/*.woff2', (r) => r.abort());
  try {
    await page.goto(fixture.url);
    await page.evaluate(() => document.fonts.ready);
    const shots = {};
    for (const id of Object.keys(FORMULAS)) shots[id] = await page.locator(`#${id} math`).screenshot({ animations: 'disabled' });
    const loaded = await page.evaluate((family) => [...document.fonts].some((f) => f.family.replace(/"/g, '') === family && f.status === 'loaded'), MATH_FAMILY);
    return { shots, loaded, problems };
  } finally {
    await context.close();
  }
}

/** The share of pixels that differ between two PNGs (1 when their sizes differ). */
function difference(a, b) {
  const x = PNG.sync.read(a);
  const y = PNG.sync.read(b);
  if (x.width !== y.width || x.height !== y.height) return { share: 1, why: `size ${x.width}×${x.height}, baseline ${y.width}×${y.height}` };
  const n = pixelmatch(x.data, y.data, null, x.width, x.height, { threshold: THRESHOLD });
  return { share: n / (x.width * x.height), why: `${n} of ${x.width * x.height} pixels differ` };
}

for (const size of Object.keys(SIZES)) {
  test(`the formulas at ${size} width look as their baselines (the site's math font, under the strict CSP)`, async (t) => {
    const { shots, loaded, problems } = await formulaShots(size);
    assert.equal(loaded, true, `the ${MATH_FAMILY} font loaded`);
    assert.deepEqual(problems, []);
    mkdirSync(BASELINES, { recursive: true });
    for (const [id, png] of Object.entries(shots)) {
      const file = `${BASELINES}${id}-${size}.png`;
      if (UPDATE || !existsSync(file)) {
        if (!UPDATE) assert.fail(`no baseline ${file}: run UPDATE_BASELINES=1 node --test tests/browser/math.test.mjs and look at the images`);
        writeFileSync(file, png);
        t.diagnostic(`wrote ${file.replace(ROOT, '')}`);
        continue;
      }
      const d = difference(png, readFileSync(file));
      if (d.share > MAX_DIFF) writeFileSync(`${FIXTURE}${id}-${size}-actual.png`, png);
      assert.ok(d.share <= MAX_DIFF, `${id} at ${size}: ${d.why} (the image is in ${FIXTURE.replace(ROOT, '')})`);
    }
  });
}

test('the comparison catches a regression: without the math font the formulas no longer match', async () => {
  if (UPDATE) return;
  const { shots, loaded } = await formulaShots('desktop', { blockFont: true });
  assert.equal(loaded, false);
  const changed = Object.entries(shots).filter(([id, png]) => difference(png, readFileSync(`${BASELINES}${id}-desktop.png`)).share > MAX_DIFF);
  // every formula changes: the letters, the bar, the brackets all come from the font
  assert.deepEqual(changed.map(([id]) => id).sort(), Object.keys(FORMULAS).sort());
});

test('the math font: a subset, served from the site itself, in the service worker, inlined in the offline files', async (t) => {
  const bytes = statSync(DIST + MATH_FONT_FILE).size;
  t.diagnostic(`${MATH_FONT_FILE}: ${(bytes / 1024).toFixed(1)} KB`);
  // a subset of the 264 KB font: the page weight stays in sight
  assert.ok(bytes < 48 * 1024, `${bytes} bytes`);
  assert.ok(existsSync(`${DIST}fonts/kl-math-LICENSE.txt`), 'the licence travels with the font');
  assert.match(readFileSync(`${DIST}sw.js`, 'utf8'), /"\.\/fonts\/kl-math\.woff2"/);
  // a notebook page: the font comes from the same origin (font-src 'self' by default-src), no violation
  const { context, page, problems } = await openPage(env, 'diffusion-kl.html');
  try {
    const fonts = [];
    page.on('request', (r) => r.resourceType() === 'font' && fonts.push(r.url()));
    await page.reload();
    await waitReady(page);
    await page.evaluate(() => document.fonts.ready);
    assert.ok(await page.evaluate((f) => document.fonts.check(`16px "${f}"`, '𝒩'), MATH_FAMILY));
    assert.deepEqual(fonts.map((u) => new URL(u).pathname), [`/${MATH_FONT_FILE}`]);
    // the styled letters are written as themselves (MathML Core ignores mathvariant="double-struck")
    const letters = await page.evaluate(() => [...document.querySelectorAll('mi')].map((m) => m.textContent).join(''));
    assert.ok(letters.includes('𝒩') && letters.includes('𝔼'));
    assert.equal(await page.locator('mi[mathvariant="script"], mi[mathvariant="double-struck"]').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // the offline file: no network, the font inside as a data: URL, allowed by its own policy
  const { context: c2, page: p2, problems: pr2 } = await openPage(env, null);
  try {
    await goto(p2, pathToFileURL(`${DIST}offline/vae-elbo.html`).href);
    await p2.evaluate(() => document.fonts.ready);
    assert.ok(await p2.evaluate((f) => [...document.fonts].some((x) => x.family.replace(/"/g, '') === f && x.status === 'loaded'), MATH_FAMILY));
    assert.match(await p2.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]').content), /font-src data:/);
    assert.deepEqual(pr2, []);
  } finally {
    await c2.close();
  }
});

const NOTEBOOKS = ['kl-foundations.html', 'distillation.html', 'vae-elbo.html', 'diffusion-kl.html', 'kl-at-work.html'];

test('at 390 px no formula overflows its column unseen: it fits, or it scrolls with a visible cue and keyboard access', async (t) => {
  const { context, page, problems } = await openPage(env, null, { viewport: SIZES.phone });
  try {
    let scrolling = 0;
    for (const path of NOTEBOOKS) {
      await goto(page, env.base + path);
      await page.evaluate(() => document.fonts.ready);
      // two frames: the page's re-measure of the formulas (scheduled on an animation frame) has run
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const report = await page.evaluate(() => {
        const bad = [];
        let scrolls = 0;
        const boxOf = (m) => {
          let c = m.parentElement;
          while (c && getComputedStyle(c).display.startsWith('inline')) c = c.parentElement;
          const r = c.getBoundingClientRect();
          const cs = getComputedStyle(c);
          return { left: r.left + parseFloat(cs.paddingLeft), right: r.right - parseFloat(cs.paddingRight) };
        };
        for (const m of document.querySelectorAll('main math')) {
          if (m.closest('[hidden], template, details:not([open])') || !m.getClientRects().length) continue;
          if (m.parentElement.closest('math')) continue;
          const r = m.getBoundingClientRect();
          const box = boxOf(m);
          const cs = getComputedStyle(m);
          const scrollable = m.scrollWidth > m.clientWidth + 1;
          const text = m.textContent.slice(0, 50);
          if (scrollable) {
            scrolls++;
            if (!['auto', 'scroll'].includes(cs.overflowX)) bad.push(`${text}: wider than its box and not scrollable`);
            if (m.getAttribute('tabindex') !== '0') bad.push(`${text}: scrolls but cannot be reached by keyboard`);
            if (!/gradient/.test(cs.backgroundImage)) bad.push(`${text}: scrolls with no visible cue`);
          }
          if (r.right > box.right + 1 || r.left < box.left - 1) bad.push(`${text}: ${Math.round(r.left)}..${Math.round(r.right)} outside its column ${Math.round(box.left)}..${Math.round(box.right)}`);
        }
        const page = document.documentElement;
        if (page.scrollWidth > page.clientWidth + 1) bad.push(`the page scrolls sideways: ${page.scrollWidth} > ${page.clientWidth}`);
        return { bad, scrolls };
      });
      scrolling += report.scrolls;
      assert.deepEqual(report.bad, [], path);
    }
    // the check has something to check: the course's widest formulas (the DDPM bound among them) scroll here
    t.diagnostic(`${scrolling} formulas scroll at 390 px, each with a cue`);
    assert.ok(scrolling >= 5, `${scrolling}`);
    // the DDPM bound scrolls, and a keyboard scrolls it: focus it, press the right arrow
    await goto(page, `${env.base}diffusion-kl.html`);
    const bound = page.locator('math[display="block"]').filter({ has: page.locator('munder') }).first();
    assert.equal(await bound.getAttribute('data-scrollable'), 'true');
    await bound.focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((m) => m.scrollLeft > 0, await bound.elementHandle());
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
