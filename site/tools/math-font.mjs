// The site's math font, so that formulas render the same on every system, including the many with no
// math font at all (there, ᾱ's bar is a speck, brackets do not stretch and a fraction's rule is a guess).
// The font is Noto Sans Math (SIL Open Font License 1.1, no reserved font name; npm
// @fontsource/noto-sans-math), an OpenType font with a MATH table, whose sans-serif letters sit well with
// the pages' system sans-serif text. At build time it is subset (subset-font: HarfBuzz's hb-subset, which
// keeps the MATH table and the glyphs its stretchy constructions need) to the characters the pages' math
// uses plus what the engine's answer preview can print, and written as fonts/kl-math.woff2 with its
// licence beside it, with its @font-face in math-font.css, which the pages link (font-src is 'self'
// under the site's CSP). The offline files inline both as a data: URL in their one style (their policy
// adds font-src data:).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname } from 'node:path';
import subsetFont from 'subset-font';

const require = createRequire(import.meta.url);

/** The family name the stylesheet uses (not the original's, so a system copy of the full font never stands in for the subset). */
export const MATH_FAMILY = 'KL Lab Math';
/** Where the font is written, relative to the site's root (math-font.css's url() is relative to it). */
export const MATH_FONT_FILE = 'fonts/kl-math.woff2';
const LICENCE_FILE = 'fonts/kl-math-LICENSE.txt';
/** The stylesheet that declares the font (its url() is relative to it). */
export const MATH_FONT_CSS = 'math-font.css';

/** The head elements of a page that shows maths: the font's stylesheet, and the font asked for at once. */
export function mathFontHead() {
  return `<link rel="stylesheet" href="${MATH_FONT_CSS}">\n<link rel="preload" href="${MATH_FONT_FILE}" as="font" type="font/woff2" crossorigin>\n`;
}

/** The @font-face rule, with the font at `url` (a path relative to the stylesheet, or a data: URL). */
export function fontFace(url = MATH_FONT_FILE) {
  return `@font-face { font-family: "${MATH_FAMILY}"; src: url(${url}) format("woff2"); font-display: swap; }`;
}

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i)).join('');

/**
 * Characters kept whatever the pages use: printable ASCII; Greek; the letters MathML Core italicises
 * (a single-letter <mi> shows U+1D44E 𝑎 for "a"); what the engine's MathML printer writes for a
 * learner's answer (engine/src/check/mathml.cpp: − ⋅ × ≠ ≤ ≥ ¬ ‖ ∞ … |, √ for msqrt); and the usual
 * operators, relations, brackets and accents of the course's formulas, so a notebook that stops using one
 * does not change how the others look.
 */
export const BASE_CHARACTERS = [
  range(0x20, 0x7e),
  range(0x391, 0x3a9),
  range(0x3b1, 0x3c9),
  'ϵϑϕϱϖϰ∂∇',
  range(0x1d434, 0x1d467), // italic Latin (U+1D455 is a hole: ℎ below)
  'ℎ',
  range(0x1d6e2, 0x1d71b), // italic Greek
  '−⋅×·÷±∓≠≤≥≈≃≡∝∼¬∧∨‖∥∣|∞…⋯⋮√∑∏∫∮∈∉⊂⊆∪∩∅∀∃→←↔⇒⇔↦∘⊤⊥′″',
  '()[]{}⟨⟩⌊⌋⌈⌉',
  'ˉ¯‾ˆ^˜~˙¨ˇ˘´`', // accents (bar, hat, tilde, dot)
  '𝔼𝒩ℒ𝒟ℝℕ𝟏', // styled letters of the course (see mathml-core.mjs)
].join('');

/** Every character inside the <math> elements of some HTML, entities decoded. */
export function mathCharacters(html) {
  const chars = new Set();
  for (const m of html.matchAll(/<math[\s>][\s\S]*?<\/math>/g)) {
    const text = m[0]
      .replace(/<[^>]*>/g, '')
      .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    for (const ch of text) if (ch.codePointAt(0) > 0x20) chars.add(ch);
  }
  return chars;
}

/**
 * Subsets the font to the math of `htmls` (the built pages) plus BASE_CHARACTERS and writes it, with its
 * licence, under dist. @returns {Promise<{file: string, bytes: number, characters: number, sourceBytes: number}>}
 */
export async function writeMathFont({ dist, htmls }) {
  const pkg = dirname(require.resolve('@fontsource/noto-sans-math/package.json'));
  const source = readFileSync(`${pkg}/files/noto-sans-math-latin-400-normal.woff2`);
  const chars = new Set(BASE_CHARACTERS);
  for (const html of htmls) for (const ch of mathCharacters(html)) chars.add(ch);
  const text = [...chars].sort().join('');
  // no hinting: a quarter smaller, and today's screens render the outlines well without it
  const font = await subsetFont(source, text, { targetFormat: 'woff2', noHinting: true });
  mkdirSync(`${dist}fonts`, { recursive: true });
  writeFileSync(dist + MATH_FONT_FILE, font);
  copyFileSync(`${pkg}/LICENSE`, dist + LICENCE_FILE);
  // the one @font-face, in a stylesheet of its own: the site's pages and embed.html link it; an embed's
  // host page may (README "Embedding"), since a font must be declared in the document, not in the
  // embed's shadow root, and a host's policy must allow fonts from KL Lab's origin
  writeFileSync(`${dist}${MATH_FONT_CSS}`, `/* ${MATH_FAMILY}: Noto Sans Math, subset (SIL OFL 1.1: ${LICENCE_FILE}) */\n${fontFace()}\n`);
  return { file: MATH_FONT_FILE, bytes: font.length, characters: chars.size, sourceBytes: source.length };
}

/** The font's stylesheet with the font inside as a data: URL (the offline single files). */
export function inlineMathFontCSS(dist) {
  const b64 = readFileSync(dist + MATH_FONT_FILE).toString('base64');
  return readFileSync(dist + MATH_FONT_CSS, 'utf8').split(`url(${MATH_FONT_FILE})`).join(`url(data:font/woff2;base64,${b64})`);
}
