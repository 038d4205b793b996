// Cold start in Chromium: the product's JS API and engine files from site/dist, to the first computed KL.
// Time is performance.now() = milliseconds since navigation start.
import { loadEngine } from '/site/kllab.mjs';

const imported = performance.now();
const kl = await loadEngine();
const loaded = performance.now();
const r = kl.evaluate('kl([0.5, 0.5], [0.7, 0.3])');
window.__done = { ms: performance.now(), value: r.value, imported, loaded };
