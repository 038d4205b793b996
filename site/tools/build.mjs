// Builds site/dist from the engine build and the notebooks. Every notebook is read THROUGH THE ENGINE
// (the same parser the browser and the CLI use); author errors fail the build with file:line lines.
// Prose and math are rendered here, once (markdown-it, KaTeX to MathML); the page runtime only fills
// numbers into marked slots, runs cells and checks answers.
//
// Every script is bundled by esbuild, one module per kind of page (runtime.mjs for a notebook page,
// index.mjs, frame.mjs for embed.html, kllab-embed.js for host pages, example-course.mjs) plus the
// engine's worker (kllab-worker.js: the worker code, the JS API and the engine's glue; it fetches
// kllab-engine.wasm beside it). Besides the pages it writes the embed's data (embed/<id>.json,
// embed/<id>.full.json), embed.html (the iframe embed), the example course page, one self-contained
// offline file per notebook (offline/<id>.html, see offline.mjs), the service worker sw.js with the
// list of every asset and a version hashed from their contents, and last a brotli (.br) and a gzip
// (.gz) copy of every text asset for hosts that serve precompressed files (serve.mjs does);
// KLLAB_PRECOMPRESS=0 leaves them out (a throwaway build no host serves: the tests' own small sites).
// Every page carries the site's CSP in a <meta> (csp.mjs).
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { gzipSync, brotliCompress, gzip, constants as zlib } from 'node:zlib';
import { promisify } from 'node:util';
import esbuild from 'esbuild';
import { loadEngine } from '../../bindings/kllab.mjs';
import { renderText } from './render.mjs';
import { writeOffline } from './offline.mjs';
import { cspMeta } from './csp.mjs';
import { writeMathFont, mathFontHead } from './math-font.mjs';
import { plotLinks } from './plot-links.mjs';
import { h, toHTML, escapeHTML } from '../src/view.mjs';
import { codeCellView, sliderView, plotFigureView } from '../src/cells-view.mjs';
import { exerciseView, revealTexts } from '../src/exercise-view.mjs';
import { answerFunctions } from '../src/answer-view.mjs';
import { skipLinkView, outlineOf, tocView, pagerView, totalView } from '../src/course-view.mjs';
import { STATUS_TEXT } from '../src/engine-status.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
// KLLAB_NOTEBOOKS and KLLAB_DIST override the folders (for tests of the build itself).
const DIST = process.env.KLLAB_DIST ? `${process.env.KLLAB_DIST.replace(/\/$/, '')}/` : `${ROOT}site/dist/`;
const WASM = `${ROOT}build/wasm/`;
const SRC = `${ROOT}site/src/`;
const NOTEBOOKS = process.env.KLLAB_NOTEBOOKS ? `${process.env.KLLAB_NOTEBOOKS.replace(/\/$/, '')}/` : `${ROOT}site/notebooks/`;
// Plots are pre-drawn at the width of the desktop column; the runtime redraws them at other widths.
const PLOT_WIDTH = 712;
const VARIANTS = Number(process.env.KLLAB_VARIANTS ?? 50);

async function main() {
  const started = Date.now();
  for (const f of ['kllab-engine.mjs', 'kllab-engine.wasm', 'kllab-engine-node.cjs']) {
    if (!existsSync(WASM + f)) {
      console.error(`missing ${WASM + f}: run 'make wasm' first`);
      return 1;
    }
  }
  const require = createRequire(import.meta.url);
  const engine = await loadEngine({ factory: require(`${WASM}kllab-engine-node.cjs`) });
  const limits = engine.limits();
  // the functions an answer may call, for each answer box's notation help: the engine's library, less
  // the variant draws (uniform, randint, choice), which the engine refuses outside a vary block (asked by
  // calling each with its required arguments; engine.functions() does not say which are draws)
const functions = answerFunctions(engine.functions(), (f) => {
    const required = f.signature.replace(/^[^(]*\(|\)$/g, '').split(',').filter((a) => a.trim() && !a.includes('[') && !a.includes('...'));
    const r = engine.evaluate(`${f.name}(${required.map(() => '1').join(', ') || ''})`);
    return !(r.ok === false && /vary block/.test(r.error.message));
  });

  const errors = [];
  const notebooks = [];
  let validateMs = 0;
  for (const file of readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.md')).sort()) {
    const text = readFileSync(NOTEBOOKS + file, 'utf8');
    const nb = engine.loadNotebook(text, file);
    const found = nb.errors();
    if (!found.length) {
      const t0 = Date.now();
      found.push(...nb.validate(VARIANTS));
      validateMs += Date.now() - t0;
    }
    for (const e of found) errors.push(`${e.file || file}:${e.line}: ${e.message}`);
    if (found.length) {
      nb.close();
      continue;
    }
    notebooks.push({ file, text, nb, info: nb.info() });
  }

  const ids = new Map();
  for (const n of notebooks) {
    if (ids.has(n.info.id)) errors.push(`${n.file}:2: notebook id '${n.info.id}' is also used by ${ids.get(n.info.id)}`);
    ids.set(n.info.id, n.file);
  }

  const pages = [];
  // previous/next links follow the index's order
  const ordered = [...notebooks].sort(byOrder);
  for (const n of notebooks) {
    const at = ordered.indexOf(n);
    const neighbour = (x) => (x ? { id: x.info.id, title: x.info.title } : null);
    pages.push(renderNotebook(n, errors, limits, functions, { prev: neighbour(ordered[at - 1]), next: neighbour(ordered[at + 1]) }));
  }

  if (errors.length) {
    for (const e of new Set(errors)) console.error(e);
    const n = new Set(errors).size;
    console.error(`site build failed: ${n} author error${n === 1 ? '' : 's'}`);
    return 1;
  }

  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(`${DIST}embed`, { recursive: true });
  // the public JS API and the engine, for pages that use the API themselves (README "The JS API")
  copyFileSync(`${WASM}kllab-engine.mjs`, `${DIST}kllab-engine.mjs`);
  copyFileSync(`${WASM}kllab-engine.wasm`, `${DIST}kllab-engine.wasm`);
  copyFileSync(`${ROOT}bindings/kllab.mjs`, `${DIST}kllab.mjs`);
  // static files as they are; the example course page gets the site's CSP meta like every page
  for (const f of readdirSync(SRC).filter((x) => /\.(css|svg)$/.test(x))) copyFileSync(SRC + f, DIST + f);
  // (it links the math font's stylesheet as a host page may: README "Embedding")
  writeFileSync(`${DIST}example-course.html`, readFileSync(`${SRC}example-course.html`, 'utf8').replace('<meta charset="utf-8">', `<meta charset="utf-8">\n${cspMeta()}`));
  for (const p of pages) {
    writeFileSync(`${DIST}${p.id}.html`, p.html);
    writeFileSync(`${DIST}embed/${p.id}.json`, jsonFile({ id: p.id, title: p.title, file: p.file, source: p.source, exercises: p.exerciseHTML }));
    writeFileSync(`${DIST}embed/${p.id}.full.json`, jsonFile({ id: p.id, title: p.title, file: p.file, source: p.source, notebook: p.mainHTML }));
    // what is shown on request (hints, solutions, mistakes' feedback), fetched on first use
    writeFileSync(`${DIST}embed/${p.id}.reveal.json`, jsonFile(p.reveal));
  }
  writeFileSync(`${DIST}index.html`, indexPage(notebooks, pages));
  const font = await writeMathFont({ dist: DIST, htmls: pages.map((p) => p.html) });
  writeFileSync(`${DIST}embed.html`, embedPage());
  for (const n of notebooks) n.nb.close();

  await bundleScripts();
  const offline = await writeOffline({ root: ROOT, dist: DIST, wasm: WASM, pages });
  const sw = writeServiceWorker();
  const compressed = process.env.KLLAB_PRECOMPRESS === '0' ? null : await precompress();

  const size = (f) => {
    const b = readFileSync(DIST + f);
    return `${f} ${kb(b.length)} (${kb(gzipSync(b, { level: 9 }).length)} gzip)`;
  };
  console.log(
    `site built in ${DIST.replace(ROOT, '')}: ${pages.length} notebooks, ${pages.reduce((s, p) => s + p.parts, 0)} parts; ` +
      `validated variants 0..${VARIANTS} in ${(validateMs / 1000).toFixed(1)} s; total ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (process.env.KLLAB_QUIET !== '1') {
    console.log(`  pages: ${pages.map((p) => size(`${p.id}.html`)).join(', ')}`);
    console.log(`  scripts: ${Object.values(ENTRIES).map((f) => size(f)).join(', ')}; engine ${size('kllab-engine.wasm')}`);
    console.log(`  math font: ${font.file} ${kb(font.bytes)} (${font.characters} characters; the whole font ${kb(font.sourceBytes)})`);
    console.log(`  offline files: ${offline.map((f) => size(f)).join(', ')}`);
    console.log(`  service worker: version ${sw.version}, ${sw.count} assets, ${kb(sw.bytes)}`);
    if (compressed) console.log(`  precompressed: ${compressed.files} files, ${kb(compressed.bytes)} -> ${kb(compressed.br)} brotli, ${kb(compressed.gz)} gzip`);
    else console.log('  precompressed: none (KLLAB_PRECOMPRESS=0)');
  }
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KB`;
}

/** site/src entry -> the file it is bundled into (the names pages, the package and hosts use). */
const ENTRIES = {
  'runtime.mjs': 'runtime.mjs',
  'index.mjs': 'index.mjs',
  'frame.mjs': 'frame.mjs',
  'embed.mjs': 'kllab-embed.js',
  'example-course.mjs': 'example-course.mjs',
  'engine-worker.mjs': 'kllab-worker.js',
};

/** Resolves the runtime's imports of the JS API and the engine glue to their build locations. */
const engineFiles = {
  name: 'kllab-engine-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/kllab(-engine)?\.mjs$/ }, (args) => ({
      path: args.path === './kllab.mjs' ? `${ROOT}bindings/kllab.mjs` : `${WASM}kllab-engine.mjs`,
    }));
  },
};

/** One self-contained module per entry: no shared chunks, so a page loads exactly one script. */
async function bundleScripts() {
  for (const [entry, out] of Object.entries(ENTRIES)) {
    await esbuild.build({
      entryPoints: [SRC + entry],
      outfile: DIST + out,
      bundle: true,
      format: 'esm',
      minify: true,
      target: 'es2020',
      legalComments: 'none',
      plugins: [engineFiles],
      banner: out === 'kllab-embed.js' ? { js: '// KL Lab embed: <kl-exercise notebook="…" exercise="…">, <kl-notebook notebook="…">. See README "Embedding".' } : undefined,
      logLevel: 'error',
    });
  }
}

const TEXT = /\.(html|js|mjs|css|json|svg|wasm|txt)$/;

/**
 * foo.br and foo.gz beside every text asset (and the wasm), for hosts that serve precompressed files.
 * The files are compressed at once: node runs each in its thread pool, so brotli at quality 11 (most of
 * the build's time) uses every core; the bytes are the same as one at a time.
 */
async function precompress() {
  const brotli = promisify(brotliCompress);
  const gz9 = promisify(gzip);
  const files = [];
  const walk = (dir) => {
    for (const f of readdirSync(DIST + dir)) {
      const rel = dir + f;
      if (statSync(DIST + rel).isDirectory()) walk(`${rel}/`);
      else if (TEXT.test(f)) files.push(rel);
    }
  };
  walk('');
  const sizes = await Promise.all(
    files.map(async (rel) => {
      const b = readFileSync(DIST + rel);
      const [br, gz] = await Promise.all([
        brotli(b, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: b.length } }),
        gz9(b, { level: 9 }),
      ]);
      writeFileSync(`${DIST + rel}.br`, br);
      writeFileSync(`${DIST + rel}.gz`, gz);
      return { bytes: b.length, br: br.length, gz: gz.length };
    }),
  );
  return sizes.reduce((t, x) => ({ files: t.files + 1, bytes: t.bytes + x.bytes, br: t.br + x.br, gz: t.gz + x.gz }), { files: 0, bytes: 0, br: 0, gz: 0 });
}

/** JSON inside a <script type="application/json">: nothing in it can close the element. */
function inlineJSON(x) {
  return JSON.stringify(x)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The embed's data files (fetched, never inlined in HTML). */
function jsonFile(x) {
  return JSON.stringify(x);
}

/** Every file of the site (not the offline downloads, not sw.js), their hash as the version, and sw.js. */
function writeServiceWorker() {
  const files = [];
  const walk = (dir) => {
    for (const f of readdirSync(DIST + dir).sort()) {
      const rel = dir + f;
      if (rel === 'sw.js' || rel.startsWith('offline/') || /\.(br|gz)$/.test(rel)) continue;
      if (statSync(DIST + rel).isDirectory()) walk(`${rel}/`);
      else files.push(rel);
    }
  };
  walk('');
  const hash = createHash('sha256');
  let bytes = 0;
  for (const f of files) {
    const b = readFileSync(DIST + f);
    bytes += b.length;
    hash.update(f).update('\0').update(b).update('\0');
  }
  const version = hash.digest('hex').slice(0, 16);
  const template = readFileSync(`${ROOT}site/tools/sw-template.js`, 'utf8');
  const assets = ['./', ...files.map((f) => `./${f}`)];
  writeFileSync(`${DIST}sw.js`, template.replace('__VERSION__', version).replace('__ASSETS__', JSON.stringify(assets, null, 0)));
  return { version, count: assets.length, bytes };
}

// ---------------------------------------------------------------------------------------------------

/**
 * A page. `head` goes before the script (a notebook page's source: the runtime hands it to the
 * engine's worker as soon as the runtime runs, while the rest of the page is still parsed).
 */
function page({ title, description, body, script, bodyClass, head = '', skip = false }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${cspMeta()}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHTML(title)}</title>
<meta name="description" content="${escapeHTML(description)}">
<link rel="icon" href="favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="style.css">
${head}${script ? `<script type="module"${script === 'runtime.mjs' ? ' async' : ''} src="${script}"></script>\n` : ''}</head>
<body class="${bodyClass}">
${skip ? `${toHTML(skipLinkView())}\n` : ''}${body}
</body>
</html>
`;
}

/** The iframe embed: embed.html?notebook=<id>&exercise=<id> (see frame.mjs). */
function embedPage() {
  return page({
    title: 'KL Lab exercise',
    description: 'A KL Lab exercise, checked in your browser.',
    script: 'frame.mjs',
    bodyClass: 'kl-frame',
    head: mathFontHead(),
    body: '<main id="kl-frame" class="kl-frame-main"></main>',
  });
}

/** The index's order of notebooks: their `order`, then their id. */
function byOrder(a, b) {
  return a.info.order - b.info.order || a.info.id.localeCompare(b.info.id);
}

function indexPage(notebooks, pages) {
  const sorted = [...notebooks].sort(byOrder);
  const items = sorted.map((n) => {
    const p = pages.find((x) => x.id === n.info.id);
    return h(
      'li',
      { class: 'kl-card', 'data-notebook': n.info.id, 'data-parts': p.parts },
      h('h2', {}, h('a', { href: `${n.info.id}.html` }, n.info.title)),
      h('p', {}, n.info.description),
      h('p', { class: 'kl-card-progress', 'data-progress': n.info.id }, `${p.parts} parts in ${p.exercises} exercise${p.exercises === 1 ? '' : 's'}`),
    );
  });
  const body = [
    h(
      'header',
      { class: 'kl-top' },
      h('nav', { 'aria-label': 'Site' }, h('a', { class: 'kl-brand', href: 'index.html', 'aria-current': 'page' }, 'KL Lab')),
    ),
    h(
      'main',
      { id: 'main', class: 'kl-index' },
      h('h1', {}, 'KL Lab'),
      h(
        'p',
        { class: 'kl-lede' },
        'Worked exercises on the KL divergence and the generative models built on it. Every answer is checked in your browser, offline, by the same engine that computes the cells: nothing you type leaves this page.',
      ),
      totalView(pages.reduce((n, p) => n + p.parts, 0), pages.length),
      h('ol', { class: 'kl-cards' }, items),
      h('p', {}, h('a', { href: 'example-course.html' }, 'An example course page'), ' embeds three exercises from these notebooks in a page of its own.'),
      h('div', { id: 'kl-notices', class: 'kl-notices', role: 'status', 'aria-live': 'polite' }),
    ),
  ]
    .map(toHTML)
    .join('\n');
  return page({ title: 'KL Lab', description: 'Worked exercises on KL divergence, checked in your browser.', body, script: 'index.mjs', bodyClass: 'kl-home', skip: true });
}

function renderNotebook(n, errors, limits, functions, neighbours = {}) {
  const { nb, info, file, text } = n;
  const usedIds = new Set();
  const pageBudget = {}; // the math of one page (render.mjs MATH_LIMITS)
  const cells = nb.cells();
  const results = new Map(nb.runAll().map((r) => [r.cell, r]));
  // plot titles' {{slots}} and the plots that mark a slider's value (plot-links.mjs)
  const links = plotLinks(nb, cells, [...results.values()]);
  for (const e of links.errors) errors.push(`${file}:${e.line}: ${e.message}`);
  const definedBy = {};
  for (const c of cells) for (const d of c.defines || []) definedBy[d] = c.id;
  const body = [];
  const exerciseHTML = {};
  const reveal = { id: info.id, parts: {} };
  let parts = 0, exercises = 0;
  const exerciseList = []; // {id, title, parts}: the table of contents
  const rt = (t, o) => {
    const r = renderText(t, { file, errors, usedIds, page: pageBudget, ...o });
    return r;
  };
  for (const cell of cells) {
    if (cell.type === 'prose') {
      body.push(rt(cell.source, { line: cell.line }).html);
    } else if (cell.type === 'code') {
      body.push(toHTML(codeCellView(cell, results.get(cell.id) || { status: 'ok', values: [] }, definedBy)));
    } else if (cell.type === 'slider') {
      body.push(toHTML(sliderView(cell)));
    } else if (cell.type === 'plot') {
      body.push(toHTML(plotFigureView(cell, nb.plot(cell.id), PLOT_WIDTH, { values: links.values, marker: links.markers.get(cell.id) })));
    } else if (cell.type === 'exercise') {
      exercises++;
      const ex = nb.exercise(cell.exercise);
      parts += ex.parts.length;
      exerciseList.push({ id: ex.id, title: ex.title || ex.id, parts: ex.parts.length });
      const { html, texts } = renderExercise({ nb, ex, cell, file, errors, rt, limits, functions });
      exerciseHTML[ex.id] = html;
      Object.assign(reveal.parts, texts);
      body.push(html);
    }
  }
  const partsTotal = parts;
  const source = inlineJSON({ id: info.id, file, source: text });
  // The page's chrome; `offline` is the single-file copy (no links to the rest of the site).
  const chrome = ({ offline }) =>
    [
      skipLinkView(), // the page's (and the offline copy's) first stop for the keyboard
      h(
        'header',
        { class: 'kl-top' },
        h(
          'nav',
          { 'aria-label': 'Site' },
          offline ? h('span', { class: 'kl-brand' }, 'KL Lab') : h('a', { class: 'kl-brand', href: 'index.html' }, 'KL Lab'),
          h('span', { class: 'kl-crumb' }, info.title),
          offline ? h('span', { class: 'kl-crumb' }, '· offline copy') : null,
        ),
      ),
      h(
        'section',
        { class: 'kl-toolbar', 'aria-label': 'Your progress', id: 'kl-toolbar' },
        h('p', { class: 'kl-summary', id: 'kl-summary' }, `${partsTotal} parts in ${exercises} exercise${exercises === 1 ? '' : 's'}`),
        // who is working (page.mjs): shown once the runtime knows
        h(
          'div',
          { class: 'kl-learner', id: 'kl-learner', hidden: true },
          h('p', { class: 'kl-learner-who', 'data-learner-who': '', hidden: true }, 'Working as ', h('strong', { 'data-learner-name': '' }), ' ', h('button', { type: 'button', 'data-action': 'learner-change' }, 'Change')),
          h(
            'form',
            { class: 'kl-learner-form', 'data-learner-form': '', hidden: true },
            h('label', { for: 'kl-learner-id' }, 'Your name or student id (optional; it goes into your exports)'),
            h(
              'span',
              { class: 'kl-learner-row' },
              h('input', { type: 'text', id: 'kl-learner-id', name: 'learner', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off' }),
              h('button', { type: 'submit', 'data-action': 'learner-save' }, 'Save'),
              h('button', { type: 'button', 'data-action': 'learner-cancel', hidden: true }, 'Cancel'),
            ),
          ),
        ),
        h(
          'div',
          { class: 'kl-toolbar-buttons' },
          h('button', { type: 'button', 'data-action': 'export', disabled: true }, 'Export progress'),
          h('button', { type: 'button', 'data-action': 'import', disabled: true }, 'Import progress…'),
          h('input', { type: 'file', id: 'kl-import-file', accept: '.json,application/json', hidden: true, tabindex: '-1', 'aria-hidden': 'true' }),
          h('button', { type: 'button', 'data-action': 'reset', disabled: true }, 'Reset this notebook'),
          offline
            ? null
            : h('a', { class: 'kl-download', href: `offline/${info.id}.html`, download: `kllab-${info.id}.html` }, 'Download for offline use'),
        ),
        h(
          'div',
          { class: 'kl-confirm', id: 'kl-reset-confirm', hidden: true, role: 'group', 'aria-label': 'Confirm reset' },
          h('p', {}, 'Reset this notebook? Your answers, hints, solutions and variants for this notebook will be cleared. Other notebooks are not touched.'),
          h('button', { type: 'button', 'data-action': 'reset-yes', class: 'kl-danger' }, 'Yes, reset'),
          h('button', { type: 'button', 'data-action': 'reset-no' }, 'Cancel'),
        ),
      ),
      h('div', { id: 'kl-notices', class: 'kl-notices', role: 'status', 'aria-live': 'polite' }),
      h('p', { id: 'kl-engine-status', class: 'kl-engine-status', role: 'status', 'data-state': 'loading' }, STATUS_TEXT.loading),
      tocView(outlineOf(mainHTML, exerciseList)),
    ]
      .map(toHTML)
      .join('\n');
  const mainHTML = body.join('\n');
  const bodyHTML = ({ offline }) => `${chrome({ offline })}
<main id="main" class="kl-notebook" data-notebook="${escapeHTML(info.id)}">
${mainHTML}
${offline ? '' : toHTML(pagerView(neighbours.prev, neighbours.next) ?? '')}
</main>
<footer class="kl-footer"><p>KL Lab · every number on this page is computed in your browser by the KL Lab engine (C++ compiled to WebAssembly).${
    offline ? ' This file works without a network; your progress is kept in this browser.' : ' <a href="index.html">All notebooks</a>'
  }</p></footer>`;
  const sourceScript = `<script type="application/json" id="kl-notebook">${source}</script>\n`;
  const html = page({
    title: `${info.title} · KL Lab`,
    description: info.description,
    script: 'runtime.mjs',
    bodyClass: 'kl-notebook-page',
    body: bodyHTML({ offline: false }),
    // the math font, wanted at once (every notebook page opens with formulas)
    head: `${mathFontHead()}${sourceScript}`,
  });
  return {
    id: info.id,
    title: info.title,
    description: info.description,
    file,
    source: text,
    html,
    offlineBody: bodyHTML({ offline: true }),
    sourceScript,
    // the offline file carries the reveal texts inline (as data: never parsed into the page until asked for)
    revealScript: `<script type="application/json" id="kl-reveal">${inlineJSON(reveal)}</script>\n`,
    mainHTML,
    exerciseHTML,
    reveal,
    parts: partsTotal,
    exercises,
  };
}

/**
 * An exercise's markup (exercise-view.mjs, shared with the runtime), its texts rendered here; and its
 * texts shown on request (hints, solutions, mistakes' feedback), for the reveal file.
 */
function renderExercise({ nb, ex, cell, file, errors, rt, limits, functions }) {
  const slots = nb.exerciseSlots(ex.id, { seed: 0 });
  if (!slots.ok) {
    errors.push(`${file}:${cell.line}: exercise ${ex.id}: ${slots.error.message}`);
    return { html: '', texts: {} };
  }
  // A text: its rendered HTML, its slots where the engine found them, errors at the engine's lines.
  const html = (t, values, what, o = {}) => {
    const line = t.line ?? o.line ?? cell.line;
    if (o.template === false) return rt(t.text, { inline: o.inline, line }).html;
    return rt(t.text, { slots: values, spans: t.slots, line, inline: o.inline }).html;
  };
  return { html: toHTML(exerciseView(ex, { html, slots, answerLength: limits.answerLength, functions })), texts: revealTexts(ex, { html, slots }) };
}

// The node flavour of the engine rethrows uncaught errors with its whole source: keep failures short.
main().then(
  (code) => process.exit(code ?? 0),
  (e) => {
    console.error(`site build crashed: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
