// The site's Content-Security-Policy, defined once: every built page carries it in a
// <meta http-equiv> (a static host sends no header), and `make serve` also sends it as a header.
// No worker-src: it falls back to script-src, and the engine's worker is a same-origin script.
// A meta cannot carry frame-ancestors: README ("The site") says which header a host adds for it.
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

/** The meta element that carries a policy (first thing in <head>, before any script). */
export function cspMeta(policy = CSP) {
  return `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
}
