// Fuzzes the expression language: any bytes must parse to a tree or a syntax error, evaluate to a
// value or an error (never NaN, never a crash), and a parsed tree must print to text that parses
// back to the same tree and evaluates to the same value.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kl/expr.hpp"

namespace {

kl::Environment make_env() {
  kl::Environment env;
  env["p"] = kl::Value(kl::Vec((kl::Vec(3) << 0.2, 0.3, 0.5).finished()));
  env["q"] = kl::Value(kl::Vec((kl::Vec(3) << 0.5, 0.25, 0.25).finished()));
  env["z"] = kl::Value(kl::Vec((kl::Vec(3) << 3, 1, -2).finished()));
  env["M"] = kl::Value(kl::Mat((kl::Mat(2, 2) << 2, 0.5, 0.5, 1).finished()));
  env["x"] = kl::Value(1.5);
  env["s"] = kl::Value(std::string("text"));
  return env;
}

bool has_nan(const kl::Value& v) {
  if (v.is_number()) return std::isnan(v.number());
  if (v.is_vector()) return v.vector().hasNaN();
  if (v.is_matrix()) return v.matrix().hasNaN();
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const kl::Environment env = make_env();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto tree = kl::parse_expression(text);
  if (!tree.ok()) {
    if (tree.error().message.empty()) std::abort();
    return 0;
  }
  auto value = kl::evaluate(*tree.value(), env);
  if (value.ok() && has_nan(value.value())) std::abort();  // NaN must never leave the evaluator
  if (!value.ok() && value.error().message.empty()) std::abort();
  // Printing round-trips.
  const std::string printed = kl::to_string(*tree.value());
  auto again = kl::parse_expression(printed);
  if (!again.ok()) std::abort();
  if (kl::to_string(*again.value()) != printed) std::abort();
  auto value2 = kl::evaluate(*again.value(), env);
  if (value.ok() != value2.ok()) std::abort();
  if (value.ok() && !kl::same_value(value.value(), value2.value())) std::abort();
  return 0;
}
