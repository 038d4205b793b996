// Every page the site serves, under its strict Content-Security-Policy header: zero violations (the
// support guards listen for `securitypolicyviolation` in every frame and for CSP console messages), and
// zero axe-core violations, in light and dark, with feedback, hints and a solution on screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { CSP } from '../../site/tools/serve.mjs';
import { launch, openPage, waitReady, axe, ROOT, WAIT, clickCheck } from './support.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => env?.stop());

const PAGES = [
  'index.html',
  'kl-foundations.html',
  'distillation.html',
  'vae-elbo.html',
  'diffusion-kl.html',
  'kl-at-work.html',
  'example-course.html',
  'embed.html?notebook=vae-elbo&exercise=ex6',
  'embed.html?notebook=vae-elbo',
];

async function settled(page) {
  await waitReady(page);
  await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise, kl-notebook')].every((e) => e.dataset.ready === 'true'));
  for (const f of page.frames().slice(1)) await f.waitForFunction(() => document.documentElement.dataset.ready === 'true');
}

// Dark mode changes colours only: its pass covers one page of each kind.
const DARK = ['index.html', 'distillation.html', 'example-course.html', 'embed.html?notebook=distillation'];

for (const scheme of ['light', 'dark']) {
  test(`every page, ${scheme}: the strict CSP header, zero CSP violations, zero axe violations`, async (t) => {
    const { context, page, problems } = await openPage(env, null, { colorScheme: scheme });
    try {
      for (const path of scheme === 'dark' ? DARK : PAGES) {
        const response = await page.goto(env.base + path);
        assert.equal(response.headers()['content-security-policy'], CSP, path);
        assert.equal(CSP, "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'");
        await settled(page);
        const ready = await page.evaluate(() => performance.getEntriesByName('kllab:ready')[0]?.startTime);
        if (ready) t.diagnostic(`${path}: ready (first part checkable) ${Math.round(ready)} ms after navigation`);
        assert.deepEqual(await axe(page), [], `${path} (${scheme})`);
        for (const f of page.frames().slice(1)) assert.deepEqual(await axe(f), [], `${path}: frame ${f.url()}`);
      }
      // a page with feedback of every kind on screen, an open hint, the solution and a confirmation
      await page.goto(`${env.base}distillation.html`);
      await waitReady(page);
      const fill = async (id, text) => {
        await page.locator(`[name="${id}"]`).fill(text);
        await clickCheck(page.locator(`[data-part="${id}"] button[data-action="check"]`));
        await page.waitForFunction((x) => document.querySelector(`[data-part="${x}"]`).dataset.verdict, id);
      };
      await fill('ex8a', '[0.85, 0.1, 0.05]'); // incorrect, entries marked
      await fill('ex8b', '0.0016'); // partly: error carried forward
      await fill('ex8a2', 'softmax(zS, 3)'); // an author mistake
      await fill('ex8b2', '1 +* 2'); // invalid, with the caret
      await page.locator('[data-part="ex8a"] [data-action="hint"]').click();
      await page.locator('[data-part="ex8a"] .kl-hints > li').waitFor();
      await page.locator('[data-part="ex8c"] [data-action="solution"]').click();
      await page.locator('[data-part="ex8c"] [data-action="solution-yes"]').click();
      await page.locator('[data-part="ex8c"] .kl-solution-body > *').first().waitFor();
      await page.locator('[data-part="ex8d"] [data-action="solution"]').click();
      await page.locator('[data-action="reset"]').click();
      await page.locator('#src-scratch').fill('kl(pT,');
      await page.locator('#src-scratch').press('Control+Enter');
      await page.waitForFunction(() => /Error/.test(document.querySelector('.kl-code[data-cell="scratch"] [data-output]').textContent));
      assert.deepEqual(await axe(page), [], `distillation with feedback (${scheme})`);
      // the import dialog, open over the page (the engine's preview of a file)
      await page.waitForFunction(() => localStorage.getItem('kllab:progress:distillation'));
      const file = await page.evaluate(() => localStorage.getItem('kllab:progress:distillation'));
      await page.locator('#kl-import-file').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(file) });
      await page.locator('#kl-import-dialog').waitFor();
      assert.deepEqual(await axe(page), [], `the import dialog (${scheme})`);
      await page.keyboard.press('Escape');
      await page.locator('#kl-import-dialog').waitFor({ state: 'detached' });
      // the feedback regions announce: role=status, polite
      for (const id of ['ex8a', 'ex8b', 'ex8a2', 'ex8b2']) {
        const fb = page.locator(`#fb-${id}`);
        assert.equal(await fb.getAttribute('role'), 'status');
        assert.equal(await fb.getAttribute('aria-live'), 'polite');
        assert.ok((await fb.textContent()).length > 10);
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('the CSP guard itself: a violation on a served page and in an offline file is caught', async () => {
  for (const url of [`${env.base}distillation.html`, pathToFileURL(`${ROOT}site/dist/offline/distillation.html`).href]) {
    const { context, page, problems } = await openPage(env, null);
    try {
      await page.goto(url);
      await waitReady(page);
      // an inline script (as an injection would add) is refused, and reported
      const ran = await page.evaluate(async () => {
        const s = document.createElement('script');
        s.textContent = 'window.__injected = true';
        document.head.appendChild(s);
        await new Promise((r) => setTimeout(r, 50));
        return window.__injected === true;
      });
      assert.equal(ran, false, `${url}: an inline script does not run`);
      await page.evaluate(() => {
        const s = document.createElement('style');
        s.textContent = 'body { color: red }';
        document.head.appendChild(s);
      });
      // the reports come through the devtools binding: wait until both have arrived (or WAIT passes)
      for (const until = Date.now() + WAIT; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
        if (problems.some((p) => /CSP violation.*script-src/.test(p)) && problems.some((p) => /CSP violation.*style-src/.test(p))) break;
      }
      assert.ok(problems.some((p) => /CSP violation.*script-src/.test(p)), `${url}: the script reported: ${problems.join(' | ')}`);
      assert.ok(problems.some((p) => /CSP violation.*style-src/.test(p)), `${url}: inline style reported`);
    } finally {
      await context.close();
    }
  }
});

// ---- nothing given away (issue 14) ---------------------------------------------------------------

/**
 * Every text of a page's DOM as the learner first gets it: text nodes and attribute values, hidden
 * ones, shadow roots and <template> contents included; not script data (the notebook's source, the
 * offline file's reveal texts), and not SVG drawing geometry (coordinates, not text).
 */
async function initialTexts(target) {
  return target.evaluate(() => {
    const GEOMETRY = new Set(['d', 'points', 'viewBox', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'width', 'height', 'transform', 'cx', 'cy', 'r']);
    const out = [];
    const walk = (node) => {
      for (const n of node.childNodes) {
        if (n.nodeType === Node.TEXT_NODE) {
          if (n.parentNode?.localName !== 'script') out.push(n.textContent);
        } else if (n.nodeType === Node.ELEMENT_NODE) {
          if (n.localName === 'script') continue;
          const svg = n.namespaceURI === 'http://www.w3.org/2000/svg';
          for (const a of n.attributes) if (!(svg && GEOMETRY.has(a.name))) out.push(a.value);
          if (n.shadowRoot) walk(n.shadowRoot);
          if (n.localName === 'template') walk(n.content);
          walk(n);
        }
      }
    };
    walk(document);
    return out;
  });
}

const NUM = String.raw`[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?`;

function significant(text) {
  const digits = text.replace(/^[-−]/, '').split(/e/i)[0].replace('.', '').replace(/^0+/, '');
  return digits.length;
}

/** Whether a number typed with the digits of `text` is `ref` rounded to those digits. */
function roundsTo(text, ref) {
  const t = Number(text.replace('−', '-'));
  const decimals = (text.split(/e/i)[0].split('.')[1] || '').length;
  const exp = Number((text.split(/e/i)[1] || '0'));
  return Math.abs(t - ref) <= 0.5 * 10 ** (exp - decimals) * (1 + 1e-9);
}

/** The numbers and tuples of numbers a text shows. */
function shown(texts) {
  const numbers = [];
  const tuples = [];
  for (const t of texts) {
    for (const m of t.matchAll(new RegExp(`(?<![\\w.])${NUM}(?![\\w.])`, 'g'))) numbers.push(m[0]);
    for (const m of t.matchAll(new RegExp(`[\\[(]\\s*(${NUM}(?:\\s*,\\s*${NUM})+)\\s*[\\])]`, 'g'))) tuples.push(m[1].split(',').map((x) => x.trim()));
  }
  return { numbers, tuples };
}

test("nothing given away: no part's textbook reference is in the initial DOM of any page (hidden text, attributes, shadow roots and templates included)", async (t) => {
  const { notebookFacts } = await import('./support.mjs');
  const facts = await notebookFacts();
  const { context, page, problems } = await openPage(env, null);
  try {
    let checked = 0;
    for (const f of facts) {
      // the numeric parts, with their textbook references; a part whose answer is on the page on
      // purpose says so (`shown:`), and whole numbers are everywhere on a page
      const refs = [];
      for (const c of f.nb.cells().filter((x) => x.type === 'exercise')) {
        for (const part of f.nb.exercise(c.exercise).parts) {
          if (!['number', 'vector', 'probability'].includes(part.kind)) continue;
          if (part.shown) {
            t.diagnostic(`${part.id}: shown on purpose (${part.shown})`);
            continue;
          }
          const values = (f.nb.view(part.id, { seed: 0 }).reference.match(new RegExp(NUM, 'g')) || []).map(Number);
          if (values.every((v) => Number.isInteger(v))) continue;
          refs.push({ part: part.id, values });
        }
      }
      const urls = [`${env.base}${f.id}.html`, pathToFileURL(`${ROOT}site/dist/offline/${f.id}.html`).href, `${env.base}embed.html?notebook=${f.id}`];
      for (const url of urls) {
        await page.goto(url);
        await settled(page);
        const { numbers, tuples } = shown(await initialTexts(page));
        assert.ok(numbers.length > 20, `${url}: the page shows numbers (${numbers.length})`);
        const found = [];
        for (const r of refs) {
          if (r.values.length === 1) {
            for (const n of numbers) if (significant(n) >= 3 && roundsTo(n, r.values[0])) found.push(`${r.part} = ${r.values[0]} as ${n}`);
          } else {
            for (const tu of tuples) {
              if (tu.length === r.values.length && tu.every((x, i) => roundsTo(x, r.values[i])) && tu.some((x) => significant(x) >= 3)) found.push(`${r.part} = [${r.values}] as [${tu}]`);
            }
          }
          checked++;
        }
        assert.deepEqual(found, [], url);
      }
    }
    t.diagnostic(`${checked} (part, page) pairs checked`);
    assert.deepEqual(problems, []);
  } finally {
    for (const f of facts ?? []) f.nb.close();
    await context.close();
  }
});
