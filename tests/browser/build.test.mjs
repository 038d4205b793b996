// The site build: author errors (engine and KaTeX) fail it with file:line lines, and the pages it
// writes keep to the CSP (no inline script, style or handlers; nothing fetched from elsewhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, copyFileSync, writeFileSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { CSP } from '../../site/tools/csp.mjs';
import { engine } from '../node/support.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const DIST = `${ROOT}site/dist/`;

function build(notebooks, dist) {
  return spawnSync(process.execPath, ['--no-experimental-fetch', `${ROOT}site/tools/build.mjs`], {
    env: { ...process.env, KLLAB_NOTEBOOKS: notebooks, KLLAB_DIST: dist, KLLAB_VARIANTS: '5', KLLAB_PRECOMPRESS: '0' },
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

test('a formula whose MathML would blow up the page (a \\def bomb) fails the build with file:line', () => {
  const dir = mkdtempSync(`${tmpdir()}/kllab-build-`);
  try {
    // 151 macro expansions (under KaTeX's maxExpand) that make 300,000 symbols
    const tex = `\\def\\a{${'x'.repeat(2000)}}${'\\a'.repeat(150)}`;
    writeFileSync(`${dir}/bomb.md`, `---\nid: bomb\ntitle: Bomb\ndescription: x\norder: 9\n---\n\n# Bomb\n\nFine $x$.\n\nAnd $${tex}$ here.\n`);
    const r = build(dir, `${dir}/dist`);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^bomb\.md:12: math: this formula renders to [\d.]+ KB of MathML \(the limit is [\d.]+ KB\)/m);
    assert.ok(!existsSync(`${dir}/dist`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built pages: the CSP meta, no inline script, style or handlers, no foreign resources, notebook JSON escaped', () => {
  const pages = [...readdirSync(DIST).filter((f) => f.endsWith('.html')), 'embed.html', 'example-course.html'];
  assert.ok(pages.length >= 7, 'index, four notebooks, the iframe page, the example course');
  for (const f of new Set(pages)) {
    const html = readFileSync(DIST + f, 'utf8');
    // a static host sends no header: the page carries its policy, before anything it governs
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
    assert.equal(meta?.[1], CSP, `${f}: the CSP meta`);
    assert.ok(meta.index < html.search(/<script|<link/), `${f}: the policy comes first`);
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      const attrs = m[1];
      if (/type="application\/json"/.test(attrs)) {
        assert.ok(!m[2].includes('<'), `${f}: raw < inside the JSON`);
        const data = JSON.parse(m[2]);
        assert.equal(typeof data.source, 'string');
      } else {
        assert.match(attrs, /\bsrc="[\w.-]+\.m?js"/, `${f}: an inline script`);
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

test('notebook pages carry the contract: exercise ids, parts, labelled named inputs, textbook numbers', async () => {
  const html = readFileSync(`${DIST}distillation.html`, 'utf8');
  assert.match(html, /<section class="kl-exercise" id="ex8"/);
  assert.match(html, /<div class="kl-part" id="ex8b" data-part="ex8b"/);
  assert.match(html, /<label for="in-ex8b">/);
  assert.match(html, /<input type="text" id="in-ex8b" name="ex8b"/);
  assert.match(html, /<div class="kl-feedback" id="fb-ex8b" role="status"/);
  assert.match(html, /<a class="kl-download" href="offline\/distillation\.html" download=/);
  // one bundled async module in <head>, right after the notebook's source (the runtime hands the source
  // to the engine's worker at once, while the body is still being parsed); nothing to preload
  assert.match(html, /<script type="application\/json" id="kl-notebook">[^<]*<\/script>\n<script type="module" async src="runtime\.mjs"><\/script>\n<\/head>/);
  assert.ok(!html.includes('modulepreload'));
  // every answer input carries the engine's answer limit
  const kl = await engine();
  const limit = kl.limits().answerLength;
  const inputs = [...html.matchAll(/<(input type="text"|textarea) [^>]*class="kl-input"[^>]*>/g)].map((m) => m[0]);
  assert.ok(inputs.length >= 8);
  for (const i of inputs) assert.ok(i.includes(` maxlength="${limit}"`), i);
  // variant 0's numbers are in the page: in text, and inside MathML; what is shown on request (here
  // ex8b's worked solution, with its answer) is in the reveal file, not in the page
  assert.match(html, /<mn data-slot="0">\[3, 1, −2\]<\/mn>/);
  const reveal = readFileSync(`${DIST}embed/distillation.reveal.json`, 'utf8');
  assert.match(JSON.parse(reveal).parts.ex8b.solution, /<mn data-slot="1">0\.0252013<\/mn>/);
  assert.doesNotMatch(html, /0\.0252013/);
  // math is MathML Core, with no TeX annotation and no KaTeX HTML
  assert.ok(html.includes('<math'));
  assert.ok(!html.includes('katex-html') && !html.includes('annotation'));
});

test('offline files: one inline script and one style, allowed by sha256 in a strict CSP meta; nothing fetched', () => {
  const dir = `${DIST}offline/`;
  const files = readdirSync(dir).filter((f) => f.endsWith('.html'));
  assert.deepEqual(files.sort(), readdirSync(`${ROOT}site/notebooks`).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, '.html')).sort());
  for (const f of files) {
    const html = readFileSync(dir + f, 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp, `${f}: a CSP meta`);
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'), `${f}: the policy comes before any script`);
    assert.ok(!/'unsafe-inline'|'unsafe-eval'/.test(csp), `${f}: ${csp}`);
    // worker-src blob:: the engine's worker is made from the page's own (hashed) script
    // font-src data:: the math font is inside the one style, as a data: URL
    assert.match(csp, /^default-src 'self'; script-src 'sha256-[^']+' 'wasm-unsafe-eval'; style-src 'sha256-[^']+'; font-src data:; worker-src blob:$/);
    const hash = (t) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/application\/json/.test(m[1]));
    assert.equal(scripts.length, 1, `${f}: one executable script`);
    assert.ok(csp.includes(hash(scripts[0][2])), `${f}: the script's hash is in the policy`);
    assert.ok(!/\bsrc=/.test(scripts[0][1]));
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)];
    assert.equal(styles.length, 1);
    assert.ok(csp.includes(hash(styles[0][1])), `${f}: the style's hash is in the policy`);
    assert.ok(!/<link\b[^>]*(stylesheet|modulepreload)/.test(html), `${f}: no linked resources`);
    assert.ok(!/\sstyle=/.test(html) && !/\son[a-z]+\s*=\s*"/i.test(html.replace(/<script>[\s\S]*?<\/script>/, '')), `${f}: no style attributes or handlers`);
    assert.ok(/KLLAB_WASM_BASE64=\\?"AGFzbQ/.test(html), `${f}: the wasm is inside`);
    assert.ok(!/href="index\.html"/.test(html), `${f}: no links into the site`);
  }
});

test('the service worker precaches every file of the site under a version hashed from their contents', () => {
  const sw = readFileSync(`${DIST}sw.js`, 'utf8');
  const version = /const VERSION = '([0-9a-f]{16})'/.exec(sw)?.[1];
  assert.ok(version);
  const assets = JSON.parse(/const ASSETS = (\[.*\]);/.exec(sw)[1]);
  const expected = ['./'];
  const walk = (d) => {
    for (const f of readdirSync(DIST + d).sort()) {
      if (d + f === 'sw.js' || (d + f).startsWith('offline') || /\.(br|gz)$/.test(f)) continue;
      if (existsSync(`${DIST + d + f}/`) && !f.includes('.')) walk(`${d + f}/`);
      else expected.push(`./${d}${f}`);
    }
  };
  walk('');
  assert.deepEqual([...assets].sort(), expected.sort());
  for (const must of ['./index.html', './distillation.html', './kllab-engine.wasm', './kllab-embed.js', './embed/distillation.json', './style.css', './embed.html']) {
    assert.ok(assets.includes(must), must);
  }
});

test('every text asset and the wasm have brotli and gzip copies with the same bytes', () => {
  let count = 0;
  const walk = (d) => {
    for (const f of readdirSync(DIST + d)) {
      const rel = d + f;
      if (existsSync(`${DIST + rel}/`)) walk(`${rel}/`);
      else if (/\.(html|js|mjs|css|json|svg|wasm)$/.test(f)) {
        const b = readFileSync(DIST + rel);
        assert.ok(brotliDecompressSync(readFileSync(`${DIST + rel}.br`)).equals(b), `${rel}.br`);
        assert.ok(gunzipSync(readFileSync(`${DIST + rel}.gz`)).equals(b), `${rel}.gz`);
        count++;
      }
    }
  };
  walk('');
  assert.ok(count > 20, `${count} files`);
});
