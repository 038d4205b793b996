// The example course page's own script (a host page, as an LMS wrapper would write it): it records the
// score events of the three embedded exercises, and sizes the iframe embed to its content.
const log = document.getElementById('score-log');
const total = document.getElementById('score-total');
const best = new Map(); // "notebook/part" -> best score

function record(source, d) {
  best.set(`${d.notebook}/${d.part}`, Math.max(best.get(`${d.notebook}/${d.part}`) ?? 0, d.score));
  const li = document.createElement('li');
  li.textContent = `${source}: ${d.notebook} · ${d.part} · ${d.verdict} · score ${d.score}`;
  li.dataset.part = d.part;
  li.dataset.source = source;
  log.appendChild(li);
  let sum = 0;
  for (const s of best.values()) sum += s;
  total.textContent = `Score so far: ${sum} (${best.size} part${best.size === 1 ? '' : 's'} tried)`;
}

// 1. <kl-exercise> elements: the event bubbles out of the shadow root (composed) to the document.
document.addEventListener('kllab:check', (e) => record('embed', e.detail));

// 2. The iframe embed: messages from its window only.
const frame = document.getElementById('frame-embed');
window.addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow || !e.data || typeof e.data.type !== 'string') return;
  if (e.data.type === 'kllab:resize' && Number.isFinite(e.data.height)) frame.height = String(Math.min(5000, Math.max(80, e.data.height)));
  if (e.data.type === 'kllab:check') record('iframe', e.data);
});

document.getElementById('score-clear').addEventListener('click', () => {
  best.clear();
  log.replaceChildren();
  total.textContent = 'No answers checked yet.';
});
document.documentElement.dataset.ready = 'true';
