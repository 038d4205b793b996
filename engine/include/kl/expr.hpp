// The notebook language: the syntax tree, the parser, the evaluator and the function library.
// One language serves code cells, exercise parameters, reference answers and learners' answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kl/result.hpp"
#include "kl/value.hpp"

namespace kl {

// ---- Caps (documented in README: a hostile input gets a clear error, never a crash) -------------

/// Deepest nesting of brackets ( ), [ ] and call parentheses the parser accepts (200 is accepted).
constexpr int kMaxNesting = 200;
/// Tallest syntax tree the parser builds, in levels (a number is 1 level, `1 + 2` is 2, a chain
/// of k operators is k + 1): every operator, prefix operator, call, index and vector adds one.
/// Every walk over a parsed tree recurses at most this deep; the evaluator refuses taller trees
/// built by other means. Chosen from the stack one level costs (docs/reliability.md).
constexpr int kMaxTreeHeight = 500;
/// Longest expression text, in bytes.
constexpr std::size_t kMaxExpressionLength = 100000;
/// Longest program (code cell) text, in bytes: ten expressions' worth.
constexpr std::size_t kMaxProgramLength = 10 * kMaxExpressionLength;
/// Most doubles in one vector or matrix.
constexpr long kMaxElements = 5000000;
/// Most doubles one evaluation may hold at once (values waiting for their sibling operands, call
/// arguments, vector entries), and most the names of one environment (a session's, a notebook's
/// cells') may hold together: 160 MB each, so a wasm instance (1 GB at most) never runs out.
constexpr long kMaxHeldElements = 4 * kMaxElements;
/// Most names one environment may hold (a session's, a notebook's cells'): no notebook needs more,
/// and looking for the nearest name to a misspelt one stays quick.
constexpr std::size_t kMaxNames = 10000;
/// Most points of one plot.
constexpr long kMaxPlotPoints = 20000;
/// The deadline, in seconds, of a unit of work's Budget (a backstop: kMaxWork is reached well
/// before it, natively and in wasm; docs/reliability.md).
constexpr double kMaxSeconds = 10.0;
/// The work budget of one unit of work (a check, a cell run, a plot, a validation), in work units:
/// about one arithmetic operation on one element (a copy, an addition); exp, log, pow and the
/// library's functions are charged several units per element, by their measured cost, and matrix
/// products and factorisations by their operation counts, before they run (docs/reliability.md).
constexpr std::int64_t kMaxWork = 100000000;

// ---- Syntax tree ----------------------------------------------------------------------------

struct Node;
/// Nodes are immutable and shared, so rewritten trees (the mistake library) share subtrees.
using NodePtr = std::shared_ptr<const Node>;

/// A syntax tree node. `text` holds the name (Name, Call), the operator (Unary, Binary) or the
/// string (String); `children` the operands, arguments, elements or indices (Index: target first).
struct Node {
  enum class Type { Number, String, Boolean, Name, Unary, Binary, Call, Index, VectorLit };
  Type type = Type::Number;
  double number = 0.0;
  bool boolean = false;
  std::string text;
  std::vector<NodePtr> children;
  int column = 0;  ///< 1-based column of the node's first character in its source text

  Node() = default;
  Node(const Node&) = default;
  Node& operator=(const Node&) = default;
  /// Iterative: destroying a tree of any height uses constant stack.
  ~Node();
};

/// Node constructors, for the parser and for tree rewriting.
NodePtr make_number(double x, int column = 0);
NodePtr make_name(std::string name, int column = 0);
NodePtr make_call(std::string name, std::vector<NodePtr> args, int column = 0);
NodePtr make_binary(std::string op, NodePtr a, NodePtr b, int column = 0);
NodePtr make_unary(std::string op, NodePtr a, int column = 0);

/// One line of a code cell: an assignment `name = expr` (target set) or a bare expression.
struct Statement {
  std::string target;  ///< empty for a bare expression
  NodePtr expr;
  int line = 1;        ///< 1-based line within the parsed text
  std::string source;  ///< the statement's text
};

/// Parses one expression. Syntax errors carry the 1-based column.
Result<NodePtr> parse_expression(std::string_view text);
/// Parses `name = expr` or `expr`.
Result<Statement> parse_statement(std::string_view text);
/// Parses a block: one statement per line, `#` comments and blank lines ignored. Errors carry
/// line (relative to the block, from 1) and column.
Result<std::vector<Statement>> parse_program(std::string_view text);

/// The expression as text in the language, with minimal parentheses (parses back to the same tree).
std::string to_string(const Node& node);
/// How tightly a node binds when printed (1: `or` ... 10: an atom): the language's precedence table,
/// shared by every printer (to_string, the MathML preview).
int binding_precedence(const Node& node);
/// True when two trees are the same expression (same structure, names, operators and numbers).
bool same_tree(const Node& a, const Node& b);
/// The variable names an expression reads (not function names, not constants).
std::set<std::string> free_names(const Node& node);
/// The function names an expression calls.
std::set<std::string> called_functions(const Node& node);
/// The number of levels of the tree (1 for a leaf). Iterative: safe on any tree, so a caller that
/// builds trees by rewriting can check them against kMaxTreeHeight before walking them recursively.
int tree_height(const Node& node);

// ---- Evaluation ---------------------------------------------------------------------------

/// Named values visible to an evaluation.
using Environment = std::map<std::string, Value>;

class Rng;

/// One work budget per unit of work (a check, a cell run, a plot, a validation): every evaluation
/// done for that unit charges the same budget, so a unit cannot escape the cap by evaluating many
/// small things (sample points, plot points, mistakes). Charged in work units (kMaxWork), before
/// the work is done wherever the cost is known in advance.
///
/// An optional wall-clock deadline is a backstop for work the cost model misjudges: it is read
/// once per 2^16 units charged, so it costs nothing measurable. The work cap, not the clock,
/// decides every verdict in practice (kMaxWork is reached in well under the deadlines used), so
/// verdicts stay the same on every machine.
/// The limit a unit of work's Budget gets unless told otherwise: kMaxWork, or what a tool set for the
/// whole process with set_default_work_limit. Only the fuzzers lower it (so that every input, even
/// one built to exhaust its budget, runs in milliseconds under the sanitizers); the product and
/// the tests never change it, so verdicts everywhere are those of kMaxWork.
std::int64_t default_work_limit();
/// Sets default_work_limit() for the whole process (a tool's setting; see above).
void set_default_work_limit(std::int64_t limit);

class Budget {
 public:
  /// `limit` work units; `seconds` > 0 also sets a deadline that many seconds from now.
  explicit Budget(std::int64_t limit = default_work_limit(), double seconds = 0.0);
  /// Adds n units; a TooLarge error once the limit or the deadline is passed (and from then on).
  Result<bool> charge(std::int64_t n);
  std::int64_t used() const { return used_; }
  std::int64_t limit() const { return limit_; }
  bool exhausted() const { return used_ > limit_; }

 private:
  Error over() const;

  std::int64_t limit_;
  std::int64_t used_ = 0;
  std::int64_t next_clock_check_ = 0;
  bool has_deadline_ = false;
  bool timed_out_ = false;
  double seconds_ = 0.0;
  std::chrono::steady_clock::time_point deadline_{};
};

/// What an evaluation may do.
struct EvalOptions {
  /// Functions the expression may not call (an author forbids kl() in "compute KL by hand").
  const std::set<std::string>* forbidden = nullptr;
  /// When set, uniform(a, b[, step]), randint(a, b) and choice(x, ...) draw from it (exercise variants).
  Rng* rng = nullptr;
  /// The unit of work's budget. Null: the evaluation gets a budget of its own (default_work_limit()).
  Budget* budget = nullptr;
};

/// Evaluates an expression. Never returns NaN: an undefined result is a Domain error.
Result<Value> evaluate(const Node& node, const Environment& env, const EvalOptions& options = {});
/// Parses and evaluates one expression or assignment; an assignment also stores into env.
Result<Value> evaluate_text(std::string_view text, Environment& env, const EvalOptions& options = {});

/// Whether `env` may take `value` under `name` without its names holding more than
/// kMaxHeldElements numbers together (the value `name` holds now is replaced, so not counted), or
/// more than kMaxNames names. `held`, when given, is what env holds now (a caller assigning many
/// times keeps it up to date instead of having it recounted each time).
Result<bool> check_room(const Environment& env, const std::string& name, const Value& value, double* held = nullptr);

/// True for the names of the built-in constants (pi, e, inf, true, false).
bool is_constant(const std::string& name);
/// True when `name` is a library function.
bool is_function(const std::string& name);
/// The library's function names, sorted.
std::vector<std::string> function_names();
/// The usage line of a library function, e.g. "kl(p, q)"; empty if unknown.
std::string function_signature(const std::string& name);
/// The known name closest to `name` (edit distance at most 2, else ""), among `candidates`.
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace kl
