// Private: the checker's part of author validation (kl::validate and kl::validation_warnings call
// these): feedback conditions checked over the variants, and answers given away by choices.
#pragma once

#include <vector>

#include "kl/check.hpp"

namespace kl {
namespace detail {

/// Errors: every {{assert COND}} of an exercise's texts must hold in variants 0..variants.
std::vector<Error> feedback_errors(const Notebook& nb, const Checker& checker, int variants);

/// Warnings: a choice part whose right option is the longest by a wide margin; an option that states
/// the reference value of a numeric part of the same exercise; an author mistake that the part's
/// tolerance cannot tell from the reference in some variant (its feedback could never be shown).
std::vector<Error> feedback_warnings(const Notebook& nb, const Checker& checker, int variants);

/// "The right option is the longest by a wide margin": at least this many times as long as the
/// longest wrong option, and at least kLongestMargin characters longer.
constexpr double kLongestRatio = 1.5;
constexpr std::size_t kLongestMargin = 20;

}  // namespace detail
}  // namespace kl
