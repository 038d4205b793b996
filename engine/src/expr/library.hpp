// Private: the table of library functions the evaluator dispatches to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kl/expr.hpp"

namespace kl {
namespace detail {

/// What a library function sees of its call.
struct CallContext {
  const std::string& name;
  const EvalOptions& options;
  Budget& budget;  ///< the unit of work's budget
};

using LibraryFn = Result<Value> (*)(const std::vector<Value>& args, CallContext& ctx);

struct FunctionSpec {
  const char* name;
  int min_args;
  int max_args;
  const char* signature;  ///< usage line, e.g. "kl(p, q)"
  LibraryFn fn;
  /// True when an infinite result from finite arguments is legitimate (ln(0), KL with a support
  /// mismatch); otherwise it is reported as an overflow.
  bool may_be_infinite;
};

/// The function called `name`, or nullptr.
const FunctionSpec* find_function(const std::string& name);
/// Every library function.
const std::vector<FunctionSpec>& all_functions();

/// Adds `n` element operations to the budget; TooLarge once the cap is passed.
inline Result<bool> charge(Budget& budget, std::int64_t n) { return budget.charge(n); }
/// Checks a requested vector length against kMaxElements.
Result<bool> check_size(double n, const std::string& what);

}  // namespace detail
}  // namespace kl
