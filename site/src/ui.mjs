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
 * Display math and code that overflow their column scroll sideways; a keyboard user must be able to
 * reach them, so those that overflow (and only those) get tabindex=0. Re-checked on resize.
 */
export function keepScrollablesReachable(root) {
  const items = [...root.querySelectorAll('math[display="block"], pre')];
  if (!items.length) return;
  const update = () => {
    for (const x of items) {
      const scrolls = x.scrollWidth > x.clientWidth + 1;
      if (scrolls && !x.hasAttribute('tabindex')) {
        x.setAttribute('tabindex', '0');
        x.dataset.scrollable = 'true';
      } else if (!scrolls && x.dataset.scrollable === 'true') {
        x.removeAttribute('tabindex');
        delete x.dataset.scrollable;
      }
    }
  };
  update();
  if (typeof ResizeObserver === 'function') {
    let queued = false;
    const ro = new ResizeObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        update();
      });
    });
    for (const x of items) ro.observe(x);
  }
}
