// A course site made with a real static-site generator (Eleventy, from npm): a page written in Markdown
// embeds two exercises and one iframe, with the kllab npm package copied into the site by the
// generator (passthrough copy). Built with Eleventy's own command line, served under the strict CSP,
// and used in Chromium: both elements and the iframe check answers; axe-core finds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer } from '../../site/tools/serve.mjs';
import { launch, openPage, axe, ROOT, clickCheck } from './support.mjs';

const version = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).version;
const TGZ = `${ROOT}build/kllab-${version}.tgz`;
let env, dir, server;

before(async () => {
  assert.ok(existsSync(TGZ), `${TGZ} is missing: run 'make package'`);
  dir = mkdtempSync(`${tmpdir()}/kllab-11ty-`);
  writeFileSync(`${dir}/package.json`, JSON.stringify({ name: 'course-site', version: '1.0.0', private: true, type: 'module' }));
  let r = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', TGZ], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  mkdirSync(`${dir}/src/_includes`, { recursive: true });
  // the course's configuration: the package's files are copied to /kllab/
  writeFileSync(
    `${dir}/eleventy.config.mjs`,
    `export default function (config) {
  config.addPassthroughCopy({ 'node_modules/kllab': 'kllab' });
}
`,
  );
  writeFileSync(
    `${dir}/src/_includes/course.njk`,
    `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title>
<script type="module" src="/kllab/kllab-embed.js"></script>
</head>
<body><main>
{{ content | safe }}
</main></body>
</html>
`,
  );
  writeFileSync(
    `${dir}/src/week3.md`,
    `---
layout: course.njk
title: Week 3 · distillation and the ELBO
---
# Week 3: distillation and the ELBO

Work through the two exercises below, then the diffusion one in its frame.

<kl-exercise notebook="distillation" exercise="ex8" heading-level="2"></kl-exercise>

Between the two exercises, some prose of the course's own, with *emphasis*.

<kl-exercise notebook="vae-elbo" exercise="ex6" heading-level="2"></kl-exercise>

<iframe id="frame" src="/kllab/embed.html?notebook=diffusion-kl&exercise=d" title="KL Lab exercise: the diffusion bound" width="900" height="400"></iframe>

The end of the page.
`,
  );
  r = spawnSync(process.execPath, [`${ROOT}node_modules/@11ty/eleventy/cmd.cjs`, '--input=src', '--output=_site', '--config=eleventy.config.mjs', '--quiet'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  [env, server] = await Promise.all([launch(), startServer({ port: 0, dir: `${dir}/_site` })]);
});

after(async () => {
  await env?.stop();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Eleventy builds the Markdown page; its two exercises and its iframe work in Chromium under the strict CSP', async () => {
  assert.ok(existsSync(`${dir}/_site/week3/index.html`));
  assert.ok(existsSync(`${dir}/_site/kllab/kllab-engine.wasm`), 'the package was copied into the site');
  const { context, page, problems } = await openPage({ browser: env.browser, base: server.url }, null);
  try {
    const response = await page.goto(`${server.url}week3/`);
    assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
    await page.waitForFunction(() => [...document.querySelectorAll('kl-exercise')].length === 2 && [...document.querySelectorAll('kl-exercise')].every((e) => e.dataset.ready === 'true'));
    for (const [nb, part, answer] of [['distillation', 'ex8b', '0.0252'], ['vae-elbo', 'ex6c', '0.9090909']]) {
      const p = page.locator(`kl-exercise[notebook="${nb}"] [data-part="${part}"]`);
      await p.locator(`[name="${part}"]`).fill(answer);
      await clickCheck(p.locator('button[data-action="check"]'));
      await page.waitForFunction(([n, id]) => document.querySelector(`kl-exercise[notebook="${n}"]`).shadowRoot.querySelector(`[data-part="${id}"]`).dataset.verdict === 'correct', [nb, part]);
    }
    // the Markdown around them is the page's own, in order
    const text = await page.locator('main').innerText();
    assert.ok(text.indexOf('Between the two exercises') > 0 && text.indexOf('Between the two exercises') < text.indexOf('The end of the page.'));
    const frame = page.frameLocator('#frame');
    await frame.locator('html[data-ready="true"]').waitFor();
    await frame.locator('[name="d1"]').fill('[0.9, 0.72, 0.504, 0.3024]');
    await clickCheck(frame.locator('[data-part="d1"] button[data-action="check"]'));
    await frame.locator('[data-part="d1"][data-verdict="correct"]').waitFor();
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
