// Cold start in node, one fresh process per sample: from the first line of this script to the first
// computed KL through the public JS API (bindings/kllab.mjs + the node flavour, wasm inlined).
const t0 = performance.now();
const { createRequire } = await import('node:module');
const { loadEngine } = await import('../bindings/kllab.mjs');
const factory = createRequire(import.meta.url)('../build/wasm/kllab-engine-node.cjs');
const kl = await loadEngine({ factory });
const r = kl.evaluate('kl([0.5, 0.5], [0.7, 0.3])');
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, value: r.value, sinceProcessStart: performance.now() }) + '\n');
