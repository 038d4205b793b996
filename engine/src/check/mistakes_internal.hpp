// Private: the ML-mistake library as rewrites of a part's reference expression.
#pragma once

#include <string>
#include <vector>

#include "kl/expr.hpp"

namespace kl {
namespace detail {

/// One mistake of the library: what it is called and what to tell the learner.
struct MistakeSpec {
  const char* id;        ///< stable id, e.g. "kl_direction" (a contract: tests and authors use it)
  const char* name;      ///< short human name
  const char* feedback;  ///< what the learner probably did and how to fix it
};

/// The library's table, and one row by id (nullptr when unknown).
const std::vector<MistakeSpec>& mistake_table();
const MistakeSpec* find_mistake(const std::string& id);

/// One wrong variant of a reference expression.
struct Rewrite {
  const MistakeSpec* spec;
  NodePtr expr;
};

/// Every library rewrite of `reference` that applies, in priority order (most specific first).
/// `scope` tells which names exist (for α/ᾱ name swaps).
std::vector<Rewrite> library_rewrites(const NodePtr& reference, const Environment& scope);

/// True when the expression's outermost operation is a divergence (its value cannot be negative).
bool is_divergence(const Node& reference);

}  // namespace detail
}  // namespace kl
