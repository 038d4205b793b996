// Private: the checker's part of author validation (kl::validation_warnings calls it): what a part's
// options and tolerance let slip. Feedback conditions over the variants are `claim:` lines and answers
// shown on the page are validation's give-away check (session/validate.cpp).
#pragma once

#include <vector>

#include "kl/check.hpp"

namespace kl {
namespace detail {

/// Warnings: a choice part whose right option is the longest by a wide margin; an author mistake that
/// the part's tolerance cannot tell from the reference in some variant (a learner who makes it is
/// told "correct", and its feedback is never shown).
std::vector<Error> checker_warnings(const Notebook& nb, const Checker& checker, int variants);

/// "The right option is the longest by a wide margin": at least this many times as long as the
/// longest wrong option, and at least kLongestMargin characters longer.
constexpr double kLongestRatio = 1.5;
constexpr std::size_t kLongestMargin = 20;

}  // namespace detail
}  // namespace kl
