// The single-file offline notebooks: offline/<id>.html, one self-contained HTML file per notebook that a
// learner downloads and opens by double-clicking (file://, no server, no network). Inside: the page as
// the site serves it, the stylesheet in a <style>, and one classic inline script that holds the page
// runtime (page.mjs and what it imports) and the engine with its wasm inlined (kllab-engine-inline.mjs,
// -sSINGLE_FILE=1), bundled by esbuild. The script sits in the head: the engine compiles while the
// rest of the page is parsed, then the page hydrates. ES modules cannot be loaded from file://, hence one script.
// Strict CSP still: a <meta> policy allows exactly these two inline blocks by their sha256 hashes, and
// wasm compilation ('wasm-unsafe-eval'); no 'unsafe-inline', no 'unsafe-eval'. Progress is kept in
// localStorage under the site's keys (Chromium and Firefox keep it for file:// pages).
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

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

// Emscripten 3.1.6's SINGLE_FILE glue first tries fetch() on its own data: URL (in getBinaryPromise) and
// only then decodes the base64 itself. Under the strict CSP that fetch is a violation (connect-src), so
// inside the engine module `fetch` is shadowed by an undefined local: the glue goes straight to decoding.
const noDataFetch = {
  name: 'kllab-no-data-fetch',
  setup(build) {
    build.onLoad({ filter: /kllab-engine-inline\.mjs$/ }, (args) => ({
      contents: `var fetch = undefined;\n${readFileSync(args.path, 'utf8')}`,
      loader: 'js',
    }));
  },
};

/**
 * Bundles the offline runtime once (the same script for every notebook). pageModule: the module whose
 * startPage starts the page (the SCORM packages pass './lms.mjs', which wraps page.mjs's).
 */
export async function bundle(dist, wasm, { pageModule = './page.mjs' } = {}) {
  const entry = `
import createKlLab from ${JSON.stringify(`${wasm}kllab-engine-inline.mjs`)};
import { loadEngine } from './kllab.mjs';
import { startPage } from ${JSON.stringify(pageModule)};
startPage({ engine: loadEngine({ factory: createKlLab }) });
`;
  const r = await esbuild.build({
    stdin: { contents: entry, resolveDir: dist, sourcefile: 'offline-entry.mjs', loader: 'js' },
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2020',
    write: false,
    // never called offline (the factory is given), but kllab.mjs names it for the site
    external: ['./kllab-engine.mjs'],
    legalComments: 'none',
    logLevel: 'error',
    plugins: [noDataFetch],
    // the inlined engine reads import.meta.url only to find a separate .wasm, which it does not have
    logOverride: { 'empty-import-meta': 'silent' },
  });
  const js = r.outputFiles[0].text;
  if (/<\/script|<!--/i.test(js)) throw new Error('the offline bundle contains "</script" or "<!--": it cannot be inlined');
  return js;
}

/**
 * Writes dist/offline/<id>.html for each page ({id, title, description, offlineBody}).
 * @returns {Promise<string[]>} the files written, relative to dist
 */
export async function writeOffline({ dist, wasm, pages }) {
  mkdirSync(`${dist}offline`, { recursive: true });
  const js = await bundle(dist, wasm);
  const css = readFileSync(`${dist}style.css`, 'utf8');
  if (/<\/style/i.test(css)) throw new Error('style.css contains "</style"');
  const csp = `default-src 'self'; script-src ${sha256(js)} 'wasm-unsafe-eval'; style-src ${sha256(css)}`;
  const written = [];
  for (const p of pages) {
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHTML(`${p.title} · KL Lab (offline)`)}</title>
<meta name="description" content="${escapeHTML(p.description)}">
<style>${css}</style>
<script>${js}</script>
</head>
<body class="kl-notebook-page kl-offline">
${p.offlineBody}
</body>
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
