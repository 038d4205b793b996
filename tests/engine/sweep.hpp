// How far the suite's sweeps over variants and samples go. The native run sweeps in full; the same
// sources built for wasm and under the sanitizers (KL_SWEEP_SMALL, set in CMakeLists.txt) sweep a few
// variants of each: they test the same code on another compiler and runtime, and the native run has
// already covered the variants (issue 17: every layer kept, the sweep done once).
#pragma once

namespace kltest {

#ifdef KL_SWEEP_SMALL
constexpr int kVariants = 3;           ///< variants 0..kVariants of every notebook
constexpr int kToleranceVariants = 1;  ///< variants of the tolerance property tests (numbers, derivation steps)
constexpr int kMonteCarloEstimates = 300;
#else
constexpr int kVariants = 50;
constexpr int kToleranceVariants = 4;
constexpr int kMonteCarloEstimates = 1500;
#endif

}  // namespace kltest
