// Builds site/dist from the engine build and the notebooks. Every notebook is read THROUGH THE ENGINE
// (the same parser the browser and the CLI use); author errors fail the build with file:line lines.
// Prose and math are rendered here, once (markdown-it, KaTeX to MathML); the page runtime only fills
// numbers into marked slots, runs cells and checks answers.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadEngine } from '../../bindings/kllab.mjs';
import { renderText } from './render.mjs';
import { h, toHTML, escapeHTML, cellOutputView, plotView } from '../src/view.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
// KLLAB_NOTEBOOKS and KLLAB_DIST override the folders (for tests of the build itself).
const DIST = process.env.KLLAB_DIST ? `${process.env.KLLAB_DIST.replace(/\/$/, '')}/` : `${ROOT}site/dist/`;
const WASM = `${ROOT}build/wasm/`;
const SRC = `${ROOT}site/src/`;
const NOTEBOOKS = process.env.KLLAB_NOTEBOOKS ? `${process.env.KLLAB_NOTEBOOKS.replace(/\/$/, '')}/` : `${ROOT}site/notebooks/`;
// Plots are pre-drawn at the width of the desktop column; the runtime redraws them at other widths.
const PLOT_WIDTH = 712;
const VARIANTS = Number(process.env.KLLAB_VARIANTS ?? 50);

async function main() {
  const started = Date.now();
  for (const f of ['kllab-engine.mjs', 'kllab-engine.wasm', 'kllab-engine-node.cjs']) {
    if (!existsSync(WASM + f)) {
      console.error(`missing ${WASM + f}: run 'make wasm' first`);
      return 1;
    }
  }
  const require = createRequire(import.meta.url);
  const engine = await loadEngine({ factory: require(`${WASM}kllab-engine-node.cjs`) });

  const errors = [];
  const notebooks = [];
  let validateMs = 0;
  for (const file of readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.md')).sort()) {
    const text = readFileSync(NOTEBOOKS + file, 'utf8');
    const nb = engine.loadNotebook(text, file);
    const found = nb.errors();
    if (!found.length) {
      const t0 = Date.now();
      found.push(...nb.validate(VARIANTS));
      validateMs += Date.now() - t0;
    }
    for (const e of found) errors.push(`${e.file || file}:${e.line}: ${e.message}`);
    if (found.length) {
      nb.close();
      continue;
    }
    notebooks.push({ file, text, nb, info: nb.info() });
  }

  const ids = new Map();
  for (const n of notebooks) {
    if (ids.has(n.info.id)) errors.push(`${n.file}:2: notebook id '${n.info.id}' is also used by ${ids.get(n.info.id)}`);
    ids.set(n.info.id, n.file);
  }

  const pages = [];
  for (const n of notebooks) pages.push(renderNotebook(n, errors));

  if (errors.length) {
    for (const e of new Set(errors)) console.error(e);
    const n = new Set(errors).size;
    console.error(`site build failed: ${n} author error${n === 1 ? '' : 's'}`);
    return 1;
  }

  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  copyFileSync(`${WASM}kllab-engine.mjs`, `${DIST}kllab-engine.mjs`);
  copyFileSync(`${WASM}kllab-engine.wasm`, `${DIST}kllab-engine.wasm`);
  copyFileSync(`${ROOT}bindings/kllab.mjs`, `${DIST}kllab.mjs`);
  for (const f of readdirSync(SRC)) copyFileSync(SRC + f, DIST + f);
  for (const p of pages) writeFileSync(`${DIST}${p.id}.html`, p.html);
  writeFileSync(`${DIST}index.html`, indexPage(notebooks, pages));
  for (const n of notebooks) n.nb.close();

  console.log(
    `site built in ${DIST.replace(ROOT, '')}: ${pages.length} notebooks, ${pages.reduce((s, p) => s + p.parts, 0)} parts; ` +
      `validated variants 0..${VARIANTS} in ${(validateMs / 1000).toFixed(1)} s; total ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

// ---------------------------------------------------------------------------------------------------

function page({ title, description, body, script, bodyClass }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHTML(title)}</title>
<meta name="description" content="${escapeHTML(description)}">
<link rel="icon" href="favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="style.css">
${script ? `<link rel="modulepreload" href="progress.mjs">\n${script === 'runtime.mjs' ? '<link rel="modulepreload" href="view.mjs">\n<link rel="modulepreload" href="kllab.mjs">\n<link rel="modulepreload" href="kllab-engine.mjs">\n' : ''}<script type="module" src="${script}"></script>\n` : ''}</head>
<body class="${bodyClass}">
${body}
</body>
</html>
`;
}

function indexPage(notebooks, pages) {
  const sorted = [...notebooks].sort((a, b) => a.info.order - b.info.order || a.info.id.localeCompare(b.info.id));
  const items = sorted.map((n) => {
    const p = pages.find((x) => x.id === n.info.id);
    return h(
      'li',
      { class: 'kl-card', 'data-notebook': n.info.id, 'data-parts': p.parts },
      h('h2', {}, h('a', { href: `${n.info.id}.html` }, n.info.title)),
      h('p', {}, n.info.description),
      h('p', { class: 'kl-card-progress', 'data-progress': n.info.id }, `${p.parts} parts in ${p.exercises} exercise${p.exercises === 1 ? '' : 's'}`),
    );
  });
  const body = [
    h(
      'header',
      { class: 'kl-top' },
      h('nav', { 'aria-label': 'Site' }, h('a', { class: 'kl-brand', href: 'index.html', 'aria-current': 'page' }, 'KL Lab')),
    ),
    h(
      'main',
      { id: 'main', class: 'kl-index' },
      h('h1', {}, 'KL Lab'),
      h(
        'p',
        { class: 'kl-lede' },
        'Worked exercises on the KL divergence and the generative models built on it. Every answer is checked in your browser, offline, by the same engine that computes the cells: nothing you type leaves this page.',
      ),
      h('ol', { class: 'kl-cards' }, items),
      h('p', { id: 'kl-index-note', class: 'kl-note', role: 'status' }),
    ),
  ]
    .map(toHTML)
    .join('\n');
  return page({ title: 'KL Lab', description: 'Worked exercises on KL divergence, checked in your browser.', body, script: 'index.mjs', bodyClass: 'kl-home' });
}

function findLine(lines, from, text) {
  const first = String(text).split('\n').find((l) => l.trim())?.trim().slice(0, 50);
  if (!first) return from;
  for (let k = Math.max(0, from - 1); k < lines.length; k++) if (lines[k].includes(first)) return k + 1;
  return from;
}

const KIND_LABEL = {
  number: 'a number, or an expression such as 0.5*ln(5/7)',
  vector: 'a vector, like [1, 2, 3]',
  probability: 'a probability vector, like [0.2, 0.3, 0.5]',
  matrix: 'a matrix, like [[1, 0], [0, 1]]',
};

function renderNotebook(n, errors) {
  const { nb, info, file, text } = n;
  const lines = text.split('\n');
  const usedIds = new Set();
  const cells = nb.cells();
  const results = new Map(nb.runAll().map((r) => [r.cell, r]));
  const definedBy = {};
  for (const c of cells) for (const d of c.defines || []) definedBy[d] = c.id;
  const body = [];
  let parts = 0, exercises = 0;
  const rt = (t, o) => {
    const r = renderText(t, { file, errors, usedIds, ...o });
    return r;
  };
  for (const cell of cells) {
    if (cell.type === 'prose') {
      body.push(rt(cell.source, { line: cell.line }).html);
    } else if (cell.type === 'code') {
      const res = results.get(cell.id) || { status: 'ok', values: [] };
      const src = cell.source.replace(/\n$/, '');
      const rows = Math.min(14, Math.max(2, src.split('\n').length + 1));
      body.push(
        toHTML(
          h(
            'section',
            { class: 'kl-code', id: `c-${cell.id}`, 'data-cell': cell.id, 'aria-label': `Code cell ${cell.id}` },
            h(
              'div',
              { class: 'kl-code-head' },
              h('label', { for: `src-${cell.id}` }, h('span', { class: 'kl-code-id' }, cell.id), h('span', { class: 'kl-hint-key' }, ' · edit, then Run or Ctrl+Enter')),
              h('span', { class: 'kl-code-buttons' },
                h('button', { type: 'button', 'data-action': 'revert', disabled: true, hidden: true }, 'Revert'),
                h('button', { type: 'button', 'data-action': 'run', disabled: true }, 'Run')),
            ),
            h('textarea', { id: `src-${cell.id}`, class: 'kl-src', rows, spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', 'data-original': src }, src),
            h('div', { class: 'kl-out', 'data-output': '', 'aria-live': 'polite', 'data-status': res.status }, cellOutputView(res, src, definedBy)),
          ),
        ),
      );
    } else if (cell.type === 'slider') {
      const s = cell.slider;
      body.push(
        toHTML(
          h(
            'div',
            { class: 'kl-slider', id: `c-${cell.id}`, 'data-slider': s.name },
            h('label', { for: `range-${s.name}` }, s.label || s.name),
            h(
              'div',
              { class: 'kl-slider-row' },
              h('input', { type: 'range', id: `range-${s.name}`, name: s.name, min: s.min, max: s.max, step: s.step, value: s.value, autocomplete: 'off', disabled: true }),
              h('output', { for: `range-${s.name}`, id: `val-${s.name}`, 'aria-hidden': 'true' }, `${s.name} = ${s.value}`),
            ),
          ),
        ),
      );
    } else if (cell.type === 'plot') {
      const meta = cell.plot;
      const data = nb.plot(cell.id);
      const inner = data.ok
        ? plotView(meta, data, PLOT_WIDTH, `p-${cell.id}`)
        : [h('p', { class: 'kl-blocked' }, `This plot cannot be drawn: ${data.error.message}`)];
      body.push(
        toHTML(
          h(
            'figure',
            { class: 'kl-plot', id: `c-${cell.id}`, 'data-plot': cell.id },
            h('figcaption', {}, meta.title || cell.id),
            h('div', { class: 'kl-plot-box', 'data-plot-box': '', 'data-width': PLOT_WIDTH }, inner),
          ),
        ),
      );
    } else if (cell.type === 'exercise') {
      exercises++;
      const ex = nb.exercise(cell.exercise);
      parts += ex.parts.length;
      body.push(renderExercise(nb, ex, cell, file, lines, errors, rt));
    }
  }
  const partsTotal = parts;
  const source = JSON.stringify({ id: info.id, file, source: text })
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  const top = [
    h(
      'header',
      { class: 'kl-top' },
      h('nav', { 'aria-label': 'Site' }, h('a', { class: 'kl-brand', href: 'index.html' }, 'KL Lab'), h('span', { class: 'kl-crumb' }, info.title)),
    ),
    h(
      'section',
      { class: 'kl-toolbar', 'aria-label': 'Your progress', id: 'kl-toolbar' },
      h('p', { class: 'kl-summary', id: 'kl-summary' }, `${partsTotal} parts in ${exercises} exercise${exercises === 1 ? '' : 's'}`),
      h(
        'div',
        { class: 'kl-toolbar-buttons' },
        h('button', { type: 'button', 'data-action': 'export', disabled: true }, 'Export progress'),
        h('button', { type: 'button', 'data-action': 'import', disabled: true }, 'Import progress…'),
        h('input', { type: 'file', id: 'kl-import-file', accept: '.json,application/json', hidden: true, tabindex: '-1', 'aria-hidden': 'true' }),
        h('button', { type: 'button', 'data-action': 'reset', disabled: true }, 'Reset this notebook'),
      ),
      h(
        'div',
        { class: 'kl-confirm', id: 'kl-reset-confirm', hidden: true, role: 'group', 'aria-label': 'Confirm reset' },
        h('p', {}, 'Reset this notebook? Your answers, hints, solutions and variants for this notebook will be cleared. Other notebooks are not touched.'),
        h('button', { type: 'button', 'data-action': 'reset-yes', class: 'kl-danger' }, 'Yes, reset'),
        h('button', { type: 'button', 'data-action': 'reset-no' }, 'Cancel'),
      ),
    ),
    h('div', { id: 'kl-notices', class: 'kl-notices', role: 'status', 'aria-live': 'polite' }),
    h('p', { id: 'kl-engine-status', class: 'kl-engine-status', role: 'status' }, 'Loading the engine… (the text and the textbook numbers are already here)'),
  ]
    .map(toHTML)
    .join('\n');
  const html = page({
    title: `${info.title} · KL Lab`,
    description: info.description,
    script: 'runtime.mjs',
    bodyClass: 'kl-notebook-page',
    body: `${top}
<main id="main" class="kl-notebook" data-notebook="${escapeHTML(info.id)}">
${body.join('\n')}
</main>
<footer class="kl-footer"><p>KL Lab · every number on this page is computed in your browser by the KL Lab engine (C++ compiled to WebAssembly). <a href="index.html">All notebooks</a></p></footer>
<script type="application/json" id="kl-notebook">${source}</script>`,
  });
  return { id: info.id, html, parts: partsTotal, exercises };
}

function renderExercise(nb, ex, cell, file, lines, errors, rt) {
  const slots = nb.exerciseSlots(ex.id, { seed: 0 });
  if (!slots.ok) {
    errors.push(`${file}:${cell.line}: exercise ${ex.id}: ${slots.error.message}`);
    return '';
  }
  // A template: its rendered HTML, checking the slot count against the engine's.
  const tpl = (t, values, what, o = {}) => {
    if (!t || !t.text) return '';
    const line = findLine(lines, cell.line, t.text);
    const r = rt(t.text, { slots: values || [], line, ...o });
    if (r.count !== t.slots) errors.push(`${file}:${line}: ${what}: found ${r.count} slots, the engine found ${t.slots}`);
    return r.html;
  };
  const out = [];
  const title = ex.title || ex.id;
  out.push(`<section class="kl-exercise" id="${escapeHTML(ex.id)}" data-exercise="${escapeHTML(ex.id)}" aria-labelledby="${escapeHTML(ex.id)}-title">`);
  out.push(
    `<header class="kl-ex-head"><h3 id="${escapeHTML(ex.id)}-title"><span class="kl-ex-id">${escapeHTML(ex.id)}</span> ${escapeHTML(title)}</h3>` +
      toHTML(
        h(
          'div',
          { class: 'kl-variant' },
          h('span', { class: 'kl-variant-label', 'data-variant-label': '', 'aria-live': 'polite' }, 'Textbook numbers'),
          h('button', { type: 'button', 'data-action': 'variant', disabled: true }, 'Try another variant'),
          h('button', { type: 'button', 'data-action': 'textbook', hidden: true }, 'Back to the textbook numbers'),
        ),
      ) +
      '</header>',
  );
  if (ex.intro?.text) out.push(`<div class="kl-intro" data-t="intro">${tpl(ex.intro, slots.intro, `${ex.id} intro`)}</div>`);
  for (const part of ex.parts) {
    const ps = slots.parts[part.id] || { prompt: [], hints: [], solution: [], mistakes: [], choices: [] };
    const pid = escapeHTML(part.id);
    const idAttr = part.id !== ex.id ? ` id="${pid}"` : '';
    out.push(`<div class="kl-part"${idAttr} data-part="${pid}" data-kind="${escapeHTML(part.kind)}">`);
    out.push(`<h4 class="kl-part-id">${pid}</h4>`);
    out.push(`<div class="kl-prompt" id="prompt-${pid}" data-t="prompt">${tpl(part.prompt, ps.prompt, `${part.id} prompt`)}</div>`);
    if (part.kind === 'choice') {
      const options = part.choices
        .map((c, i) => {
          const label = rt(c.text, { inline: true, line: findLine(lines, cell.line, c.text) }).html;
          return `<div class="kl-choice"><input type="radio" name="${pid}" id="${pid}-${i + 1}" value="${i + 1}" autocomplete="off" disabled><label for="${pid}-${i + 1}">${label}</label></div>`;
        })
        .join('');
      out.push(
        `<form class="kl-answer" data-form novalidate><fieldset aria-describedby="prompt-${pid}"><legend>Choose one answer</legend>${options}</fieldset>` +
          `<div class="kl-answer-row"><button type="submit" data-action="check" disabled>Check</button></div></form>`,
      );
    } else {
      let what = KIND_LABEL[part.kind] || 'your answer';
      if (part.kind === 'expression') what = `a formula in ${part.variables.join(', ') || 'the variables'}`;
      const note = part.forbidden.length ? `Not allowed in this answer: ${part.forbidden.join(', ')}.` : '';
      const input =
        part.kind === 'expression'
          ? `<textarea id="in-${pid}" name="${pid}" class="kl-input" rows="2" spellcheck="false" autocapitalize="off" autocomplete="off" aria-describedby="fb-${pid}" disabled></textarea>`
          : `<input type="text" id="in-${pid}" name="${pid}" class="kl-input" spellcheck="false" autocapitalize="off" autocomplete="off" aria-describedby="fb-${pid}" disabled>`;
      out.push(
        `<form class="kl-answer" data-form novalidate><label for="in-${pid}">Your answer <span class="kl-kind">(${escapeHTML(what)})</span></label>` +
          (note ? `<p class="kl-forbid">${escapeHTML(note)}</p>` : '') +
          `<div class="kl-answer-row">${input}<button type="submit" data-action="check" disabled>Check</button></div></form>`,
      );
    }
    out.push(`<div class="kl-feedback" id="fb-${pid}" role="status" aria-live="polite"></div>`);
    const tools = [];
    if (part.hints.length) tools.push(`<button type="button" data-action="hint" disabled>Hint <span class="kl-count">(${part.hints.length})</span></button>`);
    if (part.solution?.text) tools.push('<button type="button" data-action="solution" disabled>Show solution</button>');
    out.push(`<div class="kl-tools">${tools.join('')}</div>`);
    out.push(
      `<div class="kl-confirm" data-confirm hidden role="group" aria-label="Confirm showing the solution"><p>Show the worked solution for ${pid}? It is recorded in your progress.</p>` +
        '<button type="button" data-action="solution-yes">Show the solution</button><button type="button" data-action="solution-no">Not yet</button></div>',
    );
    if (part.hints.length) {
      out.push(
        `<ol class="kl-hints" aria-label="Hints for ${pid}" aria-live="polite">${part.hints
          .map((hint, i) => `<li data-t="hint:${i}" hidden>${tpl(hint, ps.hints[i], `${part.id} hint ${i + 1}`)}</li>`)
          .join('')}</ol>`,
      );
    }
    if (part.solution?.text) {
      out.push(
        `<div class="kl-solution" data-t="solution" hidden tabindex="-1" aria-label="Worked solution for ${pid}"><p class="kl-solution-head">Worked solution</p>${tpl(part.solution, ps.solution, `${part.id} solution`)}</div>`,
      );
    }
    part.mistakes.forEach((m, i) => out.push(`<template data-t="mistake:${i}">${tpl(m, ps.mistakes[i], `${part.id} mistake ${i + 1}`)}</template>`));
    part.choices.forEach((c, i) => {
      if (c.feedback?.text) out.push(`<template data-t="choice:${i}">${tpl(c.feedback, ps.choices[i], `${part.id} choice ${i + 1} feedback`)}</template>`);
    });
    out.push('</div>');
  }
  out.push('</section>');
  return out.join('\n');
}

// The node flavour of the engine rethrows uncaught errors with its whole source: keep failures short.
main().then(
  (code) => process.exit(code ?? 0),
  (e) => {
    console.error(`site build crashed: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
