// Author validation: every error of a notebook over its variants (parse errors, failing cells, graph
// errors, parameters, references, mistakes, texts). Sits above check: it runs the checker.
#include <algorithm>
#include <cmath>

#include "check/lint.hpp"
#include "kl/check.hpp"
#include "kl/session.hpp"
#include "notebook/variants_internal.hpp"

namespace kl {

namespace {

bool all_finite(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Number: return std::isfinite(v.number());
    case Value::Kind::Vector: return v.vector().allFinite();
    case Value::Kind::Matrix: return v.matrix().allFinite();
    default: return true;
  }
}

class Validator {
 public:
  Validator(const ParseReport& report, int variants) : report_(report), nb_(report.notebook), variants_(variants) {}

  std::vector<Error> run() {
    for (const auto& e : report_.errors) add(e);
    Runtime rt(nb_);
    for (const auto& e : rt.graph_errors()) add(e);
    if (!rt.graph_errors().empty()) return out_;
    for (const auto& r : rt.run_all()) {
      const Cell* c = nb_.cell(r.cell);
      if (r.status == CellResult::Status::Error && c) {
        Error e = r.error;
        const int line = c->type == Cell::Type::Code ? c->line + std::max(1, e.line) : c->line;
        add(detail::at_line(nb_, e, line, c->type == Cell::Type::Plot ? "plot" : ""));
      }
    }
    auto checker = Checker::create(nb_);
    if (!checker.ok()) return out_;
    for (const auto& ex : nb_.exercises) exercise(checker.value(), ex);
    for (auto& e : detail::feedback_errors(nb_, checker.value(), variants_)) add(std::move(e));
    return out_;
  }

 private:
  // "variant 7: message" -> "message".
  static std::string without_variant(const std::string& m) {
    if (m.rfind("variant ", 0) != 0) return m;
    const std::size_t colon = m.find(": ");
    return colon == std::string::npos ? m : m.substr(colon + 2);
  }

  void add(Error e) {
    e.file = nb_.file;
    const std::string base = without_variant(e.message);
    for (const auto& o : out_) {
      if (o.line != e.line) continue;
      // The same problem in another variant, or a variant problem already reported on this line.
      if (without_variant(o.message) == base) return;
      if (e.message.rfind("variant ", 0) == 0 && o.message.rfind("variant ", 0) == 0) return;
    }
    out_.push_back(std::move(e));
  }

  void at(int line, const std::string& message, std::uint64_t seed) {
    Error e = make_error(ErrorCode::Notebook, seed == 0 ? message : "variant " + std::to_string(seed) + ": " + message);
    e.line = line;
    add(e);
  }

  void text(const TextTemplate& t, const Environment& env, const std::string& what, std::uint64_t seed) {
    auto v = slot_values(t, env);
    if (!v.ok()) at(t.line, what + ": " + v.error().message, seed);
  }

  void exercise(const Checker& checker, const Exercise& ex) {
    for (std::uint64_t seed = 0; seed <= static_cast<std::uint64_t>(variants_); ++seed) {
      auto params = detail::params_scope(nb_, checker.base(), ex, seed);
      if (!params.ok()) {
        Error e = params.error();
        if (seed > 0 && e.message.rfind("variant", 0) != 0) e.message = "variant " + std::to_string(seed) + ": " + e.message;
        add(e);
        return;
      }
      Environment env = params.value();
      text(ex.intro, env, "intro", seed);
      for (std::size_t i = 0; i < ex.parts.size(); ++i) {
        const Part& p = ex.parts[i];
        if (!part(checker, p, env, seed)) return;
        if (!p.name.empty() && p.answer) {
          auto v = evaluate(*p.answer, env);
          if (v.ok()) env[p.name] = v.value();
        }
      }
    }
  }

  // Returns false when later parts cannot be checked (the reference failed).
  bool part(const Checker& checker, const Part& p, const Environment& env, std::uint64_t seed) {
    if (seed == 0 && p.solution.empty()) at(p.line, "the part '" + p.id + "' has no solution:", seed);
    // Texts may name the part's own answer ({{pT}} in ex8a's solution), as the checker's view does.
    Environment texts_env = env;
    Result<Value> ref = make_error(ErrorCode::Type, "a choice part has no reference value");
    if (p.kind != AnswerKind::Choice && p.answer) {
      ref = evaluate(*p.answer, env);
      if (ref.ok() && !p.name.empty() && p.kind != AnswerKind::Expression) texts_env[p.name] = ref.value();
    }
    text(p.prompt, texts_env, "prompt", seed);
    for (const auto& h : p.hints) text(h, texts_env, "hint", seed);
    text(p.solution, texts_env, "solution", seed);
    for (const auto& c : p.choices) text(c.feedback, texts_env, "choice feedback", seed);
    if (p.kind == AnswerKind::Choice) return true;
    if (!p.answer) return false;
    if (p.kind == AnswerKind::Expression) {
      // The reference must be defined at the sample points and accepted by its own check.
      auto v = checker.check(p.id, to_string(*p.answer), seed);
      if (v.kind != VerdictKind::Correct) at(p.line, "the reference expression of " + p.id + " is not accepted by its own check: " + v.feedback, seed);
      for (const auto& m : p.mistakes) {
        text(m.feedback, texts_env, "mistake feedback", seed);
        if (seed == 0 && checker.check(p.id, to_string(*m.expr), seed).kind == VerdictKind::Correct)
          at(m.line, "the mistake '" + m.source + "' is equivalent to the reference answer, so it could never be recognised", seed);
      }
      return true;
    }
    if (!ref.ok()) {
      at(p.line, "the answer of " + p.id + " fails: " + ref.error().message, seed);
      return false;
    }
    const Value& r = ref.value();
    if (p.kind != AnswerKind::Expression && !all_finite(r)) {
      at(p.line, "the answer of " + p.id + " is not finite (" + format_value_short(r, 6) + ")", seed);
      return false;
    }
    std::string wanted;
    switch (p.kind) {
      case AnswerKind::Number: if (!p.kind_given && !r.is_number()) wanted = ""; else if (!r.is_number()) wanted = "a number"; break;
      case AnswerKind::Vector: if (!r.is_vector()) wanted = "a vector"; break;
      case AnswerKind::Probability:
        if (!r.is_vector()) wanted = "a probability vector";
        else if (!check_distribution(r.vector(), "the answer").ok()) wanted = "a probability vector (non-negative, summing to 1)";
        break;
      case AnswerKind::Matrix: if (!r.is_matrix()) wanted = "a matrix"; break;
      default: break;
    }
    if (!wanted.empty()) at(p.line, "the part is of kind " + std::string(answer_kind_name(p.kind)) + " but its answer is " + describe(r) + ", not " + wanted, seed);
    for (std::size_t k = 0; k < p.mistakes.size(); ++k) {
      const AuthorMistake& m = p.mistakes[k];
      text(m.feedback, texts_env, "mistake feedback", seed);
      auto mv = evaluate(*m.expr, env);
      if (!mv.ok()) {
        if (seed == 0) at(m.line, "the mistake '" + m.source + "' fails to evaluate: " + mv.error().message, seed);
        continue;
      }
      if (seed == 0 && same_value(mv.value(), r))
        at(m.line, "the mistake '" + m.source + "' gives exactly the reference answer, so it could never be recognised", seed);
    }
    if (p.tolerance.mode == Tolerance::Mode::StdErr && p.tolerance.stderr_expr) {
      auto se = evaluate(*p.tolerance.stderr_expr, env);
      if (!se.ok() || !se.value().is_number() || !(se.value().number() > 0))
        at(p.line, "tolerance: the standard error must evaluate to a positive number", seed);
    }
    return true;
  }

  const ParseReport& report_;
  const Notebook& nb_;
  int variants_;
  std::vector<Error> out_;
};

}  // namespace

std::vector<Error> validation_warnings(const ParseReport& report, int variants) {
  if (!report.errors.empty()) return {};
  auto checker = Checker::create(report.notebook);
  if (!checker.ok()) return {};
  auto warnings = detail::feedback_warnings(report.notebook, checker.value(), variants);
  std::stable_sort(warnings.begin(), warnings.end(), [](const Error& a, const Error& b) { return a.line < b.line; });
  return warnings;
}

std::vector<Error> validate(const ParseReport& report, int variants) {
  auto errors = Validator(report, variants).run();
  std::stable_sort(errors.begin(), errors.end(), [](const Error& a, const Error& b) { return a.line < b.line; });
  return errors;
}

}  // namespace kl
