// math.js with the course's functions added, written with math.js's own functions (so "their side"
// parses and evaluates the very same answer strings with the same meaning).
import { create, all } from 'mathjs';

export function makeMath() {
  const math = create(all);
  // KL(p || q) is math.js's own kldivergence(p, q) (it also normalises p and q).
  const kl = (p, q) => math.kldivergence(p, q);
  const log = (v) => math.map(v, (x) => math.log(x)); // math.js 12+: log and exp are not elementwise
  const entropy = (p) => -math.sum(math.dotMultiply(p, log(p)));
  const crossEntropy = (p, q) => -math.sum(math.dotMultiply(p, log(q)));
  const softmax = (z) => {
    const m = math.max(z);
    const e = math.map(math.subtract(z, m), (x) => math.exp(x));
    return math.divide(e, math.sum(e));
  };
  const klGauss = (m1, v1, m2, v2) => 0.5 * (v1 / v2 + ((m1 - m2) * (m1 - m2)) / v2 - 1 + Math.log(v2 / v1));
  math.import({ ln: math.log, kl, entropy, cross_entropy: crossEntropy, softmax, kl_gauss: klGauss }, { override: true }); // 'kl' is otherwise the unit kilolitre
  return { math, kl };
}
