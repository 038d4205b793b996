// The page's word on its engine: while the engine loads (in its worker) the learner can read and type,
// but nothing is checked yet, and the status line says so, kept in view at the top of the window
// (style.css: [data-state="loading"] is sticky); once the page can check answers it says that, once
// (a polite status region), and steps aside. A failure is the page's own message (page.mjs), left as it is.

export const STATUS_TEXT = {
  loading: 'Loading the engine that checks your answers… You can read and type meanwhile; Check works as soon as it has loaded.',
  ready: 'Ready: your answers are checked here, in your browser.',
};

/** How long the "ready" line stays before it steps aside (it has been announced by then). */
const READY_SHOWN_MS = 5000;

/**
 * @param {HTMLElement|null} el the status line (#kl-engine-status, role="status")
 * @returns {{ready: () => void}}
 */
export function engineStatus(el) {
  if (!el) return { ready() {} };
  el.dataset.state = 'loading';
  el.hidden = false;
  if (!el.classList.contains('kl-error')) el.textContent = STATUS_TEXT.loading;
  return {
    ready() {
      if (el.classList.contains('kl-error')) return;
      el.dataset.state = 'ready';
      el.textContent = STATUS_TEXT.ready;
      setTimeout(() => {
        if (el.dataset.state === 'ready') el.hidden = true;
      }, READY_SHOWN_MS);
    },
  };
}
