// Cold start of Pyodide in node, one fresh process per sample: from the first line of this script to
// the first computed KL (plain Python: no numpy, which the pyodide npm package does not ship).
const t0 = performance.now();
const { loadPyodide } = await import('pyodide');
const py = await loadPyodide();
const value = py.runPython('import math\np = [0.5, 0.5]\nq = [0.7, 0.3]\nsum(a * math.log(a / b) for a, b in zip(p, q))');
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, value, version: py.version, sinceProcessStart: performance.now() }) + '\n');
