// The aids under an answer box, in one place: the build renders them with the exercise (exercise-view.mjs
// calls answerAidsView) and the runtime (preview.mjs) finds them with PREVIEW_SEL.
//   - the preview: an empty region the runtime fills while the learner types (how the engine reads the
//     answer: typeset, its value, what the part expects, a note, or the syntax error with its column);
//   - the notation help: a collapsed <details> saying plainly what this box accepts, and listing the
//     functions this part allows (the engine's library minus the part's `forbid:` list).
import { h } from './view.mjs';

export const PREVIEW_SEL = {
  preview: '[data-preview]',
  live: '[data-preview-live]',
  help: 'details.kl-syntax',
};

/** The id of a part's preview region (the answer box is described by it). */
export function previewId(pid) {
  return `pv-${pid}`;
}

/**
 * The functions an answer may call, from the engine: `functions` is engine.functions() ({name,
 * signature}); `usable(f)` says whether an answer may call it at all (the build asks the engine: the
 * variant draws uniform, randint and choice may not). Sorted by name.
 */
export function answerFunctions(functions, usable = () => true) {
  return functions.filter((f) => usable(f)).sort((a, b) => a.name.localeCompare(b.name));
}

const code = (s) => h('code', {}, s);

/** What to write, per kind of part: short lines with examples. */
function notationLines(part) {
  const lines = [];
  const numbers = h('li', {}, 'Numbers: ', code('0.25'), ', ', code('1/4'), ', ', code('2.5e-3'), ', ', code('-0.5'), '; or a calculation, such as ', code('0.5*ln(5/7)'), '.');
  switch (part.kind) {
    case 'vector':
    case 'probability':
      lines.push(h('li', {}, 'A vector: ', code('[0.4, 0.3, 0.3]'), ' or ', code('(0.4, 0.3, 0.3)'), part.kind === 'probability' ? ', its entries non-negative and summing to 1.' : '.'));
      lines.push(numbers);
      break;
    case 'matrix':
      lines.push(h('li', {}, 'A matrix, row by row: ', code('[[1, 0], [0, 1]]'), '.'));
      lines.push(numbers);
      break;
    case 'expression': {
      const vars = part.variables || [];
      lines.push(
        h('li', {}, 'A formula', vars.length ? [' in ', vars.flatMap((v, i) => [i ? ', ' : '', code(v)])] : '', ', such as ', code(vars.length ? `2*${vars[0]}^2 + 1` : '2*x^2 + 1'), ': write every product with ', code('*'), '.'),
      );
      break;
    }
    case 'derivation':
      lines.push(h('li', {}, 'One formula per step: one step per line, or steps separated by ', code(';'), '. Ctrl+Enter checks.'));
      lines.push(h('li', {}, 'Write every product with ', code('*'), ': ', code('2*x*y'), ', not ', code('2xy'), '.'));
      break;
    default:
      lines.push(numbers);
  }
  lines.push(
    h('li', {}, 'Operators ', code('+ - * / ^'), ' and brackets ', code('( )'), '; constants ', code('pi'), ', ', code('e'), '; ', code('ln'), ' and ', code('log'), ' are natural logarithms.'),
  );
  return lines;
}

/**
 * The preview region and the notation help of a text-answer part (build time).
 * @param part the engine's part (nb.exercise(id).parts[i])
 * @param {{functions: {name: string, signature: string}[]}} o the functions answers may call (answerFunctions)
 */
export function answerAidsView(part, { functions = [] } = {}) {
  const pid = part.id;
  const forbidden = new Set(part.forbidden || []);
  const allowed = functions.filter((f) => !forbidden.has(f.name));
  return [
    // filled by preview.mjs; a visually hidden live region inside says the result once typing pauses
    h('div', { class: 'kl-preview', id: previewId(pid), 'data-preview': '', hidden: true }),
    h(
      'details',
      { class: 'kl-syntax' },
      h('summary', {}, 'How to write this answer'),
      h(
        'ul',
        {},
        notationLines(part),
        allowed.length
          ? h(
              'li',
              {},
              `Functions allowed here (${allowed.length}): `,
              h('span', { class: 'kl-fns' }, allowed.map((f) => f.name).join(', ')),
              '.',
            )
          : null,
        forbidden.size ? h('li', {}, 'Not allowed here: ', [...forbidden].flatMap((f, i) => [i ? ', ' : '', code(f)]), '.') : null,
      ),
    ),
  ];
}
