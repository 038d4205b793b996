// The single-file offline notebooks: offline/<id>.html, one self-contained HTML file per notebook that a
// learner downloads and opens by double-clicking (file://, no server, no network). Inside: the page as
// the site serves it, the stylesheet in a <style>, and one classic inline script that holds the page
// runtime (page.mjs and what it imports) and, as a string, the engine's worker (engine-worker.mjs, the
// JS API and the engine's glue, with the wasm inlined as base64). ES modules and workers cannot be
// loaded from file://, so the page starts the worker from a blob: URL made of that string: the engine
// compiles and runs off the main thread here too, and is replaced if it fails, as on the site.
// Strict CSP still: a <meta> policy allows exactly the inline script and the inline style by their
// sha256 hashes, wasm compilation ('wasm-unsafe-eval'), and workers from blob: URLs only (worker-src
// blob:: the only blob the page makes is the worker from its own hashed script); no 'unsafe-inline',
// no 'unsafe-eval'. Progress is kept in localStorage under the site's keys (Chromium and Firefox keep
// it for file:// pages).
//
// `make offline` runs the site build (which calls writeOffline) and lists the files; run directly,
// `node site/tools/offline.mjs` prints the sizes of the files in site/dist/offline/.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';
import { escapeHTML } from '../src/view.mjs';
import { cspMeta } from './csp.mjs';
import { inlineMathFontCSS } from './math-font.mjs';

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The imports of the JS API and the engine glue, resolved to their build locations. */
function engineFiles(wasm) {
  return {
    name: 'kllab-engine-files',
    setup(build) {
      build.onResolve({ filter: /^\.\/kllab(-engine)?\.mjs$/ }, (args) => ({
        path: args.path === './kllab.mjs' ? `${ROOT}bindings/kllab.mjs` : `${wasm}kllab-engine.mjs`,
      }));
    },
  };
}

const common = { bundle: true, format: 'iife', minify: true, target: 'es2020', write: false, legalComments: 'none', logLevel: 'error' };

/** The worker's code as one classic script, the wasm in front of it as base64. */
async function workerSource(wasm) {
  const r = await esbuild.build({
    ...common,
    entryPoints: [`${SRC}engine-worker.mjs`],
    plugins: [engineFiles(wasm)],
    // the glue reads import.meta.url only to find a separate .wasm, which this worker is given
    logOverride: { 'empty-import-meta': 'silent' },
  });
  const b64 = readFileSync(`${wasm}kllab-engine.wasm`).toString('base64');
  return `self.KLLAB_WASM_BASE64=${JSON.stringify(b64)};\n${r.outputFiles[0].text}`;
}

/**
 * Bundles the offline runtime once (the same script for every notebook). pageModule: the module whose
 * startPage starts the page (the SCORM packages pass './lms.mjs', which wraps page.mjs's).
 */
export async function bundle(dist, wasm, { pageModule = './page.mjs' } = {}) {
  const source = await workerSource(wasm);
  const entry = `
import { startPage } from ${JSON.stringify(pageModule)};
import { createEngineClient, spawnSourceWorker, configuredDeadline } from './engine-client.mjs';
const client = createEngineClient({ spawn: () => spawnSourceWorker(WORKER_SOURCE), deadlineMs: configuredDeadline() });
startPage({ client });
`;
  const r = await esbuild.build({
    ...common,
    stdin: { contents: entry, resolveDir: SRC, sourcefile: 'offline-entry.mjs', loader: 'js' },
    define: { WORKER_SOURCE: JSON.stringify(source) },
  });
  const js = r.outputFiles[0].text;
  if (/<\/script|<!--/i.test(js)) throw new Error('the offline bundle contains "</script" or "<!--": it cannot be inlined');
  return js;
}

/**
 * Writes dist/offline/<id>.html for each page ({id, title, description, offlineBody, sourceScript,
 * revealScript}: the reveal texts ride along as JSON data at the end, read when the learner asks).
 * @returns {Promise<string[]>} the files written, relative to dist
 */
export async function writeOffline({ dist, wasm, pages }) {
  mkdirSync(`${dist}offline`, { recursive: true });
  const js = await bundle(dist, wasm);
  // the math font goes inside too, as a data: URL (allowed by font-src data: below)
  const css = `${inlineMathFontCSS(dist)}${readFileSync(`${dist}style.css`, 'utf8')}`;
  if (/<\/style/i.test(css)) throw new Error('style.css contains "</style"');
  const csp = `default-src 'self'; script-src ${sha256(js)} 'wasm-unsafe-eval'; style-src ${sha256(css)}; font-src data:; worker-src blob:`;
  const written = [];
  for (const p of pages) {
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${cspMeta(csp)}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHTML(`${p.title} · KL Lab (offline)`)}</title>
<meta name="description" content="${escapeHTML(p.description)}">
<style>${css}</style>
${p.sourceScript}<script>${js}</script>
</head>
<body class="kl-notebook-page kl-offline">
${p.offlineBody}
${p.revealScript}</body>
</html>
`;
    writeFileSync(`${dist}offline/${p.id}.html`, html);
    written.push(`offline/${p.id}.html`);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = fileURLToPath(new URL('../dist/offline/', import.meta.url));
  if (!existsSync(dir)) {
    console.error('no site/dist/offline: run `make site` first');
    process.exit(1);
  }
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.html')).sort()) {
    const b = readFileSync(dir + f);
    console.log(`site/dist/offline/${f}  ${(b.length / 1024).toFixed(0)} KB (${(gzipSync(b, { level: 9 }).length / 1024).toFixed(0)} KB gzip)`);
  }
}
