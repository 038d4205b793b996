// Cold start in Chromium: Pyodide from node_modules/pyodide (served on 127.0.0.1), to the first
// computed KL in plain Python. Time is performance.now() = milliseconds since navigation start.
import { loadPyodide } from '/pyodide/pyodide.mjs';

const py = await loadPyodide({ indexURL: '/pyodide/' });
const value = py.runPython('import math\np = [0.5, 0.5]\nq = [0.7, 0.3]\nsum(a * math.log(a / b) for a, b in zip(p, q))');
window.__done = { ms: performance.now(), value, version: py.version };
