// The stages of a numeric check (number, vector, probability and matrix answers), in the order the
// checker runs them: the answer's kind and shape, correct, error-carried-forward; then, the verdict's
// kind being settled by the distance alone (close or incorrect), what to say: the author's mistakes,
// the library's mistakes, not a distribution, a negative divergence, too few digits, and finally
// close or incorrect. Each stage either decides the verdict or passes.
#include <algorithm>
#include <cmath>

#include "check/internal.hpp"
#include "check/mistakes_internal.hpp"
#include "notebook/variants_internal.hpp"

namespace kl {
namespace detail {

namespace {

// A verdict about the learner's value x, of the kind the distance gave.
Verdict about(const NumericCheck& k, VerdictKind kind) {
  Verdict v = make_verdict(kind);
  v.answer_text = format_value_short(k.x, 10);
  return v;
}

bool accepted(const NumericCheck& k, const Value& target) { return same_shape(target, k.x) && matches(k.cmp, k.x, target); }

// For a StdErr part: how many standard errors x is from the reference.
double standard_errors(const NumericCheck& k) { return distance(k.x, k.ref) / k.cmp.standard_error(); }

// The most significant figures any entry of the reference needs.
int digits_needed(const NumericCheck& k) {
  int n = 1;
  for (double r : numbers(k.ref)) n = std::max(n, k.cmp.digits_needed(r));
  return n;
}

bool is_stderr(const NumericCheck& k) { return k.cmp.tolerance().mode == Tolerance::Mode::StdErr && k.cmp.standard_error() > 0; }

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
    if (av.ok() && accepted(k, av.value())) alt = true;
  }
  if (k.m.overall != Match::Within && !alt) return std::nullopt;
  Verdict v = about(k, VerdictKind::Correct);
  v.feedback = "Correct. The exact value is " + format_value_short(k.ref, 7) + ".";
  if (is_stderr(k) && k.m.overall == Match::Within)
    v.feedback = "Correct: your estimate is " + format_number(standard_errors(k), 2) + " standard errors from the exact value, " +
                 format_value_short(k.ref, 7) + " (within " + format_number(k.cmp.tolerance().value, 3) + " are accepted).";
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
    if (matches(qcmp, qv.value(), qref->second)) continue;  // that answer was right
    overrides[q.name] = qv.value();
    used.push_back(q.id);
  }
  if (overrides.empty()) return std::nullopt;
  auto env2 = bind_parts(*c.ex, c.params, overrides, c.index);
  if (!env2.ok()) return std::nullopt;
  auto ecf = evaluate(*c.part->answer, env2.value());
  if (!ecf.ok() || !accepted(k, ecf.value())) return std::nullopt;
  Verdict v = about(k, VerdictKind::CorrectGivenEarlier);
  std::string parts;
  for (std::size_t i = 0; i < used.size(); ++i) parts += (i ? (i + 1 == used.size() ? " and " : ", ") : "") + used[i];
  v.feedback = "Correct given your earlier answer to " + parts +
               ": your method here is right, and the difference comes from that earlier value. Fix " + parts + " and this follows.";
  return v;
}

// The candidate (an author's mistake or a library one) whose value the tolerance accepts and that lies
// closest to the answer; null when none is accepted. One rule for both kinds of mistake.
template <typename Candidate>
const Candidate* closest_accepted(const NumericCheck& k, const std::vector<Candidate>& candidates) {
  const Candidate* best = nullptr;
  double best_d = 0;
  for (const auto& cand : candidates) {
    if (!accepted(k, cand.value)) continue;
    const double d = distance(k.x, cand.value);
    if (!best || d < best_d) {
      best = &cand;
      best_d = d;
    }
  }
  return best;
}

std::optional<Verdict> stage_author_mistakes(const NumericCheck& k) {
  const AuthorValue* best = closest_accepted(k, *k.authored);
  if (!best) return std::nullopt;
  Verdict v = about(k, k.kind);
  v.mistake = "author:" + std::to_string(best->index + 1);
  give_feedback(v, k.c.part->mistakes[best->index].feedback, k.c.env);
  return v;
}

std::optional<Verdict> stage_library_mistakes(const NumericCheck& k) {
  const AppliedMistake* best = closest_accepted(k, *k.library);
  if (!best) return std::nullopt;
  Verdict v = about(k, k.kind);
  v.mistake = best->id;
  v.mistake_name = best->name;
  v.feedback = best->feedback;
  return v;
}

// A probability answer that is not right and is not a distribution: an entry below zero, or a sum
// off 1 by more than the rounding of its entries as typed can explain (half a unit in the last digit
// of each; 1e-6 for computed entries, the language's own tolerance).
std::optional<Verdict> stage_not_distribution(const NumericCheck& k) {
  if (k.c.part->kind != AnswerKind::Probability || !k.x.is_vector()) return std::nullopt;
  const Vec& xv = k.x.vector();
  const double slack = distribution_slack(k.prec, static_cast<std::size_t>(xv.size()));
  const bool negative = (xv.array() < 0).any();
  if (!negative && std::fabs(xv.sum() - 1) <= slack) return std::nullopt;
  Verdict v = about(k, k.kind);
  v.mistake = "not_distribution";
  v.mistake_name = "not a probability distribution";
  v.feedback = negative ? std::string(
                              "Not a probability distribution: an entry is negative. Probabilities are never below 0 (if these are logits, "
                              "apply a softmax).")
                        : "Not a probability distribution: the entries sum to " + format_number(xv.sum(), 6) +
                              ", not 1 (more than rounding the entries explains).";
  v.wrong_components = k.m.off;
  return v;
}

std::optional<Verdict> stage_negative_divergence(const NumericCheck& k) {
  const Part& p = *k.c.part;
  if (!k.x.is_number() || !(k.x.number() < 0) || !is_divergence(*inline_parts(p.answer, k.c.earlier_defs()))) return std::nullopt;
  Verdict v = about(k, k.kind);
  v.mistake = "negative_divergence";
  v.mistake_name = "a divergence below zero";
  v.feedback =
      "A divergence is never negative (Gibbs' inequality: KL(p ‖ q) ≥ 0, with 0 only when p = q). Check the signs of your log terms, "
      "and which distribution each log is of.";
  return v;
}

// Typed with fewer digits than the tolerance needs, and right to the digits given: the answer is too
// coarse to check (its kind still comes from the distance).
std::optional<Verdict> stage_too_few_digits(const NumericCheck& k) {
  const std::vector<double> xs = numbers(k.x), rs = numbers(k.ref);
  if (k.prec.size() != xs.size() || k.m.off.empty()) return std::nullopt;
  for (int i : k.m.off) {
    const auto e = static_cast<std::size_t>(i - 1);
    const Precision& p = k.prec[e];
    const double d = std::fabs(xs[e] - rs[e]);
    if (!(p.half_unit > k.m.bands.correct[e]) || !(d <= p.half_unit * (1 + 1e-9))) return std::nullopt;
  }
  Verdict v = about(k, k.kind);
  v.mistake = "too_few_digits";
  v.mistake_name = "too few significant figures";
  const std::string n = std::to_string(digits_needed(k));
  if (k.x.is_number()) {
    v.feedback = "Right as far as it goes, but give at least " + n + " significant figures: " + trim(k.answer) +
                 " is too coarse to check. " + tolerance_text(k.cmp, k.ref);
  } else {
    v.wrong_components = k.m.off;
    v.feedback = "Right as far as it goes, but give " + std::string(k.m.off.size() == 1 ? "entry " : "entries ") +
                 components_text(k.m.off) + " to at least " + n + " significant figures. " + tolerance_text(k.cmp, k.ref);
  }
  return v;
}

Verdict stage_close_or_incorrect(const NumericCheck& k) {
  const Value& x = k.x;
  Verdict v = about(k, k.kind);
  if (!x.is_number()) v.wrong_components = k.m.off;
  if (is_stderr(k)) {
    // A Monte Carlo answer: say how far in standard errors, and how rare that is for an honest estimate.
    const double z = standard_errors(k);
    const std::string se = "one standard error here is " + format_number(k.cmp.standard_error(), 3) + ", and estimates within " +
                           format_number(k.cmp.tolerance().value, 3) + " of them are accepted";
    if (k.kind == VerdictKind::Close) {
      v.mistake = "outside_standard_errors";
      v.mistake_name = "outside the standard errors";
      v.feedback = "Close, but " + format_number(z, 2) + " standard errors from the exact value (" + se +
                   "). By the normal approximation, the chance that an honest estimate lands this far out is " +
                   probability_text(normal_two_sided_tail(z)) + ", so check each step of yours.";
    } else {
      v.feedback = "Not correct: " + format_number(z, 2) + " standard errors from the exact value (" + se +
                   "). An honest estimate practically never lands that far out.";
      if (!k.c.part->hints.empty()) v.feedback += " A hint is available.";
    }
    return v;
  }
  if (k.kind == VerdictKind::Close) {
    v.mistake = "rounding";
    v.mistake_name = "outside the tolerance";
    std::string said;
    if (x.is_number()) {
      // Compared digit by digit with the exact value at the last place the learner wrote (six
      // significant figures for an expression, whose value is then quoted).
      const bool typed = k.prec.size() == 1 && k.prec[0].typed;
      const int place = typed ? k.prec[0].place : decimal_exponent(std::max(std::fabs(x.number()), 1e-300)) - 5;
      const int digit = first_differing_digit(x.number(), k.ref.number(), place);
      const std::string yours = typed ? "your answer" : "your answer's value, " + format_number(x.number(), 6) + ",";
      said = digit > 0 ? "Close, but outside the tolerance: compared with the exact value rounded to the same decimal places, " + yours +
                             " first differs in the " + ordinal(digit) + " significant digit. "
                       : "Close, but outside the tolerance. ";
      said += tolerance_text(k.cmp, k.ref);
    } else {
      said = std::string(k.m.off.size() == 1 ? "Close, but entry " : "Close, but entries ") + components_text(k.m.off) +
             (k.m.off.size() == 1 ? " is" : " are") + " outside the tolerance. " + tolerance_text(k.cmp, k.ref);
    }
    v.feedback = said + " If you rounded intermediate results, keep full precision until the end.";
    return v;
  }
  if (x.is_vector() || x.is_matrix()) {
    v.feedback = k.m.off.size() == numbers(x).size() ? "Not correct: none of the entries match."
                 : k.m.off.size() == 1               ? "Not correct: entry " + components_text(k.m.off) + " is off (the others are right)."
                                       : "Not correct: entries " + components_text(k.m.off) + " are off (the others are right).";
  } else {
    v.feedback = "Not correct.";
    if (k.prec.size() == 1 && k.prec[0].typed && k.prec[0].sigfigs < digits_needed(k))
      v.feedback += " (Give at least " + std::to_string(digits_needed(k)) + " significant figures.)";
  }
  if (!k.c.part->hints.empty()) v.feedback += " A hint is available.";
  return v;
}

}  // namespace detail
}  // namespace kl
