// Grading throughput (`kllab grade`): a synthetic class, made by the engine itself through the JS API
// (each learner in their own variants, right and wrong answers, hints, several attempts), one export
// file per (learner, notebook), then graded natively with --jobs 1..cores. Reports exports per second.
// Report only, never a test. Run: node --no-experimental-fetch bench/grade.mjs [LEARNERS]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { loadEngine } from '../bindings/kllab.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const OUT = `${ROOT}build/bench/grade`;

/** Writes `learners` learners' exports for every notebook; returns the number of files. */
export async function makeClass(learners) {
  const kl = await loadEngine({ factory: createRequire(import.meta.url)(`${ROOT}build/wasm/kllab-engine-node.cjs`) });
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const notebooks = readdirSync(`${ROOT}site/notebooks`).filter((f) => f.endsWith('.md'))
    .map((f) => ({ file: f, text: readFileSync(`${ROOT}site/notebooks/${f}`, 'utf8') }));
  let files = 0;
  for (let i = 0; i < learners; i++) {
    const id = `learner-${String(i).padStart(6, '0')}`;
    for (const { file, text } of notebooks) {
      const nb = kl.loadNotebook(text, file);
      nb.setLearner({ id, name: `Learner ${i}` }, { personalVariants: true });
      let t = Date.UTC(2026, 11, 1, 9) + i * 1000;
      const time = () => new Date((t += 7000)).toISOString();
      for (const ex of nb.state().exercises) {
        for (const [k, p] of ex.parts.entries()) {
          const view = nb.view(p.id, { seed: ex.seed });
          if (!view.ok) continue;
          const kind = (i + k) % 5;
          if (kind === 4) continue;  // not attempted
          if (kind === 3) nb.revealHint(p.id);
          if (kind >= 1) nb.submit(p.id, kind === 2 ? '0.5' : '1', { time: time() });  // a wrong first try
          nb.submit(p.id, view.reference.replace(/^\(|\)$/g, ''), { time: time() });
        }
      }
      writeFileSync(`${OUT}/${id}-${file.replace(/\.md$/, '')}.json`, nb.exportFile({ exported: time() }));
      nb.close();
      files++;
    }
  }
  return files;
}

/** Grades the class with each --jobs value; returns [{jobs, seconds, perSecond}]. */
export function gradeClass(files, reps = 3) {
  const out = [];
  for (let jobs = 1; jobs <= Math.max(2, cpus().length); jobs++) {
    const times = [];
    for (let r = 0; r < reps; r++) {
      const t = process.hrtime.bigint();
      const res = spawnSync(`${ROOT}build/native/kllab`, ['grade', '--jobs', String(jobs), '--notebooks', `${ROOT}site/notebooks`, OUT],
        { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (res.status !== 0) throw new Error(res.stderr);
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    times.sort((a, b) => a - b);
    const seconds = times[Math.floor(times.length / 2)];
    out.push({ jobs, seconds, perSecond: files / seconds });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const learners = Number(process.argv[2] || 500);
  const made = Date.now();
  const files = await makeClass(learners);
  console.log(`${files} exports (${learners} learners x ${files / learners} notebooks) made in ${((Date.now() - made) / 1000).toFixed(1)} s`);
  for (const r of gradeClass(files)) console.log(`--jobs ${r.jobs}: ${r.seconds.toFixed(2)} s, ${Math.round(r.perSecond)} exports/s`);
}
