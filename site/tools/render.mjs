// Build-time rendering of author text: Markdown (markdown-it, raw HTML off) with math (KaTeX to
// MathML Core) and exercise slots ({{expr}}) turned into marked elements pre-filled with variant 0.
import MarkdownIt from 'markdown-it';
import katex from 'katex';
import { escapeHTML, displayNumber } from '../src/view.mjs';

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

const SLOT = /\{\{([\s\S]*?)\}\}/g;
const SLOT_TOKEN = /\uE000(\d+)\uE001/g;
const MATH_TOKEN = /\uE002(\d+)\uE003/g;

const KATEX_OPTIONS = { output: 'mathml', trust: false, throwOnError: true, maxExpand: 200, maxSize: 20, strict: 'ignore' };

/**
 * Finds $...$ and $$...$$ outside code, replacing each by a token. Returns the text with tokens and
 * the math pieces with their offsets (for line numbers).
 */
export function extractMath(text) {
  const maths = [];
  let out = '';
  let i = 0;
  const atLineStart = (k) => k === 0 || text[k - 1] === '\n';
  while (i < text.length) {
    const c = text[i];
    // fenced code block: copy through to the closing fence
    if (atLineStart(i) && /^ {0,3}(```|~~~)/.test(text.slice(i, i + 6))) {
      const m = /^ {0,3}(```+|~~~+)/.exec(text.slice(i));
      const fence = m[1];
      let end = text.indexOf('\n', i);
      end = end < 0 ? text.length : end + 1;
      while (end < text.length) {
        const nl = text.indexOf('\n', end);
        const line = text.slice(end, nl < 0 ? text.length : nl);
        end = nl < 0 ? text.length : nl + 1;
        if (line.trim().startsWith(fence[0].repeat(fence.length))) break;
      }
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '`') {
      const run = /^`+/.exec(text.slice(i))[0];
      const close = text.indexOf(run, i + run.length);
      if (close >= 0) {
        out += text.slice(i, close + run.length);
        i = close + run.length;
        continue;
      }
      out += run;
      i += run.length;
      continue;
    }
    if (c === '$' && text[i + 1] === '$') {
      const close = text.indexOf('$$', i + 2);
      if (close >= 0) {
        maths.push({ tex: text.slice(i + 2, close), display: true, offset: i });
        out += `\uE002${maths.length - 1}\uE003`;
        i = close + 2;
        continue;
      }
    } else if (c === '$' && text[i + 1] && !/\s/.test(text[i + 1])) {
      // inline: the closing $ is not preceded by a space nor followed by a digit; no blank line inside
      let j = i + 1;
      let found = -1;
      while (j < text.length) {
        if (text[j] === '\\') {
          j += 2;
          continue;
        }
        if (text[j] === '\n' && text[j + 1] === '\n') break;
        if (text[j] === '$' && !/\s/.test(text[j - 1])) {
          found = j;
          break;
        }
        j++;
      }
      if (found > 0) {
        maths.push({ tex: text.slice(i + 1, found), display: false, offset: i });
        out += `\uE002${maths.length - 1}\uE003`;
        i = found + 1;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { text: out, maths };
}

function lineOf(text, offset) {
  let n = 0;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') n++;
  return n;
}

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
  return html;
}

/**
 * Renders an author text to HTML.
 * @param text Markdown with $math$ and, when `slots` is given, {{expr}} slots
 * @param opts {slots: string[]|null (values for pre-filling; null: not a template), inline: boolean,
 *              file, line (line of the text's first line, for errors), errors: array to push into}
 * @returns {html, count} count = number of slots found
 */
export function renderText(text, opts = {}) {
  const { slots = null, inline = false, file = '?', line = 0, errors = [] } = opts;
  let src = String(text);
  let count = 0;
  if (slots) {
    src = src.replace(SLOT, () => `\uE000${count++}\uE001`);
  }
  const { text: withTokens, maths } = extractMath(src);
  const rendered = maths.map((m) => {
    const tex = m.tex.replace(SLOT_TOKEN, (_, n) => `{\\text{KLSLOT${n}}}`);
    try {
      let html = renderMath(tex, m.display);
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
      if (html.includes('KLSLOT')) errors.push(`${file}:${line + lineOf(src, m.offset)}: a slot inside math could not be placed: $${m.tex}$`);
      return html;
    } catch (e) {
      errors.push(`${file}:${line + lineOf(src, m.offset)}: math: ${String(e.message).replace(/^KaTeX parse error: /, '')}`);
      return `<code class="kl-math-error">${escapeHTML(m.tex)}</code>`;
    }
  });
  let html = inline ? md.renderInline(withTokens) : md.render(withTokens, { usedIds: opts.usedIds });
  html = html.replace(MATH_TOKEN, (_, n) => rendered[n]);
  html = html.replace(SLOT_TOKEN, (_, n) => `<span data-slot="${n}">${escapeHTML(displayNumber(slots?.[n] ?? '?'))}</span>`);
  if (/[\uE000-\uE003]/.test(html)) errors.push(`${file}:${line}: internal: a placeholder survived rendering`);
  return { html, count };
}
