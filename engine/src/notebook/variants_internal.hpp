// Private: building an exercise's scope step by step (parameters, then named part answers, with
// the learner's own earlier values substituted for error-carried-forward).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kl/notebook.hpp"

namespace kl {
namespace detail {

/// The parameters of a variant on top of `base` (variant 0: the textbook values).
Result<Environment> params_scope(const Notebook& nb, const Environment& base, const Exercise& ex, std::uint64_t seed);

/// Adds the named part answers of parts [0, stop) to env, in order; a name in `overrides` takes the
/// given value instead of its reference (the learner's own earlier answer).
/// `bound`, when given, receives (part index, value) of each named part bound, in order.
Result<Environment> bind_parts(const Exercise& ex, Environment env, const std::map<std::string, Value>& overrides, std::size_t stop,
                               std::vector<std::pair<std::size_t, Value>>* bound = nullptr);

/// An error placed on a notebook line.
Error at_line(const Notebook& nb, Error e, int line, const std::string& prefix = "");

}  // namespace detail
}  // namespace kl
