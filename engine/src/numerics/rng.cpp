// kl::Rng, the engine's own random numbers: xoshiro256** seeded through splitmix64, with uniform,
// normal and integer samplers built only from integer operations, + - * /, sqrt (all correctly
// rounded by IEEE 754, in wasm too) and the engine's own log (kl/detmath.hpp), so that a seed gives
// the same stream natively and in wasm. The standard library's distributions differ between
// libstdc++ and libc++, and libm's log differs in the last bit between glibc and musl.
#include <cmath>
#include <cstdint>

#include "kl/detmath.hpp"
#include "kl/numerics.hpp"

namespace kl {

namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// splitmix64 spreads any seed (0, 1, 2, ...) over the whole state, which must not be all zero.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Rng::Rng(std::uint64_t seed) {
  std::uint64_t state = seed;
  for (auto& word : s_) word = splitmix64(state);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  // The top 53 bits, scaled by 2^-53: exact, and never 1.
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double m = std::sqrt(-2.0 * dm::log(s) / s);
  spare_ = v * m;
  has_spare_ = true;
  return u * m;
}

std::int64_t Rng::integer(std::int64_t lo, std::int64_t hi) {
  if (lo > hi) {
    const std::int64_t tmp = lo;
    lo = hi;
    hi = tmp;
  }
  // Unsigned arithmetic wraps, so hi - lo + 1 is right even for the widest ranges.
  const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  if (range == 0) return static_cast<std::int64_t>(next());  // the full 64-bit range
  // Reject the lowest (2^64 mod range) values so that every residue is equally likely.
  const std::uint64_t threshold = (0 - range) % range;
  std::uint64_t x = next();
  while (x < threshold) x = next();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % range);
}

}  // namespace kl
