// Determinism: one hash over 10,000 random draws and values derived from them. The same suite runs
// natively and in wasm against the same expected hash, so the two can never disagree silently.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>

#include "kl/expr.hpp"
#include "kl/numerics.hpp"

namespace {

struct Fnv {
  std::uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  }
  void add(double x) { bytes(&x, sizeof x); }
  void add(std::uint64_t x) { bytes(&x, sizeof x); }
  void add(const kl::Vec& v) {
    for (Eigen::Index i = 0; i < v.size(); ++i) add(v[i]);
  }
};

}  // namespace

TEST_CASE("a hash of 10,000 draws and derived values is the same natively and in wasm", "[determinism]") {
  kl::Rng rng(20261121);
  Fnv raw, derived;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t bits = rng.next();
    const double u = rng.uniform();
    const double z = rng.normal();
    const auto k = rng.integer(-5, 5);
    raw.add(bits);
    raw.add(u);
    raw.add(z);
    raw.add(static_cast<std::uint64_t>(k + 5));

    // Values computed from the draws through the numerics most exercises use.
    kl::Vec logits(3);
    logits << z, u * 4 - 2, static_cast<double>(k) / 2;
    const double tau = 0.5 + 3 * u;
    auto p = kl::softmax(logits, tau);
    auto q = kl::softmax(logits.reverse(), 1.0);
    REQUIRE(p.ok());
    REQUIRE(q.ok());
    derived.add(p.value());
    derived.add(kl::kl_divergence(p.value(), q.value()).value());
    derived.add(kl::jsd(p.value(), q.value()).value());
    derived.add(kl::entropy(p.value()).value());
    derived.add(kl::kl_gauss(z, 0.1 + u, u, 1.0 + u * u).value());
    derived.add(kl::normal_logpdf(z, 0.0, 1.0 + u).value());
  }
  auto betas = kl::cosine_betas(1000);
  REQUIRE(betas.ok());
  derived.add(kl::alpha_bar(betas.value()).value());
  auto lin = kl::linear_betas(1000, 1e-4, 0.02);
  REQUIRE(lin.ok());
  derived.add(kl::alpha_bar(lin.value()).value());
  for (int t = 2; t <= 1000; t += 37) derived.add(kl::ddpm_weight(lin.value(), t).value());

  // The language's own random functions and an MC estimate go through the same generator.
  kl::Environment env;
  auto mc = kl::evaluate_text("mean(normal_logpdf(randn(10000, 7), 0, 1) - normal_logpdf(randn(10000, 7), 1, 2))", env);
  REQUIRE(mc.ok());
  derived.add(mc.value().number());

  INFO("raw draws hash " << raw.h << ", derived values hash " << derived.h);
  CHECK(raw.h == 3604748895116805456ull);
  CHECK(derived.h == 6876591528251107676ull);
}
