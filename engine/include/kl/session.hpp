// The session layer: what sits above checking. Author validation over variants (and, as the
// boundaries move into the engine, the loaded-notebook object, progress records and grading).
#pragma once

#include <vector>

#include "kl/notebook.hpp"
#include "kl/result.hpp"

namespace kl {

/// Every author error: parse errors, failing code cells, graph errors, and for variants 0..variants
/// of every exercise: parameters, constraints, references, mistakes (identical to the reference
/// is an error), hints and solutions that fail to evaluate.
std::vector<Error> validate(const ParseReport& report, int variants = 50);

}  // namespace kl
