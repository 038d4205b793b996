// Private: the ML-mistake library as rewrites of a part's reference expression.
#pragma once

#include <string>
#include <vector>

#include "kl/expr.hpp"

namespace kl {
namespace detail {

/// One wrong variant of a reference expression, and what to say about it.
struct Rewrite {
  std::string id;        ///< stable id, e.g. "kl_direction"
  std::string name;      ///< short human name
  std::string feedback;  ///< what the learner probably did and how to fix it
  NodePtr expr;
};

/// Every library rewrite of `reference` that applies, in priority order (most specific first).
/// `scope` tells which names exist (for α/ᾱ name swaps).
std::vector<Rewrite> library_rewrites(const NodePtr& reference, const Environment& scope);

/// True when the expression's outermost operation is a divergence (its value cannot be negative).
bool is_divergence(const Node& reference);

}  // namespace detail
}  // namespace kl
