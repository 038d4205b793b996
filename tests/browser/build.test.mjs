// The site build: author errors (engine and KaTeX) fail it with file:line lines, and the pages it
// writes keep to the CSP (no inline script, style or handlers; nothing fetched from elsewhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, writeFileSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROOT = new URL('../../', import.meta.url).pathname;
const DIST = `${ROOT}site/dist/`;

function build(notebooks, dist) {
  return spawnSync(process.execPath, ['--no-experimental-fetch', `${ROOT}site/tools/build.mjs`], {
    env: { ...process.env, KLLAB_NOTEBOOKS: notebooks, KLLAB_DIST: dist, KLLAB_VARIANTS: '5' },
    encoding: 'utf8',
  });
}

test('author errors fail the build, each as file:line: message', () => {
  const dir = mkdtempSync(`${tmpdir()}/kllab-build-`);
  try {
    copyFileSync(`${ROOT}tests/fixtures/bad-notebooks/cycle.md`, `${dir}/cycle.md`);
    writeFileSync(
      `${dir}/bad-math.md`,
      '---\nid: bad-math\ntitle: Bad math\ndescription: x\norder: 9\n---\n\n# Bad\n\nFine $x$, and broken $\\frac{1}{$ here.\n',
    );
    const r = build(dir, `${dir}/dist`);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^cycle\.md:\d+: .*cycle/m);
    assert.match(r.stderr, /^bad-math\.md:10: math: /m);
    assert.ok(!existsSync(`${dir}/dist`), 'nothing is written when the build fails');
    assert.ok(r.stderr.length < 5000, 'failures stay short');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built pages: no inline script, style or handlers, no foreign resources, notebook JSON escaped', () => {
  const pages = readdirSync(DIST).filter((f) => f.endsWith('.html'));
  assert.ok(pages.length >= 5, 'index and four notebooks');
  for (const f of pages) {
    const html = readFileSync(DIST + f, 'utf8');
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      const attrs = m[1];
      if (/type="application\/json"/.test(attrs)) {
        assert.ok(!m[2].includes('<'), `${f}: raw < inside the JSON`);
        const data = JSON.parse(m[2]);
        assert.equal(typeof data.source, 'string');
      } else {
        assert.match(attrs, /\bsrc="[\w.-]+\.mjs"/, `${f}: an inline script`);
        assert.equal(m[2], '', `${f}: script with content`);
      }
    }
    assert.ok(!/\sstyle=/.test(html), `${f}: a style attribute`);
    assert.ok(!/<style\b/.test(html), `${f}: a style element`);
    assert.ok(!/\son[a-z]+\s*=/i.test(html), `${f}: an inline event handler`);
    assert.ok(!/\s(?:src|srcset|poster|data)="(?:https?:)?\/\//.test(html), `${f}: a resource from another host`);
    assert.ok(!/<link[^>]+href="(?:https?:)?\/\//.test(html), `${f}: a stylesheet or preload from another host`);
  }
});

test('notebook pages carry the contract: exercise ids, parts, labelled named inputs, textbook numbers', () => {
  const html = readFileSync(`${DIST}distillation.html`, 'utf8');
  assert.match(html, /<section class="kl-exercise" id="ex8"/);
  assert.match(html, /<div class="kl-part" id="ex8b" data-part="ex8b"/);
  assert.match(html, /<label for="in-ex8b">/);
  assert.match(html, /<input type="text" id="in-ex8b" name="ex8b"/);
  assert.match(html, /<div class="kl-feedback" id="fb-ex8b" role="status"/);
  // variant 0's numbers are in the page: in text, and inside MathML
  assert.match(html, /<mn data-slot="0">\[3, 1, −2\]<\/mn>/);
  assert.match(html, /<mn data-slot="1">0\.0252013<\/mn>/);
  // math is MathML Core, with no TeX annotation and no KaTeX HTML
  assert.ok(html.includes('<math'));
  assert.ok(!html.includes('katex-html') && !html.includes('annotation'));
});
