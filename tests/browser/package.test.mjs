// The npm package (`make package` → build/kllab-<version>.tgz): installed offline into an empty folder,
// used by a page of its own served from 127.0.0.1 under the strict CSP (the embed and the JS API from
// node_modules/kllab, nothing else of the site), and from plain node (`import { loadEngine } from
// 'kllab'` with no set-up; the embed imported at build time). A course's own package (NOTEBOOKS=dir)
// carries only its notebooks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { startServer } from '../../site/tools/serve.mjs';
import { launch, openPage, axe, ROOT, clickCheck } from './support.mjs';

const version = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).version;
const TGZ = `${ROOT}build/kllab-${version}.tgz`;
let env, dir, server;

before(async () => {
  assert.ok(existsSync(TGZ), `${TGZ} is missing: run 'make package'`);
  dir = mkdtempSync(`${tmpdir()}/kllab-pkg-`);
  writeFileSync(`${dir}/package.json`, JSON.stringify({ name: 'course-site', version: '1.0.0', private: true, type: 'module' }));
  const r = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', TGZ], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // a host page that knows nothing of the site: one script tag, one element, and its own module using the API
  writeFileSync(
    `${dir}/index.html`,
    `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A page using the kllab package</title>
<script type="module" src="node_modules/kllab/kllab-embed.js"></script>
<script type="module" src="app.mjs"></script>
</head>
<body><main><h1>Using the kllab package</h1>
<kl-exercise notebook="distillation" exercise="ex8" heading-level="2"></kl-exercise>
<kl-exercise notebook="distillation" exercise="no-such-exercise" id="broken"></kl-exercise>
<p>The API says: <output id="api"></output></p></main></body>
</html>
`,
  );
  writeFileSync(
    `${dir}/app.mjs`,
    `import { loadEngine } from './node_modules/kllab/kllab.mjs';
import { getEngine } from './node_modules/kllab/kllab-embed.js';
const kl = await loadEngine();
document.getElementById('api').textContent = kl.evaluate('kl([0.5, 0.5], [0.7, 0.3])').text;
window.__sameEngine = (await getEngine()) === (await getEngine());
`,
  );
  [env, server] = await Promise.all([launch(), startServer({ port: 0, dir })]);
});

after(async () => {
  await env?.stop();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('npm pack: the package holds the API, its types, the engine, the embed and the course data; no dependencies', () => {
  const pkg = JSON.parse(readFileSync(`${dir}/node_modules/kllab/package.json`, 'utf8'));
  assert.equal(pkg.name, 'kllab');
  assert.equal(pkg.version, version);
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.exports['.'].default, './kllab.mjs');
  assert.equal(pkg.exports['./embed'].default, './kllab-embed.js');
  assert.equal(pkg.exports['.'].node, './kllab-node.mjs');
  for (const f of ['kllab.mjs', 'kllab-node.mjs', 'kllab.d.ts', 'kllab-embed.js', 'kllab-embed.d.ts', 'kllab-engine.mjs', 'kllab-engine.wasm', 'kllab-engine-node.cjs', 'style.css', 'embed/distillation.json', 'embed/distillation.full.json', 'README.md']) {
    assert.ok(existsSync(`${dir}/node_modules/kllab/${f}`), f);
  }
});

test('the installed package in node: the API with the node engine', async () => {
  const require = createRequire(`${dir}/index.js`);
  const { loadEngine } = await import(`${dir}/node_modules/kllab/kllab.mjs`);
  const kl = await loadEngine({ factory: require('kllab/node') });
  assert.equal(kl.evaluate('kl([0.5, 0.5], [0.7, 0.3])').text.slice(0, 8), '0.087176');
  const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
  assert.equal(nb.check('ex8b', '0.0252').verdict, 'correct');
  nb.close();
});

/** Runs a module in plain node (its global fetch on, no flags) in the folder the package is installed in. */
function nodeRun(code, cwd = dir) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout.trim();
}

test("import { loadEngine } from 'kllab' in plain node: no recipe, no flag", () => {
  const out = nodeRun(`import { loadEngine } from 'kllab';
const kl = await loadEngine();
const nb = kl.loadNotebook(${JSON.stringify(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'))}, 'distillation.md');
console.log(JSON.stringify({ kl: kl.evaluate('kl([0.5, 0.5], [0.7, 0.3])').text, verdict: nb.check('ex8b', '0.0252').verdict }));`);
  const r = JSON.parse(out);
  assert.equal(r.kl.slice(0, 8), '0.087176');
  assert.equal(r.verdict, 'correct');
});

test("the embed imports at build time (server-side rendering): in node it defines nothing and touches no DOM", () => {
  const out = nodeRun(`const m = await import('kllab/embed');
m.configure({ base: '/kllab/' });
console.log(JSON.stringify({ exports: Object.keys(m).sort(), custom: typeof customElements, element: typeof m.KlExercise, html: typeof HTMLElement }));`);
  const r = JSON.parse(out);
  assert.deepEqual(r.exports, ['KlExercise', 'KlNotebook', 'configure', 'getEngine']);
  assert.deepEqual([r.custom, r.element, r.html], ['undefined', 'function', 'undefined']);
});

test('make package NOTEBOOKS=dir: a package that carries a course\'s own notebooks only', async () => {
  const work = mkdtempSync(`${tmpdir()}/kllab-course-`);
  try {
    mkdirSync(`${work}/notebooks`);
    cpSync(`${ROOT}site/notebooks/kl-foundations.md`, `${work}/notebooks/kl-foundations.md`);
    const quiet = { ...process.env, KLLAB_QUIET: '1', KLLAB_VARIANTS: '1', KLLAB_PRECOMPRESS: '0' };
    let r = spawnSync(process.execPath, ['--no-experimental-fetch', `${ROOT}site/tools/build.mjs`], { env: { ...quiet, KLLAB_NOTEBOOKS: `${work}/notebooks`, KLLAB_DIST: `${work}/site` }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    r = spawnSync(process.execPath, [`${ROOT}site/tools/package.mjs`, '--dist', `${work}/site`, '--out', `${work}/package`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    r = spawnSync('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: `${work}/package`, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    mkdirSync(`${work}/course`);
    writeFileSync(`${work}/course/package.json`, JSON.stringify({ name: 'course', version: '1.0.0', private: true, type: 'module' }));
    r = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', `${work}/kllab-${version}.tgz`], { cwd: `${work}/course`, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const pkg = `${work}/course/node_modules/kllab`;
    assert.deepEqual(readdirSync(`${pkg}/embed`).sort(), ['kl-foundations.full.json', 'kl-foundations.json', 'kl-foundations.reveal.json']);
    const readme = readFileSync(`${pkg}/README.md`, 'utf8');
    assert.match(readme, /`kl-foundations`: /);
    assert.doesNotMatch(readme, /`distillation`: /);
    assert.equal(nodeRun(`import { loadEngine } from 'kllab'; console.log((await loadEngine()).evaluate('1 + 1').text);`, `${work}/course`), '2');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the installed package in a page of its own: the embed checks an answer, the API evaluates', async () => {
  const { context, page, problems } = await openPage({ browser: env.browser, base: server.url }, null);
  try {
    const checks = [];
    await page.exposeFunction('__recordCheck', (d) => checks.push(d));
    await context.addInitScript(() => document.addEventListener('kllab:check', (e) => window.__recordCheck(e.detail)));
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelector('kl-exercise')?.dataset.ready === 'true');
    // a wrong exercise id: that element says so, in a status region; the others are not affected
    await page.waitForFunction(() => document.getElementById('broken').dataset.ready === 'error');
    assert.match(await page.locator('#broken .kl-engine-status[role="status"]').textContent(), /has no exercise "no-such-exercise"/);
    await page.locator('kl-exercise [name="ex8b"]').fill('0.0252');
    await clickCheck(page.locator('kl-exercise [data-part="ex8b"] button[data-action="check"]'));
    await page.waitForFunction(() => document.querySelector('kl-exercise').shadowRoot.querySelector('[data-part="ex8b"]').dataset.verdict === 'correct');
    assert.deepEqual(checks.map((c) => [c.notebook, c.part, c.verdict, c.score]), [['distillation', 'ex8b', 'correct', 1]]);
    await page.waitForFunction(() => document.getElementById('api').textContent !== '');
    assert.match(await page.locator('#api').textContent(), /^0\.08717669/);
    assert.equal(await page.evaluate(() => window.__sameEngine), true);
    // heading-level="2" fits the exercise under the page's h1
    assert.equal(await page.locator('kl-exercise #ex8-title').getAttribute('aria-level'), '2');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
