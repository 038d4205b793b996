// The embed through a bundler: a course app imports 'kllab/embed' from the installed npm package,
// esbuild bundles it into the app's own file, and configure({base}) says where the package's files are
// served (the engine's wasm, the stylesheet, the data). In Chromium under the strict CSP: the element
// works, and every file comes from that base (none from beside the bundle, none is missing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import esbuild from 'esbuild';
import { startServer } from '../../site/tools/serve.mjs';
import { launch, openPage, axe, ROOT, clickCheck } from './support.mjs';

const version = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).version;
const TGZ = `${ROOT}build/kllab-${version}.tgz`;
let env, dir, server;

before(async () => {
  assert.ok(existsSync(TGZ), `${TGZ} is missing: run 'make package'`);
  dir = mkdtempSync(`${tmpdir()}/kllab-bundle-`);
  writeFileSync(`${dir}/package.json`, JSON.stringify({ name: 'course-app', version: '1.0.0', private: true, type: 'module' }));
  const r = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', TGZ], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  writeFileSync(
    `${dir}/app.mjs`,
    `import { configure } from 'kllab/embed';
configure({ base: '/vendor/kllab/' });
const log = document.getElementById('log');
document.addEventListener('kllab:check', (e) => {
  log.textContent += \`\${e.detail.part}: \${e.detail.verdict}. \`;
});
`,
  );
  mkdirSync(`${dir}/public/assets`, { recursive: true });
  await esbuild.build({ entryPoints: [`${dir}/app.mjs`], outdir: `${dir}/public/assets`, bundle: true, format: 'esm', minify: true, absWorkingDir: dir, logLevel: 'error' });
  cpSync(`${dir}/node_modules/kllab`, `${dir}/public/vendor/kllab`, { recursive: true, dereference: true });
  writeFileSync(
    `${dir}/public/index.html`,
    `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A bundled course app</title>
<script type="module" src="assets/app.js"></script>
</head>
<body><main><h1>Bundled</h1>
<kl-exercise notebook="distillation" exercise="ex8" heading-level="2"></kl-exercise>
<p>Checked: <output id="log"></output></p>
</main></body>
</html>
`,
  );
  [env, server] = await Promise.all([launch(), startServer({ port: 0, dir: `${dir}/public` })]);
});

after(async () => {
  await env?.stop();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('esbuild bundles the embed into the app; configure({base}) finds the engine, stylesheet and data', async () => {
  const bundle = readFileSync(`${dir}/public/assets/app.js`, 'utf8');
  assert.match(bundle, /kl-exercise/, 'the embed is inside the bundle');
  const { context, page, problems } = await openPage({ browser: env.browser, base: server.url }, null);
  try {
    const fetched = [];
    page.on('response', (res) => {
      fetched.push(new URL(res.url()).pathname);
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.querySelector('kl-exercise')?.dataset.ready === 'true');
    const p = page.locator('kl-exercise [data-part="ex8b"]');
    await p.locator('[name="ex8b"]').fill('0.0252');
    await clickCheck(p.locator('button[data-action="check"]'));
    await page.waitForFunction(() => document.getElementById('log').textContent.includes('ex8b: correct'));
    for (const f of ['/vendor/kllab/kllab-engine.wasm', '/vendor/kllab/style.css', '/vendor/kllab/embed/distillation.json']) assert.ok(fetched.includes(f), `${f} fetched (${fetched.join(', ')})`);
    assert.ok(!fetched.includes('/vendor/kllab/kllab-embed.js'), 'the embed came from the bundle');
    assert.deepEqual(fetched.filter((f) => f.startsWith('/assets/') && f !== '/assets/app.js'), [], 'nothing is looked for beside the bundle');
    // the stylesheet's rules apply inside (the button's rem height, re-based)
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('kl-exercise').shadowRoot.querySelector('button[data-action="check"]')).minHeight), '36px');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
