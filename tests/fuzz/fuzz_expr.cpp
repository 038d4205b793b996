// Fuzzes the expression language: any bytes must parse to a tree or a syntax error, evaluate to a
// value or an error (never NaN, never a crash, never a stack overflow), and a parsed tree must print
// to text that parses back to the same text and evaluates to the same value (or, when the printed
// text is longer than the length cap, whose reading back is the length error).
//
// Invariants beyond "no crash": every parsed tree is at most kMaxTreeHeight tall; every error has a
// message in valid UTF-8 (whatever bytes came in), and parse errors have a column; no NaN leaves the
// evaluator; the capped text of a value stays within its size and is valid UTF-8.
//
// Each input is evaluated with a small budget (kFuzzWork): the budget's logic is the same at any
// limit, and a small one keeps every execution short, so a run reaches millions of inputs.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../utf8_oracle.hpp"
#include "kl/expr.hpp"

namespace {

constexpr std::int64_t kFuzzWork = 200000;

kl::Environment make_env() {
  kl::Environment env;
  env["p"] = kl::Value(kl::Vec((kl::Vec(3) << 0.2, 0.3, 0.5).finished()));
  env["q"] = kl::Value(kl::Vec((kl::Vec(3) << 0.5, 0.25, 0.25).finished()));
  env["z"] = kl::Value(kl::Vec((kl::Vec(3) << 3, 1, -2).finished()));
  env["M"] = kl::Value(kl::Mat((kl::Mat(2, 2) << 2, 0.5, 0.5, 1).finished()));
  env["x"] = kl::Value(1.5);
  env["s"] = kl::Value(std::string("text"));
  env["big"] = kl::Value(kl::Vec(kl::Vec::LinSpaced(5000, 0.0, 1.0)));
  return env;
}

bool has_nan(const kl::Value& v) {
  if (v.is_number()) return std::isnan(v.number());
  if (v.is_vector()) return v.vector().hasNaN();
  if (v.is_matrix()) return v.matrix().hasNaN();
  return false;
}

void check_error(const kl::Error& e, bool from_parser) {
  if (e.message.empty() || !kltest::valid_utf8(e.message)) std::abort();
  if (from_parser && (e.code == kl::ErrorCode::Syntax || e.code == kl::ErrorCode::TooDeep) && e.column < 1) std::abort();
}

kl::Result<kl::Value> evaluate_small(const kl::Node& tree, const kl::Environment& env) {
  kl::Budget budget(kFuzzWork);
  kl::EvalOptions options;
  options.budget = &budget;
  return kl::evaluate(tree, env, options);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  kl::set_default_work_limit(kFuzzWork);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const kl::Environment env = make_env();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto tree = kl::parse_expression(text);
  if (!tree.ok()) {
    check_error(tree.error(), true);
    return 0;
  }
  if (kl::tree_height(*tree.value()) > kl::kMaxTreeHeight) std::abort();
  auto value = evaluate_small(*tree.value(), env);
  if (value.ok() && has_nan(value.value())) std::abort();  // NaN must never leave the evaluator
  if (!value.ok()) check_error(value.error(), false);
  if (value.ok()) {
    const std::string capped = kl::format_value(value.value(), 256);
    if (capped.size() > 256 + 64 || !kltest::valid_utf8(capped)) std::abort();
    const std::string full = kl::format_value(value.value());
    if (full.size() <= 256 && capped != full) std::abort();
  }
  // Printing round-trips. The printer spaces operators and brackets by precedence, so text near the
  // length cap may print longer than the cap: reading that back must be the length error, nothing else.
  const std::string printed = kl::to_string(*tree.value());
  auto again = kl::parse_expression(printed);
  if (!again.ok() && printed.size() > kl::kMaxExpressionLength && again.error().code == kl::ErrorCode::TooLarge) return 0;
  if (!again.ok()) std::abort();
  if (kl::to_string(*again.value()) != printed) std::abort();
  auto value2 = evaluate_small(*again.value(), env);
  if (value.ok() != value2.ok()) std::abort();
  if (value.ok() && !kl::same_value(value.value(), value2.value())) std::abort();
  return 0;
}
