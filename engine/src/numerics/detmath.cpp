// Deterministic exp, log and friends from IEEE-exact operations only (see detmath.hpp for why).
// Classic designs: exp by reduction x = k ln2 + r and a Taylor polynomial of e^r - 1; log by
// x = 2^k m with m in [sqrt(1/2), sqrt(2)) and the atanh series in s = f / (2 + f), arranged so the
// exact part f dominates; log1p by Kahan's correction; cos by reduction modulo pi/2.
#include "kl/detmath.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace kl {
namespace dm {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// ln 2 split so that k * kLn2Hi is exact for |k| < 2^11 (the high part has 11 trailing zero bits).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kLog2e = 1.44269504088896340735992468100;    // 1 / ln 2
constexpr double kLog10e = 0.434294481903251827651128918917;  // 1 / ln 10
// pow's results are a few rounding errors from the truth (exp(y log x) about 2e-13 relative near the
// top of the range, repeated squaring about 1e-15). A result that close to the largest double cannot
// be told from an overflow: 2^1024 came out as 1.797e308. Within this relative zone below
// DBL_MAX, pow reports inf (an overflow) instead of a saturated number.
constexpr double kPowOverflowZone = 1e-11;
constexpr double kPowSaturated = std::numeric_limits<double>::max() * (1.0 - kPowOverflowZone);

double saturate(double r) { return std::fabs(r) > kPowSaturated ? std::copysign(kInf, r) : r; }

// e^r - 1 for |r| <= 0.35 by Taylor series in Horner form: r (1 + r/2 (1 + r/3 (1 + ...))).
double expm1_small(double r) {
  double p = 1.0;
  for (int n = 17; n >= 2; --n) p = 1.0 + p * r / static_cast<double>(n);
  return r * p;
}

// Reduces x = k ln2 + r with |r| <= ln2 / 2 (plus a little).
double reduce_ln2(double x, double* k) {
  *k = std::floor(x * kInvLn2 + 0.5);
  return (x - *k * kLn2Hi) - *k * kLn2Lo;
}

// log(1 + f) for f = m - 1, m in [sqrt(1/2), sqrt(2)), plus k ln 2 (k may be 0).
double log_core(double f, double k) {
  const double s = f / (2.0 + f);
  const double z = s * s;
  // R = sum_{n=1..10} 2 z^n / (2n + 1), so that log(1 + f) = 2s + s R.
  double r = 0.0;
  for (int n = 10; n >= 1; --n) r = z * (2.0 / static_cast<double>(2 * n + 1) + r);
  const double hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
}

double sin_small(double y) {  // |y| <= pi/4
  const double z = y * y;
  double p = 0.0;
  for (int n = 21; n >= 3; n -= 2) p = z / static_cast<double>(n * (n - 1)) * (1.0 - p);
  return y - y * p;
}

double cos_small(double y) {  // |y| <= pi/4
  const double z = y * y;
  double p = 0.0;
  for (int n = 20; n >= 2; n -= 2) p = z / static_cast<double>(n * (n - 1)) * (1.0 - p);
  return 1.0 - p;
}

}  // namespace

double exp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.782712893383973096) return kInf;
  if (x < -745.13321910194110842) return 0.0;
  if (std::fabs(x) < 0x1p-54) return 1.0 + x;
  double k;
  const double r = reduce_ln2(x, &k);
  return std::ldexp(1.0 + expm1_small(r), static_cast<int>(k));
}

double expm1(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.782712893383973096) return kInf;
  if (x < -40.0) return -1.0;
  if (std::fabs(x) <= 0.34657359027997264) return expm1_small(x);
  double k;
  const double r = reduce_ln2(x, &k);
  const double p = expm1_small(r);
  const int ki = static_cast<int>(k);
  if (ki > 56) return std::ldexp(1.0 + p, ki);
  // 2^k (1 + p) - 1 = 2^k p + (2^k - 1); 2^k - 1 is exact for -53 <= k <= 53.
  return std::ldexp(p, ki) + (std::ldexp(1.0, ki) - 1.0);
}

// x = m 2^e with m in [0.5, 1), from the bits (libm's frexp is an out-of-line call on this hot path).
static double split(double x, int* e) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int biased = static_cast<int>((bits >> 52) & 0x7ff);
  int extra = 0;
  if (biased == 0) {  // subnormal: scale into the normal range first (exact)
    x *= 0x1p54;
    std::memcpy(&bits, &x, sizeof bits);
    biased = static_cast<int>((bits >> 52) & 0x7ff);
    extra = 54;
  }
  *e = biased - 1022 - extra;
  bits = (bits & 0x800fffffffffffffull) | (1022ull << 52);
  double m;
  std::memcpy(&m, &bits, sizeof m);
  return m;
}

double log(double x) {
  if (std::isnan(x) || x < 0.0) return kNaN;
  if (x == 0.0) return -kInf;
  if (std::isinf(x)) return kInf;
  int e;
  double m = split(x, &e);  // x = m 2^e, m in [0.5, 1); exact, subnormals included
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    --e;
  }
  return log_core(m - 1.0, static_cast<double>(e));  // m - 1 is exact (Sterbenz)
}

double log1p(double x) {
  if (std::isnan(x) || x < -1.0) return kNaN;
  if (x == -1.0) return -kInf;
  if (std::isinf(x)) return kInf;
  if (x >= -0.29289321881345248 && x < 0.41421356237309505) return log_core(x, 0.0);  // 1 + x in range: f = x exactly
  const double u = 1.0 + x;
  // Kahan: log(u) * x / (u - 1) corrects for the rounding of 1 + x.
  return log(u) * (x / (u - 1.0));
}

double log2(double x) {
  if (std::isnan(x) || x < 0.0) return kNaN;
  if (x == 0.0) return -kInf;
  if (std::isinf(x)) return kInf;
  int e;
  double m = split(x, &e);
  if (m == 0.5) return static_cast<double>(e - 1);
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    --e;
  }
  return static_cast<double>(e) + log_core(m - 1.0, 0.0) * kLog2e;
}

double log10(double x) {
  if (std::isnan(x) || x < 0.0) return kNaN;
  if (x == 0.0) return -kInf;
  if (std::isinf(x)) return kInf;
  double p = 1.0;
  for (int k = 0; k <= 22; ++k) {  // 10^k is exact for k <= 22
    if (x == p) return static_cast<double>(k);
    if (p > x) break;
    p *= 10.0;
  }
  return log(x) * kLog10e;
}

double pow(double x, double y) {
  if (y == 0.0 || x == 1.0) return 1.0;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (y == 0.5 && x >= 0.0 && !std::isinf(x)) return std::sqrt(x);  // exact, and the commonest case
  const bool y_int = std::floor(y) == y && std::isfinite(y);
  if (std::isinf(y)) {
    const double ax = std::fabs(x);
    if (ax == 1.0) return 1.0;
    return (ax > 1.0) == (y > 0) ? kInf : 0.0;
  }
  if (y_int && std::fabs(y) <= 64.0) {
    // Repeated squaring: exact for small integer powers of short numbers, a few ulp otherwise.
    double base = y < 0 ? 1.0 / x : x;
    auto n = static_cast<unsigned>(std::fabs(y));
    double result = 1.0;
    const bool one_operation = n == 1;  // x or 1/x: correctly rounded, its overflow is exact
    while (n) {
      if (n & 1u) result *= base;
      base *= base;
      n >>= 1u;
    }
    return one_operation ? result : saturate(result);
  }
  if (x == 0.0) return y > 0 ? 0.0 : kInf;
  if (y_int && std::isfinite(x)) {
    // Powers of two to whole powers are exact: 2^512 through exp(y log x) came out 1e-14 low, so
    // 2^512 * 2^512 looked finite.
    int e;
    const double m = std::frexp(x, &e);  // exact
    if (m == 0.5 || m == -0.5) {
      const double k = (static_cast<double>(e) - 1.0) * y;  // |x| = 2^(e-1), so |x|^y = 2^k
      const double r = k > 1100.0 ? kInf : k < -1100.0 ? 0.0 : std::ldexp(1.0, static_cast<int>(k));
      return m < 0 && std::fmod(y, 2.0) != 0.0 ? -r : r;
    }
  }
  if (x < 0.0) {
    if (!y_int) return kNaN;
    const double r = saturate(exp(y * log(-x)));
    return std::fmod(y, 2.0) != 0.0 ? -r : r;
  }
  if (std::isinf(x)) return y > 0 ? kInf : 0.0;
  return saturate(exp(y * log(x)));
}

double cos(double x) {
  if (!std::isfinite(x) || std::fabs(x) > 1e5) return kNaN;
  // Cody-Waite reduction with pi/2 in three parts, each with trailing zeros so k * part is exact.
  constexpr double kPio2_1 = 1.57079632673412561417e+00;
  constexpr double kPio2_2 = 6.07710050650619224932e-11;
  constexpr double kPio2_3 = 2.02226624879595063154e-21;
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;
  const double k = std::floor(x * kTwoOverPi + 0.5);
  const double y = ((x - k * kPio2_1) - k * kPio2_2) - k * kPio2_3;
  switch (static_cast<long long>(k) & 3) {
    case 0: return cos_small(y);
    case 1: return -sin_small(y);
    case 2: return -cos_small(y);
    default: return sin_small(y);
  }
}

}  // namespace dm
}  // namespace kl
