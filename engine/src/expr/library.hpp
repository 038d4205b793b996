// Private: the table of library functions the evaluator dispatches to, and the cost model the
// evaluator and the library charge to the unit of work's Budget.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kl/expr.hpp"

namespace kl {
namespace detail {

// ---- The cost model, in work units (kMaxWork) --------------------------------------------------
// One unit is about one simple operation on one double (a copy, an addition, a comparison): 1 to
// 3 ns natively. The other costs are measured multiples of it (docs/reliability.md, "work budget"),
// rounded up, so that 10^8 units stay well under a second natively whatever the expression does.

/// Evaluating one syntax node: dispatch, checks and moving its Result (plot series and sample
/// points evaluate small trees many times, so this is what they mostly pay).
constexpr std::int64_t kCostNode = 24;
/// + - * /, comparison, negation, copy: per element.
constexpr std::int64_t kCostElement = 1;
/// x^n for a whole n with |n| <= 64 (repeated squaring): per element.
constexpr std::int64_t kCostSmallPower = 4;
/// x^y otherwise (through exp and log): per element.
constexpr std::int64_t kCostPower = 40;
/// One multiply-add of a matrix product or factorisation.
constexpr std::int64_t kCostFlop = 1;

/// A cost computed in double (products of sizes pass 2^63), saturated to a chargeable count.
inline std::int64_t units(double cost) {
  if (!(cost < 1e18)) return static_cast<std::int64_t>(1e18);
  return cost < 0 ? 0 : static_cast<std::int64_t>(cost);
}

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
  /// Work units per element of the largest argument, charged by the evaluator before the call.
  /// Costs that do not grow with the arguments' size (zeros(n), eye(n), kl_mvn's n^3, the n·T of
  /// the diffusion posteriors) are charged by the function itself, after it has checked its
  /// arguments and before it computes.
  int cost;
};

/// The function called `name`, or nullptr.
const FunctionSpec* find_function(const std::string& name);
/// Every library function.
const std::vector<FunctionSpec>& all_functions();

/// Adds `n` work units to the budget; TooLarge once the cap is passed.
inline Result<bool> charge(Budget& budget, std::int64_t n) { return budget.charge(n); }
/// Checks a requested vector length against kMaxElements.
Result<bool> check_size(double n, const std::string& what);

}  // namespace detail
}  // namespace kl
