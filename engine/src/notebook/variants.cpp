// Exercise variants: a pure function of (notebook, exercise, seed), equal natively and in wasm.
#include <algorithm>
#include <cmath>
#include <set>

#include "kl/numerics.hpp"
#include "notebook/variants_internal.hpp"

namespace kl {

namespace detail {

Error at_line(const Notebook& nb, Error e, int line, const std::string& prefix) {
  if (e.column > 0 && e.message.find("(column") == std::string::npos) e.message += " (column " + std::to_string(e.column) + ")";
  if (!prefix.empty()) e.message = prefix + ": " + e.message;
  e.code = ErrorCode::Notebook;
  e.file = nb.file;
  e.line = line;
  e.column = 0;
  return e;
}

Result<Environment> params_scope(const Notebook& nb, const Environment& base, const Exercise& ex, std::uint64_t seed) {
  constexpr int kAttempts = 200;
  Rng rng(variant_rng_seed(nb.id, ex.id, seed));
  EvalOptions opts;
  opts.rng = &rng;
  for (int attempt = 0; attempt < (seed == 0 ? 1 : kAttempts); ++attempt) {
    Environment env = base;
    for (const Param& p : ex.params) {
      const Node& e = (seed != 0 && p.vary) ? *p.vary : *p.base;
      auto v = evaluate(e, env, opts);
      if (!v.ok()) return at_line(nb, v.error(), p.line, "parameter '" + p.name + "'");
      env[p.name] = v.value();
    }
    bool ok = true;
    for (const auto& [req, line] : ex.requires_) {
      auto v = evaluate(*req, env);
      if (!v.ok()) return at_line(nb, v.error(), line, "require");
      if (!v.value().is_boolean()) return at_line(nb, make_error(ErrorCode::Type, "require needs a true/false condition"), line);
      if (!v.value().boolean()) {
        if (seed == 0)
          return at_line(nb, make_error(ErrorCode::Domain, "the textbook values (variant 0) do not satisfy this condition"), line);
        ok = false;
        break;
      }
    }
    if (ok) return env;
  }
  return at_line(nb,
                 make_error(ErrorCode::Domain, "variant " + std::to_string(seed) + ": no draw satisfied the require conditions in " +
                                                   std::to_string(kAttempts) + " tries"),
                 ex.requires_.empty() ? ex.line : ex.requires_.front().second);
}

Result<Environment> bind_parts(const Exercise& ex, Environment env, const std::map<std::string, Value>& overrides, std::size_t stop,
                               std::vector<std::pair<std::size_t, Value>>* bound) {
  for (std::size_t i = 0; i < ex.parts.size() && i < stop; ++i) {
    const Part& p = ex.parts[i];
    // An expression answer is a formula in free variables, not a value later parts can use.
    if (p.name.empty() || !p.answer || p.kind == AnswerKind::Expression) continue;
    auto o = overrides.find(p.name);
    if (o != overrides.end()) {
      env[p.name] = o->second;
      if (bound) bound->emplace_back(i, o->second);
      continue;
    }
    auto v = evaluate(*p.answer, env);
    if (!v.ok()) {
      Error e = v.error();
      e.message = "the answer of " + p.id + ": " + e.message;
      e.line = p.line;
      return e;
    }
    if (bound) bound->emplace_back(i, v.value());
    env[p.name] = v.value();
  }
  return env;
}

}  // namespace detail

std::uint64_t variant_rng_seed(const std::string& notebook, const std::string& exercise, std::uint64_t seed) {
  const std::string key = notebook + "/" + exercise + "/" + std::to_string(seed);
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Result<Environment> exercise_scope(const Notebook& nb, const Environment& base, const Exercise& ex, std::uint64_t seed) {
  KL_TRY(Environment env, detail::params_scope(nb, base, ex, seed));
  auto bound = detail::bind_parts(ex, std::move(env), {}, ex.parts.size());
  if (!bound.ok()) return detail::at_line(nb, bound.error(), bound.error().line);
  return bound;
}

}  // namespace kl
