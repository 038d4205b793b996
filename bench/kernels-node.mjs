// Node flavour of bench/kernels.cpp: loads build/wasm/bench_kernels_node.cjs (the wasm inlined), hands
// it the notebooks and the answers, then answers the driver's commands on stdin, one per line, like
// the native flavour's --serve: "NAME REPS WARM" -> one JSON object per line; "quit" stops.
// Usage: node --no-experimental-fetch bench/kernels-node.mjs NOTEBOOK.md... --answers FILE
//   e.g. printf 'kl_mvn64 5 3\n' | node --no-experimental-fetch bench/kernels-node.mjs site/notebooks/*.md --answers build/bench/answers.txt
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const ROOT = new URL('../', import.meta.url).pathname;
// KL_BENCH_WASM_DIR: another wasm build folder (flag experiments against build/wasm).
const DIR = process.env.KL_BENCH_WASM_DIR || `${ROOT}build/wasm`;
const createKlBench = createRequire(import.meta.url)(`${DIR}/bench_kernels_node.cjs`);
const m = await createKlBench();
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--answers') m.setAnswers(readFileSync(args[++i], 'utf8'));
  else m.addNotebook(args[i].split('/').pop(), readFileSync(args[i], 'utf8'));
}
for await (const line of createInterface({ input: process.stdin })) {
  const [name, reps = '1', warm = '0'] = line.trim().split(/\s+/);
  if (!name) continue;
  if (name === 'quit') break;
  process.stdout.write(m.runKernel(name, Number(reps), Number(warm)) + '\n');
}
process.exit(0);
