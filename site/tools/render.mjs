// Build-time rendering of author text: Markdown (markdown-it, raw HTML off) with math (KaTeX to
// MathML Core) and exercise slots ({{expr}}) turned into marked elements pre-filled with variant 0.
import MarkdownIt from 'markdown-it';
import katex from 'katex';
import { escapeHTML, displayNumber } from '../src/view.mjs';
import { coreMathML } from './mathml-core.mjs';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
// Links open as usual; any author link that is not same-site gets rel=noopener.
const defaultLinkOpen = md.renderer.rules.link_open || ((tokens, idx, options, env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const href = tokens[idx].attrGet('href') || '';
  if (/^[a-z]+:/i.test(href)) tokens[idx].attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};
// Headings in prose get ids so sections can be linked.
md.core.ruler.push('heading_ids', (state) => {
  const used = state.env.usedIds || (state.env.usedIds = new Set());
  for (let i = 0; i < state.tokens.length; i++) {
    const t = state.tokens[i];
    if (t.type !== 'heading_open') continue;
    const text = state.tokens[i + 1].children.filter((c) => c.type === 'text').map((c) => c.content).join('');
    let id = `sec-${text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section'}`;
    while (used.has(id)) id += '-';
    used.add(id);
    t.attrSet('id', id);
  }
});

const SLOT_TOKEN = /\uE000(\d+)\uE001/g;

const KATEX_OPTIONS = { output: 'mathml', trust: false, throwOnError: true, maxExpand: 200, maxSize: 20, strict: 'ignore' };

/**
 * Caps on KaTeX's output, so that no formula (a \def bomb stays under maxExpand and still made a 2.6 MB
 * page) can blow up a page: a formula's MathML, and all the math of one page. The largest formula of the
 * course makes about 2.3 KB of MathML and the largest page's math about 100 KB.
 */
export const MATH_LIMITS = { formulaBytes: 32 * 1024, pageBytes: 512 * 1024 };

// ---- the math plugin: $inline$, $$display$$ (inline, may span the lines of a paragraph), and $$ blocks

function isSpace(c) {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === undefined;
}

/** Inline rule: `$...$` (opening $ not followed by a space, closing not preceded by one) and `$$...$$`. */
function mathInline(state, silent) {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x24 /* $ */) return false;
  let display = false;
  let end = -1;
  if (src[start + 1] === '$') {
    display = true;
    end = src.indexOf('$$', start + 2);
    if (end < 0 || end + 2 > state.posMax) return false;
  } else {
    if (isSpace(src[start + 1])) return false;
    for (let j = start + 1; j < state.posMax; j++) {
      if (src[j] === '\\') {
        j++;
        continue;
      }
      if (src[j] === '$' && !isSpace(src[j - 1])) {
        end = j;
        break;
      }
    }
    if (end < 0) return false;
  }
  if (!silent) {
    const token = state.push('math', 'math', 0);
    token.content = src.slice(start + (display ? 2 : 1), end);
    token.meta = { display, offset: start };
  }
  state.pos = end + (display ? 2 : 1);
  return true;
}

/** Block rule: a block that starts with $$ at the start of a line and ends with $$ at the end of a line. */
function mathBlock(state, startLine, endLine, silent) {
  if (state.sCount[startLine] - state.blkIndent >= 4) return false;
  const lineText = (n) => state.src.slice(state.bMarks[n] + state.tShift[n], state.eMarks[n]);
  const first = lineText(startLine);
  if (!first.startsWith('$$')) return false;
  const rest = first.slice(2);
  let last = -1;
  let content;
  if (rest.trimEnd().endsWith('$$') && rest.trimEnd().length >= 2) {
    content = rest.trimEnd().slice(0, -2);
    if (content.includes('$$')) return false; // two formulas on one line: inline
    last = startLine;
  } else {
    if (rest.includes('$$')) return false;
    const lines = [rest];
    for (let n = startLine + 1; n < endLine; n++) {
      if (state.sCount[n] < state.blkIndent) break;
      const t = lineText(n);
      if (!t.trim()) break; // a blank line ends the search: not a math block
      const at = t.indexOf('$$');
      if (at >= 0) {
        if (t.slice(at + 2).trim()) return false;
        lines.push(t.slice(0, at));
        last = n;
        break;
      }
      lines.push(t);
    }
    if (last < 0) return false;
    content = lines.join('\n');
  }
  if (silent) return true;
  const token = state.push('math_block', 'math', 0);
  token.block = true;
  token.content = content;
  token.map = [startLine, last + 1];
  token.meta = { display: true, line: startLine };
  state.line = last + 1;
  return true;
}

/** After inline parsing: each inline formula's line, from its paragraph's first line and its offset. */
function mathLines(state) {
  for (const t of state.tokens) {
    if (t.type !== 'inline' || !t.children) continue;
    const base = t.map ? t.map[0] : 0;
    for (const c of t.children) {
      if (c.type !== 'math') continue;
      let n = 0;
      for (let k = 0; k < c.meta.offset; k++) if (t.content.charCodeAt(k) === 10) n++;
      c.meta.line = base + n;
    }
  }
}

function mathPlugin(mdi) {
  mdi.inline.ruler.after('escape', 'math', mathInline);
  mdi.block.ruler.before('fence', 'math_block', mathBlock, { alt: [] });
  mdi.core.ruler.after('inline', 'math_lines', mathLines);
  const render = (tokens, idx, options, env) => renderFormula(tokens[idx], env);
  mdi.renderer.rules.math = render;
  mdi.renderer.rules.math_block = (tokens, idx, options, env) => `${render(tokens, idx, options, env)}\n`;
}
md.use(mathPlugin);

/** Renders TeX to MathML Core, without the TeX annotation (smaller pages). */
function renderMath(tex, display) {
  let html = katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display });
  html = html
    .replace(/^<span class="katex(?:-display)?">/, '')
    .replace(/<\/span>$/, '')
    .replace(/^<span class="katex">/, '')
    .replace(/<\/span>$/, '')
    .replace(/<annotation encoding="application\/x-tex">[\s\S]*?<\/annotation>/g, '')
    .replace(/<semantics>([\s\S]*)<\/semantics>/, '$1')
    .replace(' xmlns="http://www.w3.org/1998/Math/MathML"', '');
  return coreMathML(html);
}

/** A formula token to MathML, its slots as <mn data-slot>; errors go to env.errors with file:line. */
function renderFormula(token, env) {
  const { display } = token.meta;
  const line = (env.line || 0) + (token.meta.line || 0);
  const where = `${env.file || '?'}:${line}`;
  const slots = env.slots;
  const tex = token.content.replace(SLOT_TOKEN, (_, n) => `{\\text{KLSLOT${n}}}`);
  let html;
  try {
    html = renderMath(tex, display);
  } catch (e) {
    env.errors.push(`${where}: math: ${String(e.message).replace(/^KaTeX parse error: /, '')}`);
    return `<code class="kl-math-error">${escapeHTML(token.content)}</code>`;
  }
  // KaTeX merges neighbouring text runs into one <mtext>: split the slots out of it.
  html = html.replace(/<mtext([^>]*)>([^<]*KLSLOT\d+[^<]*)<\/mtext>/g, (_, attrs, inner) =>
    inner
      .split(/(KLSLOT\d+)/)
      .map((piece) => {
        const k = /^KLSLOT(\d+)$/.exec(piece);
        if (k) return `<mn data-slot="${k[1]}">${escapeHTML(displayNumber(slots?.[k[1]] ?? '?'))}</mn>`;
        return piece ? `<mtext${attrs}>${piece}</mtext>` : '';
      })
      .join(''),
  );
  if (html.includes('KLSLOT')) env.errors.push(`${where}: a slot inside math could not be placed: $${token.content}$`);
  const bytes = Buffer.byteLength(html);
  if (bytes > MATH_LIMITS.formulaBytes) {
    env.errors.push(`${where}: math: this formula renders to ${kb(bytes)} of MathML (the limit is ${kb(MATH_LIMITS.formulaBytes)}); simplify it`);
    return `<code class="kl-math-error">${escapeHTML(token.content.slice(0, 200))}</code>`;
  }
  if (env.page) {
    env.page.mathBytes = (env.page.mathBytes || 0) + bytes;
    if (env.page.mathBytes > MATH_LIMITS.pageBytes && !env.page.overMath) {
      env.page.overMath = true;
      env.errors.push(`${where}: math: the formulas of this notebook render to more than ${kb(MATH_LIMITS.pageBytes)} of MathML; this formula passes the limit`);
    }
  }
  return html;
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KB`;
}

/**
 * The template's text with each slot (the engine's spans: UTF-8 byte offsets of `{{` and past `}}`)
 * replaced by a placeholder the renderer fills; the engine alone finds slots.
 */
function markSlots(text, spans, where, errors) {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  const at = (b) => decoder.decode(bytes.subarray(0, b)).length;
  let out = '';
  let last = 0;
  spans.forEach((span, n) => {
    const a = at(span.start);
    const b = at(span.end);
    if (a < last || !text.startsWith('{{', a) || text.slice(b - 2, b) !== '}}') errors.push(`${where}: internal: slot ${n + 1} is not where the engine says`);
    out += `${text.slice(last, a)}\uE000${n}\uE001`;
    last = b;
  });
  return out + text.slice(last);
}

/**
 * Renders an author text to HTML.
 * @param text Markdown with $math$ and, for a template, {{expr}} slots
 * @param opts {slots: string[] (values for pre-filling), spans: the engine's slot spans (a template's
 *              `slots`), inline: boolean, file, line (the text's first line in the file, for errors),
 *              errors: array to push into, page: an object shared by the texts of one page (its math
 *              budget), usedIds}
 * @returns {html, count} count = number of slots
 */
export function renderText(text, opts = {}) {
  const { slots = null, spans = [], inline = false, file = '?', line = 0, errors = [], page = null, usedIds } = opts;
  let src = String(text);
  const count = spans.length;
  if (count) src = markSlots(src, spans, `${file}:${line}`, errors);
  const env = { file, line, errors, slots, page, usedIds };
  let html = inline ? md.renderInline(src, env) : md.render(src, env);
  html = html.replace(SLOT_TOKEN, (_, n) => `<span data-slot="${n}">${escapeHTML(displayNumber(slots?.[n] ?? '?'))}</span>`);
  if (/[\uE000-\uE003]/.test(html)) errors.push(`${file}:${line}: internal: a placeholder survived rendering`);
  return { html, count };
}
