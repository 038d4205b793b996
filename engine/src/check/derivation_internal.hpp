// Private: derivation parts. A learner writes a chain of steps (one per line, or separated by ';'),
// each compared with the author's step as a formula in the part's variables, with the step's own
// mistakes, the mistake library, and error-carried-forward from the learner's earlier steps.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check/internal.hpp"
#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/value.hpp"

namespace kl {
namespace detail {

/// The sample points of a derivation's checks: the variables drawn from their ranges
/// (deterministically), kept where every step of the author's chain is finite.
struct Points {
  std::vector<Environment> author;   ///< env + variables
  std::vector<Environment> learner;  ///< the exercise's parameters + variables
  std::vector<std::string> where;    ///< "x = 0.3, v = 1.2" for messages
};

/// The author's side of a derivation part in one variant, the same for every check: the steps as plain
/// formulas, the sample points, and each step's values there. The Checker keeps it per (part, seed).
struct DerivationBasis {
  std::vector<NodePtr> refs;
  Points pts;
  std::vector<std::vector<Value>> ref_values;
  /// Per step: for a step whose value does not depend on the variables (and that allows no constant),
  /// the comparator a typed number is judged with; none for the others.
  std::vector<std::optional<Comparator>> comparators;
};

/// `params`: the variant's scope (the exercise's parameters are what a learner may name); `env`:
/// params plus earlier parts' named answers (what the author's steps see). An error says why the
/// part's reference cannot be computed in this variant.
Result<DerivationBasis> derivation_basis(const Exercise& ex, const Part& p, const Environment& params, const Environment& env);

/// Checks a derivation answer against its basis (an error there makes every answer invalid, with
/// that message).
Verdict check_derivation(const Exercise& ex, const Part& p, const Environment& env, const Result<DerivationBasis>& basis,
                         const std::string& answer);

/// The author's steps as one answer a learner could type: each step with the earlier steps and
/// at() expanded, separated by "; ".
Result<std::string> derivation_reference_text(const Part& p);

/// Every step's anticipated mistakes as AppliedMistake (ids "stepK:author:N", the expression with
/// the earlier steps and at() expanded, so a learner could type it; no value).
Result<std::vector<AppliedMistake>> derivation_mistakes(const Part& p);

/// A derivation answer's steps: its lines, or its ';'-separated pieces (blank trailing steps dropped).
std::vector<std::string> derivation_lines(const std::string& answer);

/// Author problems of a derivation in one variant, as (line, message): steps that cannot be
/// evaluated at enough sample points, a from: rule that does not reproduce its step, a constant:
/// on a step that does not vary, and (when `mistakes`) a mistake that fails or equals its step.
std::vector<std::pair<int, std::string>> derivation_problems(const Part& p, const Environment& env, bool mistakes);

/// Renders the steps' prompts and hints into `view` and/or their slot values (prompts, hints,
/// mistakes) into `slots` (either may be null).
Result<bool> derivation_texts(const Part& p, const Environment& env, PartView* view, PartSlots* slots);

}  // namespace detail
}  // namespace kl
