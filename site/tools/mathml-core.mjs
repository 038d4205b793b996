// KaTeX's MathML made to render under MathML Core (what Chromium renders) as TeX would. Runs on
// build-made MathML only (render.mjs coreMathML), never on anything a learner types.
//   - Styled letters: KaTeX writes \mathbb{E}, \mathcal{N}, \boldsymbol{\mu} as <mi mathvariant=
//     "double-struck">E</mi> and so on; MathML Core supports only mathvariant="normal", so any other value
//     is ignored and the letter comes out plain (𝔼 as E, 𝒩 as N). Unicode has the styled letters
//     themselves (the Mathematical Alphanumeric Symbols block): the build writes those instead.
//   - Function names: TeX puts a thin space between \log and its argument (log p, not logp) unless a
//     bracket follows; the invisible function application KaTeX writes after the name has no space in
//     MathML Core's dictionary, so it gets that thin space as its rspace.
//   - Bars that stretch: KaTeX writes \left| and \left\| as the relation characters ∣ (U+2223) and ∥
//     (U+2225), for which math fonts have no taller forms; as fences they are | and ‖, which stretch.

// Per variant: the code point of 'A', 'a', '0', 'Α' and 'α' (0 where Unicode has no such run), and the
// letters that sit elsewhere because they were encoded earlier (the "holes" of the block).
const VARIANTS = {
  bold: { A: 0x1d400, a: 0x1d41a, d: 0x1d7ce, G: 0x1d6a8, g: 0x1d6c2 },
  italic: { A: 0x1d434, a: 0x1d44e, G: 0x1d6e2, g: 0x1d6fc, holes: { h: 0x210e } },
  'bold-italic': { A: 0x1d468, a: 0x1d482, G: 0x1d71c, g: 0x1d736 },
  script: {
    A: 0x1d49c,
    a: 0x1d4b6,
    holes: { B: 0x212c, E: 0x2130, F: 0x2131, H: 0x210b, I: 0x2110, L: 0x2112, M: 0x2133, R: 0x211b, e: 0x212f, g: 0x210a, o: 0x2134 },
  },
  'bold-script': { A: 0x1d4d0, a: 0x1d4ea },
  fraktur: { A: 0x1d504, a: 0x1d51e, holes: { C: 0x212d, H: 0x210c, I: 0x2111, R: 0x211c, Z: 0x2128 } },
  'double-struck': { A: 0x1d538, a: 0x1d552, d: 0x1d7d8, holes: { C: 0x2102, H: 0x210d, N: 0x2115, P: 0x2119, Q: 0x211a, R: 0x211d, Z: 0x2124 } },
  'bold-fraktur': { A: 0x1d56c, a: 0x1d586 },
  'sans-serif': { A: 0x1d5a0, a: 0x1d5ba, d: 0x1d7e2 },
  'sans-serif-bold': { A: 0x1d5d4, a: 0x1d5ee, d: 0x1d7ec, G: 0x1d756, g: 0x1d770 },
  'sans-serif-italic': { A: 0x1d608, a: 0x1d622 },
  'sans-serif-bold-italic': { A: 0x1d63c, a: 0x1d656, G: 0x1d790, g: 0x1d7aa },
  monospace: { A: 0x1d670, a: 0x1d68a, d: 0x1d7f6 },
};

// Greek in the order of the styled runs: Α..Ω with ϴ (U+03F4) after Ρ, then ∇, α..ω, then ∂ ϵ ϑ ϰ ϕ ϱ ϖ.
const GREEK_UPPER = 'ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡϴΣΤΥΦΧΨΩ∇';
const GREEK_LOWER = 'αβγδεζηθικλμνξοπρςστυφχψω∂ϵϑϰϕϱϖ';

/** The styled form of one character in a variant, or null if Unicode has none. */
export function styledChar(ch, variant) {
  const v = VARIANTS[variant];
  if (!v) return null;
  if (v.holes && v.holes[ch]) return String.fromCodePoint(v.holes[ch]);
  const c = ch.codePointAt(0);
  if (c >= 0x41 && c <= 0x5a && v.A) return String.fromCodePoint(v.A + c - 0x41);
  if (c >= 0x61 && c <= 0x7a && v.a) return String.fromCodePoint(v.a + c - 0x61);
  if (c >= 0x30 && c <= 0x39 && v.d) return String.fromCodePoint(v.d + c - 0x30);
  let i = GREEK_UPPER.indexOf(ch);
  if (i >= 0 && v.G) return String.fromCodePoint(v.G + i);
  i = GREEK_LOWER.indexOf(ch);
  if (i >= 0 && v.g) return String.fromCodePoint(v.g + i);
  return null;
}

/** The text in a variant, or null unless every character has a styled form. */
export function styledText(text, variant) {
  let out = '';
  for (const ch of text) {
    const s = styledChar(ch, variant);
    if (s === null) return null;
    out += s;
  }
  return out;
}

/** Everything this module does to a formula's MathML. */
export function coreMathML(mathml) {
  return stretchyBars(functionSpacing(unicodeMathVariants(mathml)));
}

/** A fence or sized delimiter written as ∣ or ∥ becomes | or ‖ (the characters fonts stretch). */
export function stretchyBars(mathml) {
  return mathml.replace(/<mo( (?:fence="true"|fence="false" stretchy="true")[^>]*)>(∣|∥)<\/mo>/g, (_, attrs, bar) => `<mo${attrs}>${bar === '∣' ? '|' : '‖'}</mo>`);
}

/** A thin space after an applied function's name, unless a bracket or fence follows (TeX's spacing). */
export function functionSpacing(mathml) {
  return mathml.replace(/<mo>(?:\u2061|&#x2061;)<\/mo>(?!<mo[\s>])/g, '<mo rspace="0.1667em">\u2061</mo>');
}

const TOKEN = /<(mi|mn|mtext)([^>]*?) mathvariant="([a-z-]+)"([^>]*)>([^<&]*)<\/\1>/g;

/**
 * Rewrites every token element whose mathvariant MathML Core ignores into its styled Unicode letters,
 * dropping the attribute. Tokens it cannot rewrite (a character with no styled form) are left as they are.
 */
export function unicodeMathVariants(mathml) {
  return mathml.replace(TOKEN, (whole, tag, before, variant, after, text) => {
    if (variant === 'normal') return whole;
    const styled = styledText(text, variant);
    if (styled === null) return whole;
    // a single styled letter is upright as written: no automatic italic applies to it (MathML Core)
    return `<${tag}${before}${after}>${styled}</${tag}>`;
  });
}
