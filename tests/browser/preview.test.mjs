// The answer preview (site/src/preview.mjs): while the learner types, each box shows how the engine reads
// the answer (typeset from the engine's MathML, the value, what the part expects, a note) or the syntax
// error with its column; a derivation, one row per step. The MathML is rebuilt from an allowlist, never
// inserted as markup; a polite live region speaks once typing pauses, not on every key. The notation
// help lists the functions the part allows. Under the strict CSP, with zero axe violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, openPage, goto, axe, ROOT, slowNotebooks } from './support.mjs';
import { engine } from '../node/support.mjs';

let env, kl, nbs;
before(async () => {
  env = await launch();
  kl = await engine();
  nbs = Object.fromEntries(['distillation', 'kl-at-work'].map((id) => [id, kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/${id}.md`, 'utf8'), `${id}.md`)]));
});
after(async () => env?.stop());

/** Types into a part's box and waits until its preview is for that text. */
async function typeAndPreview(page, part, text) {
  const box = page.locator(`[name="${part}"]`);
  await box.fill(text);
  await page.waitForFunction(
    ([id, t]) => {
      const r = document.getElementById(`pv-${id}`);
      const input = document.querySelector(`[name="${id}"]`);
      return input.value === t && r && !r.hidden && !r.hasAttribute('aria-busy') && ['readable', 'unreadable'].includes(r.dataset.state);
    },
    [part, text],
  );
  return page.locator(`#pv-${part}`);
}

test('a number: typeset from the engine\'s MathML, its value, what the part expects; a note; a syntax error with its column', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    const expected = nbs.distillation.preview('ex8b', '0.5*ln(2)');
    let pv = await typeAndPreview(page, 'ex8b', '0.5*ln(2)');
    assert.equal(await pv.getAttribute('data-state'), 'readable');
    // real MathML elements, built in the MathML namespace, with the engine's tokens
    const math = await pv.evaluate((r) => {
      const m = r.querySelector('math');
      return m && { ns: m.namespaceURI, tokens: [...m.querySelectorAll('mn, mi')].map((x) => x.textContent) };
    });
    assert.deepEqual(math, { ns: 'http://www.w3.org/1998/Math/MathML', tokens: ['0.5', 'ln', '2'] });
    assert.ok((await pv.textContent()).includes(`= ${expected.value}`));
    assert.ok((await pv.textContent()).includes(expected.expects));
    // the box is described by its preview (read when it is focused)
    assert.match(await page.locator('[name="ex8b"]').getAttribute('aria-describedby'), /\bpv-ex8b\b/);

    pv = await typeAndPreview(page, 'ex8b', '0.05');
    const note = nbs.distillation.preview('ex8b', '0.05').note;
    assert.ok(note.length > 5);
    assert.ok((await pv.locator('.kl-preview-note').textContent()).toLowerCase().includes(note.toLowerCase()));

    const bad = nbs.distillation.preview('ex8b', '1 +* 2');
    pv = await typeAndPreview(page, 'ex8b', '1 +* 2');
    assert.equal(await pv.getAttribute('data-state'), 'unreadable');
    assert.ok((await pv.locator('.kl-preview-error').textContent()).includes(`${bad.message} (column ${bad.column})`));
    assert.equal(await pv.locator('.kl-caret').textContent(), `1 +* 2\n${' '.repeat(bad.column - 1)}^`);

    // an unclosed vector: the message and the column, and what the part expects (its length)
    pv = await typeAndPreview(page, 'ex8a', '[0.876, 0.118');
    assert.ok((await pv.textContent()).includes(nbs.distillation.preview('ex8a', '[0.876, 0.118').expects));
    // the course's own notation for a vector is read as one
    pv = await typeAndPreview(page, 'ex8a', '(0.876, 0.118, 0.006)');
    assert.equal(await pv.getAttribute('data-state'), 'readable');
    // emptied, the preview goes away
    await page.locator('[name="ex8a"]').fill('');
    await page.waitForFunction(() => document.getElementById('pv-ex8a').hidden);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a derivation: one typeset row per step, numbered as written; a broken step named with its column', async () => {
  const { context, page, problems } = await openPage(env, 'kl-at-work.html');
  try {
    const part = await page.locator('.kl-part[data-kind="derivation"]').first().getAttribute('data-part');
    let pv = await typeAndPreview(page, part, 'a + b\n\nc*d');
    const rows = await pv.locator('.kl-preview-steps > li').evaluateAll((lis) => lis.map((li) => ({ n: li.value, math: li.querySelector('math')?.textContent })));
    assert.deepEqual(rows, [
      { n: 1, math: 'a+b' },
      { n: 3, math: 'c⋅d' },
    ]);
    const r = nbs['kl-at-work'].preview(part, '-0.5 * ln(2 * pi * s2)\n1 +');
    pv = await typeAndPreview(page, part, '-0.5 * ln(2 * pi * s2)\n1 +');
    assert.match(r.message, /^step 2:/);
    assert.ok((await pv.locator('.kl-preview-error').textContent()).includes(r.message));
    assert.equal(await pv.locator('.kl-caret').textContent(), `1 +\n${' '.repeat(r.column - 1)}^`);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the live region speaks once when typing pauses, not on every key', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    await page.evaluate(() => {
      window.__said = [];
      const live = document.querySelector('#pv-ex8b [data-preview-live]');
      new MutationObserver(() => window.__said.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true });
    });
    await page.locator('[name="ex8b"]').pressSequentially('0.5*ln(2)/3', { delay: 20 });
    await page.waitForFunction(() => window.__said.length > 0);
    const said = await page.evaluate(() => window.__said);
    assert.equal(said.length, 1, `announced: ${JSON.stringify(said)}`);
    assert.match(said[0], /^Read as 0\.1155/);
    assert.equal(await page.locator('#pv-ex8b [data-preview-live]').getAttribute('aria-live'), 'polite');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a pause in typing never speaks the reading of an older text (the new text's reading is still on its way)", async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    // the preview of the final text takes longer than the pause after which the live region speaks
    await slowNotebooks(context, 'preview', 3000, `(id, text) => text.endsWith('/3')`);
    await goto(page, `${env.base}distillation.html`);
    await page.evaluate(() => {
      window.__said = [];
      const live = document.querySelector('#pv-ex8b [data-preview-live]');
      const input = document.querySelector('[name="ex8b"]');
      new MutationObserver(() => window.__said.push({ said: live.textContent, typed: input.value })).observe(live, { childList: true, characterData: true, subtree: true });
    });
    const input = page.locator('[name="ex8b"]');
    await input.pressSequentially('0.5*ln(2)');
    // its reading is on screen (and may or may not have been spoken yet); then the learner goes on
    await page.waitForFunction(() => document.getElementById('pv-ex8b').dataset.state === 'readable');
    await input.pressSequentially('/3');
    await page.waitForFunction(() => window.__said.some((x) => /^Read as 0\.1155/.test(x.said)));
    const said = await page.evaluate(() => window.__said);
    assert.deepEqual(
      said.filter((x) => x.typed === '0.5*ln(2)/3' && !/^Read as 0\.1155/.test(x.said)),
      [],
      `spoken while the box held the final text: ${JSON.stringify(said)}`,
    );
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the engine\'s MathML is rebuilt from an allowlist: anything else is refused, text stays text', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html');
  try {
    // the module's own source, served same-origin (the site ships it bundled)
    await page.route('**/__src/*.mjs', (route) =>
      route.fulfill({ contentType: 'text/javascript', body: readFileSync(`${ROOT}site/src/${new URL(route.request().url()).pathname.split('/').pop()}`, 'utf8') }),
    );
    const results = await page.evaluate(async () => {
      const { safeMathML } = await import('/__src/preview.mjs');
      const NS = 'xmlns="http://www.w3.org/1998/Math/MathML"';
      const cases = {
        ok: `<math ${NS}><mrow><mi>x</mi><mo separator="true">,</mo><mn>1</mn></mrow></math>`,
        escaped: `<math ${NS}><mi>&lt;img src=x onerror=alert(1)&gt;</mi></math>`,
        script: `<math ${NS}><mi>x</mi><script>window.__x = 1</script></math>`,
        handler: `<math ${NS}><mi onclick="window.__x = 1">x</mi></math>`,
        href: `<math ${NS} xmlns:xl="http://www.w3.org/1999/xlink"><mi xl:href="javascript:alert(1)">x</mi></math>`,
        unknown: `<math ${NS}><mtext>x</mtext><maction actiontype="toggle"><mi>a</mi></maction></math>`,
        style: `<math ${NS}><mi style="color:red">x</mi></math>`,
        badValue: `<math ${NS}><mo separator="yes">,</mo></math>`,
        noNamespace: '<math><mi>x</mi></math>',
        html: `<div ${NS}><mi>x</mi></div>`,
        entity: `<!DOCTYPE math [<!ENTITY a "aaaa">]><math ${NS}><mi>&a;</mi></math>`,
        comment: `<math ${NS}><!-- x --><mi>x</mi></math>`,
      };
      const out = {};
      for (const [k, v] of Object.entries(cases)) {
        const m = safeMathML(v);
        out[k] = m ? { ns: m.namespaceURI, html: m.outerHTML } : null;
      }
      return { out, ran: window.__x === 1 };
    });
    assert.equal(results.ran, false);
    assert.equal(results.out.ok.ns, 'http://www.w3.org/1998/Math/MathML');
    assert.match(results.out.ok.html, /<mo separator="true">,<\/mo>/);
    assert.match(results.out.escaped.html, /<mi>&lt;img src=x onerror=alert\(1\)&gt;<\/mi>/);
    for (const k of ['script', 'handler', 'href', 'unknown', 'style', 'badValue', 'noNamespace', 'html', 'entity', 'comment']) assert.equal(results.out[k], null, k);
    // parsed in an inert namespace: a handler or a style attribute in the text is not even looked at
    assert.deepEqual(problems, []);
    // malformed XML is refused too (Chromium's XML parser writes its error report with an inline style,
    // which the page's policy refuses and logs: that is the only trace it leaves)
    const broken = await page.evaluate(async () => (await import('/__src/preview.mjs')).safeMathML('<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</math>'));
    assert.equal(broken, null);
    assert.ok(problems.every((p) => /Applying inline style violates/.test(p)), problems.join('\n'));
  } finally {
    await context.close();
  }
});

test('the notation help lists what the box accepts and the functions the part allows (the library less its forbid list)', async () => {
  const { context, page, problems } = await openPage(env, 'kl-foundations.html');
  try {
    const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/kl-foundations.md`, 'utf8'), 'kl-foundations.md');
    const part = nb.exercise('wk1').parts.find((p) => p.forbidden.length);
    assert.ok(part, 'a part with a forbid list');
    const help = page.locator(`[data-part="${part.id}"] details.kl-syntax`);
    assert.equal(await help.getAttribute('open'), null, 'collapsed until asked for');
    await help.locator('summary').click();
    const listed = (await help.locator('.kl-fns').textContent()).split(', ');
    for (const f of part.forbidden) assert.ok(!listed.includes(f), `${f} is forbidden in ${part.id}`);
    const library = kl.functions().map((f) => f.name);
    for (const f of listed) assert.ok(library.includes(f), f);
    // every other function of the library is listed, except the variant draws an answer cannot call
    const missing = library.filter((f) => !listed.includes(f) && !part.forbidden.includes(f));
    assert.deepEqual(missing.sort(), ['choice', 'randint', 'uniform']);
    assert.ok((await help.textContent()).includes('(0.4, 0.3, 0.3)') || part.kind === 'number');
    for (const f of part.forbidden) assert.ok((await help.textContent()).includes(f));
    nb.close();
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('at phone width the preview of a long answer stays inside its column', async () => {
  const { context, page, problems } = await openPage(env, 'distillation.html', { viewport: { width: 390, height: 844 } });
  try {
    const long = Array.from({ length: 12 }, (_, i) => `${i + 1}/(${i + 2} + sqrt(${i + 3}))`).join(' + ');
    const pv = await typeAndPreview(page, 'ex8b', long);
    const fits = await pv.evaluate((r) => {
      const box = r.getBoundingClientRect();
      const doc = document.documentElement;
      return { inside: box.right <= doc.clientWidth + 1, pageScrolls: doc.scrollWidth > doc.clientWidth + 1, mathScrolls: r.querySelector('.kl-preview-math').scrollWidth > r.querySelector('.kl-preview-math').clientWidth };
    });
    assert.deepEqual(fits, { inside: true, pageScrolls: false, mathScrolls: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
