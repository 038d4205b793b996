// Which functions make the wasm big: reads a module linked with --profiling-funcs (names kept) and
// prints the largest function bodies, grouped by C++ namespace/prefix. Used for docs/performance.md.
//   node bench/wasm-sizes.mjs FILE.wasm [TOP]
import { readFileSync } from 'node:fs';

const buf = readFileSync(process.argv[2]);
const top = Number(process.argv[3] || 30);
let p = 8;
const u32 = () => { let r = 0, s = 0, b; do { b = buf[p++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
let imports = 0; const bodies = []; const names = new Map(); const sections = {};
while (p < buf.length) {
  const id = buf[p++]; const size = u32(); const end = p + size;
  sections[id] = (sections[id] || 0) + size;
  if (id === 2) { // imports: count function imports
    const n = u32();
    for (let i = 0; i < n; i++) {
      const ml = u32(); p += ml; const fl = u32(); p += fl; const kind = buf[p++];
      if (kind === 0) { u32(); imports++; } else if (kind === 1) { p++; const f = u32(); u32(); if (f & 1) u32(); }
      else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 3) { p += 2; }
    }
  } else if (id === 10) {
    const n = u32();
    for (let i = 0; i < n; i++) { const s = u32(); bodies.push(s); p += s; }
  } else if (id === 0) {
    const nl = u32(); const name = buf.slice(p, p + nl).toString(); p += nl;
    if (name === 'name') {
      while (p < end) {
        const sub = buf[p++]; const ss = u32(); const se = p + ss;
        if (sub === 1) { const n = u32(); for (let i = 0; i < n; i++) { const idx = u32(); const l = u32(); names.set(idx, buf.slice(p, p + l).toString()); p += l; } }
        p = se;
      }
    }
  }
  p = end;
}
const fns = bodies.map((s, i) => ({ size: s, name: names.get(i + imports) || `f${i + imports}` })).sort((a, b) => b.size - a.size);
const total = bodies.reduce((a, b) => a + b, 0);
console.log(`code ${total} B in ${bodies.length} functions; data ${sections[11] || 0} B; file ${buf.length} B`);
for (const f of fns.slice(0, top)) console.log(String(f.size).padStart(8), (f.size / total * 100).toFixed(1).padStart(5) + '%', f.name.slice(0, 140));
const groups = {};
for (const f of fns) {
  const n = f.name;
  const g = /^kl::/.test(n) ? 'kl::' + (n.match(/^kl::(\(anonymous namespace\)::)?([a-z_]+)/)?.[2] || '') :
    /emscripten::|embind|_EmBind/.test(n) ? 'embind' : /^std::|^void std::|std::__2/.test(n) ? 'libc++ (std::)' :
    /Eigen/.test(n) ? 'Eigen' : /klb::|Notebook|Session/.test(n) ? 'bindings' : /printf|strto|scanf|fmt|dtoa|__|malloc|free|mem/.test(n) ? 'libc' : 'other';
  groups[g] = (groups[g] || 0) + f.size;
}
console.log('\nby group:');
for (const [g, s] of Object.entries(groups).sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(String(s).padStart(8), (s / total * 100).toFixed(1).padStart(5) + '%', g);
