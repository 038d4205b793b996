// The notebook: the file format an author writes (Markdown prose, code cells, sliders, plots and
// exercises), its parser with file:line errors, the reactive graph between cells, exercise variants,
// and validation. The single parser behind the CLI, the site build and the browser.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kl/expr.hpp"
#include "kl/result.hpp"

namespace kl {

// ---- Text with {{expr}} or {{expr:digits}} slots ----------------------------------------------

/// Author text (Markdown with $math$) whose {{...}} slots are filled per variant.
struct TextTemplate {
  struct Slot {
    NodePtr expr;
    std::string source;
    int digits = 6;         ///< significant digits for numbers
    std::size_t start = 0;  ///< byte offset of its "{{" in `text`
    std::size_t end = 0;    ///< byte offset just past its "}}"
    int line = 0;           ///< its line in the notebook file
  };
  std::string text;         ///< as written, slots included
  std::vector<Slot> slots;  ///< in order of appearance
  int line = 0;
  bool empty() const { return text.empty(); }
};

/// Parses the slots of a text. Errors carry the line offset within the text (line 1 = first line).
Result<TextTemplate> parse_template(const std::string& text, int line);
/// The slot values formatted for people (numbers at the slot's digits, vectors "[a, b]"; a negative
/// number after an operator in brackets, "− (−1.6)").
Result<std::vector<std::string>> slot_values(const TextTemplate& t, const Environment& env);
/// The text with every slot replaced by its value.
Result<std::string> render(const TextTemplate& t, const Environment& env);

// ---- Exercises --------------------------------------------------------------------------------

enum class AnswerKind { Number, Vector, Probability, Matrix, Expression, Choice, Derivation };
/// "number", "vector", ..., "derivation"
const char* answer_kind_name(AnswerKind k);

/// How close a numeric answer must be. Auto: the learner's answer must equal the reference rounded
/// to the digits the learner typed (at least 2 significant figures); typed expressions must agree to
/// a relative 1e-6.
struct Tolerance {
  enum class Mode { Auto, Relative, Absolute, SigFigs, StdErr };
  Mode mode = Mode::Auto;
  double value = 0.0;   ///< rel/abs bound, sig figs, or number of standard errors
  NodePtr stderr_expr;  ///< StdErr: the standard error of the reference
};

/// A wrong answer the author anticipates, and what to say when a learner gives it.
struct AuthorMistake {
  NodePtr expr;
  std::string source;
  TextTemplate feedback;
  int line = 0;
};

/// One option of a choice part.
struct Choice {
  std::string text;
  bool correct = false;
  TextTemplate feedback;  ///< optional, said when this option is picked
  int line = 0;
};

/// A range from which an expression answer's free variable is sampled for comparison.
struct VariableRange {
  std::string name;
  double lo = 0.1;
  double hi = 3.0;
};

/// Most steps one derivation part may have.
constexpr std::size_t kMaxDerivationSteps = 16;

/// One step of a derivation part: an expression in the part's variables (and the exercise's names)
/// that the learner's step must be equivalent to. `answer` (and `from`, and the mistakes) may name
/// earlier steps: `prev` is the step before, `step1`, `step2`, ... any earlier one, and
/// `at(E, x, V)` is E with the variable x replaced by V.
struct DerivationStep {
  /// What the step's equivalence allows besides equality: any additive constant, or any nonzero
  /// constant factor (constant over the sampled values of every variable).
  enum class Constant { None, Additive, Factor };
  TextTemplate prompt;
  NodePtr answer;  ///< the author's step (may name earlier steps; then it is also the ECF rule)
  std::string answer_source;
  NodePtr from;  ///< optional: this step computed from earlier ones, for error-carried-forward
  std::string from_source;
  Constant constant = Constant::None;
  std::vector<TextTemplate> hints;
  std::vector<AuthorMistake> mistakes;
  int line = 0;         ///< the step: line
  int answer_line = 0;  ///< its answer: line
  int from_line = 0;    ///< its from: line (0 without one)
};

/// A condition that a text of the part states about the variant's numbers ("here the forward KL is
/// the smaller one"); `kllab validate` checks it in every variant.
struct Claim {
  NodePtr condition;
  std::string source;
  int line = 0;
};

/// One answer box.
struct Part {
  std::string id;
  TextTemplate prompt;
  AnswerKind kind = AnswerKind::Number;
  bool kind_given = false;
  std::string name;  ///< the answer's name, visible to later parts ("" if unnamed)
  NodePtr answer;    ///< reference answer (null for a choice part)
  std::string answer_source;
  std::vector<NodePtr> accept;           ///< further answers accepted as correct
  std::vector<VariableRange> variables;  ///< Expression kind
  bool up_to_constant = false;           ///< Expression kind
  Tolerance tolerance;
  std::vector<TextTemplate> hints;
  TextTemplate solution;
  std::vector<AuthorMistake> mistakes;
  std::vector<Choice> choices;
  std::set<std::string> forbidden;
  std::vector<DerivationStep> steps;  ///< Derivation kind: the chain of steps, in order
  std::vector<Claim> claims;          ///< conditions its texts state, checked over the variants
  /// Non-empty: the reference appears on the page on purpose (a worked example); says why.
  /// `kllab validate` otherwise reports a page number that gives the answer away.
  std::string shown;
  int line = 0;
};

/// A parameter: its textbook value (variant 0) and, optionally, how other variants draw it.
struct Param {
  std::string name;
  NodePtr base;
  NodePtr vary;  ///< null: every variant uses the base value
  int line = 0;
};

struct Exercise {
  std::string id;
  std::string title;
  TextTemplate intro;
  std::vector<Param> params;
  std::vector<std::pair<NodePtr, int>> requires_;  ///< constraints on a variant, with their lines
  std::vector<Part> parts;
  int line = 0;
};

// ---- Cells ------------------------------------------------------------------------------------

struct Slider {
  std::string name;
  double min = 0, max = 1, step = 0.01, value = 0;
  std::string label;
};

struct PlotSeries {
  std::string label;
  NodePtr expr;
  std::string source;
};

/// A plot: each series evaluated at every point of `over` with the name bound to that point.
struct Plot {
  std::string title, xlabel, ylabel;
  std::string over_name;
  NodePtr over;
  std::vector<PlotSeries> series;
  bool log_y = false;
};

struct Cell {
  enum class Type { Prose, Code, Slider, Plot, Exercise };
  Type type = Type::Prose;
  std::string id;                     ///< code: "cell-N" unless named; exercise: its id; plot/slider: given or generated
  int line = 0;                       ///< first line of the cell in the file
  std::string source;                 ///< prose Markdown, or code text
  std::vector<Statement> statements;  ///< code
  Slider slider;
  Plot plot;
  int exercise = -1;              ///< index into Notebook::exercises
  std::set<std::string> defines;  ///< names this cell defines
  std::set<std::string> uses;     ///< names it reads from other cells
};

struct Notebook {
  std::string file;
  std::string id, title, description;
  int order = 0;
  std::vector<Cell> cells;
  std::vector<Exercise> exercises;

  /// The exercise with this id, or nullptr.
  const Exercise* exercise(const std::string& id) const;
  /// The part with this id and its exercise, or nullptrs.
  std::pair<const Exercise*, const Part*> part(const std::string& id) const;
  /// The cell with this id, or nullptr.
  const Cell* cell(const std::string& id) const;
  /// The exercise with this id, or an UnknownName error naming the notebook.
  Result<const Exercise*> find_exercise(const std::string& id) const;
  /// The part with this id and its exercise, or an UnknownName error suggesting the nearest id.
  Result<std::pair<const Exercise*, const Part*>> find_part(const std::string& id) const;
};

/// A parsed notebook and every author error found (file:line each), not just the first.
struct ParseReport {
  Notebook notebook;
  std::vector<Error> errors;
};

/// Parses a notebook file's text. `file` names it in errors.
ParseReport parse_notebook(std::string_view text, const std::string& file);

// ---- The cell graph ---------------------------------------------------------------------------

/// The outcome of running one cell.
struct CellResult {
  enum class Status { Ok, Error, Blocked };
  std::string cell;
  Status status = Status::Ok;
  std::vector<std::pair<std::string, Value>> values;  ///< (target or "", value) per statement
  Error error;                                        ///< Error: what failed (line relative to the cell, column)
  std::string blocked_by;                             ///< Blocked: the name whose cell failed
};

/// A plot's computed series.
struct PlotData {
  std::string cell;
  Vec x;
  std::vector<std::pair<std::string, Vec>> series;
};

/// Runs code, slider and plot cells as a reactive graph: a change re-runs exactly its dependents,
/// in dependency order; a failing cell blocks its dependents instead of leaving stale values.
class Runtime {
 public:
  explicit Runtime(const Notebook& nb);
  /// Runs every cell; results in dependency order.
  std::vector<CellResult> run_all();
  /// Replaces a code cell's source and re-runs it and its dependents.
  Result<std::vector<CellResult>> edit(const std::string& cell_id, const std::string& source);
  /// Moves a slider and re-runs its dependents.
  Result<std::vector<CellResult>> set_slider(const std::string& name, double value);
  /// Computes a plot cell's series with the current values.
  Result<PlotData> plot(const std::string& cell_id) const;
  /// The current values of all names.
  const Environment& env() const { return env_; }
  /// Graph errors (double definitions, cycles) found when the runtime was built.
  const std::vector<Error>& graph_errors() const { return graph_errors_; }

 private:
  std::vector<CellResult> run_from(const std::set<std::string>& changed_cells);
  CellResult run_cell(std::size_t index);
  std::vector<std::size_t> order_;  // topological order of graph cells
  Notebook nb_;
  Environment env_;
  std::map<std::string, std::size_t> definer_;  // name -> cell index
  std::map<std::size_t, std::string> failed_;   // cell index -> reason its names are missing
  std::map<std::size_t, Error> parse_errors_;   // cells whose current (edited) source does not parse
  std::map<std::string, PlotData> plots_;       // series computed when each plot cell last ran
  std::vector<Error> graph_errors_;
};

/// The values every exercise sees: all code cells and sliders run as authored (a learner's edits
/// to code cells never change an exercise's reference answers).
Result<Environment> authored_environment(const Notebook& nb);

// ---- Variants ---------------------------------------------------------------------------------

/// An exercise's values for one variant: parameters (variant 0 = the textbook values) and every
/// named part answer. A pure function of (notebook, exercise, seed), equal natively and in wasm.
Result<Environment> exercise_scope(const Notebook& nb, const Environment& base, const Exercise& ex, std::uint64_t seed);
/// The seed of the RNG for a variant: FNV-1a of "notebook/exercise/seed".
std::uint64_t variant_rng_seed(const std::string& notebook, const std::string& exercise, std::uint64_t seed);

}  // namespace kl
