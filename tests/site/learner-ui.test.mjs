// The learner-side pieces that need no browser: the build's MathML Core fixes and font subset's
// characters, the notation help, the course outline and totals, the choice order, the cell-edit store,
// and the plot title slots and marker rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { styledChar, coreMathML, unicodeMathVariants, functionSpacing, stretchyBars } from '../../site/tools/mathml-core.mjs';
import { mathCharacters, BASE_CHARACTERS, fontFace, MATH_FAMILY } from '../../site/tools/math-font.mjs';
import { renderText } from '../../site/tools/render.mjs';
import { answerAidsView, answerFunctions, previewId } from '../../site/src/answer-view.mjs';
import { outlineOf, tocView, totalView } from '../../site/src/course-view.mjs';
import { tocFigures, courseTotals } from '../../site/src/course.mjs';
import { choiceOrder, exerciseView } from '../../site/src/exercise-view.mjs';
import { parseEdits, openCellStore, CELLS_PREFIX } from '../../site/src/cell-store.mjs';
import { titleSlots, fillTitle, titleValue, labelsMatch, markerSymbol, noteValues } from '../../site/src/plot-marks.mjs';
import { toHTML } from '../../site/src/view.mjs';
import { engine } from '../node/support.mjs';
import { ROOT } from '../support/reference.mjs';

test('styled letters: every variant KaTeX writes maps to its Unicode letter, holes included', () => {
  assert.equal(styledChar('E', 'double-struck'), '𝔼');
  assert.equal(styledChar('R', 'double-struck'), 'ℝ'); // a hole of the block
  assert.equal(styledChar('N', 'script'), '𝒩');
  assert.equal(styledChar('L', 'script'), 'ℒ');
  assert.equal(styledChar('h', 'italic'), 'ℎ');
  assert.equal(styledChar('μ', 'bold-italic'), '𝝁');
  assert.equal(styledChar('1', 'bold'), '𝟏');
  assert.equal(styledChar('x', 'normal'), null);
  assert.equal(styledChar('+', 'bold'), null);
  // the whole run: A..Z and a..z each map to distinct letters
  for (const v of ['bold', 'italic', 'bold-italic', 'script', 'fraktur', 'double-struck', 'sans-serif', 'monospace']) {
    const letters = new Set([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].map((c) => styledChar(c, v)));
    assert.equal(letters.size, 52, v);
    assert.ok(!letters.has(null), v);
  }
});

test('the build\'s MathML: no mathvariant Core ignores, a thin space after function names, bars that stretch', () => {
  assert.equal(unicodeMathVariants('<mi mathvariant="double-struck">E</mi><mi mathvariant="normal">K</mi>'), '<mi>𝔼</mi><mi mathvariant="normal">K</mi>');
  // a token with a character that has no styled form is left as it is
  assert.equal(unicodeMathVariants('<mi mathvariant="script">+</mi>'), '<mi mathvariant="script">+</mi>');
  assert.equal(functionSpacing('<mi>log</mi><mo>\u2061</mo><mi>p</mi>'), '<mi>log</mi><mo rspace="0.1667em">\u2061</mo><mi>p</mi>');
  assert.equal(functionSpacing('<mi>ln</mi><mo>\u2061</mo><mo stretchy="false">(</mo>'), '<mi>ln</mi><mo>\u2061</mo><mo stretchy="false">(</mo>');
  assert.equal(stretchyBars('<mo fence="true">∣</mo><mo>∣</mo>'), '<mo fence="true">|</mo><mo>∣</mo>');
  // through the renderer, as the pages get it
  const { html } = renderText('$\\mathbb{E}_q[\\log p] = \\mathcal{N}$, $\\left|x\\right|$', { errors: [] });
  assert.ok(html.includes('<mi>𝔼</mi>') && html.includes('<mi>𝒩</mi>'));
  assert.ok(!/mathvariant="(double-struck|script)"/.test(html));
  assert.ok(html.includes('<mo fence="true">|</mo>'));
  assert.equal(coreMathML('<mi mathvariant="bold">x</mi>'), '<mi>𝐱</mi>');
});

test('the math font keeps every character the pages\' math uses, and what the preview can print', () => {
  const chars = mathCharacters('<p>not math: Ж</p><math><mi>𝒩</mi><mo>&lt;</mo><mn>1</mn><mo>&#x2061;</mo></math>');
  assert.deepEqual([...chars].sort(), ['1', '<', '⁡', '𝒩'].sort());
  // the engine's printer writes these for a learner's answer
  for (const c of '−⋅×≠≤≥¬‖∞…|√[](),') assert.ok(BASE_CHARACTERS.includes(c), c);
  // the letters MathML Core italicises
  assert.ok(BASE_CHARACTERS.includes('𝑥') && BASE_CHARACTERS.includes('𝛼'));
  assert.match(fontFace(), new RegExp(`font-family: "${MATH_FAMILY}"; src: url\\(fonts/kl-math\\.woff2\\) format\\("woff2"\\)`));
});

test('the notation help lists the functions a part allows: the library less its forbid list, less the draws', async () => {
  const kl = await engine();
  const usable = (f) => !['uniform', 'randint', 'choice'].includes(f.name);
  const fns = answerFunctions(kl.functions(), usable);
  assert.deepEqual(fns.map((f) => f.name), [...fns.map((f) => f.name)].sort((a, b) => a.localeCompare(b)));
  const part = { id: 'x1a', kind: 'probability', forbidden: ['kl', 'cross_entropy'], variables: [] };
  const html = answerAidsView(part, { functions: fns }).map(toHTML).join('');
  assert.match(html, new RegExp(`<div class="kl-preview" id="${previewId('x1a')}" data-preview="" hidden></div>`));
  const listed = /<span class="kl-fns">([^<]*)<\/span>/.exec(html)[1].split(', ');
  assert.equal(listed.length, fns.length - 2);
  assert.ok(!listed.includes('kl') && !listed.includes('cross_entropy') && listed.includes('entropy'));
  assert.ok(html.includes('<code>(0.4, 0.3, 0.3)</code>'), 'a vector written as the course prints it');
  assert.match(html, /Not allowed here: <code>kl<\/code>, <code>cross_entropy<\/code>/);
  // every answer box of the course is described by its preview
  const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
  const ex = toHTML(exerciseView(nb.exercise('ex8'), { html: () => '', slots: nb.exerciseSlots('ex8'), answerLength: 10, functions: fns }));
  for (const p of nb.exercise('ex8').parts.filter((q) => q.kind !== 'choice')) assert.ok(ex.includes(`aria-describedby="fb-${p.id} pv-${p.id}"`), p.id);
  nb.close();
});

test('choices: the engine\'s order when it is a permutation, else the authored one', () => {
  assert.deepEqual(choiceOrder([2, 0, 1], 3), [2, 0, 1]);
  for (const bad of [undefined, [], [0, 0, 1], [0, 1], [0, 1, 3], [0, 1, 1.5]]) assert.deepEqual(choiceOrder(bad, 3), [0, 1, 2]);
});

test('the outline of a page: sections in order with their exercises; exercises before any section kept', () => {
  const html = '<section class="kl-exercise" id="e0" data-exercise="e0"></section><h2 id="sec-a">A <em>b</em></h2><p></p><section class="kl-exercise" id="e1" data-exercise="e1"></section><h2 id="sec-c">C</h2>';
  const ex = [
    { id: 'e0', title: 'Zero', parts: 1 },
    { id: 'e1', title: 'One', parts: 3 },
  ];
  const o = outlineOf(html, ex);
  assert.deepEqual(o.map((s) => [s.id, s.exercises.map((x) => x.id)]), [['', ['e0']], ['sec-a', ['e1']], ['sec-c', []]]);
  const toc = toHTML(tocView(o));
  assert.ok(toc.includes('<a href="#sec-a">A <em>b</em></a>'));
  assert.ok(toc.includes('data-toc-exercise="e1"') && toc.includes('3 parts'));
  assert.ok(toHTML(totalView(10, 2)).includes('10 parts in 2 notebooks'));
});

test('the contents\' figures: done, started, to do, and the first part not yet correct', () => {
  const s = (id, exercise, state) => ({ id, exercise, state });
  const f = tocFigures([s('a1', 'a', 'correct'), s('a2', 'a', 'correct'), s('b1', 'b', 'correct'), s('b2', 'b', 'partial'), s('c1', 'c', '')]);
  assert.deepEqual([...f.exercises].map(([id, x]) => [id, x.status, x.correct, x.parts]), [['a', 'done', 2, 2], ['b', 'started', 1, 2], ['c', 'todo', 0, 1]]);
  assert.equal(f.next.id, 'b2');
  assert.equal(f.correct, 3);
  assert.equal(f.done, 1);
  assert.equal(tocFigures([s('a1', 'a', 'correct')]).next, null);
});

test('the index\'s total: sums what is readable, clamps what is not believable, suggests where to go on', () => {
  const ok = (correct, tried, partial = 0) => ({ state: 'ok', correct, tried, partial });
  const t = courseTotals([
    { id: 'a', total: 10, summary: ok(10, 10) },
    { id: 'b', total: 5, summary: { state: 'unreadable' } },
    { id: 'c', total: 8, summary: ok(3, 4, 1) },
    { id: 'd', total: 4, summary: ok(99, 99) }, // more than the notebook has: clamped
    { id: 'e', total: 6, summary: null },
    { id: 'f', total: -3, summary: ok(-1, NaN) },
  ]);
  assert.deepEqual({ parts: t.parts, correct: t.correct, partial: t.partial, started: t.started }, { parts: 33, correct: 17, partial: 1, started: 3 });
  assert.equal(t.next.id, 'c'); // begun and unfinished, before the ones not begun
  assert.equal(courseTotals([{ id: 'a', total: 2, summary: { state: 'none' } }]).next.id, 'a');
  assert.equal(courseTotals([{ id: 'a', total: 2, summary: ok(2, 2) }]).next, null);
});

test('the cell-edit store: keeps edits, forgets reverted ones, ignores anything damaged, survives a full storage', () => {
  const mem = new Map();
  const storage = { getItem: (k) => (mem.has(k) ? mem.get(k) : null), setItem: (k, v) => mem.set(k, String(v)), removeItem: (k) => mem.delete(k) };
  const s = openCellStore('nb', storage);
  assert.equal(s.edits.size, 0);
  assert.equal(s.set('setup', 'x = 2', 'x = 1'), true);
  assert.deepEqual([...openCellStore('nb', storage).edits], [['setup', 'x = 2']]);
  s.set('setup', 'x = 1', 'x = 1'); // back to the original: forgotten, and the key with it
  assert.equal(mem.has(`${CELLS_PREFIX}nb`), false);
  for (const bad of [null, '', 'not json', '[]', '{"v": 2, "cells": {}}', '{"v": 1, "cells": []}', '{"v": 1, "cells": {"ok": 3, "no": null}}']) assert.equal(parseEdits(bad).size, 0, String(bad));
  assert.deepEqual([...parseEdits('{"v": 1, "cells": {"a": "x = 1", "b": ["y"]}}')], [['a', 'x = 1']]);
  const full = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => {} };
  assert.equal(openCellStore('nb', full).set('a', 'x', 'y'), false);
  const broken = { getItem: () => { throw new Error('SecurityError'); } };
  assert.equal(openCellStore('nb', broken).edits.size, 0);
});

test('plot titles: {{name}} slots filled with short numbers; the marker rule matches labels by their symbol', () => {
  assert.deepEqual(titleSlots('q = N({{mu_q}}, 0.25) at {{ step }}'), ['mu_q', 'step']);
  assert.equal(titleValue('0.333333333333'), '0.3333');
  assert.equal(titleValue('[-0.5, 0.123456]'), '[−0.5, 0.1235]');
  const values = noteValues(new Map(), [{ status: 'ok', values: [{ name: 'p', text: '[0.5, 0.5]' }, { name: '', text: '1' }] }, { status: 'error', values: [{ name: 'q', text: '1' }] }]);
  assert.deepEqual([...values], [['p', '[0.5, 0.5]']]);
  assert.equal(fillTitle('data = {{p}}, {{q}}', values), 'data = [0.5, 0.5], ?');
  // a slider's value is its input's: a result computed before it moved does not take it back
  const moved = noteValues(new Map([['mu_q', '0.95']]), [{ status: 'ok', values: [{ name: 'mu_q', text: '1' }, { name: 'kl', text: '0.02' }] }], new Set(['mu_q']));
  assert.deepEqual([...moved], [['mu_q', '0.95'], ['kl', '0.02']]);
  assert.ok(labelsMatch('temperature τ', 'temperature τ'));
  assert.ok(labelsMatch('θ', 'θ, the probability of a 1 under p'));
  assert.ok(labelsMatch('step t', 'timestep t'));
  assert.ok(labelsMatch('μ', 'mean μ of the single Gaussian q = N(μ, 0.25)'));
  assert.ok(!labelsMatch('x', 'mean μ of the single Gaussian q = N(μ, 0.25)'));
  assert.ok(!labelsMatch('model probability of A', 'θ, the probability of a 1 under p'));
  assert.ok(!labelsMatch('', 'x'));
  assert.equal(markerSymbol('decoder variance σ²'), 'σ²');
});
