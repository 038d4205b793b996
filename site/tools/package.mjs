// Writes build/package/: the npm package "kllab" (the JS API, the engine, the embed and the course's
// embed data), ready for `npm pack` (`make package` → build/kllab-<version>.tgz). It has no dependencies.
//
//   node site/tools/package.mjs [--dist DIR] [--out DIR]
//
// --dist: the built site whose notebooks the package carries (default site/dist; `make package
// NOTEBOOKS=dir` builds a course's own notebooks into build/course-site and passes that).
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const args = process.argv.slice(2);
const dir = (name, fallback) => (args.includes(name) ? `${resolve(args[args.indexOf(name) + 1])}/` : fallback);
const DIST = dir('--dist', `${ROOT}site/dist/`);
const OUT = dir('--out', `${ROOT}build/package/`);

const root = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8'));
for (const f of ['kllab.mjs', 'kllab-embed.js', 'kllab-worker.js', 'kllab-engine.mjs', 'kllab-engine.wasm', 'style.css', 'embed.html', 'frame.mjs']) {
  if (!existsSync(DIST + f)) {
    console.error(`missing ${DIST + f}: run 'make site' first`);
    process.exit(1);
  }
}
rmSync(OUT, { recursive: true, force: true });
mkdirSync(`${OUT}embed`, { recursive: true });
mkdirSync(`${OUT}fonts`, { recursive: true });

const copies = {
  'kllab.mjs': `${ROOT}bindings/kllab.mjs`,
  'kllab-node.mjs': `${ROOT}bindings/kllab-node.mjs`,
  'kllab.d.ts': `${ROOT}bindings/kllab.d.ts`,
  'kllab-engine.mjs': `${DIST}kllab-engine.mjs`,
  'kllab-engine.wasm': `${DIST}kllab-engine.wasm`,
  'kllab-engine-node.cjs': `${ROOT}build/wasm/kllab-engine-node.cjs`,
  'kllab-embed.js': `${DIST}kllab-embed.js`,
  // the embed's engine runs in this worker, which fetches kllab-engine.wasm beside it
  'kllab-worker.js': `${DIST}kllab-worker.js`,
  'kllab-embed.d.ts': `${ROOT}site/tools/kllab-embed.d.ts`,
  'style.css': `${DIST}style.css`,
  // the math font: embed.html links it; a host page may (README "Embedding")
  'math-font.css': `${DIST}math-font.css`,
  'fonts/kl-math.woff2': `${DIST}fonts/kl-math.woff2`,
  'fonts/kl-math-LICENSE.txt': `${DIST}fonts/kl-math-LICENSE.txt`,
  'embed.html': `${DIST}embed.html`,
  'frame.mjs': `${DIST}frame.mjs`,
  'favicon.svg': `${DIST}favicon.svg`,
};
for (const [to, from] of Object.entries(copies)) copyFileSync(from, OUT + to);
// the data, not the build's precompressed copies of it (.br, .gz: for a host that serves the site)
for (const f of readdirSync(`${DIST}embed`).filter((x) => !/\.(br|gz)$/.test(x))) copyFileSync(`${DIST}embed/${f}`, `${OUT}embed/${f}`);

const pkg = {
  name: 'kllab',
  version: root.version,
  description: 'KL Lab: a KL-divergence exercise engine (C++ compiled to WebAssembly) with a JS API and <kl-exercise> embeds',
  license: root.license,
  type: 'module',
  main: './kllab.mjs',
  types: './kllab.d.ts',
  exports: {
    '.': { types: './kllab.d.ts', node: './kllab-node.mjs', default: './kllab.mjs' },
    './embed': { types: './kllab-embed.d.ts', default: './kllab-embed.js' },
    './node': './kllab-engine-node.cjs',
    './kllab.mjs': './kllab.mjs',
    './kllab-embed.js': './kllab-embed.js',
    './kllab-worker.js': './kllab-worker.js',
    './kllab-engine.mjs': './kllab-engine.mjs',
    './kllab-engine.wasm': './kllab-engine.wasm',
    './style.css': './style.css',
    './math-font.css': './math-font.css',
    './fonts/*': './fonts/*',
    './embed.html': './embed.html',
    './embed/*': './embed/*',
    './package.json': './package.json',
  },
  files: [...Object.keys(copies).filter((f) => !f.startsWith('fonts/')), 'fonts/', 'embed/', 'README.md'],
  sideEffects: ['./kllab-embed.js', './frame.mjs'],
  engines: root.engines,
};
writeFileSync(`${OUT}package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
// the notebooks this package carries, listed in its README
const notebooks = readdirSync(`${DIST}embed`)
  .filter((f) => f.endsWith('.json') && !/\.(full|reveal)\.json$/.test(f))
  .sort()
  .map((f) => JSON.parse(readFileSync(`${DIST}embed/${f}`, 'utf8')))
  .map((d) => `- \`${d.id}\`: ${d.title} (exercises ${Object.keys(d.exercises).map((x) => `\`${x}\``).join(', ')})`)
  .join('\n');
writeFileSync(
  `${OUT}README.md`,
  readFileSync(`${ROOT}site/tools/package-README.md`, 'utf8').replaceAll('{{version}}', root.version).replace('{{notebooks}}', notebooks),
);
console.log(`package folder: ${OUT.replace(ROOT, '')} (kllab ${root.version}; notebooks from ${DIST.replace(ROOT, '')})`);
