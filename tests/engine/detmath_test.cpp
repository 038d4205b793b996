// The engine's own elementary functions: within a few ulp of libm everywhere, exact where it matters
// (log2 of powers of two, log10 of powers of ten, sqrt for ^0.5), and libm's special values.
#include "kl/detmath.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "kl/numerics.hpp"

namespace {

double ulps(double ours, double libm) {
  if (ours == libm) return 0;
  if (std::isnan(ours) || std::isnan(libm)) return 1e300;
  return std::fabs(ours - libm) / std::fabs(std::nextafter(libm, HUGE_VAL) - libm);
}

}  // namespace

TEST_CASE("detmath agrees with libm to a few ulp", "[detmath]") {
  kl::Rng rng(5);
  double worst[7] = {0};
  for (int i = 0; i < 200000; ++i) {
    const double u = rng.uniform(), v = rng.uniform();
    const double x = (u - 0.5) * 1400;
    const double y = std::exp((v - 0.5) * 1400);
    const double t = (u - 0.5) * 2;
    worst[0] = std::max(worst[0], ulps(kl::dm::exp(x), std::exp(x)));
    worst[1] = std::max(worst[1], ulps(kl::dm::log(y), std::log(y)));
    worst[2] = std::max(worst[2], ulps(kl::dm::expm1(3 * t), std::expm1(3 * t)));
    worst[3] = std::max(worst[3], ulps(kl::dm::log1p(0.999 * t + 50 * v), std::log1p(0.999 * t + 50 * v)));
    worst[4] = std::max(worst[4], ulps(kl::dm::log2(y), std::log2(y)));
    if (std::fabs(std::cos(10 * u)) > 1e-3) worst[5] = std::max(worst[5], ulps(kl::dm::cos(10 * u), std::cos(10 * u)));
    worst[6] = std::max(worst[6], ulps(kl::dm::expm1(1e-5 * t), std::expm1(1e-5 * t)));
  }
  for (double w : worst) CHECK(w <= 2.0);
  // pow with a fractional exponent goes through exp(y log x): relative error well below 1e-12.
  for (int i = 0; i < 10000; ++i) {
    const double x = 3 * rng.uniform() + 1e-3, y = 20 * (rng.uniform() - 0.5);
    CHECK(std::fabs(kl::dm::pow(x, y) / std::pow(x, y) - 1) < 1e-12);
  }
}

TEST_CASE("detmath special values and exact cases", "[detmath]") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(kl::dm::log(0.0) == -inf);
  CHECK(std::isnan(kl::dm::log(-1.0)));
  CHECK(kl::dm::log(1.0) == 0.0);
  CHECK(kl::dm::log(inf) == inf);
  CHECK(kl::dm::exp(0.0) == 1.0);
  CHECK(kl::dm::exp(-inf) == 0.0);
  CHECK(kl::dm::exp(1000.0) == inf);
  CHECK(kl::dm::exp(-1000.0) == 0.0);
  CHECK(kl::dm::expm1(-100.0) == -1.0);
  CHECK(kl::dm::log1p(-1.0) == -inf);
  CHECK(kl::dm::log1p(1e-300) == 1e-300);
  CHECK(kl::dm::log2(8.0) == 3.0);
  CHECK(kl::dm::log2(0.125) == -3.0);
  CHECK(kl::dm::log10(1000.0) == 3.0);
  CHECK(kl::dm::log10(1.0) == 0.0);
  CHECK(kl::dm::pow(2.0, 0.5) == std::sqrt(2.0));
  CHECK(kl::dm::pow(-2.0, 3.0) == -8.0);
  CHECK(kl::dm::pow(10.0, 15.0) == 1e15);
  CHECK(kl::dm::pow(0.0, -1.0) == inf);
  CHECK(std::isnan(kl::dm::pow(-8.0, 1.0 / 3.0)));
  CHECK(kl::dm::cos(0.0) == 1.0);
  CHECK(std::fabs(kl::dm::cos(M_PI / 2)) < 1e-16);
  // Subnormal arguments still work.
  CHECK(std::fabs(kl::dm::log(4.9e-324) - std::log(4.9e-324)) < 1e-12);
}

TEST_CASE("pow: exact powers of two, and overflow where its rounding cannot tell", "[detmath]") {
  const double inf = std::numeric_limits<double>::infinity();
  const double max = std::numeric_limits<double>::max();
  CHECK(kl::dm::pow(2.0, 512.0) == std::ldexp(1.0, 512));
  CHECK(kl::dm::pow(2.0, 1023.0) == std::ldexp(1.0, 1023));
  CHECK(kl::dm::pow(2.0, 1024.0) == inf);
  CHECK(kl::dm::pow(-2.0, 1025.0) == -inf);
  CHECK(kl::dm::pow(-2.0, 1024.0) == inf);
  CHECK(kl::dm::pow(0.25, 537.0) == std::ldexp(1.0, -1074));
  CHECK(kl::dm::pow(0.5, 1075.0) == 0.0);
  CHECK(kl::dm::pow(8.0, -100.0) == std::ldexp(1.0, -300));
  // Through exp(y log x): results within 1e-11 of the largest double are overflows; just below are not.
  CHECK(kl::dm::pow(10.0, 308.25471555991675) == inf);  // 10^308.2547155599167 is within 1e-11 of the max
  CHECK(kl::dm::pow(10.0, 308.25) < max);
  CHECK(kl::dm::pow(max, 1.0) == max);  // one operation: exact, so not an overflow
  CHECK(kl::dm::pow(1.5, 1751.0) == inf);
  CHECK(std::fabs(kl::dm::pow(1.5, 1750.0) / std::pow(1.5, 1750.0) - 1) < 1e-12);
}
