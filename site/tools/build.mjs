// Builds site/dist from the engine build and the notebooks. (The notebook pages arrive with the
// notebook site; for now: the engine, the JS API and an index page.)
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url).pathname;
const DIST = `${ROOT}site/dist/`;
const WASM = `${ROOT}build/wasm/`;

mkdirSync(DIST, { recursive: true });
for (const f of ['kllab-engine.mjs', 'kllab-engine.wasm']) {
  if (!existsSync(WASM + f)) throw new Error(`missing ${WASM + f}: run 'make wasm' first`);
  copyFileSync(WASM + f, DIST + f);
}
copyFileSync(`${ROOT}bindings/kllab.mjs`, `${DIST}kllab.mjs`);
writeFileSync(
  `${DIST}index.html`,
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>KL Lab</title></head>
<body><main><h1>KL Lab</h1><p>Worked exercises on KL divergence, checked in your browser. The notebooks are on their way.</p></main></body>
</html>
`,
);
console.log(`site built in ${DIST}`);
