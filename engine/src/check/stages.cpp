// The stages of a numeric check (number, vector, probability and matrix answers), in the order the
// checker runs them: the answer's kind and shape, correct, error-carried-forward, the author's
// mistakes, the library's mistakes, too few digits, sanity (not a distribution, a negative divergence),
// and finally close or incorrect. Each stage either decides the verdict or passes.
#include <cmath>

#include "check/internal.hpp"
#include "check/mistakes_internal.hpp"
#include "notebook/variants_internal.hpp"

namespace kl {
namespace detail {

namespace {

// A verdict about the learner's value x.
Verdict about(const NumericCheck& k, VerdictKind kind) {
  Verdict v = make_verdict(kind);
  v.answer_text = format_value_short(k.x, 10);
  return v;
}

bool accepted(const NumericCheck& k, const Value& target) { return matches(k.cmp, k.x, target, k.prec); }

// Fully matched: with every digit the learner typed ("0.05" is too coarse to tell 0.047 from 0.052).
bool fully(const NumericCheck& k, const Value& target) {
  return compare_values(k.cmp, k.x, target, k.prec).overall == Match::Within;
}

double distance(const Value& a, const Value& b) {
  const auto xs = numbers(a), ys = numbers(b);
  double d = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) d = std::max(d, std::fabs(xs[i] - ys[i]));
  return d;
}

}  // namespace

std::optional<Verdict> stage_shape(const Value& x, const Value& ref) {
  if (ref.is_number() && !x.is_number()) return invalid("this part asks for a single number; you gave " + describe(x));
  if (ref.is_vector()) {
    if (!x.is_vector())
      return invalid("this part asks for a vector of " + std::to_string(ref.vector().size()) + " entries, like [a, b, ...]; you gave " +
                     describe(x));
    if (x.vector().size() != ref.vector().size())
      return invalid("this part asks for " + std::to_string(ref.vector().size()) + " entries; your vector has " +
                     std::to_string(x.vector().size()));
  }
  if (ref.is_matrix() && !same_shape(x, ref)) return invalid("this part asks for " + describe(ref) + "; you gave " + describe(x));
  if (!ref.is_number() && !ref.is_vector() && !ref.is_matrix()) {
    const bool right = same_value(x, ref);
    return make_verdict(right ? VerdictKind::Correct : VerdictKind::Incorrect, right ? "Correct." : "Not correct.");
  }
  return std::nullopt;
}

std::optional<Verdict> stage_correct(const NumericCheck& k) {
  bool alt = false;
  for (const auto& a : k.c.part->accept) {
    auto av = evaluate(*a, k.c.env);
    if (av.ok() && same_shape(av.value(), k.x) && accepted(k, av.value())) alt = true;
  }
  if (k.m.overall != Match::Within && !alt) return std::nullopt;
  Verdict v = about(k, VerdictKind::Correct);
  v.feedback = "Correct. The exact value is " + format_value_short(k.ref, 7) + ".";
  return v;
}

std::optional<Verdict> stage_error_carried_forward(const NumericCheck& k) {
  const PartContext& c = k.c;
  std::map<std::string, Value> overrides;
  std::vector<std::string> used;
  const auto names = free_names(*c.part->answer);
  for (std::size_t i = 0; i < c.index; ++i) {
    const Part& q = c.ex->parts[i];
    if (q.name.empty() || !names.count(q.name)) continue;
    auto it = k.earlier.find(q.id);
    if (it == k.earlier.end() || it->second.size() > kMaxAnswerLength) continue;
    auto qp = parse_expression(it->second);
    if (!qp.ok()) continue;
    auto qv = evaluate(*qp.value(), learner_scope(*c.ex, c.params));
    auto qref = c.env.find(q.name);
    if (!qv.ok() || qref == c.env.end() || !same_shape(qv.value(), qref->second)) continue;
    const Comparator qcmp(q.tolerance, stderr_of(q, c.env));
    if (compare_values(qcmp, qv.value(), qref->second, precisions_of(it->second, qv.value())).overall == Match::Within)
      continue;  // that answer was right
    overrides[q.name] = qv.value();
    used.push_back(q.id);
  }
  if (overrides.empty()) return std::nullopt;
  auto env2 = bind_parts(*c.ex, c.params, overrides, c.index);
  if (!env2.ok()) return std::nullopt;
  auto ecf = evaluate(*c.part->answer, env2.value());
  if (!ecf.ok() || !same_shape(ecf.value(), k.x) || !accepted(k, ecf.value())) return std::nullopt;
  Verdict v = about(k, VerdictKind::CorrectGivenEarlier);
  std::string parts;
  for (std::size_t i = 0; i < used.size(); ++i) parts += (i ? (i + 1 == used.size() ? " and " : ", ") : "") + used[i];
  v.feedback = "Correct given your earlier answer to " + parts +
               ": your method here is right, and the difference comes from that earlier value. Fix " + parts + " and this follows.";
  return v;
}

std::optional<Verdict> stage_author_mistakes(const NumericCheck& k) {
  const Part& p = *k.c.part;
  int best = -1;
  double best_d = 0;
  for (std::size_t i = 0; i < p.mistakes.size(); ++i) {
    auto mv = evaluate(*p.mistakes[i].expr, k.c.env);
    if (!mv.ok() || !same_shape(mv.value(), k.x) || !fully(k, mv.value())) continue;
    if (matches(Comparator::exact(), mv.value(), k.ref, {})) continue;
    const double d = distance(k.x, mv.value());
    if (best < 0 || d < best_d) {
      best = static_cast<int>(i);
      best_d = d;
    }
  }
  if (best < 0) return std::nullopt;
  Verdict v = about(k, VerdictKind::Incorrect);
  v.mistake = "author:" + std::to_string(best + 1);
  give_feedback(v, p.mistakes[static_cast<std::size_t>(best)].feedback, k.c.env);
  return v;
}

std::optional<Verdict> stage_library_mistakes(const NumericCheck& k) {
  const AppliedMistake* best = nullptr;
  double best_d = 0;
  for (const auto& am : k.library()) {
    if (!fully(k, am.value)) continue;
    const double d = distance(k.x, am.value);
    if (!best || d < best_d) {
      best = &am;
      best_d = d;
    }
  }
  if (!best) return std::nullopt;
  Verdict v = about(k, VerdictKind::Incorrect);
  v.mistake = best->id;
  v.mistake_name = best->name;
  const MistakeSpec* spec = find_mistake(best->id);
  v.feedback = spec ? spec->feedback : "";
  return v;
}

std::optional<Verdict> stage_too_few_digits(const NumericCheck& k) {
  if (k.m.overall != Match::TooFewDigits) return std::nullopt;
  Verdict v = about(k, VerdictKind::Close);
  v.mistake = "too_few_digits";
  v.mistake_name = "too few significant figures";
  v.feedback = "Right idea, but give at least " + std::to_string(k.cmp.min_sigfigs()) + " significant figures: " + trim(k.answer) +
               " is too coarse to check.";
  return v;
}

std::optional<Verdict> stage_sanity(const NumericCheck& k) {
  const Part& p = *k.c.part;
  if (p.kind == AnswerKind::Probability && k.x.is_vector()) {
    const Vec& xv = k.x.vector();
    double slack = 1e-9;
    for (const auto& pr : k.prec) slack += pr.half_unit;
    const bool negative = (xv.array() < 0).any();
    if (negative || std::fabs(xv.sum() - 1) > std::max(slack, kProbTolerance)) {
      Verdict v = about(k, VerdictKind::Incorrect);
      v.mistake = "not_distribution";
      v.mistake_name = "not a probability distribution";
      v.feedback = negative ? std::string("Not a probability distribution: an entry is negative. Probabilities are never below 0 (if these are logits, apply a softmax).")
                            : "Not a probability distribution: the entries sum to " + format_number(xv.sum(), 6) + ", not 1.";
      v.wrong_components = k.m.off;
      return v;
    }
  }
  if (k.x.is_number() && k.x.number() < 0 && is_divergence(*inline_parts(p.answer, k.c.earlier_defs()))) {
    Verdict v = about(k, VerdictKind::Incorrect);
    v.mistake = "negative_divergence";
    v.mistake_name = "a divergence below zero";
    v.feedback = "A divergence is never negative (Gibbs' inequality: KL(p ‖ q) ≥ 0, with 0 only when p = q). Check the signs of your log terms, "
                 "and which distribution each log is of.";
    return v;
  }
  return std::nullopt;
}

Verdict stage_close_or_incorrect(const NumericCheck& k) {
  const Value& x = k.x;
  if (k.m.overall == Match::Close) {
    Verdict v = about(k, VerdictKind::Close);
    if (!x.is_number()) v.wrong_components = k.m.off;
    v.mistake = "rounding";
    v.mistake_name = "rounding too early";
    if (x.is_number()) {
      // Which significant digit first differs.
      const double a = std::fabs(k.ref.number());
      const double d = std::fabs(x.number() - k.ref.number());
      const int digit = a > 0 && d > 0 ? std::max(1, static_cast<int>(std::floor(std::log10(a)) - std::floor(std::log10(d))) + 1) : 1;
      v.feedback = "Close, but not within the tolerance: your answer differs from the exact value in the " + ordinal(digit) +
                   " significant digit. Rounding intermediate results too early does this: keep full precision until the end.";
    } else {
      v.feedback = std::string(k.m.off.size() == 1 ? "Close, but entry " : "Close, but entries ") + components_text(k.m.off) +
                   (k.m.off.size() == 1 ? " is" : " are") + " not within the tolerance. Rounding intermediate results too early does this.";
    }
    return v;
  }
  Verdict v = about(k, VerdictKind::Incorrect);
  if (!x.is_number()) v.wrong_components = k.m.off;
  if (x.is_vector() || x.is_matrix()) {
    v.feedback = k.m.off.size() == numbers(x).size() ? "Not correct: none of the entries match."
                 : k.m.off.size() == 1               ? "Not correct: entry " + components_text(k.m.off) + " is off (the others are right)."
                                                     : "Not correct: entries " + components_text(k.m.off) + " are off (the others are right).";
  } else {
    v.feedback = "Not correct.";
  }
  if (!k.c.part->hints.empty()) v.feedback += " A hint is available.";
  return v;
}

}  // namespace detail
}  // namespace kl
