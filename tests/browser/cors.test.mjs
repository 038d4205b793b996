// A cross-origin embed: a course page on one origin embeds from KL Lab served on another (two local
// origins: two ports). With `make serve CORS=1` (serve.mjs --cors) the other origin sends
// Access-Control-Allow-Origin, and the page, under a strict policy that names that origin, runs an
// exercise and the iframe; without the header the browser refuses the embed's module, so the header is
// what makes it work. The command line's CORS=1 is checked too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer } from '../../site/tools/serve.mjs';
import { launch, openPage, axe, ROOT, clickCheck } from './support.mjs';

let env, dir, kllab, plain, host;

const page = (origin) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A course on another origin</title>
<script type="module" src="${origin}/kllab-embed.js"></script>
</head>
<body><main><h1>Week 1</h1>
<kl-exercise notebook="kl-foundations" exercise="wk1" heading-level="2"></kl-exercise>
<iframe id="frame" src="${origin}/embed.html?notebook=distillation&exercise=ex8" title="KL Lab exercise" width="900" height="500"></iframe>
</main></body>
</html>
`;

before(async () => {
  [env, kllab, plain] = await Promise.all([launch(), startServer({ port: 0, dir: `${ROOT}site/dist`, cors: true }), startServer({ port: 0, dir: `${ROOT}site/dist` })]);
  const a = kllab.url.replace(/\/$/, ''), b = plain.url.replace(/\/$/, '');
  dir = mkdtempSync(`${tmpdir()}/kllab-cors-`);
  writeFileSync(`${dir}/with-cors.html`, page(a));
  writeFileSync(`${dir}/without-cors.html`, page(b));
  // what the host's README section asks of a host page: name the KL Lab origin in its policy, and allow
  // the engine's worker, which must start from a same-origin blob: that imports kllab-worker.js
  const csp = `default-src 'self'; script-src 'self' ${a} ${b} 'wasm-unsafe-eval'; style-src 'self' ${a} ${b}; connect-src 'self' ${a} ${b}; frame-src ${a} ${b}; worker-src blob:`;
  host = await startServer({ port: 0, dir, csp });
});

after(async () => {
  await env?.stop();
  await Promise.all([kllab?.close(), plain?.close(), host?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('with CORS headers, a page on another origin runs the embed and the iframe', async () => {
  assert.notEqual(new URL(host.url).origin, new URL(kllab.url).origin);
  const { context, page: p, problems } = await openPage({ browser: env.browser, base: host.url }, null);
  try {
    const headers = new Map();
    p.on('response', (r) => headers.set(new URL(r.url()).pathname, r.headers()['access-control-allow-origin']));
    await p.goto(`${host.url}with-cors.html`);
    await p.waitForFunction(() => document.querySelector('kl-exercise')?.dataset.ready === 'true');
    const part = p.locator('kl-exercise [data-part="wk1a"]');
    await part.locator('[name="wk1a"]').fill('0.0871767');
    await clickCheck(part.locator('button[data-action="check"]'));
    await p.waitForFunction(() => document.querySelector('kl-exercise').shadowRoot.querySelector('[data-part="wk1a"]').dataset.verdict === 'correct');
    for (const f of ['/kllab-embed.js', '/kllab-worker.js', '/kllab-engine.wasm', '/style.css', '/embed/kl-foundations.json']) assert.equal(headers.get(f), '*', f);
    // the stylesheet came in CORS mode, so its rules could be re-based (rem -> px)
    assert.equal(await p.evaluate(() => getComputedStyle(document.querySelector('kl-exercise').shadowRoot.querySelector('button[data-action="check"]')).minHeight), '36px');
    const frame = p.frameLocator('#frame');
    await frame.locator('html[data-ready="true"]').waitFor();
    await frame.locator('[name="ex8b"]').fill('0.0252');
    await clickCheck(frame.locator('[data-part="ex8b"] button[data-action="check"]'));
    await frame.locator('[data-part="ex8b"][data-verdict="correct"]').waitFor();
    assert.deepEqual(await axe(p, { exclude: ['#frame'] }), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('without them, the browser refuses the embed from the other origin', async () => {
  const { context, page: p, problems } = await openPage({ browser: env.browser, base: host.url }, null);
  try {
    const refused = p.waitForEvent('console', { predicate: (m) => /CORS|Access-Control-Allow-Origin/.test(m.text()) });
    await p.goto(`${host.url}without-cors.html`);
    await refused;
    assert.equal(await p.evaluate(() => customElements.get('kl-exercise')), undefined);
    assert.ok(problems.some((m) => /CORS|Access-Control-Allow-Origin/.test(m)), problems.join('\n'));
  } finally {
    await context.close();
  }
});

test('`make serve CORS=1`: the server started from the command line sends the headers', async () => {
  const child = spawn(process.execPath, [`${ROOT}site/tools/serve.mjs`, '--port', '0'], { env: { ...process.env, CORS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /on (http:\/\/\S+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve.mjs exited ${code}: ${out}`)));
    });
    const res = await fetch(`${url}kllab-engine.wasm`, { headers: { Origin: 'http://example.org' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('content-type'), 'application/wasm');
    const pre = await fetch(`${url}kllab-embed.js`, { method: 'OPTIONS' });
    assert.equal(pre.status, 204);
  } finally {
    child.kill();
  }
});
