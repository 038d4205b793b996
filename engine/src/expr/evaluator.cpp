// The evaluator: operators with scalar broadcasting, indexing, names, calls, and the safety nets
// every result passes (no NaN ever leaves, overflow from finite operands is an error, every node,
// operator and call is charged to the unit of work's Budget, and no tree deeper than
// kMaxTreeHeight is walked).
//
// Stack: evaluation recurses once per tree level, so the frames on that path are kept small (the
// measured cost per level is in docs/reliability.md). Everything that builds messages or does the
// arithmetic lives in functions marked KL_NOINLINE, called after the recursion has returned, so
// their frames are never stacked once per level.
#include <algorithm>
#include <cmath>

#include "expr/library.hpp"
#include "kl/detmath.hpp"
#include "kl/expr.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define KL_NOINLINE __attribute__((noinline))
#else
#define KL_NOINLINE
#endif

namespace kl {

namespace {

using detail::CallContext;
using detail::charge;
using detail::find_function;
using detail::units;

Error at(Error e, int column) {
  if (e.column == 0) e.column = column;
  return e;
}

Error err(ErrorCode code, std::string message, int column) {
  Error e = make_error(code, std::move(message));
  e.column = column;
  return e;
}

bool has_nan(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Number: return std::isnan(v.number());
    case Value::Kind::Vector: return v.vector().hasNaN();
    case Value::Kind::Matrix: return v.matrix().hasNaN();
    default: return false;
  }
}

bool has_inf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Number: return std::isinf(v.number());
    case Value::Kind::Vector: return !v.vector().allFinite() && !v.vector().hasNaN();
    case Value::Kind::Matrix: return !v.matrix().allFinite() && !v.matrix().hasNaN();
    default: return false;
  }
}

bool is_numeric(const Value& v) { return v.is_number() || v.is_vector() || v.is_matrix(); }

double size_of(const Value& v) { return static_cast<double>(std::max<long>(1, v.size())); }

template <class Op>
Result<Value> elementwise(const Value& a, const Value& b, const std::string& op, Op f) {
  if (!is_numeric(a) || !is_numeric(b))
    return make_error(ErrorCode::Type,
                      "'" + op + "' works on numbers, vectors and matrices, not on " + (is_numeric(a) ? describe(b) : describe(a)));
  if (a.is_number() && b.is_number()) return Value(f(a.number(), b.number()));
  if (a.is_number() && b.is_vector()) return Value(Vec(b.vector().unaryExpr([&](double y) { return f(a.number(), y); })));
  if (a.is_vector() && b.is_number()) return Value(Vec(a.vector().unaryExpr([&](double x) { return f(x, b.number()); })));
  if (a.is_number() && b.is_matrix()) return Value(Mat(b.matrix().unaryExpr([&](double y) { return f(a.number(), y); })));
  if (a.is_matrix() && b.is_number()) return Value(Mat(a.matrix().unaryExpr([&](double x) { return f(x, b.number()); })));
  if (a.is_vector() && b.is_vector()) {
    if (a.vector().size() != b.vector().size())
      return make_error(ErrorCode::Length, "'" + op + "' needs vectors of the same length, got lengths " +
                                               std::to_string(a.vector().size()) + " and " + std::to_string(b.vector().size()));
    return Value(Vec(a.vector().binaryExpr(b.vector(), f)));
  }
  if (a.is_matrix() && b.is_matrix()) {
    if (a.matrix().rows() != b.matrix().rows() || a.matrix().cols() != b.matrix().cols())
      return make_error(ErrorCode::Length, "'" + op + "' needs matrices of the same shape, got " + describe(a) + " and " + describe(b));
    return Value(Mat(a.matrix().binaryExpr(b.matrix(), f)));
  }
  return make_error(ErrorCode::Type,
                    "'" + op + "' cannot combine " + describe(a) + " with " + describe(b) + " (use @ for a matrix product)");
}

bool any_zero(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Number: return v.number() == 0.0;
    case Value::Kind::Vector: return (v.vector().array() == 0.0).any();
    case Value::Kind::Matrix: return (v.matrix().array() == 0.0).any();
    default: return false;
  }
}

Result<Value> matmul(const Value& a, const Value& b) {
  auto shape_error = [&] {
    return make_error(ErrorCode::Length, "'@' cannot multiply " + describe(a) + " by " + describe(b) + ": the inner sizes differ");
  };
  if (a.is_matrix() && b.is_matrix()) {
    if (a.matrix().cols() != b.matrix().rows()) return shape_error();
    return Value(Mat(a.matrix() * b.matrix()));
  }
  if (a.is_matrix() && b.is_vector()) {
    if (a.matrix().cols() != b.vector().size()) return shape_error();
    return Value(Vec(a.matrix() * b.vector()));
  }
  if (a.is_vector() && b.is_matrix()) {
    if (a.vector().size() != b.matrix().rows()) return shape_error();
    return Value(Vec(b.matrix().transpose() * a.vector()));
  }
  if (a.is_vector() && b.is_vector()) {
    if (a.vector().size() != b.vector().size()) return shape_error();
    return Value(a.vector().dot(b.vector()));
  }
  return make_error(ErrorCode::Type, "'@' is the matrix product of vectors and matrices, not of " +
                                         (a.is_vector() || a.is_matrix() ? describe(b) : describe(a)) + " (use * for numbers)");
}

Result<Value> compare(const Value& a, const Value& b, const std::string& op) {
  if (op == "==" || op == "!=") {
    bool eq;
    if (a.is_number() && b.is_number()) eq = a.number() == b.number();
    else if (a.kind() != b.kind()) return make_error(ErrorCode::Type, "cannot compare " + describe(a) + " with " + describe(b));
    else eq = same_value(a, b);
    return Value(op == "==" ? eq : !eq);
  }
  if (!a.is_number() || !b.is_number())
    return make_error(ErrorCode::Type, "'" + op + "' compares two numbers, got " + describe(a) + " and " + describe(b));
  const double x = a.number(), y = b.number();
  bool r = op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : x >= y;
  return Value(r);
}

Result<Value> power(const Value& a, const Value& b) {
  bool bad_domain = false, zero_negative = false;
  auto r = elementwise(a, b, "^", [&](double x, double y) {
    if (x < 0 && std::isfinite(y) && y != std::floor(y)) bad_domain = true;
    if (x == 0 && y < 0) zero_negative = true;
    return dm::pow(x, y);
  });
  if (!r.ok()) return r;
  if (zero_negative) return make_error(ErrorCode::DivisionByZero, "0 raised to a negative power divides by zero");
  if (bad_domain) return make_error(ErrorCode::Domain, "a negative number raised to a fractional power is not a real number");
  return r;
}

Result<Value> binary(const std::string& op, const Value& a, const Value& b) {
  if (op == "+") return elementwise(a, b, op, [](double x, double y) { return x + y; });
  if (op == "-") return elementwise(a, b, op, [](double x, double y) { return x - y; });
  if (op == "*") return elementwise(a, b, op, [](double x, double y) { return x * y; });
  if (op == "/") {
    if (is_numeric(b) && any_zero(b)) return make_error(ErrorCode::DivisionByZero, "division by zero");
    return elementwise(a, b, op, [](double x, double y) { return x / y; });
  }
  if (op == "^") return power(a, b);
  if (op == "@") return matmul(a, b);
  if (op == "and" || op == "or") {
    if (!a.is_boolean() || !b.is_boolean())
      return make_error(ErrorCode::Type, "'" + op + "' combines true/false values, got " + describe(a) + " and " + describe(b));
    return Value(op == "and" ? (a.boolean() && b.boolean()) : (a.boolean() || b.boolean()));
  }
  return compare(a, b, op);
}

// The cost of applying a binary operator, known before computing it (charged first, so that
// eye(2236) @ eye(2236), 10^10 multiply-adds, is refused at once). Shapes that do not fit cost
// nothing here: the operator then reports the mismatch.
double operator_cost(const std::string& op, const Value& a, const Value& b) {
  if (op == "@") {
    if (a.is_matrix() && b.is_matrix() && a.matrix().cols() == b.matrix().rows())
      return static_cast<double>(a.matrix().rows()) * static_cast<double>(a.matrix().cols()) * static_cast<double>(b.matrix().cols()) *
             detail::kCostFlop;
    if (a.is_matrix() && b.is_vector()) return static_cast<double>(a.matrix().size()) * detail::kCostFlop;
    if (a.is_vector() && b.is_matrix()) return static_cast<double>(b.matrix().size()) * detail::kCostFlop;
    if (a.is_vector() && b.is_vector()) return static_cast<double>(a.vector().size()) * detail::kCostFlop;
    return 1.0;
  }
  const double n = std::max(size_of(a), size_of(b));
  if (op == "^") {
    const bool small_whole = b.is_number() && b.number() == std::floor(b.number()) && std::fabs(b.number()) <= 64.0;
    return n * static_cast<double>(small_whole ? detail::kCostSmallPower : detail::kCostPower);
  }
  if (op == "/") return 2.0 * n * detail::kCostElement;  // the zero scan, then the division
  return n * detail::kCostElement;
}

Error too_deep(int column) {
  return err(ErrorCode::TooDeep,
             "the expression is nested too deeply: more than " + std::to_string(kMaxTreeHeight) +
                 " levels of operators, calls and indexes (the limit is " + std::to_string(kMaxTreeHeight) + ")",
             column);
}

class Evaluator {
 public:
  Evaluator(const Environment& env, const EvalOptions& options)
      : env_(env), options_(options), budget_(options.budget != nullptr ? *options.budget : own_budget_) {}

  // The one function on the recursion path of every level: it holds nothing but its result.
  Result<Value> eval(const Node& n) {
    if (depth_ >= kMaxTreeHeight) return too_deep(n.column);
    ++depth_;
    Result<Value> r = eval_inner(n);
    --depth_;
    settle(r, n);
    return r;
  }

 private:
  // After a node is evaluated: the column of an error, no NaN out, and the node's charge (its
  // dispatch plus one unit per element it produced, which covers copies of named values).
  KL_NOINLINE void settle(Result<Value>& r, const Node& n) {
    if (!r.ok()) {
      if (r.error().column == 0) r = at(r.error(), n.column);
      return;
    }
    const Value& v = r.value();
    if (has_nan(v)) {
      r = err(ErrorCode::Domain, "the result is undefined (for example inf - inf or 0 * inf)", n.column);
      return;
    }
    if (held_ + static_cast<double>(v.size()) > static_cast<double>(kMaxHeldElements)) {
      r = err(ErrorCode::TooLarge,
              "this computation is too large: it holds more than " + std::to_string(kMaxHeldElements) + " numbers at once", n.column);
      return;
    }
    auto c = charge(budget_, detail::kCostNode + static_cast<std::int64_t>(v.size()) * detail::kCostElement);
    if (!c.ok()) r = at(c.error(), n.column);
  }

  Result<Value> eval_inner(const Node& n) {
    switch (n.type) {
      case Node::Type::Number: return Value(n.number);
      case Node::Type::String: return Value(n.text);
      case Node::Type::Boolean: return Value(n.boolean);
      case Node::Type::Name: return lookup(n);
      case Node::Type::Unary: return unary(n);
      case Node::Type::Binary: return binary_node(n);
      case Node::Type::Call: return call(n);
      case Node::Type::Index: return index(n);
      case Node::Type::VectorLit: return vector_literal(n);
    }
    return make_error(ErrorCode::Internal, "unknown syntax node");
  }

  KL_NOINLINE Result<Value> unary(const Node& n) {
    Result<Value> a = eval(*n.children[0]);
    if (!a.ok()) return a;
    return apply_unary(n, a.value());
  }

  KL_NOINLINE Result<Value> apply_unary(const Node& n, const Value& a) {
    if (n.text == "not") {
      if (!a.is_boolean()) return make_error(ErrorCode::Type, "'not' needs a true/false value, got " + describe(a));
      return Value(!a.boolean());
    }
    if (!is_numeric(a)) return make_error(ErrorCode::Type, "cannot negate " + describe(a));
    KL_TRY(bool ok, charge(budget_, units(size_of(a) * detail::kCostElement)));
    (void)ok;
    if (a.is_number()) return Value(-a.number());
    if (a.is_vector()) return Value(Vec(-a.vector()));
    return Value(Mat(-a.matrix()));
  }

  KL_NOINLINE Result<Value> binary_node(const Node& n) {
    Result<Value> a = eval(*n.children[0]);
    if (!a.ok()) return a;
    const double held = static_cast<double>(a.value().size());
    held_ += held;
    Result<Value> b = eval(*n.children[1]);
    held_ -= held;
    if (!b.ok()) return b;
    return apply_binary(n, a.value(), b.value());
  }

  KL_NOINLINE Result<Value> apply_binary(const Node& n, const Value& a, const Value& b) {
    if (is_numeric(a) && is_numeric(b)) {
      KL_TRY(bool ok, charge(budget_, units(operator_cost(n.text, a, b))));
      (void)ok;
    }
    auto r = binary(n.text, a, b);
    if (!r.ok()) return r;
    if (has_inf(r.value()) && !has_inf(a) && !has_inf(b))
      return make_error(ErrorCode::Domain, "overflow: the result of '" + n.text + "' is too large to represent");
    return r;
  }

  std::vector<std::string> known_names() const {
    std::vector<std::string> names;
    for (const auto& kv : env_) names.push_back(kv.first);
    for (const char* c : {"pi", "e", "inf"}) names.push_back(c);
    return names;
  }

  KL_NOINLINE Result<Value> lookup(const Node& n) {
    auto it = env_.find(n.text);
    if (it != env_.end()) {
      // The copy is charged before it is made: one unit per element.
      KL_TRY(bool ok, charge(budget_, it->second.size() * detail::kCostElement));
      (void)ok;
      return it->second;
    }
    if (n.text == "pi") return Value(M_PI);
    if (n.text == "e") return Value(M_E);
    if (n.text == "inf") return Value(HUGE_VAL);
    if (find_function(n.text) != nullptr)
      return make_error(ErrorCode::Type, n.text + " is a function: call it with arguments, as in " + function_signature(n.text));
    std::string msg = "unknown name '" + n.text + "'";
    std::vector<std::string> candidates = known_names();
    std::string near = nearest_name(n.text, candidates);
    if (near.empty()) near = nearest_name(n.text, function_names());
    if (!near.empty()) msg += ": did you mean '" + near + "'?";
    return make_error(ErrorCode::UnknownName, msg);
  }

  // Checks that need no argument values: the function exists, is allowed, and has the right arity.
  KL_NOINLINE Result<const detail::FunctionSpec*> resolve(const Node& n) {
    const std::string& name = n.text;
    const detail::FunctionSpec* spec = find_function(name);
    if (spec == nullptr) {
      if (env_.count(name))
        return make_error(ErrorCode::Type, "'" + name + "' is a value, not a function (to multiply, write " + name + " * (...))");
      std::string msg = "unknown function '" + name + "'";
      std::string near = nearest_name(name, function_names());
      if (!near.empty()) msg += ": did you mean " + function_signature(near) + "?";
      return make_error(ErrorCode::UnknownName, msg);
    }
    if (options_.forbidden != nullptr && options_.forbidden->count(name))
      return make_error(ErrorCode::Forbidden, "this answer may not use " + name + "(...): work it out from the definition");
    const int argc = static_cast<int>(n.children.size());
    if (argc < spec->min_args || argc > spec->max_args) {
      std::string expected = spec->min_args == spec->max_args ? std::to_string(spec->min_args)
                             : spec->max_args - spec->min_args == 1
                                 ? std::to_string(spec->min_args) + " or " + std::to_string(spec->max_args)
                                 : std::to_string(spec->min_args) + " or more";
      return make_error(ErrorCode::Arity, name + " takes " + expected + " argument" + (expected == "1" ? "" : "s") + ", as in " +
                                              spec->signature + ", but was given " + std::to_string(argc));
    }
    return spec;
  }

  KL_NOINLINE Result<Value> call(const Node& n) {
    if (n.text == "if") return conditional(n);
    auto spec = resolve(n);
    if (!spec.ok()) return spec.error();
    std::vector<Value> args;
    args.reserve(n.children.size());
    const double held_before = held_;
    for (const auto& c : n.children) {
      Result<Value> v = eval(*c);
      if (!v.ok()) {
        held_ = held_before;
        return v;
      }
      held_ += static_cast<double>(v.value().size());
      args.push_back(std::move(v).value());
    }
    held_ = held_before;
    return invoke(*spec.value(), args);
  }

  KL_NOINLINE Result<Value> invoke(const detail::FunctionSpec& spec, const std::vector<Value>& args) {
    double largest = 1;
    bool finite_args = true;
    for (const auto& v : args) {
      largest = std::max(largest, size_of(v));
      if (has_inf(v)) finite_args = false;
    }
    KL_TRY(bool ok, charge(budget_, units(largest * spec.cost)));
    (void)ok;
    const std::string name = spec.name;
    CallContext ctx{name, options_, budget_};
    auto r = spec.fn(args, ctx);
    if (!r.ok()) return r;
    if (!spec.may_be_infinite && finite_args && has_inf(r.value()))
      return make_error(ErrorCode::Domain, "overflow: the result of " + name + "(...) is too large to represent");
    return r;
  }

  KL_NOINLINE Result<Value> conditional(const Node& n) {
    if (n.children.size() != 3)
      return make_error(ErrorCode::Arity, "if takes 3 arguments, as in if(condition, value_if_true, value_if_false)");
    Result<Value> c = eval(*n.children[0]);
    if (!c.ok()) return c;
    if (!c.value().is_boolean())
      return make_error(ErrorCode::Type, "the condition of if(...) must be true or false, got " + describe(c.value()));
    return eval(*n.children[c.value().boolean() ? 1 : 2]);
  }

  // An index: evaluated here (on the recursion path), checked out of line.
  Result<long> index_value(const Node& n, long size, const char* what) {
    Result<Value> v = eval(n);
    if (!v.ok()) return v.error();
    return check_index(v.value(), n.column, size, what);
  }

  KL_NOINLINE Result<long> check_index(const Value& v, int column, long size, const char* what) {
    if (!v.is_number()) return err(ErrorCode::Type, std::string("an index must be a number, got ") + describe(v), column);
    double x = v.number();
    if (x != std::floor(x)) return err(ErrorCode::Index, "an index must be a whole number, got " + format_number(x, 6), column);
    if (x < 1 || x > static_cast<double>(size))
      return err(ErrorCode::Index,
                 std::string("index ") + format_number(x, 6) + " is out of range: the " + what + " has " + std::to_string(size) +
                     " (indices start at 1)",
                 column);
    return static_cast<long>(x) - 1;
  }

  KL_NOINLINE Result<Value> index(const Node& n) {
    Result<Value> t = eval(*n.children[0]);
    if (!t.ok()) return t;
    const double held = static_cast<double>(t.value().size());
    held_ += held;
    auto r = index_into(n, t.value());
    held_ -= held;
    return r;
  }

  Result<Value> index_into(const Node& n, const Value& target) {
    const std::size_t nidx = n.children.size() - 1;
    if (target.is_vector()) {
      if (nidx != 1) return make_error(ErrorCode::Index, "a vector takes one index, as in v[2]");
      KL_TRY(long i, index_value(*n.children[1], static_cast<long>(target.vector().size()), "vector's entries"));
      return Value(target.vector()[i]);
    }
    if (target.is_matrix()) {
      const Mat& m = target.matrix();
      KL_TRY(long i, index_value(*n.children[1], static_cast<long>(m.rows()), "matrix's rows"));
      if (nidx == 1) return Value(Vec(m.row(i).transpose()));
      KL_TRY(long j, index_value(*n.children[2], static_cast<long>(m.cols()), "matrix's columns"));
      return Value(m(i, j));
    }
    return make_error(ErrorCode::Type, "only vectors and matrices can be indexed, not " + describe(target));
  }

  KL_NOINLINE Result<Value> vector_literal(const Node& n) {
    std::vector<Value> items;
    items.reserve(n.children.size());
    double total = 0;  // entries held so far: refused as soon as a matrix could not fit
    const double held_before = held_;
    for (const auto& c : n.children) {
      Result<Value> v = eval(*c);
      if (!v.ok()) {
        held_ = held_before;
        return v;
      }
      total += static_cast<double>(v.value().size());
      if (total > static_cast<double>(kMaxElements)) {
        held_ = held_before;
        return too_many_entries(total);
      }
      held_ = held_before + total;
      items.push_back(std::move(v).value());
    }
    held_ = held_before;
    return assemble(n, items);
  }

  KL_NOINLINE Error too_many_entries(double total) {
    return make_error(ErrorCode::TooLarge, "the matrix would have more than " + format_number(total, 6) + " entries; the limit is " +
                                               std::to_string(kMaxElements));
  }

  KL_NOINLINE Result<Value> assemble(const Node& n, const std::vector<Value>& items) {
    if (items[0].is_number()) {
      Vec out(static_cast<Eigen::Index>(items.size()));
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_number())
          return err(ErrorCode::Type,
                     "a vector's entries must all be numbers, but entry " + std::to_string(i + 1) + " is " + describe(items[i]),
                     n.children[i]->column);
        out[static_cast<Eigen::Index>(i)] = items[i].number();
      }
      return Value(std::move(out));
    }
    if (items[0].is_vector()) {
      const Eigen::Index cols = items[0].vector().size();
      if (static_cast<double>(cols) * static_cast<double>(items.size()) > static_cast<double>(kMaxElements))
        return make_error(ErrorCode::TooLarge, "the matrix is too large");
      Mat out(static_cast<Eigen::Index>(items.size()), cols);
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_vector() || items[i].vector().size() != cols)
          return err(ErrorCode::Length,
                     "the rows of a matrix must all have length " + std::to_string(cols) + ", but row " + std::to_string(i + 1) + " is " +
                         describe(items[i]),
                     n.children[i]->column);
        out.row(static_cast<Eigen::Index>(i)) = items[i].vector().transpose();
      }
      return Value(std::move(out));
    }
    return make_error(ErrorCode::Type, "[...] holds numbers (a vector) or rows of numbers (a matrix), not " + describe(items[0]));
  }

  const Environment& env_;
  const EvalOptions& options_;
  Budget own_budget_;
  Budget& budget_;
  int depth_ = 0;
  double held_ = 0;  // elements of values waiting on the evaluation path (operands, arguments)
};

}  // namespace

Result<Value> evaluate(const Node& node, const Environment& env, const EvalOptions& options) { return Evaluator(env, options).eval(node); }

Result<Value> evaluate_text(std::string_view text, Environment& env, const EvalOptions& options) {
  KL_TRY(Statement st, parse_statement(text));
  KL_TRY(Value v, evaluate(*st.expr, env, options));
  if (!st.target.empty()) {
    if (is_constant(st.target) || is_function(st.target)) {
      Error e = make_error(ErrorCode::Type, "'" + st.target + "' is a built-in name and cannot be assigned to");
      e.column = 1;
      return e;
    }
    KL_TRY(bool room, check_room(env, st.target, v));
    (void)room;
    env[st.target] = v;
  }
  return v;
}

Result<bool> check_room(const Environment& env, const std::string& name, const Value& value, double* held) {
  double now = 0;
  if (held != nullptr) {
    now = *held;
  } else {
    for (const auto& kv : env) now += static_cast<double>(kv.second.size());
  }
  auto it = env.find(name);
  if (it == env.end() && env.size() >= kMaxNames)
    return make_error(ErrorCode::TooLarge, "'" + name + "' cannot be kept: there are already " + std::to_string(env.size()) +
                                               " names; the limit is " + std::to_string(kMaxNames));
  const double after = now - (it == env.end() ? 0.0 : static_cast<double>(it->second.size())) + static_cast<double>(value.size());
  if (after > static_cast<double>(kMaxHeldElements))
    return make_error(ErrorCode::TooLarge, "'" + name + "' cannot be kept: the names defined so far would hold " + format_number(after, 6) +
                                               " numbers; the limit is " + std::to_string(kMaxHeldElements));
  if (held != nullptr) *held = after;
  return true;
}

bool is_constant(const std::string& name) { return name == "pi" || name == "e" || name == "inf" || name == "true" || name == "false"; }

std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates) {
  // Levenshtein distance on short names, in two rows on the stack (no allocation per candidate: the
  // notebook parser asks this for every unknown key). A candidate whose length differs by more than
  // the best distance so far cannot be nearer, and is skipped.
  constexpr std::size_t kLongest = 64;
  if (name.size() > kLongest) return "";
  std::size_t prev[kLongest + 1], cur[kLongest + 1];
  auto distance = [&](const std::string& a, const std::string& b) {
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t sub =
            prev[j - 1] +
            (std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1])) ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::copy(cur, cur + b.size() + 1, prev);
    }
    return prev[b.size()];
  };
  std::string best;
  std::size_t best_d = name.size() <= 2 ? 1 : 2;
  for (const auto& c : candidates) {
    if (c.size() > kLongest) continue;
    const std::size_t gap = c.size() > name.size() ? c.size() - name.size() : name.size() - c.size();
    if (gap > best_d) continue;
    std::size_t d = distance(name, c);
    if (d <= best_d && (best.empty() || d < best_d)) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

}  // namespace kl
