// The notebook language: the syntax tree, the parser, the evaluator and the function library.
// One language serves code cells, exercise parameters, reference answers and learners' answers.
#pragma once

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

/// Deepest nesting of brackets and operators the parser accepts.
constexpr int kMaxNesting = 200;
/// Longest expression text, in bytes.
constexpr std::size_t kMaxExpressionLength = 100000;
/// Most doubles in one vector or matrix.
constexpr long kMaxElements = 5000000;
/// Most element operations one evaluation may do (keeps every evaluation well under a second).
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
/// True when two trees are the same expression (same structure, names, operators and numbers).
bool same_tree(const Node& a, const Node& b);
/// The variable names an expression reads (not function names, not constants).
std::set<std::string> free_names(const Node& node);
/// The function names an expression calls.
std::set<std::string> called_functions(const Node& node);

// ---- Evaluation ---------------------------------------------------------------------------

/// Named values visible to an evaluation.
using Environment = std::map<std::string, Value>;

class Rng;

/// One work budget per unit of work (a check, a cell run, a plot, a validation): every evaluation
/// done for that unit charges the same budget, so a unit cannot escape the cap by evaluating many
/// small things (sample points, plot points, mistakes). Charged in element operations.
class Budget {
 public:
  explicit Budget(std::int64_t limit = kMaxWork) : limit_(limit) {}
  /// Adds n operations; a TooLarge error once the limit is passed (and from then on).
  Result<bool> charge(std::int64_t n);
  std::int64_t used() const { return used_; }
  std::int64_t limit() const { return limit_; }
  bool exhausted() const { return used_ > limit_; }

 private:
  std::int64_t limit_;
  std::int64_t used_ = 0;
};

/// What an evaluation may do.
struct EvalOptions {
  /// Functions the expression may not call (an author forbids kl() in "compute KL by hand").
  const std::set<std::string>* forbidden = nullptr;
  /// When set, uniform(a, b[, step]), randint(a, b) and choice(x, ...) draw from it (exercise variants).
  Rng* rng = nullptr;
  /// The unit of work's budget. Null: the evaluation gets a budget of its own (kMaxWork).
  Budget* budget = nullptr;
};

/// Evaluates an expression. Never returns NaN: an undefined result is a Domain error.
Result<Value> evaluate(const Node& node, const Environment& env, const EvalOptions& options = {});
/// Parses and evaluates one expression or assignment; an assignment also stores into env.
Result<Value> evaluate_text(std::string_view text, Environment& env, const EvalOptions& options = {});

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
