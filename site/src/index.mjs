// The index page: each notebook's progress as its page last showed it (verdicts the engine re-checked;
// progress.mjs writeSummary), for the learner this browser last named. Nothing here can break the list.
import { summarise, rememberedLearner } from './progress.mjs';
import { notifier } from './ui.mjs';
import { registerWorker } from './sw-client.mjs';
import { showTotals } from './course.mjs';

const learner = rememberedLearner();
const cards = []; // for the total across notebooks (course.mjs)
for (const li of document.querySelectorAll('[data-notebook]')) {
  const id = li.dataset.notebook;
  const total = Number(li.dataset.parts) || 0;
  const out = li.querySelector('[data-progress]');
  if (!out) continue;
  let s;
  try {
    s = summarise(id, learner?.id ?? '');
  } catch {
    s = { state: 'none' };
  }
  const link = li.querySelector('h2 a');
  cards.push({ id, title: link?.textContent ?? id, href: link?.getAttribute('href') ?? `${id}.html`, total, summary: s });
  if (s.state === 'ok' && s.tried > 0) {
    out.textContent = `Your progress: ${s.correct} of ${total} parts correct${s.partial ? `, ${s.partial} partly` : ''}.`;
    out.classList.add('kl-has-progress');
    if (s.correct === total && total > 0) li.classList.add('kl-done');
  } else if (s.state === 'unavailable') {
    out.textContent = `${total} parts. (This browser does not let the page store progress.)`;
  } else {
    out.textContent = `${total} parts · not started`;
  }
}
showTotals(document, cards);
registerWorker(notifier(document.getElementById('kl-notices')));
document.documentElement.dataset.ready = 'true';
document.dispatchEvent(new CustomEvent('kllab:ready'));
