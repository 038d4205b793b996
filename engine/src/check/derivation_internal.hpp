// Private: derivation parts. A learner writes a chain of steps (one per line, or separated by ';'),
// each compared with the author's step as a formula in the part's variables, with the step's own
// mistakes, the mistake library, and error-carried-forward from the learner's earlier steps.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kl/check.hpp"

namespace kl {
namespace detail {

/// Checks a derivation answer. `params`: the variant's scope (the exercise's parameters are what a
/// learner may name); `env`: params plus earlier parts' named answers (what the author's steps see).
Verdict check_derivation(const Exercise& ex, const Part& p, const Environment& params, const Environment& env,
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
