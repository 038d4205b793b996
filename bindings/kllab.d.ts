// Types for KL Lab's JS API (bindings/kllab.mjs). One failure shape everywhere: a call that cannot do
// what was asked returns {ok: false, error}; nothing throws, not even a call on a closed object. The
// engine defines every shape (engine.vocabulary() carries the verdict and failure JSON Schemas, also in
// docs/schema/). This file is type-checked against kllab.mjs in `make test` (tests/types/).

export interface KlError {
  /** one of engine.vocabulary().errorCodes: syntax, unknown_name, arity, type, domain, division_by_zero,
   *  length, not_distribution, not_positive_definite, index, too_deep, too_large, forbidden, notebook,
   *  storage, closed, internal */
  code: string;
  message: string;
  /** 1-based column in the expression, 0 when not applicable */
  column: number;
  /** 1-based line in the notebook file, 0 when not applicable */
  line: number;
  file: string;
}

/** The one failure shape. */
export interface Failure {
  ok: false;
  error: KlError;
}

export type Value = number | boolean | string | Float64Array | Float64Array[];

export type EvalResult = { ok: true; value: Value; kind: 'number' | 'boolean' | 'string' | 'vector' | 'matrix'; text: string } | Failure;

export type VerdictName = 'correct' | 'correct_given_earlier' | 'close' | 'incorrect' | 'invalid';

/** A verdict, as `kllab check` prints it (docs/schema/verdict.schema.json). */
export interface Verdict {
  ok: true;
  verdict: VerdictName;
  /** the kind's score (engine.vocabulary().verdicts), a derivation's average of its steps */
  score: number;
  feedback: string;
  /** "author:N", "choice:N", a library id such as "kl_direction", or null */
  mistake: string | null;
  mistakeName: string | null;
  /** the column of the problem in an invalid answer, else 0 */
  column: number;
  wrongComponents: number[];
  /** the learner's value as understood */
  answer: string;
  /** slot values of the author feedback template, for pre-rendered feedback */
  slots: string[];
  /** a derivation part: one verdict per step (without ok and steps) */
  steps: Omit<Verdict, 'ok' | 'steps'>[];
}

export interface Vocabulary {
  verdicts: { name: VerdictName; score: number; state: 'correct' | 'partial' | 'incorrect' | 'invalid'; label: string }[];
  errorCodes: string[];
  answerKinds: string[];
  limits: Limits;
  recordSchema: number;
  verdictSchema: object;
  failureSchema: object;
}

export interface Limits {
  answerLength: number;
  expressionLength: number;
  nesting: number;
  elements: number;
  work: number;
  recordBytes: number;
  exportBytes: number;
  attempts: number;
  learnerText: number;
  derivationSteps: number;
}

export interface CellResult {
  cell: string;
  status: 'ok' | 'error' | 'blocked';
  values: { name: string; text: string; kind: string; value: Value | null }[];
  error: KlError | null;
  blockedBy: string;
}

export interface TextTemplate {
  /** Markdown with $math$ and {{expr}} slots */
  text: string;
  /** the text's first line in the notebook file */
  line: number;
  /** each {{...}} slot: byte offsets of its braces in `text`, its file line, its expression and digits */
  slots: { start: number; end: number; line: number; source: string; digits: number }[];
}

export interface PartInfo {
  id: string;
  kind: 'number' | 'vector' | 'probability' | 'matrix' | 'expression' | 'choice' | 'derivation';
  name: string;
  line: number;
  prompt: TextTemplate;
  hints: TextTemplate[];
  solution: TextTemplate;
  mistakes: TextTemplate[];
  choices: { text: string; line: number; feedback: TextTemplate }[];
  /** a derivation part: its steps, each with its prompt, hints and mistakes' feedback */
  steps: { line: number; prompt: TextTemplate; hints: TextTemplate[]; mistakes: TextTemplate[] }[];
  variables: string[];
  forbidden: string[];
  /** non-empty: the reference is on the page on purpose (a worked example), and why */
  shown: string;
}

export interface ExerciseInfo {
  ok: true;
  id: string;
  title: string;
  line: number;
  intro: TextTemplate;
  parts: PartInfo[];
}

export interface CellInfo {
  type: 'prose' | 'code' | 'slider' | 'plot' | 'exercise';
  id: string;
  line: number;
  source: string;
  defines: string[];
  uses: string[];
  slider?: { name: string; label: string; min: number; max: number; step: number; value: number };
  plot?: { title: string; xlabel: string; ylabel: string; logY: boolean; series: string[] };
  exercise?: string;
}

export interface PartView {
  ok: true;
  reference: string;
  prompt: string;
  promptSlots: string[];
  hints: string[];
  hintSlots: string[][];
  solution: string;
  solutionSlots: string[];
  /** a derivation part: each step's prompt and hints, rendered */
  stepPrompts: string[];
  stepHints: string[][];
  /** a choice part: the variant's display order, as 0-based indices into the part's choices (the answer to check stays index + 1); [] otherwise */
  choiceOrder: number[];
}

export interface ExerciseSlots {
  ok: true;
  intro: string[];
  parts: Record<
    string,
    {
      prompt: string[];
      hints: string[][];
      solution: string[];
      mistakes: string[][];
      choices: string[][];
      steps: { prompt: string[]; hints: string[][]; mistakes: string[][] }[];
      /** a choice part: the variant's display order (see PartView.choiceOrder); [] otherwise */
      order: number[];
    }
  >;
}

/** How an answer would be read, before it is checked. */
export interface AnswerPreview {
  ok: true;
  /** it parses and (a numeric part) evaluates to a value of the part's shape */
  readable: boolean;
  /** 'empty', 'number', 'vector', 'matrix', 'expression', 'choice' (or 'boolean', 'string'); '' when it does not parse */
  kind: string;
  /** the value the checker will see (10 significant digits), a formula as read, or the chosen option's text */
  value: string;
  /** the answer typeset: a MathML Core <math> element with every text escaped by the engine; '' when it does not parse */
  mathml: string;
  /** why it cannot be checked as it stands; '' when it can */
  message: string;
  /** 1-based column of a syntax or evaluation error, else 0 */
  column: number;
  /** worth knowing, not an error (too few significant figures, a probability vector's sum) */
  note: string;
  /** what the part asks for, e.g. 'a probability vector of 3 entries (non-negative, summing to 1), like [a, b, c]' */
  expects: string;
}

export interface PartState {
  id: string;
  draft: string;
  /** the last checked answer, "" if none */
  checked: string;
  attempts: number;
  hints: number;
  solution: boolean;
}

export interface ExerciseState {
  id: string;
  seed: number;
  parts: PartState[];
}

export interface ImportPreview {
  ok: true;
  learner: { id: string; name: string } | null;
  exported: string;
  otherLearner: boolean;
  partsInFile: number;
  partsNew: number;
  partsChanged: number;
  attemptsNew: number;
  warnings: string[];
}

export interface VariantOptions {
  /** the learner's variant; 0 is the textbook */
  seed?: number;
}

export declare function loadEngine(options?: {
  factory?: (opts: object) => Promise<object>;
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string) => string;
}): Promise<Engine>;

export declare class Engine {
  vocabulary(): Readonly<Vocabulary>;
  limits(): Readonly<Limits>;
  evaluate(text: string): EvalResult;
  session(): Scratch;
  functions(): { name: string; signature: string }[];
  loadNotebook(text: string, file?: string): Notebook;
}

export declare class Scratch {
  evaluate(text: string): EvalResult;
  reset(): void;
  close(): void;
}

export declare class Notebook {
  errors(): KlError[] | Failure;
  validate(variants?: number): KlError[] | Failure;
  info(): { id: string; title: string; description: string; order: number; hash: string } | Failure;
  cells(): CellInfo[] | Failure;
  exercise(id: string): ExerciseInfo | Failure;
  runAll(): CellResult[] | Failure;
  editCell(id: string, source: string): { ok: true; cells: CellResult[] } | Failure;
  setSlider(name: string, value: number): { ok: true; cells: CellResult[] } | Failure;
  plot(id: string): { ok: true; x: Float64Array; series: { label: string; y: Float64Array }[] } | Failure;
  check(part: string, answer: string, options?: VariantOptions & { earlier?: Record<string, string> }): Verdict | Failure;
  view(part: string, options?: VariantOptions): PartView | Failure;
  preview(part: string, answer: string, options?: VariantOptions): AnswerPreview | Failure;
  exerciseSlots(exercise: string, options?: VariantOptions): ExerciseSlots | Failure;
  libraryMistakes(part: string, options?: VariantOptions): { id: string; name: string; expression: string; text: string }[] | Failure;
  loadRecord(text: string): { ok: true; warnings: string[] } | Failure;
  recordJson(): string | Failure;
  resetRecord(): { ok: true } | Failure;
  setLearner(learner?: { id?: string; name?: string }, options?: { personalVariants?: boolean }): { ok: true } | Failure;
  mergeRecord(text: string): { ok: true; warnings: string[] } | Failure;
  state(): { ok: true; exercises: ExerciseState[] } | Failure;
  setVariant(exercise: string, seed: number): ({ ok: true } & ExerciseState) | Failure;
  setDraft(part: string, text: string): { ok: true } | Failure;
  submit(part: string, answer: string, options?: { time?: string }): Verdict | Failure;
  recheck(part: string): Verdict | Failure;
  revealHint(part: string): { ok: true; index: number; text: string } | Failure;
  dropPart(part: string): { ok: true } | Failure;
  revealSolution(part: string): { ok: true; text: string } | Failure;
  exportFile(options?: { exported?: string }): string | Failure;
  previewImport(text: string): ImportPreview | Failure;
  applyImport(text: string, options?: { merge?: boolean }): { ok: true; previous: string } | Failure;
  close(): void;
}
