// The answer preview (STACK's validation step): while the learner types, each answer box shows how the
// engine reads the answer before Check: the answer typeset, its value, what the part expects, a note
// (too few significant figures, a probability vector's sum), or why it cannot be read, with the column.
// A derivation shows one typeset row per step.
//
// - Through the engine's worker (nb.preview), a little after typing pauses; a reply for text the box no
//   longer holds is dropped, and only one request per box is in flight (the latest text goes next), so
//   typing never waits for the engine.
// - The engine's MathML is never inserted as markup: it is parsed with DOMParser as XML and rebuilt
//   element by element, only from the elements and attributes the engine's printer writes
//   (engine/src/check/mathml.cpp); anything else and the preview shows the answer as text instead.
// - Screen readers: the box is described by the preview (read when the box is focused), and a polite
//   live region says the result once, when typing has paused for a while and the result has changed; it
//   does not announce keystrokes.
import { h, toDOM, displayNumber } from './view.mjs';
import { PREVIEW_SEL } from './answer-view.mjs';

const MATHML_NS = 'http://www.w3.org/1998/Math/MathML';

/** Elements the engine's MathML printer writes, with the attributes (and values) each may carry. */
const ALLOWED = {
  math: {},
  mrow: {},
  mi: {},
  mn: {},
  mo: { separator: (v) => v === 'true' || v === 'false' },
  ms: {},
  msub: {},
  msup: {},
  mfrac: {},
  msqrt: {},
  mtable: {},
  mtr: {},
  mtd: {},
};
/** Bounds on what is rebuilt (the engine's own bounds are lower: kMaxMathmlBytes, kMaxMathmlDepth). */
const MAX_CHARS = 200000;
const MAX_DEPTH = 400;
const MAX_NODES = 20000;

/** The engine's <math> opening, and the inert namespace the text is parsed in (see safeMathML). */
const OPENING = `<math xmlns="${MATHML_NS}">`;
const INERT_NS = 'urn:x-kllab:inert';

/**
 * The engine's MathML as DOM nodes built afresh (never the parsed nodes, never markup), or null if the
 * text is not a <math> element made only of the allowed elements, attributes and text. The text is
 * parsed as XML in a namespace no browser gives meaning to, so nothing in it (an event handler, a style
 * attribute) is even looked at by the page; only the rebuilt copy is MathML.
 * @param {string} text
 * @param {Document} doc the document the nodes are for
 * @returns {Element|null} a MathML <math> element
 */
export function safeMathML(text, doc = document) {
  // exactly the engine's opening, no other namespace; no declarations, comments, CDATA or processing
  // instructions (the engine writes none, and a DTD could declare entities)
  if (typeof text !== 'string' || text.length > MAX_CHARS || !text.startsWith(OPENING)) return null;
  const rest = text.slice(OPENING.length);
  if (/xmlns|<!|<\?/.test(rest)) return null;
  let parsed;
  try {
    parsed = new DOMParser().parseFromString(`<math xmlns="${INERT_NS}">${rest}`, 'application/xml');
  } catch {
    return null;
  }
  const root = parsed.documentElement;
  if (!root || root.localName !== 'math' || parsed.getElementsByTagName('parsererror').length) return null;
  let nodes = 0;
  const rebuild = (src, depth) => {
    if (depth > MAX_DEPTH || ++nodes > MAX_NODES) return null;
    if (src.nodeType === 3) return doc.createTextNode(src.data);
    if (src.nodeType !== 1 || src.namespaceURI !== INERT_NS || src.prefix) return null;
    const allowed = Object.hasOwn(ALLOWED, src.localName) ? ALLOWED[src.localName] : null;
    if (!allowed) return null;
    const out = doc.createElementNS(MATHML_NS, src.localName);
    for (const a of src.attributes) {
      if (src === root && a.name === 'xmlns') continue; // the namespace, given by createElementNS
      if (a.namespaceURI || !Object.hasOwn(allowed, a.name) || !allowed[a.name](a.value)) return null;
      out.setAttribute(a.name, a.value);
    }
    for (const c of src.childNodes) {
      const copy = rebuild(c, depth + 1);
      if (!copy) return null;
      out.appendChild(copy);
    }
    return out;
  };
  return rebuild(root, 0);
}

const BRACKETS = new Set(['(', ')', '[', ']', '|', '‖']);

/**
 * Brackets around flat content at their text size: the engine writes plain <mo>(</mo>, which is
 * stretchy, and a math font's first stretched size is already larger than the text; only a fraction or a
 * table inside makes brackets grow. (Presentation only: it sets an attribute on the rebuilt nodes.)
 */
export function settleBrackets(math) {
  for (const mo of math.getElementsByTagNameNS(MATHML_NS, 'mo')) {
    if (!BRACKETS.has(mo.textContent)) continue;
    const row = mo.parentElement;
    if (row && !row.querySelector('mfrac, mtable')) mo.setAttribute('stretchy', 'false');
  }
  return math;
}

/** One <math> per row of a derivation's table (<math><mtable><mtr><mtd>…), or null if it is not one. */
export function mathRows(math, doc = document) {
  const table = math && math.firstElementChild;
  if (!table || table.localName !== 'mtable' || math.children.length !== 1) return null;
  return [...table.children].map((tr) => {
    const row = doc.createElementNS(MATHML_NS, 'math');
    const td = tr.firstElementChild;
    if (td) for (const c of [...td.childNodes]) row.appendChild(c);
    return row;
  });
}

/** How long typing must pause before the preview is asked for, and before the live region speaks. */
const ASK_AFTER_MS = 200;
const SPEAK_AFTER_MS = 1500;

/** A derivation's steps as the engine splits them (engine/src/check/derivation.cpp derivation_lines). */
function stepLines(text) {
  const lines = text.split(/[\n;]/).map((s) => s.trim());
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  return lines;
}

/**
 * The preview of one answer as views and the sentence a screen reader is told.
 * @param r the engine's AnswerPreview; typed: the text it is for; math: its safe MathML (or null);
 *   kind: the part's kind
 */
export function previewView(r, typed, math, kind) {
  const nodes = [];
  let said;
  const text = typed.trim();
  if (kind === 'derivation' && math) {
    // one row per step, numbered as the learner wrote them (empty lines are skipped by the engine)
    const rows = mathRows(math) || [];
    const numbers = stepLines(text).flatMap((s, i) => (s ? [i + 1] : []));
    nodes.push(
      h('p', { class: 'kl-preview-head' }, r.readable ? 'Read as:' : 'Read so far:'),
      h(
        'ol',
        { class: 'kl-preview-steps' },
        rows.map((row, i) => h('li', { value: numbers.length === rows.length ? numbers[i] : i + 1 }, row)),
      ),
    );
    said = `Read as ${rows.length} step${rows.length === 1 ? '' : 's'}.`;
  } else if (math || r.value) {
    // the value, unless it is what was typed (a vector typed with round brackets is still itself)
    const bare = (x) => x.replace(/\s+/g, '').replace(/^\((.*)\)$/, '[$1]');
    const showValue = r.value && ['number', 'vector', 'matrix'].includes(r.kind) && bare(r.value) !== bare(text);
    nodes.push(
      h(
        'p',
        { class: 'kl-preview-read' },
        h('span', { class: 'kl-preview-head' }, r.readable ? 'Read as ' : 'Read so far as '),
        math ? h('span', { class: 'kl-preview-math' }, math) : h('code', {}, r.value || text),
        showValue ? h('span', { class: 'kl-preview-value' }, ' = ', displayNumber(r.value)) : null,
      ),
    );
    said = r.readable ? `Read as ${displayNumber(r.value || text)}.` : '';
  }
  if (!r.readable && r.message) {
    const where = r.column > 0 ? ` (column ${r.column})` : '';
    nodes.push(h('p', { class: 'kl-preview-error' }, h('span', { class: 'kl-icon', 'aria-hidden': 'true' }, '⚠'), `Cannot be checked as it stands: ${r.message}${where}.`));
    // the line the column is in: the answer itself, or a derivation's step
    let line = text.includes('\n') || kind === 'derivation' ? null : typed;
    const step = /^step (\d+):/.exec(r.message);
    if (step) line = stepLines(typed)[Number(step[1]) - 1] ?? null;
    if (r.column > 0 && line !== null && line.length <= 400) nodes.push(h('pre', { class: 'kl-caret', 'aria-hidden': 'true' }, `${line}\n${' '.repeat(r.column - 1)}^`));
    said = `Cannot be checked as it stands: ${r.message}${where}.`;
  }
  if (r.note) {
    nodes.push(h('p', { class: 'kl-preview-note' }, r.note.replace(/^./, (c) => c.toUpperCase()), '.'));
    if (said) said += ` ${r.note}.`;
  }
  if (r.expects) nodes.push(h('p', { class: 'kl-preview-expects' }, 'This part expects ', r.expects, '.'));
  return { nodes, said: said || '' };
}

/**
 * Hydrates the preview of every text-answer part.
 * @param {{parts: Map<string, {id: string, kind: string, el: Element, input: HTMLInputElement|HTMLTextAreaElement|null}>,
 *          nb: object, ready: () => boolean}} o
 *   nb: the notebook in the engine's worker (methods return promises); ready: whether the engine has
 *   started (before, the preview says it is waiting for it)
 * @returns {{refresh: () => void}} refresh: re-reads every box (after answers were set or cleared by
 *   the page: a restore, a reset, an import)
 */
export function hydratePreviews({ parts, nb, ready = () => true }) {
  const boxes = [];
  for (const p of parts.values()) {
    if (!p.input || p.kind === 'choice') continue;
    const region = p.el.querySelector(PREVIEW_SEL.preview);
    if (!region) continue;
    boxes.push(previewBox(p, region, nb, ready));
  }
  // a new variant changes what a part expects (a vector's length): read the boxes of that exercise again
  if (typeof MutationObserver === 'function') {
    const mo = new MutationObserver((records) => {
      const changed = new Set(records.map((r) => r.target));
      for (const b of boxes) if (changed.has(b.exercise)) b.update({ force: true });
    });
    for (const ex of new Set(boxes.map((b) => b.exercise).filter(Boolean))) mo.observe(ex, { attributes: true, attributeFilter: ['data-seed'] });
  }
  for (const b of boxes) b.update();
  return {
    refresh() {
      for (const b of boxes) b.update();
    },
  };
}

function previewBox(p, region, nb, ready) {
  const doc = region.ownerDocument;
  const exercise = p.el.closest('[data-exercise]');
  const seed = () => Number(exercise?.dataset.seed) || 0;
  // a live region without role="status": the part's one status region is its feedback
  const live = toDOM(h('span', { class: 'kl-visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-preview-live': '' }), doc);
  const body = toDOM(h('div', { class: 'kl-preview-body' }), doc);
  region.replaceChildren(body, live);
  let shown = null; // {text, seed} the preview on screen is for
  let inflight = false;
  let askTimer = null;
  let speakTimer = null;
  let lastSaid = '';
  let pendingSaid = null; // what to say once typing has paused, for the text on screen

  const render = (text, r) => {
    if (!text.trim()) {
      region.hidden = true;
      body.replaceChildren();
      return;
    }
    region.hidden = false;
    region.removeAttribute('aria-busy');
    if (!r) {
      region.dataset.state = 'waiting';
      body.replaceChildren(toDOM(h('p', { class: 'kl-preview-wait' }, ready() ? 'Reading your answer…' : 'The preview appears once the engine has loaded.'), doc));
      return;
    }
    if (r.ok === false) {
      // the engine could not be asked (it is restarting, or failed): Check will say more
      region.dataset.state = 'unavailable';
      body.replaceChildren(toDOM(h('p', { class: 'kl-preview-wait' }, 'No preview for this answer right now; Check still works.'), doc));
      pendingSaid = '';
      return;
    }
    const safe = r.mathml ? safeMathML(r.mathml, doc) : null;
    const math = safe ? settleBrackets(safe) : null;
    const v = previewView(r, text, math, p.kind);
    region.dataset.state = r.readable ? 'readable' : 'unreadable';
    body.replaceChildren(...v.nodes.map((n) => toDOM(n, doc)));
    pendingSaid = v.said;
  };

  const speak = () => {
    speakTimer = null;
    if (pendingSaid === null || doc.activeElement !== p.input) return;
    if (pendingSaid && pendingSaid !== lastSaid) live.textContent = pendingSaid;
    lastSaid = pendingSaid;
    pendingSaid = null;
  };

  const ask = async () => {
    askTimer = null;
    if (inflight) return; // the reply asks again for the latest text
    const text = p.input.value;
    const s = seed();
    if (!text.trim()) {
      shown = { text, seed: s };
      render(text, null);
      return;
    }
    inflight = true;
    region.setAttribute('aria-busy', 'true');
    let r;
    try {
      r = await nb.preview(p.id, text, { seed: s });
    } catch (e) {
      r = { ok: false, error: { message: String(e && e.message ? e.message : e) } };
    }
    inflight = false;
    if (p.input.value === text && seed() === s) {
      shown = { text, seed: s };
      render(text, r);
      if (!speakTimer) speak();
    } else {
      ask();
    }
  };

  const update = ({ force = false, typing = false } = {}) => {
    const text = p.input.value;
    if (!force && shown && shown.text === text && shown.seed === seed()) return;
    if (!text.trim()) {
      clearTimeout(askTimer);
      shown = { text, seed: seed() };
      render(text, null);
      return;
    }
    // the previous preview stays until the new one arrives (no flicker while typing)
    if (region.hidden) render(text, null);
    region.setAttribute('aria-busy', 'true');
    clearTimeout(askTimer);
    askTimer = setTimeout(ask, typing ? ASK_AFTER_MS : 0);
    if (typing) {
      // what is on screen reads an older text: the pause says nothing until this text's reading comes
      pendingSaid = null;
      clearTimeout(speakTimer);
      speakTimer = setTimeout(speak, SPEAK_AFTER_MS);
    }
  };

  p.input.addEventListener('input', () => update({ typing: true }));
  return { exercise, update };
}
