// Chromium flavour of bench/kernels.cpp: loads the ES6 module, hands it the notebooks and the answer
// list, and exposes window.benchKernel(name, reps, warm) for the driver (bench/run.mjs, via playwright).
import createKlBench from '/wasm/bench_kernels_web.mjs';

const m = await createKlBench({ locateFile: (p) => `/wasm/${p}` });
const list = await (await fetch('/data/notebooks.json')).json();
for (const f of list) m.addNotebook(f, await (await fetch(`/notebooks/${f}`)).text());
m.setAnswers(await (await fetch('/data/answers.txt')).text());

window.benchKernel = (name, reps, warm = 0) => JSON.parse(m.runKernel(name, reps, warm));
window.benchNoop = (n) => {
  // embind call overhead (-sDYNAMIC_EXECUTION=0): n calls of int noop(int)
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < n; i++) x = m.noop(x);
  return { ms: performance.now() - t0, x };
};
window.benchMemory = () => m.memoryBytes();
document.getElementById('status').textContent = 'ready';
document.documentElement.dataset.ready = 'true';
