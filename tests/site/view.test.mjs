// The shared views (site/src/view.mjs, exercise-view.mjs) as the build renders them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { h, toHTML, toDOM, trustedHTML } from '../../site/src/view.mjs';
import { exerciseView, revealTexts, feedbackTemplate, verdictView, SEL, hintCountText } from '../../site/src/exercise-view.mjs';
import { engine } from '../node/support.mjs';
import { ROOT } from '../support/reference.mjs';

test('text is escaped in every attribute and child; build-made HTML passes only through trustedHTML', () => {
  assert.equal(toHTML(h('p', { title: '"<x>' }, '<b>&')), '<p title="&quot;&lt;x&gt;">&lt;b&gt;&amp;</p>');
  assert.equal(toHTML(h('div', {}, trustedHTML('<em>ok</em>'))), '<div><em>ok</em></div>');
  assert.throws(() => toDOM(trustedHTML('<em>x</em>'), {}), /build-made HTML/);
});

test('an exercise rendered by the build: every piece the runtime looks up is there, with the engine limit', async () => {
  const kl = await engine();
  const nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
  const ex = nb.exercise('ex8');
  const render = (t) => `<p>${t.text.length}</p>`;
  const html = toHTML(exerciseView(ex, { html: render, slots: nb.exerciseSlots('ex8'), answerLength: kl.limits().answerLength }));
  const reveal = revealTexts(ex, { html: render, slots: nb.exerciseSlots('ex8') });
  nb.close();
  assert.match(html, /^<section class="kl-exercise" id="ex8" data-exercise="ex8"/);
  for (const part of ex.parts) {
    assert.ok(html.includes(`<div class="kl-part" id="${part.id}" data-part="${part.id}" data-kind="${part.kind}"`), part.id);
    if (part.kind !== 'choice') assert.match(html, new RegExp(`id="in-${part.id}" name="${part.id}" class="kl-input" maxlength="${kl.limits().answerLength}"`));
    // texts shown on request are not in the page: the reveal file has them, where the runtime looks
    if (part.hints.length) assert.ok(html.includes(`data-hints="${part.hints.length}"`), `${part.id} says how many hints it has`);
    assert.equal(reveal[part.id].hints.length, part.hints.length);
    assert.equal(reveal[part.id].solution, render(part.solution));
    part.mistakes.forEach((m, i) => {
      const which = feedbackTemplate(`author:${i + 1}`);
      assert.equal(reveal[part.id][which.list][which.index], render(m), `${part.id} mistake ${i + 1}`);
    });
  }
  assert.doesNotMatch(html, /<template|data-t="hint:|class="kl-solution-body"><[a-z]/, 'no hint, solution or feedback text in the page');
  assert.match(html, /<button type="button" data-action="hint" disabled>Hint <span class="kl-count">\(2\)<\/span><\/button>/);
  assert.equal(SEL.partById('ex8b'), '.kl-part[data-part="ex8b"]');
  assert.equal(hintCountText(1, 2), '(1 of 2 shown)');
});

test('a verdict view names the verdict in the engine\'s words, the mistake, and marks entries; never HTML from the answer', async () => {
  const v = { verdict: 'incorrect', score: 0, feedback: 'off', mistake: 'kl_direction', mistakeName: 'KL direction', wrongComponents: [2], column: 0, answer: '[1, <b>2</b>]' };
  const kinds = (await engine()).vocabulary().verdicts;
  const html = verdictView(v, v.answer, null, kinds).map(toHTML).join('');
  assert.ok(html.includes(kinds.find((k) => k.name === 'incorrect').label));
  assert.match(html, /Recognised mistake: <\/strong>KL direction/);
  assert.match(html, /kl-bad/);
  assert.ok(!html.includes('<b>'));
  const inv = verdictView({ verdict: 'invalid', score: 0, feedback: 'syntax', column: 3, wrongComponents: [] }, '1 +* 2', null, kinds).map(toHTML).join('');
  assert.match(inv, /\^ column 3/);
});
