// Types for KL Lab's JS API (bindings/kllab.mjs). Errors are values: calls return {ok: false, error}
// or an 'invalid' verdict for bad input instead of throwing; only calls on a closed object throw.

export interface KlError {
  /** syntax, unknown_name, arity, type, domain, division_by_zero, length, not_distribution,
   *  not_positive_definite, index, too_deep, too_large, forbidden, notebook, storage, internal */
  code: string;
  message: string;
  /** 1-based column in the expression, 0 when not applicable */
  column: number;
  /** 1-based line in the notebook file, 0 when not applicable */
  line: number;
  file: string;
}

export type Value = number | boolean | string | Float64Array | Float64Array[];

export type EvalResult =
  | { ok: true; value: Value; kind: 'number' | 'boolean' | 'string' | 'vector' | 'matrix'; text: string }
  | { ok: false; error: KlError };

export interface Verdict {
  verdict: 'correct' | 'correct_given_earlier' | 'close' | 'incorrect' | 'invalid';
  /** 1 correct, 0.75 correct given an earlier answer, 0.5 close, else 0 */
  score: number;
  feedback: string;
  /** "author:N", "choice:N", a library id such as "kl_direction", or null */
  mistake: string | null;
  mistakeName: string | null;
  /** slot values of the author feedback template, for pre-rendered feedback */
  slots: string[];
  column: number;
  wrongComponents: number[];
  answer: string;
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
  slots: number;
}

export interface PartInfo {
  id: string;
  kind: 'number' | 'vector' | 'probability' | 'matrix' | 'expression' | 'choice';
  name: string;
  prompt: TextTemplate;
  hints: TextTemplate[];
  solution: TextTemplate;
  mistakes: TextTemplate[];
  choices: { text: string; feedback: TextTemplate }[];
  variables: string[];
  forbidden: string[];
}

export interface ExerciseInfo {
  id: string;
  title: string;
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
}

export interface ExerciseSlots {
  ok: true;
  intro: string[];
  parts: Record<string, { prompt: string[]; hints: string[][]; solution: string[]; mistakes: string[][]; choices: string[][] }>;
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

export interface Limits {
  answerLength: number;
  expressionLength: number;
  nesting: number;
  elements: number;
  work: number;
  progressBytes: number;
}

export declare class Engine {
  limits(): Readonly<Limits>;
  evaluate(text: string): EvalResult;
  session(): Session;
  functions(): { name: string; signature: string }[];
  loadNotebook(text: string, file?: string): Notebook;
}

export declare class Session {
  evaluate(text: string): EvalResult;
  reset(): void;
  close(): void;
}

export declare class Notebook {
  errors(): KlError[];
  validate(variants?: number): KlError[];
  info(): { id: string; title: string; description: string; order: number };
  cells(): CellInfo[];
  exercise(id: string): ExerciseInfo | null;
  runAll(): CellResult[];
  editCell(id: string, source: string): { ok: true; cells: CellResult[] } | { ok: false; error: KlError };
  setSlider(name: string, value: number): { ok: true; cells: CellResult[] } | { ok: false; error: KlError };
  plot(id: string): { ok: true; x: Float64Array; series: { label: string; y: Float64Array }[] } | { ok: false; error: KlError };
  check(part: string, answer: string, options?: VariantOptions & { earlier?: Record<string, string> }): Verdict;
  view(part: string, options?: VariantOptions): PartView | { ok: false; error: KlError };
  exerciseSlots(exercise: string, options?: VariantOptions): ExerciseSlots | { ok: false; error: KlError };
  libraryMistakes(part: string, options?: VariantOptions): { id: string; name: string; expression: string; text: string }[];
  loadProgress(text: string): { ok: true; progress: object; json: string; warnings: string[]; schema: number } | { ok: false; error: KlError };
  close(): void;
}
