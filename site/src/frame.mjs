// embed.html: one exercise (or notebook) for hosts that only allow iframes.
//   <iframe src="…/embed.html?notebook=distillation&exercise=ex8[&learner=ID&name=NAME]" title="…"></iframe>
// It posts to the parent window:
//   {type: 'kllab:resize', height, id}   whenever the content's height changes (the host sets the iframe's height)
//   {type: 'kllab:ready', notebook, exercise, id}
//   {type: 'kllab:check', notebook, exercise, part, verdict, status, score, seed, answer, hints, solution, id}
//     after each check (answer: what the learner checked; hints: hints seen before it; solution: whether
//     the worked solution had been shown)
// `id` echoes the optional ?id= parameter, so a host with several iframes can tell them apart (it can
// also compare event.source with each iframe's contentWindow). The messages carry nothing secret (the
// learner's own answers and the verdicts they see), so they are posted with targetOrigin '*': any host
// may embed the page. `learner` names who is working, as the element's learner attribute does.
import './embed.mjs';

const params = new URLSearchParams(location.search);
const notebook = (params.get('notebook') || '').trim();
const exercise = (params.get('exercise') || '').trim();
const learner = (params.get('learner') || '').trim();
const frameId = (params.get('id') || '').slice(0, 100);

const post = (msg) => {
  if (window.parent !== window) window.parent.postMessage({ ...msg, id: frameId }, '*');
};

const root = document.getElementById('kl-frame');
if (!notebook) {
  const p = document.createElement('p');
  p.className = 'kl-engine-status kl-error';
  p.textContent = 'This embed needs ?notebook=<id> and, for one exercise, &exercise=<id>.';
  root.appendChild(p);
  document.documentElement.dataset.ready = 'error';
} else {
  const embed = document.createElement(exercise ? 'kl-exercise' : 'kl-notebook');
  embed.setAttribute('notebook', notebook);
  if (learner) {
    embed.setAttribute('learner', learner);
    embed.setAttribute('learner-name', (params.get('name') || '').trim());
  }
  if (exercise) {
    // the frame is a document of its own: it gets a title heading, and the exercise sits under it
    const h1 = document.createElement('h1');
    h1.className = 'kl-visually-hidden';
    h1.textContent = `KL Lab exercise ${exercise} (${notebook})`;
    root.appendChild(h1);
    embed.setAttribute('exercise', exercise);
    embed.setAttribute('heading-level', '2');
  }
  root.appendChild(embed);
  embed.addEventListener('kllab:check', (e) => post({ type: 'kllab:check', ...e.detail }));
  embed.ready.then(
    () => {
      document.documentElement.dataset.ready = 'true';
      post({ type: 'kllab:ready', notebook, exercise });
    },
    () => (document.documentElement.dataset.ready = 'error'),
  );
}

let last = -1;
const measure = () => {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height !== last) {
    last = height;
    document.documentElement.dataset.height = String(height);
    post({ type: 'kllab:resize', height });
  }
};
new ResizeObserver(measure).observe(document.documentElement);
measure();
