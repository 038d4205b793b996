// The answer preview: how an answer is read before it is checked (kind, value as the checker will see
// it, the part's shape expectations, the answer typeset as MathML), or the error with its column.
// One parse and a small work budget, so a page may ask on every keystroke.
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "check/derivation_internal.hpp"
#include "check/internal.hpp"
#include "kl/numerics.hpp"

namespace kl {
namespace detail {

namespace {

std::string entries_like(std::size_t n) {
  static const char* kLetters = "abcdefgh";
  std::string s = "[";
  for (std::size_t i = 0; i < n && i < 4; ++i) s += std::string(i ? ", " : "") + kLetters[i];
  return s + (n > 4 ? ", ...]" : "]");
}

std::string expectation(const Part& p, const Value* ref, int digits) {
  switch (p.kind) {
    case AnswerKind::Choice: return "one of the " + std::to_string(p.choices.size()) + " options";
    case AnswerKind::Derivation: return "a derivation: one formula per line, one line per step";
    case AnswerKind::Expression: {
      std::string vars;
      for (std::size_t i = 0; i < p.variables.size(); ++i)
        vars += (i ? (i + 1 == p.variables.size() ? " and " : ", ") : "") + p.variables[i].name;
      return "a formula in " + vars + (p.up_to_constant ? " (any additive constant)" : "");
    }
    default: break;
  }
  if (!ref) return "a value";
  if (ref->is_vector()) {
    const auto n = static_cast<std::size_t>(ref->vector().size());
    return std::string(p.kind == AnswerKind::Probability ? "a probability vector of " : "a vector of ") + std::to_string(n) + " entries" +
           (p.kind == AnswerKind::Probability ? " (non-negative, summing to 1)" : "") + ", like " + entries_like(n);
  }
  if (ref->is_matrix())
    return "a " + std::to_string(ref->matrix().rows()) + "×" + std::to_string(ref->matrix().cols()) + " matrix, like [[a, b], [c, d]]";
  if (ref->is_number()) return digits > 0 ? "a number, to at least " + std::to_string(digits) + " significant figures" : "a number";
  return describe(*ref);
}

std::string kind_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Number: return "number";
    case Value::Kind::Vector: return "vector";
    case Value::Kind::Matrix: return "matrix";
    case Value::Kind::Boolean: return "boolean";
    case Value::Kind::String: return "string";
  }
  return "";
}

}  // namespace

AnswerPreview preview_answer(const PartContext& c, const std::string& text, const Value* ref, int digits) {
  const Part& p = *c.part;
  AnswerPreview out;
  out.expects = expectation(p, ref, digits);
  if (text.size() > kMaxAnswerLength) {
    out.message = "the answer is too long: the limit is " + std::to_string(kMaxAnswerLength) + " characters";
    return out;
  }
  const std::string a = trim(text);
  if (a.empty()) {
    out.kind = "empty";
    return out;
  }
  if (p.kind == AnswerKind::Choice) {
    // The same reading as the check: an option's authored number or its text.
    const Verdict v = check_choice(p, a, c.env);
    out.kind = "choice";
    if (v.kind == VerdictKind::Invalid) {
      out.message = v.feedback;
    } else {
      out.readable = true;
      out.value = v.answer_text;
    }
    return out;
  }
  if (p.kind == AnswerKind::Derivation) {
    // One formula per step: each line read on its own, typeset one row per step.
    out.kind = "derivation";
    const auto steps = derivation_lines(a);
    std::string rows, value;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      value += (i ? "; " : "") + steps[i];
      if (steps[i].empty()) continue;
      auto step = parse_expression(steps[i]);
      if (!step.ok()) {
        out.message = "step " + std::to_string(i + 1) + ": " + step.error().message;
        out.column = step.error().column;
        return out;
      }
      const std::string body = mathml_body(*step.value());
      if (!body.empty() && rows.size() + body.size() < kMaxMathmlBytes) rows += "<mtr><mtd>" + body + "</mtd></mtr>";
    }
    out.value = value;
    out.mathml = rows.empty() ? "" : mathml_element("<mtable>" + rows + "</mtable>");
    out.readable = true;
    return out;
  }
  auto parsed = parse_expression(a);
  if (!parsed.ok()) {
    out.message = parsed.error().message;
    out.column = parsed.error().column;
    return out;
  }
  const NodePtr& tree = parsed.value();
  out.mathml = to_mathml(*tree);
  Budget budget(kPreviewWork);
  EvalOptions opts;
  opts.forbidden = &p.forbidden;
  opts.budget = &budget;
  const Environment scope = learner_scope(*c.ex, c.params);
  if (p.kind == AnswerKind::Expression) {
    out.kind = "expression";
    out.value = to_string(*tree);
    for (const auto& n : free_names(*tree)) {
      bool known = scope.count(n) > 0;
      for (const auto& var : p.variables) known = known || var.name == n;
      if (!known) {
        out.message = "unknown name '" + n + "': this answer is " + out.expects;
        return out;
      }
    }
    // One evaluation in the middle of the variables' ranges catches what parsing cannot (a forbidden
    // function, a wrong number of arguments, a vector where a number belongs).
    Environment e = scope;
    for (const auto& var : p.variables) e[var.name] = Value(0.5 * (var.lo + var.hi));
    auto v = evaluate(*tree, e, opts);
    if (!v.ok() && v.error().code != ErrorCode::TooLarge && v.error().code != ErrorCode::Domain &&
        v.error().code != ErrorCode::DivisionByZero) {
      out.message = v.error().message;
      out.column = v.error().column;
      return out;
    }
    if (v.ok() && !v.value().is_number()) {
      out.message = "the formula must give a number, but gives " + describe(v.value());
      return out;
    }
    out.readable = true;
    return out;
  }
  auto v = evaluate(*tree, scope, opts);
  if (!v.ok()) {
    const Error& e = v.error();
    if (budget.exhausted()) {
      out.readable = true;  // well formed; only too much to evaluate on every keystroke
      out.note = "too much to evaluate while typing: Check will evaluate it";
      return out;
    }
    out.message = e.code == ErrorCode::UnknownName ? e.message + " (answers may use numbers and the exercise's parameters)" : e.message;
    out.column = e.column;
    return out;
  }
  const Value& x = v.value();
  out.kind = kind_of(x);
  out.value = format_value_short(x, 10);
  if (ref) {
    if (auto shape = stage_shape(x, *ref); shape && shape->kind == VerdictKind::Invalid) {
      out.message = shape->feedback;
      return out;
    }
  }
  out.readable = true;
  // Notes: too few digits typed; a probability answer that does not sum to 1.
  const auto prec = precisions_of(a, x);
  if (x.is_number() && prec.size() == 1 && prec[0].sigfigs < digits && x.number() != 0)
    out.note = std::to_string(prec[0].sigfigs) + " significant figure" + (prec[0].sigfigs == 1 ? "" : "s") +
               ": this part asks for at least " + std::to_string(digits);
  if (p.kind == AnswerKind::Probability && x.is_vector()) {
    const double sum = x.vector().sum();
    const double slack = distribution_slack(prec, static_cast<std::size_t>(x.vector().size()));
    if ((x.vector().array() < 0).any()) out.note = "an entry is negative: probabilities never are";
    else if (std::fabs(sum - 1) > slack) out.note = "the entries sum to " + format_number(sum, 6) + ", not 1";
  }
  return out;
}

}  // namespace detail
}  // namespace kl
