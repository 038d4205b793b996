// The 10^4 "typical learner answers" the parse+evaluate benchmarks use, generated deterministically.
// Every answer is valid in both the KL Lab language and math.js (with kl, entropy, cross_entropy,
// softmax, kl_gauss and ln added to math.js, see mathjs.mjs) and means the same in both, so both
// sides do the same work. A few malformed answers are included too; both must reject them.

/** A small deterministic PRNG (splitmix32). */
function rng(seed) {
  let a = seed | 0;
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    t ^= t >>> 15;
    return (t >>> 0) / 4294967296;
  };
}

function probs(r, n) {
  const w = Array.from({ length: n }, () => 1 + Math.floor(r() * 9));
  const s = w.reduce((a, b) => a + b, 0);
  // Exact decimal fractions that sum to 1 (a learner types short decimals).
  const p = w.map((x) => Math.round((x / s) * 100) / 100);
  const fix = Math.round((1 - p.slice(1).reduce((a, b) => a + b, 0)) * 100) / 100;
  p[0] = fix;
  if (p[0] <= 0) return probs(r, n);
  return p;
}

const vec = (v) => `[${v.map((x) => String(Number(x.toFixed(4)))).join(', ')}]`;
const dec = (r, lo, hi, digits = 4) => Number((lo + r() * (hi - lo)).toFixed(digits));

/** The templates, each weighted by how often learners type something of that shape. */
const TEMPLATES = [
  [20, (r) => String(dec(r, 0, 2, 4))], // a bare number: 0.0872
  [6, (r) => `${dec(r, 1, 9, 2)}e-${1 + Math.floor(r() * 3)}`], // 8.72e-2
  [6, (r) => `${1 + Math.floor(r() * 5)}/${2 + Math.floor(r() * 7)}`], // 1/3
  [8, (r) => vec(probs(r, 2 + Math.floor(r() * 3)))], // [0.2, 0.3, 0.5]
  [10, (r) => {
    const a = 1 + Math.floor(r() * 9), b = 1 + Math.floor(r() * 9), c = 1 + Math.floor(r() * 9);
    return `0.5*ln(${a}/${b}) + 0.5*ln(${a}/${c})`;
  }],
  [8, (r) => {
    const p = dec(r, 0.1, 0.9, 2), q = dec(r, 0.1, 0.9, 2);
    return `${p}*ln(${p}/${q}) + ${Number((1 - p).toFixed(2))}*ln(${Number((1 - p).toFixed(2))}/${Number((1 - q).toFixed(2))})`;
  }],
  [10, (r) => {
    const n = 2 + Math.floor(r() * 3);
    return `kl(${vec(probs(r, n))}, ${vec(probs(r, n))})`;
  }],
  [4, (r) => `entropy(${vec(probs(r, 2 + Math.floor(r() * 4)))})`],
  [4, (r) => {
    const n = 2 + Math.floor(r() * 3);
    return `cross_entropy(${vec(probs(r, n))}, ${vec(probs(r, n))})`;
  }],
  [4, (r) => `softmax([${dec(r, -3, 3, 1)}, ${dec(r, -3, 3, 1)}, ${dec(r, -3, 3, 1)}])`],
  [3, (r) => `kl(softmax([${dec(r, -3, 3, 1)}, ${dec(r, -3, 3, 1)}, ${dec(r, -3, 3, 1)}] / 2), softmax([${dec(r, -3, 3, 1)}, ${dec(r, -3, 3, 1)}, ${dec(r, -3, 3, 1)}] / 2))`],
  [5, (r) => `kl_gauss(${dec(r, -2, 2, 1)}, ${dec(r, 0.5, 3, 1)}, ${dec(r, -2, 2, 1)}, ${dec(r, 0.5, 3, 1)})`],
  [4, (r) => `0.5*(${dec(r, 0.5, 3, 1)}/${dec(r, 0.5, 3, 1)} + (${dec(r, -2, 2, 1)} - ${dec(r, -2, 2, 1)})^2/${dec(r, 0.5, 3, 1)} - 1 + ln(${dec(r, 0.5, 3, 1)}/${dec(r, 0.5, 3, 1)}))`],
  [3, (r) => `sqrt(${dec(r, 0.1, 9, 2)}) * exp(-${dec(r, 0.1, 3, 2)})`],
  [2, (r) => `log(2) - ${dec(r, 0, 0.7, 3)}`],
  [2, (r) => `dot(${vec(probs(r, 3))}, ${vec([dec(r, -2, 2, 2), dec(r, -2, 2, 2), dec(r, -2, 2, 2)])})`],
  [1, (r) => `${dec(r, 0, 2, 2)} * pi`],
  [3, (r) => ['0.5*(', 'kl([0.5, 0.5], [0.7, 0.3]', '[0.1, 0.2', '2 +* 3', 'sqrt(', 'ln(0.5))', '[0.5, 0.5]]'][Math.floor(r() * 7)]], // malformed
];

/**
 * @param {number} n how many answers
 * @returns {string[]}
 */
export function answers(n = 10000, seed = 2024) {
  const r = rng(seed);
  const total = TEMPLATES.reduce((a, [w]) => a + w, 0);
  const out = [];
  while (out.length < n) {
    let x = r() * total;
    for (const [w, f] of TEMPLATES) {
      if ((x -= w) < 0) {
        out.push(f(r));
        break;
      }
    }
  }
  return out;
}
