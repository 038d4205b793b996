// Small DOM helpers shared by the notebook page, the embeds and the iframe page. Text is only ever set
// as text (see view.mjs): nothing a learner or author typed becomes markup.
import { h, toDOM } from './view.mjs';

/**
 * HTML made by the build (the pre-rendered notebook, exercise and reveal texts: never anything a
 * learner typed) as inert nodes for `doc`: parsed by DOMParser, so no script in it runs.
 */
export function fragmentOf(html, doc = document) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const frag = doc.createDocumentFragment();
  for (const n of [...parsed.body.childNodes]) frag.appendChild(doc.adoptNode(n));
  return frag;
}

/** Builds a DOM element from a view description (tag, attrs, children). */
export function el(tag, attrs, ...children) {
  return toDOM(h(tag, attrs, ...children));
}

/**
 * Visible notices in a container (a role="status" region). Returns notify(message, kind, action?),
 * where action = {label, run} adds a button to the notice; notify returns the notice element.
 */
export function notifier(container) {
  return (message, kind = 'info', action = null) => {
    const box = el('div', { class: `kl-notice kl-${kind}` }, el('p', {}, message));
    if (action) {
      const b = el('button', { type: 'button', class: 'kl-notice-action', 'data-action': action.name || 'notice-action' }, action.label);
      b.addEventListener('click', () => action.run(b));
      box.appendChild(b);
    }
    const close = el('button', { type: 'button', class: 'kl-dismiss', 'aria-label': 'Dismiss this notice' }, '×');
    close.addEventListener('click', () => box.remove());
    box.appendChild(close);
    if (container) container.appendChild(box);
    return box;
  };
}

/**
 * Display math and code that overflow their column scroll sideways, with a visible cue (style.css:
 * [data-scrollable] shows a shadow at the edge that has more); a keyboard user must be able to reach
 * them, so those that overflow (and only those) get tabindex=0. An inline formula too wide for its line
 * (a phone's column) cannot wrap (MathML has no line breaking): it gets a line of its own and scrolls the
 * same way (data-wide). Re-checked when the column's width changes.
 */
export function keepScrollablesReachable(root) {
  const blocks = [];
  const inline = [];
  const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => schedule()) : null;
  const add = (scope) => {
    const all = scope.matches?.('math, pre') ? [scope] : [...scope.querySelectorAll('math, pre')];
    for (const x of all) {
      // (a formula inside another, or in an answer's preview, which scrolls on its own: preview.mjs)
      if (x.parentElement?.closest('math, .kl-preview')) continue;
      if (x.localName === 'pre' || x.getAttribute('display') === 'block') {
        if (!blocks.includes(x)) {
          blocks.push(x);
          ro?.observe(x);
        }
      } else if (!inline.includes(x)) inline.push(x);
    }
  };
  const widthOf = (el) => {
    let c = el.parentElement;
    while (c && c !== root && getComputedStyle(c).display.startsWith('inline')) c = c.parentElement;
    if (!c) return Infinity;
    const cs = getComputedStyle(c);
    return c.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  };
  const mark = (x, scrolls) => {
    if (scrolls && !x.hasAttribute('tabindex')) {
      x.setAttribute('tabindex', '0');
      x.dataset.scrollable = 'true';
    } else if (!scrolls && x.dataset.scrollable === 'true') {
      x.removeAttribute('tabindex');
      delete x.dataset.scrollable;
    }
  };
  const update = () => {
    for (const m of inline) {
      if (!m.isConnected || !m.getClientRects().length) continue;
      const natural = m.dataset.wide === 'true' ? m.scrollWidth : m.getBoundingClientRect().width;
      if (natural > widthOf(m) + 1) m.dataset.wide = 'true';
      else delete m.dataset.wide;
    }
    for (const x of [...blocks, ...inline.filter((m) => m.dataset.wide === 'true')]) mark(x, x.scrollWidth > x.clientWidth + 1);
    for (const m of inline) if (m.dataset.wide !== 'true') mark(m, false);
  };
  let queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      update();
    });
  }
  add(root);
  update();
  // the math font arriving (font-display: swap) changes every formula's width
  const fonts = (root.ownerDocument || document).fonts;
  fonts?.ready?.then(update, () => {});
  fonts?.addEventListener?.('loadingdone', schedule);
  ro?.observe(root);
  // formulas added later (a hint, a solution, feedback shown on request) are followed too
  if (typeof MutationObserver === 'function') {
    new MutationObserver((records) => {
      let added = false;
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.nodeType === 1 && !n.closest?.('math')) {
            add(n);
            added = true;
          }
        }
      }
      if (added) schedule();
    }).observe(root, { childList: true, subtree: true });
  }
}
