// Shared by the browser tests: Debian's Chromium through playwright-core, the site's own static server
// on a free port, and guards that fail a test on console errors, page errors, dialogs, any request
// that leaves 127.0.0.1 (or file://), and any Content-Security-Policy violation (the
// `securitypolicyviolation` event in every frame, and CSP messages on the console of any level).
// axe() runs axe-core inside a page or frame.
import { chromium } from 'playwright-core';
import { readFileSync, readdirSync } from 'node:fs';
import { startServer } from '../../site/tools/serve.mjs';
import { engine } from '../node/support.mjs';

export const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * How long a test waits for the page (ready, a verdict, an element): every context openPage makes has it
 * as its default timeout. It only bounds a hung page and is no speed requirement: `make test` runs these
 * tests beside the suites' compiles, so it is generous.
 */
export const WAIT = 90000;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Starts the server and the browser; returns them with a stop() that ends both. */
export async function launch({ dir = `${ROOT}site/dist` } = {}) {
  const server = await startServer({ port: 0, dir });
  let browser;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    server,
    browser,
    base: server.url,
    async stop() {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/**
 * A fresh context and page with guards. `problems` collects console errors, page errors, dialogs and
 * foreign requests; tests assert it is empty. The service worker is blocked unless a test asks for it
 * (`serviceWorkers: 'allow'`, as the offline tests do): every fresh context would otherwise install it
 * and precache the whole site, a few megabytes, for tests that never use it. The page works without a
 * worker as it does in a private window.
 */
export async function openPage(env, path, options = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true, serviceWorkers: 'block', ...options });
  const problems = [];
  // long messages (an inlined wasm in a URL) are cut
  const push = problems.push.bind(problems);
  Object.defineProperty(problems, 'push', { value: (...xs) => push(...xs.map((x) => (x.length > 400 ? `${x.slice(0, 400)}…` : x))), enumerable: false });
  context.setDefaultTimeout(WAIT);
  await guardCSP(context, problems);
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    else if (/Content.Security.Policy/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`dialog (${d.type()}): ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1'].includes(u.hostname) && !['blob:', 'data:', 'file:'].includes(u.protocol)) problems.push(`request left 127.0.0.1: ${r.url()}`);
  });
  await context.route((url) => url.hostname !== '127.0.0.1' && url.protocol.startsWith('http'), (route) => route.abort());
  if (path !== null) await goto(page, env.base + path);
  return { context, page, problems };
}

/**
 * Every frame of every page of the context reports its CSP violations into `problems` (a binding is
 * not subject to the page's CSP, and init scripts run before any page script, in iframes too).
 */
export async function guardCSP(context, problems) {
  await context.exposeBinding('__kllabCspViolation', (source, v) => {
    problems.push(`CSP violation on ${source.frame.url()}: ${v.directive} blocked ${v.blocked} (${v.source}:${v.line})`);
  });
  await context.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        window.__kllabCspViolation({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample });
      },
      true,
    );
  });
}

const AXE = readFileSync(`${ROOT}node_modules/axe-core/axe.min.js`, 'utf8');

/**
 * Runs axe-core in a page or frame (open shadow roots included; child frames are checked on their
 * own). The source goes in through the devtools protocol (evaluate), which the page's CSP does not
 * govern, so the page keeps its strict policy. @returns {Promise<string[]>} one line per violation
 */
export async function axe(target, { exclude = [] } = {}) {
  if (!(await target.evaluate(() => typeof window.axe === 'object'))) await target.evaluate(`${AXE}\n;undefined`);
  const violations = await target.evaluate(async (ex) => {
    // preload: false: axe would parse the page's stylesheets by inserting <style> copies (a CSP
    // violation here); only the css-orientation-lock rule needs them
    const r = await window.axe.run({ exclude: ex.map((s) => [s]) }, { iframes: false, preload: false, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
  }, exclude);
  return violations;
}

/**
 * Fault injection: every engine worker of the context is served with a patch appended that passes each
 * notebook the worker registers to `patch` (the source of a function of the notebook) before any use.
 */
export async function patchNotebooks(context, patch) {
  await context.route(/kllab-worker\.js$/, async (route) => {
    const response = await route.fetch();
    const body = `${await response.text()}
;(() => {
  const objects = self.__kllab.objects;
  const set = objects.set.bind(objects);
  objects.set = (k, v) => {
    if (v && typeof v.recheck === 'function' && typeof v.recordJson === 'function') (${patch})(v);
    return set(k, v);
  };
})();`;
    await route.fulfill({ response, body, headers: { ...response.headers(), 'content-length': String(Buffer.byteLength(body)) } });
  });
}

/**
 * Fault injection: every call of the notebooks' `method` in the worker takes `ms` longer (the worker is
 * kept busy), or only the calls whose arguments satisfy `when` (the source of a function of them). For
 * tests of what the page shows while an answer from the engine is still on its way.
 */
export async function slowNotebooks(context, method, ms, when = '() => true') {
  await patchNotebooks(
    context,
    `(v) => {
      const original = v[${JSON.stringify(method)}].bind(v);
      const when = ${when};
      v[${JSON.stringify(method)}] = (...args) => {
        if (when(...args)) for (const until = Date.now() + ${Number(ms)}; Date.now() < until; );
        return original(...args);
      };
    }`,
  );
}

/**
 * Clicks a Check button (a locator, in a page, a frame or a shadow root) and returns once its form has
 * received the submit, i.e. the page has the check. A CI run once showed a part that never got its
 * check after the click resolved (no verdict, not busy, no feedback; the cause is not known): a click the
 * form never saw is reported with the pointer events the button's document received, and made again
 * (three tries; the submit event fires within the click's own dispatch, so no wait is involved).
 */
export async function clickCheck(button) {
  const seen = () =>
    button.evaluate((b) => {
      const f = b.form;
      if (!f.__klClicks) {
        const log = { submits: 0, events: [] };
        f.__klClicks = log;
        f.addEventListener('submit', () => log.submits++, true);
        const root = b.getRootNode();
        for (const type of ['pointerdown', 'pointerup', 'click']) {
          root.addEventListener(
            type,
            (e) => {
              const t = e.composedPath()[0];
              const r = b.getBoundingClientRect();
              log.events.push(`${type} at (${e.clientX},${e.clientY}) on ${t.tagName ?? t.nodeName}${t.className ? `.${t.className}` : ''}; button at (${Math.round(r.x)},${Math.round(r.y)})`);
              log.events.splice(0, log.events.length - 9);
            },
            true,
          );
        }
      }
      return { submits: f.__klClicks.submits, events: [...f.__klClicks.events] };
    });
  for (let attempt = 1; ; attempt++) {
    const before = (await seen()).submits;
    await button.click();
    const after = await seen();
    if (after.submits > before) return;
    const report = `a click on Check reached no form (try ${attempt} of 3); the button's document saw: ${after.events.join(' | ') || 'no pointer event'}`;
    if (attempt === 3) throw new Error(report);
    console.warn(report);
  }
}

export async function goto(page, url) {
  await page.goto(url);
  await waitReady(page);
}

/**
 * What a page (or frame) shows of one part, as text for a failure's report: its verdict, whether it is
 * busy, the typed answer, the Check button, the feedback, the engine's status, the cells, the notices and
 * how long ago the document was loaded.
 */
export async function partState(target, id) {
  return target
    .evaluate((pid) => {
      const p = document.querySelector(`[data-part="${pid}"]`);
      return JSON.stringify({
        verdict: p?.dataset.verdict ?? null,
        busy: p?.getAttribute('aria-busy'),
        value: p?.querySelector('input:not([type="radio"]), textarea')?.value,
        button: p?.querySelector('button[data-action="check"]')?.disabled,
        feedback: p?.querySelector('[role="status"]')?.textContent.slice(0, 200),
        engine: document.getElementById('kl-engine-status')?.dataset.state ?? null,
        cells: document.querySelector('main')?.dataset.cells,
        notices: document.getElementById('kl-notices')?.textContent.slice(0, 300),
        // how this document was loaded and how long ago (a frame that reloaded shows a fresh page)
        loaded: `${performance.getEntriesByType('navigation')[0]?.type} ${Math.round(performance.now())} ms ago`,
      });
    }, id)
    .catch((x) => `(the page could not be read: ${x.message})`);
}

export async function waitReady(page) {
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
}

/** Everything the tests need to know about the notebooks, computed by the engine in node. */
export async function notebookFacts() {
  const kl = await engine();
  const dir = `${ROOT}site/notebooks/`;
  const facts = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const nb = kl.loadNotebook(readFileSync(dir + file, 'utf8'), file);
    const info = nb.info();
    const cells = nb.cells();
    const exercises = cells.filter((c) => c.type === 'exercise').map((c) => nb.exercise(c.exercise));
    // the exercise to answer fully: the first one with a part whose library mistake is named
    let chosen = null, mistake = null;
    for (const ex of exercises) {
      for (const part of ex.parts) {
        if (part.kind === 'choice' || part.kind === 'expression') continue;
        for (const m of nb.libraryMistakes(part.id)) {
          const v = nb.check(part.id, m.text);
          if (v.verdict === 'incorrect' && v.mistakeName) {
            mistake = { part: part.id, answer: m.text, name: v.mistakeName, feedback: v.feedback };
            break;
          }
        }
        if (mistake) break;
      }
      if (mistake) {
        chosen = ex;
        break;
      }
    }
    const answers = chosen.parts.map((part) => ({ id: part.id, kind: part.kind, answer: referenceAnswer(nb, part, 0) }));
    // a code cell, a new source for it, and a dependent code cell whose output then changes
    const edit = findEdit(nb, cells);
    // sliders, and the plot (if any) that follows each
    nb.runAll();
    const sliders = cells
      .filter((c) => c.type === 'slider')
      .map((s) => {
        const plotsBefore = new Map(cells.filter((c) => c.type === 'plot').map((p) => [p.id, plotKey(nb, p.id)]));
        const r = nb.setSlider(s.slider.name, s.slider.max);
        const moved = r.ok ? r.cells.map((c) => c.cell) : [];
        const plots = cells.filter((c) => c.type === 'plot' && moved.includes(c.id) && plotsBefore.get(c.id) !== plotKey(nb, c.id));
        nb.setSlider(s.slider.name, s.slider.value);
        return { name: s.slider.name, id: s.id, plots: plots.map((p) => p.id), dependents: moved.filter((x) => x !== s.id) };
      });
    facts.push({ file, id: info.id, title: info.title, exercise: chosen.id, answers, mistake, edit, sliders, nb, kl });
  }
  return facts;
}

function plotKey(nb, id) {
  const p = nb.plot(id);
  return p.ok ? JSON.stringify(p.series.map((s) => Array.from(s.y))) : 'error';
}

/** The answer a learner would type to be right: the reference, or the number of the right option. */
export function referenceAnswer(nb, part, seed) {
  if (part.kind === 'choice') {
    for (let i = 1; i <= part.choices.length; i++) if (nb.check(part.id, String(i), { seed }).verdict === 'correct') return String(i);
    throw new Error(`${part.id}: no option is accepted`);
  }
  return nb.view(part.id, { seed }).reference;
}

function findEdit(nb, cells) {
  nb.runAll();
  const code = cells.filter((c) => c.type === 'code');
  for (const c of code) {
    const deps = code.filter((d) => d.id !== c.id && d.uses.some((u) => c.defines.includes(u)));
    if (!deps.length) continue;
    const src = c.source.replace(/\n$/, '');
    const numbers = [...src.matchAll(/(?<![\w.])\d+(?:\.\d+)?/g)];
    for (const m of numbers) {
      const bumped = String(Number(m[0]) + (m[0].includes('.') ? 0.1 : 1)).slice(0, 8);
      const modified = src.slice(0, m.index) + bumped + src.slice(m.index + m[0].length);
      const before = new Map(nb.runAll().map((r) => [r.cell, r]));
      const r = nb.editCell(c.id, modified);
      nb.editCell(c.id, src);
      if (!r.ok) continue;
      for (const d of deps) {
        const after = r.cells.find((x) => x.cell === d.id);
        if (after && after.status === 'ok' && before.get(d.id).status === 'ok' && JSON.stringify(after.values.map((v) => v.text)) !== JSON.stringify(before.get(d.id).values.map((v) => v.text))) {
          return { cell: c.id, source: src, modified, dependent: d.id, blockedName: c.defines.find((n) => d.uses.includes(n)) };
        }
      }
    }
  }
  return null;
}
