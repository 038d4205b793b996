// Deterministic elementary functions. The platform libm is not the same everywhere: glibc on
// x86-64 picks FMA variants of exp/log/pow at run time, while wasm uses musl's, and the two differ in
// the last bit for some arguments. The engine promises the same doubles natively and in wasm, so it
// computes these itself from +, -, *, / and sqrt only (all correctly rounded by IEEE 754), built with
// -ffp-contract=off. Accuracy: within a few ulp of the true value (tested against libm).
#pragma once

namespace kl {
namespace dm {

/// e^x.
double exp(double x);
/// e^x - 1, accurate for small |x|.
double expm1(double x);
/// Natural log; log(0) = -inf, log(x < 0) = NaN.
double log(double x);
/// log(1 + x), accurate for small |x|.
double log1p(double x);
/// Base-2 log; exact for powers of two.
double log2(double x);
/// Base-10 log; exact for exact powers of ten.
double log10(double x);
/// x^y with libm's special cases; integer powers by repeated squaring. A result within 1e-11
/// (relative) of the largest double is returned as inf: pow's own rounding cannot tell it from an
/// overflow there (2^1024 would otherwise come out as 1.797e308).
double pow(double x, double y);
/// cos(x) for |x| <= 1e5 (argument reduction by a three-part pi/2); NaN beyond.
double cos(double x);

}  // namespace dm
}  // namespace kl
