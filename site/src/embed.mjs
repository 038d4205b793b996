// KL Lab embeds: one script tag and one element put an exercise (or a whole notebook) into any page.
//
//   <script type="module" src="https://…/kllab-embed.js"></script>
//   <kl-exercise notebook="distillation" exercise="ex8"></kl-exercise>   (optional heading-level="2")
//   <kl-notebook notebook="distillation"></kl-notebook>
//   learner="ID" (and learner-name="NAME") on either: who is working, as the host knows it
//
// The data comes from embed/<notebook>.json (source + each exercise's pre-rendered HTML) and
// embed/<notebook>.full.json (source + the whole pre-rendered notebook), written by the site build;
// a `src` attribute points an element at another copy of that file. What is shown on request (hints,
// solutions, mistakes' feedback) comes from embed/<notebook>.reveal.json, fetched on first use.
//
// The build bundles this module (with exercise.mjs, cells.mjs, view.mjs, record.mjs, progress.mjs and
// the engine client) into kllab-embed.js; the engine's worker (kllab-worker.js, which fetches
// kllab-engine.wasm), the stylesheet and the notebook data are fetched from the base URL: the folder
// of kllab-embed.js, or what configure({base}) says (a bundler moves this module away from its files).
// The engine runs in that worker: no engine work on the host's main thread. All elements of a page
// share one worker; <kl-exercise> elements share, per notebook and learner, one loaded notebook and so
// one record (the site's storage keys, progress.mjs: an exercise answered here shows as answered on
// the site's page of the same origin). Each check dispatches a bubbling, composed `kllab:check`
// CustomEvent with detail {notebook, exercise, part, verdict, status, score, seed, answer, hints,
// solution}.
//
// Host pages are hostile to embedded content without meaning to be:
// - Styles: each element renders into its own shadow root with the site's stylesheet linked inside it,
//   which resets everything the host could pass down by inheritance (style.css, .kl-embed) and, once
//   loaded, has its rem lengths re-based to 16px (rem follows the host's root font size, which themes
//   set to 10px or 62.5%).
// - Markup: `<kl-exercise … />` is not self-closing in HTML, so the rest of the host's content would
//   become the element's (invisible) children; such children are moved back after the element, with a
//   console warning.
// - Build time: importing this module in node (server-side rendering, static-site generators) defines
//   nothing and touches no DOM; the elements are defined when it loads in a browser.
import { sharedEngine, spawnModuleWorker, handleOf } from './engine-client.mjs';
import { engineNotices, later, revealLoader } from './page.mjs';
import { openRecord } from './record.mjs';
import { rememberedLearner } from './progress.mjs';
import { hydrateExercises, summaryText } from './exercise.mjs';
import { hydrateCells } from './cells.mjs';
import { el, notifier, keepScrollablesReachable, fragmentOf } from './ui.mjs';
/** The root font size the site's stylesheet is written against (rem lengths are re-based to it). */
const REM_PX = 16;

let configured = null; // configure({base}) as given: resolved against the page when first needed
let base = null;
/** Where the embed's files are (the engine's wasm, style.css, embed/*.json): a folder URL. */
function baseURL() {
  if (base) return base;
  if (configured !== null) {
    const url = new URL(configured, document.baseURI).href;
    base = url.endsWith('/') ? url : `${url}/`;
    return base;
  }
  try {
    base = new URL('./', import.meta.url).href;
  } catch {
    base = new URL('./', document.baseURI).href; // bundled where import.meta.url is not kept
  }
  return base;
}

/**
 * Settings for every element of the page. base: the URL of the folder holding kllab-embed.js's files
 * (kllab-engine.wasm, style.css, embed/), relative to the page; needed when a bundler (Vite, esbuild)
 * has moved this module into the host's own bundle. Call it before the elements start (in the same
 * module that imports this one is early enough: they start a task later).
 * @param {{base?: string}} o
 */
export function configure({ base: folder } = {}) {
  if (folder !== undefined) {
    configured = String(folder); // may run at build time (no document): nothing is resolved here
    base = null;
  }
}

/** The page's one engine client, its worker started on first use (shared by every embed): engine-client.mjs. */
function engineClient() {
  const url = new URL('kllab-worker.js', baseURL()).href;
  return sharedEngine(url, () => spawnModuleWorker(url));
}

/** The page's one engine (in its worker: the JS API with methods that return promises), once it has started. */
export async function getEngine() {
  const client = engineClient();
  await client.ready;
  return client.engine;
}

const dataCache = new Map(); // url -> Promise<data>
const shared = new Map(); // notebook id + learner -> {nb, record} (for <kl-exercise>: one record per learner)
const reveals = new Map(); // notebook id -> reveal file loader

function fetchJSON(url) {
  if (!dataCache.has(url)) {
    dataCache.set(
      url,
      fetch(url).then((r) => {
        if (!r.ok) throw new Error(r.status === 404 ? 'it was not found' : `${url} answered ${r.status}`);
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

/** The learner an element names (learner="ID", learner-name="NAME"), else the one this browser last named. */
function learnerOf(element) {
  const id = (element.getAttribute('learner') || '').trim();
  if (id) return { id, name: (element.getAttribute('learner-name') || '').trim() };
  return rememberedLearner();
}

/** A notebook in the engine with its learner's record; `notify` is the first element's. */
function withRecord(data, learner, notify, nbPromise) {
  const nb = later(nbPromise);
  const record = openRecord({ nb, notebook: data.id, learner, notify });
  return { nb, nbPromise, record };
}

function sharedNotebook(data, learner, notify) {
  const key = `${data.id}\u0000${learner?.id ?? ''}`;
  if (!shared.has(key)) shared.set(key, withRecord(data, learner, notify, parseNotebook(data)));
  return shared.get(key);
}

function revealFor(id) {
  if (!reveals.has(id)) reveals.set(id, revealLoader(document, new URL(`embed/${encodeURIComponent(id)}.reveal.json`, baseURL()).href));
  return reveals.get(id);
}

let noticesOn = false;
/** Restart notices go to the first element's notices (once per page, as on the site). */
function watchEngine(notify, fail) {
  if (noticesOn) return;
  noticesOn = true;
  engineNotices(engineClient(), notify, fail);
}

/**
 * Rewrites a loaded stylesheet's rem lengths as px (REM_PX per rem), through the CSSOM (allowed under
 * the strict CSP, unlike a generated <style>): inside a shadow root rem still follows the host's root.
 */
function rebaseRem(sheet) {
  const REM = /(-?\d*\.?\d+)rem\b/g;
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule.style && rule.style.cssText.includes('rem')) {
        rule.style.cssText = rule.style.cssText.replace(REM, (_, n) => `${Math.round(Number(n) * REM_PX * 1000) / 1000}px`);
      }
      if (rule.cssRules) walk(rule.cssRules);
    }
  };
  try {
    walk(sheet.cssRules);
  } catch {
    /* a stylesheet served cross-origin without CORS cannot be read: it still applies, in host rem */
  }
}

const isStray = (n) => (n.nodeType === 1 || (n.nodeType === 3 && n.textContent.trim() !== ''));

// HTMLElement does not exist in node (server-side rendering): the classes then extend a stand-in
// and are never defined as elements.
const Base = globalThis.HTMLElement ?? class {};

class KlEmbed extends Base {
  constructor() {
    super();
    let resolve, reject;
    /** Resolves when the embed can check answers (rejects if it cannot start). */
    this.ready = new Promise((a, b) => ((resolve = a), (reject = b)));
    this.ready.catch(() => {});
    this._settle = { resolve, reject };
  }

  connectedCallback() {
    this._releaseStrays();
    if (!this._watch) {
      // the parser may still be adding the rest of the page into an element written self-closing
      this._watch = new MutationObserver(() => this._releaseStrays());
      this._watch.observe(this, { childList: true });
    }
    if (this._root) return;
    this._root = this.attachShadow({ mode: 'open' });
    // crossorigin: served from another origin (with CORS), the sheet stays readable for rebaseRem
    const link = el('link', { rel: 'stylesheet', crossorigin: 'anonymous' });
    this._box = el('div', { class: 'kl-embed', hidden: true });
    this._notices = el('div', { class: 'kl-notices', role: 'status', 'aria-live': 'polite' });
    this._status = el('p', { class: 'kl-engine-status', role: 'status' }, 'Loading the exercise…');
    this._box.append(this._notices, this._status);
    link.addEventListener('load', () => {
      rebaseRem(link.sheet);
      this._box.hidden = false;
    });
    link.addEventListener('error', () => (this._box.hidden = false));
    this._root.append(link, this._box);
    this.notify = notifier(this._notices);
    // a task later: a configure() in the module that imported this one has run by then
    const started = new Promise((r) => setTimeout(r)).then(() => {
      link.href = new URL('style.css', baseURL()).href;
      watchEngine(this.notify, (message) => this.notify(`The interactive engine stopped: ${message}`, 'warning'));
      return this._start();
    });
    started.then(
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

  /**
   * Content inside the element is never shown (it renders only its shadow root). Any there is almost
   * always the rest of the host's page, swallowed because the element was written self-closing
   * (<kl-exercise … />): move it back after the element, in order, and say so.
   */
  _releaseStrays() {
    const strays = [...this.childNodes].filter(isStray);
    if (!strays.length) return;
    let after = this._lastReleased && this._lastReleased.parentNode === this.parentNode ? this._lastReleased : this;
    for (const n of strays) {
      after.after(n);
      after = n;
    }
    this._lastReleased = after;
    if (!this._warned) {
      this._warned = true;
      const tag = this.localName;
      console.warn(
        `KL Lab: <${tag} notebook="${this.getAttribute('notebook') ?? ''}"${this.hasAttribute('exercise') ? ` exercise="${this.getAttribute('exercise')}"` : ''}> had content inside it, ` +
          `which it never shows; it was moved back after the element. HTML has no self-closing custom elements: write <${tag} …></${tag}>, not <${tag} … />.`,
      );
    }
  }

  _notebookId() {
    const id = (this.getAttribute('notebook') || '').trim();
    if (!id) throw new Error('the notebook attribute must name a notebook, such as "distillation"');
    return id;
  }

  /** The element's data file: its src, or embed/<notebook><suffix> beside the embed (a missing one is "not found"). */
  async _data(id, suffix) {
    const src = this.getAttribute('src');
    const url = new URL(src || `embed/${encodeURIComponent(id)}${suffix}`, src ? document.baseURI : baseURL()).href;
    try {
      return await fetchJSON(url);
    } catch (e) {
      throw new Error(`the notebook "${id}" could not be loaded: ${e.message}`);
    }
  }

  _detail() {
    return { notebook: this.getAttribute('notebook'), exercise: this.getAttribute('exercise') };
  }

  /** What hydrateExercises needs besides the root and the notebook. */
  _hooks(notebook, record) {
    const client = engineClient();
    return {
      record,
      notebook,
      notify: this.notify,
      reveal: revealFor(notebook),
      vocabulary: () => client.vocabulary,
      engineDead: () => client.state === 'dead',
    };
  }
}

/** <kl-exercise notebook="distillation" exercise="ex8">: one exercise, all its parts. */
export class KlExercise extends KlEmbed {
  async _start() {
    const id = this._notebookId();
    const exId = this.getAttribute('exercise') || '';
    const data = await this._data(id, '.json');
    const html = Object.prototype.hasOwnProperty.call(data.exercises ?? {}, exId) ? data.exercises[exId] : undefined;
    if (typeof html !== 'string') throw new Error(`the notebook "${id}" has no exercise "${exId}"`);
    const { nb, nbPromise, record } = sharedNotebook(data, learnerOf(this), this.notify);
    await nbPromise;
    const box = el('div', { class: 'kl-embed-body' });
    box.appendChild(fragmentOf(html));
    // heading-level="N": the exercise's title is a level-N heading and its parts N+1 (default 3, 4),
    // to fit the host page's outline
    const level = Number(this.getAttribute('heading-level'));
    if (Number.isInteger(level) && level >= 1 && level <= 5) {
      for (const x of box.querySelectorAll('.kl-ex-head h3')) x.setAttribute('aria-level', String(level));
      for (const x of box.querySelectorAll('h4.kl-part-id')) x.setAttribute('aria-level', String(level + 1));
    }
    this._box.appendChild(box);
    keepScrollablesReachable(box);
    this.exercise = hydrateExercises({ ...this._hooks(data.id, record), root: box, nb });
    // ready once the stored answers show their recomputed verdicts
    await this.exercise.restore({ keepTyped: true });
  }
}

/** <kl-notebook notebook="distillation">: the whole notebook (prose, cells, sliders, plots, exercises). */
export class KlNotebook extends KlEmbed {
  async _start() {
    const id = this._notebookId();
    const data = await this._data(id, '.full.json');
    if (typeof data.notebook !== 'string') throw new Error(`the notebook "${id}" has no page body in its data`);
    // its own notebook in the engine: a learner's cell edits stay in this element (its record is
    // written to the same storage key as the page's, merged before each write)
    const { nb, nbPromise, record } = withRecord(data, learnerOf(this), this.notify, parseNotebook(data));
    await nbPromise;
    const summary = el('p', { class: 'kl-summary', role: 'status' });
    const body = el('div', { class: 'kl-embed-body kl-notebook', 'data-notebook': data.id });
    body.appendChild(fragmentOf(data.notebook));
    this._box.append(summary, body);
    keepScrollablesReachable(body);
    let ex = null;
    const update = () => {
      const c = ex.counts();
      summary.textContent = summaryText(c);
      record.noteCounts(c);
    };
    ex = hydrateExercises({ ...this._hooks(data.id, record), root: body, nb, onChange: update });
    hydrateCells({ root: body, nb, notify: this.notify });
    await ex.restore({ keepTyped: true });
    update();
    this.exercise = ex;
  }
}

if (globalThis.customElements) {
  if (!customElements.get('kl-exercise')) customElements.define('kl-exercise', KlExercise);
  if (!customElements.get('kl-notebook')) customElements.define('kl-notebook', KlNotebook);
}
