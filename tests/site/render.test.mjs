// The build's rendering of author text (site/tools/render.mjs): the markdown-it math plugin, slots,
// line numbers of author errors, and the caps on KaTeX's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderText, MATH_LIMITS } from '../../site/tools/render.mjs';

const render = (text, o = {}) => {
  const errors = [];
  const r = renderText(text, { file: 'n.md', line: 10, errors, ...o });
  return { ...r, errors };
};

test('inline and display math become MathML; code, escaped dollars and prices stay text', () => {
  const { html, errors } = render('Inline $x^2$, display $$\\frac{1}{2}$$, code `$x$`, escaped \\$5, and $ 5 or 10$ dollars.');
  assert.deepEqual(errors, []);
  assert.equal((html.match(/<math/g) || []).length, 2);
  assert.match(html, /<math display="block">/);
  assert.match(html, /<code>\$x\$<\/code>/);
  assert.match(html, /\$5/);
  assert.match(html, /\$ 5 or 10\$ dollars/);
  assert.ok(!html.includes('annotation'));
});

test('a $$ block on its own lines, and display math inside a paragraph spanning lines', () => {
  const block = render('Before.\n\n$$\na + b\n$$\n\nAfter.');
  assert.deepEqual(block.errors, []);
  assert.match(block.html, /<p>Before\.<\/p>\n<math display="block">/);
  const para = render('We have $$a +\nb$$ here.');
  assert.match(para.html, /<p>We have <math display="block">/);
  // a fenced code block is not math
  const fenced = render('```\n$$x$$\n```');
  assert.ok(!fenced.html.includes('<math'));
});

test('author errors carry the line of the formula in the file', () => {
  const { errors } = render('First line.\n\nSecond paragraph\nwith $\\frac{1}{$ broken.');
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^n\.md:13: math: /);
  const block = render('a\n\n$$\n\\frac{\n$$');
  assert.match(block.errors[0], /^n\.md:12: math: /);
});

/** Slot spans as the engine gives them (UTF-8 byte offsets of the braces), for these tests. */
function spansOf(text) {
  const bytes = (s) => new TextEncoder().encode(s).length;
  return [...text.matchAll(/\{\{.*?\}\}/g)].map((m) => ({ start: bytes(text.slice(0, m.index)), end: bytes(text.slice(0, m.index + m[0].length)) }));
}

test('slots where the engine found them: in text and inside math, filled with variant 0', () => {
  const text = 'τ ‖ p = {{p}} and $q = {{q}}$.';
  const { html, count, errors } = render(text, { slots: ['0.5', '-2'], spans: spansOf(text) });
  assert.deepEqual(errors, []);
  assert.equal(count, 2);
  assert.match(html, /<span data-slot="0">0\.5<\/span>/);
  assert.match(html, /<mn data-slot="1">−2<\/mn>/);
  // a span that does not point at a slot is an error, not a guess
  const bad = render(text, { slots: ['0.5'], spans: [{ start: 0, end: 4 }] });
  assert.match(bad.errors[0], /^n\.md:10: internal: slot 1 is not where the engine says/);
});

test('learner-facing text stays text: raw HTML in a notebook is escaped', () => {
  const { html } = render('<img src=x onerror=alert(1)> and <script>x</script>');
  assert.ok(!/<img|<script/.test(html));
});

test('KaTeX output is capped per formula and per page', () => {
  const big = `\\def\\a{${'x'.repeat(2000)}}${'\\a'.repeat(150)}`;
  const one = render(`A $${big}$ bomb.`);
  assert.match(one.errors[0], /^n\.md:10: math: this formula renders to [\d.]+ KB of MathML \(the limit is 32\.0 KB\)/);
  assert.ok(one.html.length < 10000, 'the bomb is not in the page');
  // many formulas under the per-formula cap: the page's cap stops them, once
  const page = {};
  const medium = `\\def\\a{${'x'.repeat(1000)}}\\a`;
  let errors = [];
  for (let i = 0; i < 60 && !errors.length; i++) errors = render(`$${medium}$`, { page }).errors;
  assert.ok(page.mathBytes > MATH_LIMITS.pageBytes);
  assert.match(errors[0], /more than 512\.0 KB of MathML/);
});
