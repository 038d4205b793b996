// KL Lab embeds: one script tag and one element put an exercise (or a whole notebook) into any page.
//
//   <script type="module" src="https://…/kllab-embed.js"></script>
//   <kl-exercise notebook="distillation" exercise="ex8"></kl-exercise>   (optional heading-level="2")
//   <kl-notebook notebook="distillation"></kl-notebook>
//
// The data comes from embed/<notebook>.json (source + each exercise's pre-rendered HTML) and
// embed/<notebook>.full.json (source + the whole pre-rendered notebook), written by the site build;
// a `src` attribute points an element at another copy of that file.
//
// The build bundles this module (with exercise.mjs, cells.mjs, view.mjs, progress.mjs and the engine
// client) into kllab-embed.js; the engine's worker (kllab-worker.js, which fetches kllab-engine.wasm),
// the stylesheet and the notebook data are fetched relative to that script, so the embed works
// wherever its folder is served. The engine runs in the worker: no engine work on the host's main thread. Each element
// renders into its own shadow root with the site's stylesheet linked inside it: the host page's CSS
// does not reach in and ours does not leak out. All elements of a page share one engine instance and,
// per notebook, one parsed notebook and one progress record (the site's localStorage scheme:
// "kllab:progress:<notebook>"). Each check dispatches a bubbling, composed `kllab:check` CustomEvent
// with detail {notebook, exercise, part, verdict, status, score, seed}.
import { sharedEngine, spawnModuleWorker, handleOf } from './engine-client.mjs';
import { engineNotices } from './page.mjs';
import { openProgress } from './progress.mjs';
import { hydrateExercises, summaryText } from './exercise.mjs';
import { hydrateCells } from './cells.mjs';
import { el, notifier, keepScrollablesReachable } from './ui.mjs';

const BASE = new URL('./', import.meta.url);
const ID = /^[A-Za-z0-9][\w-]{0,80}$/;

/** The page's one engine client, started on first use (shared by every embed): see engine-client.mjs. */
export function engineClient() {
  const url = new URL('kllab-worker.js', BASE).href;
  return sharedEngine(url, () => spawnModuleWorker(url));
}

/** The page's one engine (in its worker; methods return promises), once it has started. */
export async function getEngine() {
  const client = engineClient();
  await client.ready;
  return client.engine;
}

const dataCache = new Map(); // url -> Promise<data>
const shared = new Map(); // notebook id -> Promise<Notebook> (for <kl-exercise>: checks are stateless)
const progresses = new Map(); // notebook id -> progress (one record per notebook and page)

function fetchJSON(url) {
  if (!dataCache.has(url)) {
    dataCache.set(
      url,
      fetch(url).then((r) => {
        if (!r.ok) throw new Error(`${url} answered ${r.status}`);
        return r.json();
      }),
    );
  }
  return dataCache.get(url);
}

async function parseNotebook(data) {
  const nb = await handleOf(engineClient().engine.loadNotebook(data.source, data.file));
  const errs = await nb.errors();
  if (!Array.isArray(errs)) throw new Error(errs?.error?.message || 'the engine could not load this notebook');
  if (errs.length) throw new Error(errs.map((e) => `${e.file}:${e.line}: ${e.message}`).join('; '));
  return nb;
}

function sharedNotebook(data) {
  if (!shared.has(data.id)) shared.set(data.id, parseNotebook(data));
  return shared.get(data.id);
}

function progressFor(id, notify) {
  if (!progresses.has(id)) progresses.set(id, openProgress(id, notify));
  return progresses.get(id);
}

let noticesOn = false;
/** Restart notices go to the first element's notices (once per page, as on the site). */
function watchEngine(notify, fail) {
  if (noticesOn) return;
  noticesOn = true;
  engineNotices(engineClient(), notify, fail);
}

/** Build-made HTML (the same markup the site's pages serve) as inert nodes: no script runs. */
function fragment(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const frag = document.createDocumentFragment();
  for (const n of [...parsed.body.childNodes]) frag.appendChild(document.adoptNode(n));
  return frag;
}

class KlEmbed extends HTMLElement {
  constructor() {
    super();
    let resolve, reject;
    /** Resolves when the embed can check answers (rejects if it cannot start). */
    this.ready = new Promise((a, b) => ((resolve = a), (reject = b)));
    this.ready.catch(() => {});
    this._settle = { resolve, reject };
  }

  connectedCallback() {
    if (this._root) return;
    this._root = this.attachShadow({ mode: 'open' });
    const link = el('link', { rel: 'stylesheet', href: new URL('style.css', BASE).href });
    this._box = el('div', { class: 'kl-embed', hidden: true });
    this._notices = el('div', { class: 'kl-notices', role: 'status', 'aria-live': 'polite' });
    this._status = el('p', { class: 'kl-engine-status', role: 'status' }, 'Loading the exercise…');
    this._box.append(this._notices, this._status);
    const show = () => (this._box.hidden = false);
    link.addEventListener('load', show);
    link.addEventListener('error', show);
    this._root.append(link, this._box);
    this.notify = notifier(this._notices);
    watchEngine(this.notify, (message) => this.notify(`The interactive engine stopped: ${message}`, 'warning'));
    this._start().then(
      () => {
        this._status.hidden = true;
        this.dataset.ready = 'true';
        this._settle.resolve(this);
        this.dispatchEvent(new CustomEvent('kllab:ready', { bubbles: true, composed: true, detail: this._detail() }));
      },
      (e) => {
        const message = e && e.message ? e.message : String(e);
        this._status.classList.add('kl-error');
        this._status.textContent = `This exercise could not be loaded: ${message}`;
        this.dataset.ready = 'error';
        this._settle.reject(e);
        this.dispatchEvent(new CustomEvent('kllab:error', { bubbles: true, composed: true, detail: { ...this._detail(), message } }));
      },
    );
  }

  _notebookId() {
    const id = this.getAttribute('notebook') || '';
    if (!ID.test(id)) throw new Error(`the notebook attribute must be a notebook id such as "distillation" (got ${JSON.stringify(id)})`);
    return id;
  }

  _detail() {
    return { notebook: this.getAttribute('notebook'), exercise: this.getAttribute('exercise') };
  }
}

/** <kl-exercise notebook="distillation" exercise="ex8">: one exercise, all its parts. */
export class KlExercise extends KlEmbed {
  async _start() {
    const id = this._notebookId();
    const exId = this.getAttribute('exercise') || '';
    const src = this.getAttribute('src');
    const data = await fetchJSON(new URL(src || `embed/${id}.json`, src ? document.baseURI : BASE).href);
    const html = data.exercises?.[exId];
    if (typeof html !== 'string') throw new Error(`the notebook "${id}" has no exercise "${exId}"`);
    const nb = await sharedNotebook(data);
    const box = el('div', { class: 'kl-embed-body' });
    box.appendChild(fragment(html));
    // heading-level="N": the exercise's title is a level-N heading and its parts N+1 (default 3, 4),
    // to fit the host page's outline
    const level = Number(this.getAttribute('heading-level'));
    if (Number.isInteger(level) && level >= 1 && level <= 5) {
      for (const x of box.querySelectorAll('.kl-ex-head h3')) x.setAttribute('aria-level', String(level));
      for (const x of box.querySelectorAll('h4.kl-part-id')) x.setAttribute('aria-level', String(level + 1));
    }
    this._box.appendChild(box);
    keepScrollablesReachable(box);
    const progress = await progressFor(data.id, this.notify);
    this.exercise = hydrateExercises({ root: box, nb, progress, notebook: data.id, notify: this.notify });
    this.exercise.restore({ initial: true });
  }
}

/** <kl-notebook notebook="distillation">: the whole notebook (prose, cells, sliders, plots, exercises). */
export class KlNotebook extends KlEmbed {
  async _start() {
    const id = this._notebookId();
    const src = this.getAttribute('src');
    const data = await fetchJSON(new URL(src || `embed/${id}.full.json`, src ? document.baseURI : BASE).href);
    if (typeof data.notebook !== 'string') throw new Error(`the notebook "${id}" has no page body in its data`);
    const nb = await parseNotebook(data); // its own: a learner's cell edits stay in this element
    const summary = el('p', { class: 'kl-summary', role: 'status' });
    const body = el('div', { class: 'kl-embed-body kl-notebook', 'data-notebook': data.id });
    body.appendChild(fragment(data.notebook));
    this._box.append(summary, body);
    keepScrollablesReachable(body);
    const progress = await progressFor(data.id, this.notify);
    let ex = null;
    const update = () => (summary.textContent = summaryText(ex.counts()));
    ex = hydrateExercises({ root: body, nb, progress, notebook: data.id, notify: this.notify, onChange: update });
    hydrateCells({ root: body, nb, notify: this.notify });
    ex.restore({ initial: true }).then(update);
    update();
    this.exercise = ex;
  }
}

if (!customElements.get('kl-exercise')) customElements.define('kl-exercise', KlExercise);
if (!customElements.get('kl-notebook')) customElements.define('kl-notebook', KlNotebook);
