// Tests of kl/numerics.hpp: the course's reference numbers (EXERCISES.md), properties over many
// random inputs drawn with kl::Rng, numerical accuracy where textbook formulas cancel or overflow,
// one test per error class, and the RNG's stream pinned to an independent implementation.
#include "kl/numerics.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

using kl::ErrorCode;
using kl::Mat;
using kl::Vec;

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kPi = 3.14159265358979323846;

Vec vec(std::initializer_list<double> xs) {
  Vec v(static_cast<Eigen::Index>(xs.size()));
  Eigen::Index i = 0;
  for (double x : xs) v[i++] = x;
  return v;
}

// The value of a Result that must succeed; a failure shows the engine's message.
template <class T>
T val(const kl::Result<T>& r) {
  if (!r.ok()) FAIL("unexpected error: " << r.error().message);
  return r.value();
}

template <class T>
void expect_error(const kl::Result<T>& r, ErrorCode code, const std::string& phrase) {
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(kl::code_name(r.error().code)) == kl::code_name(code));
  CHECK_THAT(r.error().message, Catch::Contains(phrase));
}

// 7-digit references from EXERCISES.md.
Approx ref(double x) { return Approx(x).margin(5e-7).epsilon(0); }

// A random distribution of length n from normalised exponentials; with `zeros`, entries are
// dropped to 0 with probability 0.25 (at least one stays positive).
Vec random_dist(kl::Rng& rng, Eigen::Index n, bool zeros) {
  Vec p(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    p[i] = -std::log(1.0 - rng.uniform());
    if (zeros && rng.uniform() < 0.25) p[i] = 0.0;
  }
  if (p.sum() == 0.0) p[rng.integer(0, n - 1)] = 1.0;
  return p / p.sum();
}

// r - 1 - log r for r = 1 + d in long double by its series (|d| small), as an independent reference.
long double series_g(long double d) {
  long double s = 0.0L;
  for (int k = 30; k >= 2; --k) s = s * d + ((k % 2 == 0) ? 1.0L : -1.0L) / k;
  return s * d * d;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reference values of the notebooks

TEST_CASE("categorical references of kl-foundations", "[numerics]") {
  const Vec half = vec({0.5, 0.5});
  const Vec model = vec({0.7, 0.3});
  CHECK(val(kl::kl_divergence(half, model)) == ref(0.0871767));
  CHECK(val(kl::kl_divergence(model, half)) == ref(0.0822829));
  CHECK(val(kl::kl_divergence(half, half)) == 0.0);
  CHECK(val(kl::entropy(model)) == ref(0.6108643));
  const double ce = val(kl::cross_entropy(model, half));
  CHECK(ce == ref(0.6931472));
  CHECK(ce == Approx(val(kl::entropy(model)) + val(kl::kl_divergence(model, half))).epsilon(1e-14));

  const Vec p = vec({0.4, 0.3, 0.2, 0.1});
  const Vec q = vec({0.1, 0.2, 0.3, 0.4});
  CHECK(val(kl::kl_divergence(p, q)) == ref(0.4564348));
  CHECK(val(kl::kl_divergence(q, p)) == ref(0.4564348));

  const Vec joint = vec({0.4, 0.1, 0.1, 0.4});
  CHECK(val(kl::kl_divergence(joint, Vec::Constant(4, 0.25))) == ref(0.1927448));

  const Vec bern = vec({0.01, 0.99});
  CHECK(val(kl::kl_divergence(bern, half)) == ref(0.6371456));
  CHECK(val(kl::kl_divergence(half, bern)) == ref(1.6144631));
  const double t = val(kl::tv(bern, half));
  CHECK(t == ref(0.49));
  CHECK(val(kl::jsd(bern, half)) == ref(0.1931875));
  CHECK(t * t == ref(0.2401));
  CHECK(0.5 * val(kl::kl_divergence(bern, half)) == ref(0.3185728));
  CHECK(t * t <= 0.5 * val(kl::kl_divergence(bern, half)));
}

TEST_CASE("gaussian and VAE references", "[numerics]") {
  CHECK(val(kl::kl_gauss(1, 2, 0, 1)) == ref(0.6534264));
  CHECK(val(kl::kl_gauss(0, 1, 1, 2)) == ref(0.3465736));
  const double phi = 10.0 / 11.0;
  CHECK(val(kl::kl_gauss(2 * phi, 0.5, 0, 1)) == ref(1.7494662));
  CHECK(val(kl::normal_logpdf(2, 0, 1.1)) == ref(-2.7847754));
  CHECK(val(kl::normal_logpdf(0, 0, 1)) == Approx(-0.5 * std::log(2 * kPi)).epsilon(1e-15));
}

TEST_CASE("distillation references", "[numerics]") {
  const Vec zt = vec({3, 1, -2});
  const Vec zs = vec({2, 0, -1});
  const Vec pt = val(kl::softmax(zt));
  const Vec ps = val(kl::softmax(zs));
  CHECK(pt[0] == ref(0.8756006));
  CHECK(pt[1] == ref(0.1184997));
  CHECK(pt[2] == ref(0.0058998));
  CHECK(ps[0] == ref(0.8437947));
  CHECK(ps[1] == ref(0.1141952));
  CHECK(ps[2] == ref(0.0420101));
  CHECK(val(kl::kl_divergence(pt, ps)) == ref(0.0252013));
  CHECK(val(kl::kl_divergence(ps, pt)) == ref(0.0470193));

  const Vec pt3 = val(kl::softmax(zt, 3.0));
  const Vec ps3 = val(kl::softmax(zs, 3.0));
  CHECK(pt3[0] == ref(0.5874430));
  CHECK(pt3[1] == ref(0.3016033));
  CHECK(pt3[2] == ref(0.1109537));
  CHECK(ps3[0] == ref(0.5315483));
  CHECK(ps3[1] == ref(0.2729060));
  CHECK(ps3[2] == ref(0.1955457));
  const double kl3 = val(kl::kl_divergence(pt3, ps3));
  CHECK(kl3 == ref(0.0260161));
  CHECK(val(kl::kl_divergence(ps3, pt3)) == ref(0.0303786));
  const Vec y = vec({1, 0, 0});
  CHECK(0.7 * kl3 + 0.3 * val(kl::cross_entropy(y, ps)) == ref(0.0691651));
  CHECK(0.7 * kl3 + 0.3 * val(kl::cross_entropy(y, ps3)) == ref(0.2077996));
}

TEST_CASE("RLHF optimal policy reference", "[numerics]") {
  const Vec pi_ref = vec({0.6, 0.4});
  const Vec pi = val(kl::rlhf_policy(pi_ref, vec({2, 0}), 0.1));
  CHECK(pi[1] > 0.0);
  CHECK(pi[1] == Approx(1.3741e-9).epsilon(1e-4));
  CHECK(pi[1] == Approx(0.4 / (0.6 * std::exp(20.0) + 0.4)).epsilon(1e-12));
  CHECK(pi[0] == Approx(1 - 0.4 / (0.6 * std::exp(20.0) + 0.4)).epsilon(1e-15));
  CHECK(val(kl::kl_divergence(pi, pi_ref)) == ref(0.5108256));
  CHECK(val(kl::kl_divergence(pi, pi_ref)) == Approx(std::log(1 / 0.6)).margin(1e-7));

  // r / beta = 2000 would overflow exp; the log-space form does not.
  const Vec big = val(kl::rlhf_policy(pi_ref, vec({20 / 0.1, 0}), 0.1));
  CHECK(std::isfinite(big[0]));
  CHECK(big[0] == 1.0);
  CHECK(big[1] >= 0.0);
  // pi_ref = 0 stays 0, whatever the reward.
  const Vec zero = val(kl::rlhf_policy(vec({0.0, 0.5, 0.5}), vec({100, 1, 0}), 0.5));
  CHECK(zero[0] == 0.0);
  CHECK(zero.sum() == Approx(1.0).epsilon(1e-15));
  CHECK(zero[1] / zero[2] == Approx(std::exp(2.0)).epsilon(1e-13));
}

TEST_CASE("DDPM references of diffusion-kl", "[numerics]") {
  const Vec betas = vec({0.1, 0.2, 0.3, 0.4});
  const Vec abar = val(kl::alpha_bar(betas));
  CHECK(abar[0] == ref(0.9));
  CHECK(abar[1] == ref(0.72));
  CHECK(abar[2] == ref(0.504));
  CHECK(abar[3] == ref(0.3024));

  const double mean3 = std::sqrt(abar[2]) * 1.0;
  CHECK(mean3 == ref(0.7099296));
  CHECK(1 - abar[2] == ref(0.496));
  const double x3 = mean3 + std::sqrt(1 - abar[2]) * 0.5;
  CHECK(x3 == ref(1.0620659));

  const double post_mean = val(kl::q_posterior_mean(betas, 3, 1.0, x3));
  const double post_var = val(kl::q_posterior_var(betas, 3));
  const double model_mean = val(kl::eps_to_mean(betas, 3, x3, 0.4));
  const double w = val(kl::ddpm_weight(betas, 3));
  CHECK(post_mean == ref(1.0148450));
  CHECK(post_var == ref(0.1693548));
  CHECK(model_mean == ref(1.0657583));
  CHECK(w == ref(0.7653061));
  const double step_kl = val(kl::kl_gauss(post_mean, post_var, model_mean, post_var));
  CHECK(step_kl == ref(0.0076531));
  CHECK(step_kl == Approx(w * (0.5 - 0.4) * (0.5 - 0.4)).epsilon(1e-12));
  CHECK(val(kl::kl_gauss(std::sqrt(abar[3]) * 1.0, 1 - abar[3], 0, 1)) == ref(0.1800547));

  const Vec lin = val(kl::linear_betas(1000, 1e-4, 0.02));
  REQUIRE(lin.size() == 1000);
  CHECK(lin[0] == 1e-4);
  CHECK(lin[999] == 0.02);
  const Vec lin_abar = val(kl::alpha_bar(lin));
  CHECK(lin_abar[499] == ref(0.0785872));
  const double prior = val(kl::kl_gauss(std::sqrt(lin_abar[999]) * 1.5, 1 - lin_abar[999], 0, 1));
  CHECK(prior == Approx(4.5403e-5).epsilon(1e-4));

  const Vec cos_betas = val(kl::cosine_betas(1000));
  CHECK(val(kl::alpha_bar(cos_betas))[499] == ref(0.4938436));
  CHECK(cos_betas[999] == 0.999);  // clipped
}

// ---------------------------------------------------------------------------------------------
// Properties over random inputs

TEST_CASE("categorical divergences: properties over random distributions", "[numerics]") {
  kl::Rng rng(2024);
  const std::vector<double> alphas = {0.1, 0.5, 0.9, 1.0, 1.5, 2.0, 5.0, kInf};
  for (int trial = 0; trial < 500; ++trial) {
    const Eigen::Index n = rng.integer(2, 10);
    const bool zeros = trial % 3 == 0;
    const Vec p = random_dist(rng, n, zeros);
    const Vec q = random_dist(rng, n, false);  // full support, so KL(p || q) is finite
    INFO("trial " << trial);

    const double kl_pq = val(kl::kl_divergence(p, q));
    CHECK(kl_pq > 0.0);
    CHECK(val(kl::kl_divergence(p, p)) == 0.0);
    CHECK(val(kl::cross_entropy(p, q)) == Approx(val(kl::entropy(p)) + kl_pq).epsilon(1e-12).margin(1e-14));

    const double j = val(kl::jsd(p, q));
    CHECK(j >= 0.0);
    CHECK(j <= std::log(2.0));
    CHECK(j == Approx(val(kl::jsd(q, p))).epsilon(1e-13).margin(1e-16));

    const double t = val(kl::tv(p, q));
    CHECK(t <= std::sqrt(kl_pq / 2) + 1e-15);
    const double h = val(kl::hellinger(p, q));
    CHECK(h >= 0.0);
    CHECK(h <= 1.0);
    CHECK(h * h <= t + 1e-15);  // H^2 <= TV in the normalised convention

    const double c = val(kl::chi2(p, q));
    CHECK(kl_pq <= std::log1p(c) + 1e-14);

    double prev = 0.0;
    for (double a : alphas) {
      const double d = val(kl::renyi(p, q, a));
      INFO("alpha " << a);
      CHECK(d >= prev - 1e-12);
      prev = d;
    }

    // The f-divergence with f(t) = t log t is KL.
    const double f_kl = val(kl::f_divergence(p, q, [](double x) { return x > 0 ? x * std::log(x) : 0.0; }));
    CHECK(f_kl == Approx(kl_pq).epsilon(1e-10).margin(1e-14));
  }
}

TEST_CASE("renyi: known orders and continuity at alpha = 1", "[numerics]") {
  const Vec p = vec({0.4, 0.3, 0.2, 0.1});
  const Vec q = vec({0.1, 0.2, 0.3, 0.4});
  const double kl_pq = val(kl::kl_divergence(p, q));
  CHECK(val(kl::renyi(p, q, 1.0)) == kl_pq);
  CHECK(std::fabs(val(kl::renyi(p, q, 1.0 + 1e-6)) - kl_pq) < 1e-6);
  CHECK(std::fabs(val(kl::renyi(p, q, 1.0 - 1e-6)) - kl_pq) < 1e-6);
  CHECK(std::fabs(val(kl::renyi(p, q, 1.0 + 1e-12)) - kl_pq) < 1e-10);
  const double s2 = 0.16 / 0.1 + 0.09 / 0.2 + 0.04 / 0.3 + 0.01 / 0.4;
  CHECK(val(kl::renyi(p, q, 2.0)) == Approx(std::log(s2)).epsilon(1e-13));
  const double bc = std::sqrt(0.04) + std::sqrt(0.06) + std::sqrt(0.06) + std::sqrt(0.04);
  CHECK(val(kl::renyi(p, q, 0.5)) == Approx(-2 * std::log(bc)).epsilon(1e-13));
  CHECK(val(kl::renyi(p, q, kInf)) == Approx(std::log(4.0)).epsilon(1e-15));
  CHECK(val(kl::renyi(p, q, 1000.0)) < std::log(4.0));
  CHECK(val(kl::renyi(p, q, 1000.0)) == Approx(std::log(4.0)).epsilon(2e-3));
  CHECK(val(kl::renyi(p, q, 1e308)) == Approx(std::log(4.0)).epsilon(1e-15));

  // Zeros of q under p: infinite for alpha >= 1, finite below.
  const Vec r = vec({0.5, 0.5, 0.0});
  const Vec s = vec({0.0, 0.5, 0.5});
  CHECK(val(kl::renyi(r, s, 2.0)) == kInf);
  CHECK(val(kl::renyi(r, s, kInf)) == kInf);
  CHECK(val(kl::renyi(r, s, 0.5)) == Approx(-2 * std::log(0.5)).epsilon(1e-14));
  CHECK(val(kl::renyi(vec({1, 0}), vec({0, 1}), 0.5)) == kInf);
}

TEST_CASE("zero conventions: 0 log 0 = 0 and q = 0 < p gives +inf", "[numerics]") {
  const Vec p = vec({0.5, 0.5, 0.0});
  const Vec q = vec({0.5, 0.0, 0.5});
  CHECK(val(kl::entropy(p)) == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(val(kl::entropy(vec({1.0, 0.0}))) == 0.0);
  CHECK(val(kl::kl_divergence(p, q)) == kInf);
  CHECK(val(kl::cross_entropy(p, q)) == kInf);
  CHECK(val(kl::chi2(p, q)) == kInf);
  CHECK(val(kl::kl_divergence(vec({0.5, 0.5, 0.0}), vec({0.25, 0.25, 0.5}))) == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(val(kl::jsd(vec({1, 0}), vec({0, 1}))) == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(val(kl::tv(vec({1, 0}), vec({0, 1}))) == 1.0);
  CHECK(val(kl::hellinger(vec({1, 0}), vec({0, 1}))) == 1.0);
  CHECK(val(kl::hellinger(p, p)) == 0.0);
  CHECK(val(kl::hellinger(vec({0.5, 0.5}), vec({0.9, 0.1}))) ==
        Approx(std::sqrt(0.5 * (std::pow(std::sqrt(0.5) - std::sqrt(0.9), 2) + std::pow(std::sqrt(0.5) - std::sqrt(0.1), 2))))
            .epsilon(1e-14));

  auto tv_f = [](double x) { return 0.5 * std::fabs(x - 1); };
  auto chi2_f = [](double x) { return (x - 1) * (x - 1); };
  const Vec a = vec({0.2, 0.0, 0.8});
  const Vec b = vec({0.3, 0.0, 0.7});
  CHECK(val(kl::f_divergence(a, b, tv_f)) == Approx(val(kl::tv(a, b))).epsilon(1e-14));
  CHECK(val(kl::f_divergence(a, b, chi2_f)) == Approx(val(kl::chi2(a, b))).epsilon(1e-14));
  CHECK(val(kl::f_divergence(p, q, tv_f)) == kInf);  // documented: q = 0 < p is +inf for any f
}

TEST_CASE("KL stays accurate and non-negative for nearly equal distributions", "[numerics]") {
  const double e = 1e-9;
  const Vec p = vec({0.5 + e, 0.5 - e});
  const Vec q = vec({0.5, 0.5});
  // KL = sum p log(p/q) = 2 e^2 + O(e^4): the direct sum has only cancellation noise left.
  CHECK(val(kl::kl_divergence(p, q)) == Approx(2 * e * e).epsilon(1e-6));
  CHECK(val(kl::kl_divergence(q, p)) == Approx(2 * e * e).epsilon(1e-6));
  CHECK(val(kl::jsd(p, q)) == Approx(e * e / 2).epsilon(1e-6));
}

TEST_CASE("softmax family: sums, logs and stability", "[numerics]") {
  kl::Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const Eigen::Index n = rng.integer(1, 12);
    Vec z(n);
    for (Eigen::Index i = 0; i < n; ++i) z[i] = 20 * rng.uniform() - 10;
    const double tau = 0.2 + 3 * rng.uniform();
    const Vec s = val(kl::softmax(z, tau));
    const Vec ls = val(kl::log_softmax(z, tau));
    CHECK(s.sum() == Approx(1.0).epsilon(1e-14));
    for (Eigen::Index i = 0; i < n; ++i) CHECK(ls[i] == Approx(std::log(s[i])).epsilon(1e-12).margin(1e-14));
    double direct = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) direct += std::exp(z[i]);
    CHECK(val(kl::logsumexp(z)) == Approx(std::log(direct)).epsilon(1e-14));
  }

  const Vec hi = val(kl::softmax(vec({1000, 0})));
  CHECK(hi[0] == 1.0);
  CHECK(hi[1] == 0.0);  // e^-1000 underflows to 0, and nothing is NaN
  const Vec lo = val(kl::softmax(vec({-1000, 0})));
  CHECK(lo[0] == 0.0);
  CHECK(lo[1] == 1.0);
  const Vec lhi = val(kl::log_softmax(vec({1000, 0})));
  CHECK(lhi[0] == 0.0);
  CHECK(lhi[1] == -1000.0);
  CHECK(val(kl::logsumexp(vec({1000, 1000}))) == Approx(1000 + std::log(2.0)).epsilon(1e-15));
  CHECK(val(kl::logsumexp(vec({-1000, -1000}))) == Approx(-1000 + std::log(2.0)).epsilon(1e-15));
  CHECK(val(kl::logsumexp(vec({-kInf, -kInf}))) == -kInf);
  CHECK(val(kl::softmax(vec({-kInf, 0, 0})))[0] == 0.0);
  // A tiny temperature picks the maximum instead of overflowing.
  const Vec cold = val(kl::softmax(vec({1, 2}), 1e-300));
  CHECK(cold[0] == 0.0);
  CHECK(cold[1] == 1.0);
}

TEST_CASE("kl_gauss: accurate when the two Gaussians are nearly equal", "[numerics]") {
  struct Case {
    double mu1, var1, mu2, var2;
  };
  const std::vector<Case> cases = {{0, 1 + 1e-7, 0, 1},      {1e-9, 1 + 1e-7, 0, 1}, {0, 1 - 1e-7, 0, 1},
                                   {0, 1 + 1e-10, 0, 1},     {0, 1, 0, 1 + 1e-12},   {3, 2.5e-3 * (1 + 3e-6), 3, 2.5e-3},
                                   {0, 1 + 5e-3, 0, 1},      {0, 1 + 2e-2, 0, 1},    {1e-9, 1, 0, 1},
                                   {0, 7 * (1 - 4e-4), 0, 7}};
  for (const Case& c : cases) {
    // Long double reference: var1 - var2 is exact for these doubles, and the series has no cancellation.
    const long double d = (static_cast<long double>(c.var1) - c.var2) / c.var2;
    const long double dm = static_cast<long double>(c.mu1) - c.mu2;
    const long double exact = 0.5L * series_g(d) + dm * dm / (2.0L * c.var2);
    const double got = val(kl::kl_gauss(c.mu1, c.var1, c.mu2, c.var2));
    INFO("var1 = " << c.var1 << ", var2 = " << c.var2 << ", mu1 - mu2 = " << c.mu1 - c.mu2);
    CHECK(got >= 0.0);
    CHECK(std::fabs(got - static_cast<double>(exact)) <= 1e-8 * static_cast<double>(exact));
  }
  // The textbook form 1/2 log(var2/var1) + (var1 + dmu^2)/(2 var2) - 1/2 loses every digit here.
  const double v1 = 1 + 1e-10;
  const double naive = 0.5 * std::log(1 / v1) + v1 / 2 - 0.5;
  const double exact = static_cast<double>(0.5L * series_g(static_cast<long double>(v1) - 1));
  CHECK(std::fabs(naive - exact) > 0.1 * exact);
  CHECK(val(kl::kl_gauss(0.3, 2.0, 0.3, 2.0)) == 0.0);
  // Far apart variances, in both directions, without underflow or overflow.
  CHECK(val(kl::kl_gauss(0, 1e-300, 0, 1e100)) == Approx(0.5 * (-1 + std::log(1e100) - std::log(1e-300))).epsilon(1e-13));
  CHECK(val(kl::kl_gauss(0, 4, 0, 1)) == Approx(0.5 * (4 - 1 - std::log(4.0))).epsilon(1e-15));
}

TEST_CASE("Gaussian KL agrees with its Monte Carlo estimate", "[numerics]") {
  kl::Rng rng(11);
  for (int trial = 0; trial < 25; ++trial) {
    const double mu1 = 4 * rng.uniform() - 2;
    const double mu2 = 4 * rng.uniform() - 2;
    const double var1 = 0.2 + 2.8 * rng.uniform();
    const double var2 = 0.2 + 2.8 * rng.uniform();
    const double exact = val(kl::kl_gauss(mu1, var1, mu2, var2));
    const kl::Estimate est = val(kl::mc_kl_gauss(mu1, var1, mu2, var2, 20000, 1000 + trial));
    INFO("trial " << trial << ": exact " << exact << ", estimate " << est.value << " +- " << est.stderr_);
    CHECK(est.n == 20000);
    CHECK(est.stderr_ > 0.0);
    CHECK(std::fabs(est.value - exact) < 4 * est.stderr_);
  }
  // Same seed, same estimate.
  const kl::Estimate a = val(kl::mc_kl_gauss(0, 1, 1, 2, 1000, 5));
  const kl::Estimate b = val(kl::mc_kl_gauss(0, 1, 1, 2, 1000, 5));
  CHECK(a.value == b.value);
  CHECK(a.stderr_ == b.stderr_);
}

TEST_CASE("mean_and_stderr", "[numerics]") {
  const kl::Estimate e = val(kl::mean_and_stderr(vec({1, 2, 3, 4})));
  CHECK(e.value == 2.5);
  CHECK(e.stderr_ == Approx(std::sqrt(5.0 / 3.0) / 2).epsilon(1e-15));
  CHECK(e.n == 4);
  CHECK(val(kl::mean_and_stderr(vec({3, 3}))).stderr_ == 0.0);
}

TEST_CASE("multivariate Gaussian KL", "[numerics]") {
  // Full covariance against the closed form for S2 = I.
  Mat S1(2, 2);
  S1 << 2, 0.5, 0.5, 1;
  const Mat I = Mat::Identity(2, 2);
  CHECK(val(kl::kl_mvn(vec({1, 0}), S1, vec({0, 0}), I)) == Approx(0.5 * (3 + 1 - 2 - std::log(1.75))).epsilon(1e-14));
  CHECK(val(kl::kl_mvn(vec({1, 0}), S1, vec({1, 0}), S1)) == 0.0);

  // Diagonal covariances: the sum of univariate KLs; kl_std_normal likewise.
  kl::Rng rng(3);
  for (int trial = 0; trial < 100; ++trial) {
    const Eigen::Index d = rng.integer(1, 6);
    Vec mu1(d), mu2(d), v1(d), v2(d);
    double sum = 0.0;
    double sum_std = 0.0;
    for (Eigen::Index i = 0; i < d; ++i) {
      mu1[i] = 6 * rng.uniform() - 3;
      mu2[i] = 6 * rng.uniform() - 3;
      v1[i] = 0.05 + 4 * rng.uniform();
      v2[i] = 0.05 + 4 * rng.uniform();
      sum += val(kl::kl_gauss(mu1[i], v1[i], mu2[i], v2[i]));
      sum_std += val(kl::kl_gauss(mu1[i], v1[i], 0, 1));
    }
    const Mat S1d = v1.asDiagonal();
    const Mat S2d = v2.asDiagonal();
    CHECK(val(kl::kl_mvn(mu1, S1d, mu2, S2d)) == Approx(sum).epsilon(1e-12));
    CHECK(val(kl::kl_std_normal(mu1, v1)) == Approx(sum_std).epsilon(1e-14));
  }

  // Nearly equal covariances: S2 = (1 + h) S1 gives d/2 (r - 1 - log r), r = 1/(1 + h), exactly.
  Mat S(3, 3);
  S << 2, 0.3, -0.2, 0.3, 1, 0.1, -0.2, 0.1, 0.5;
  const Vec mu = vec({0.1, -0.2, 0.3});
  for (double h : {1e-4, 1e-7, 1e-9}) {
    const double got = val(kl::kl_mvn(mu, S, mu, S * (1 + h)));
    const long double r = 1.0L / (1.0L + h);
    const double exact = static_cast<double>(1.5L * series_g(r - 1));
    INFO("h = " << h);
    CHECK(got >= 0.0);
    CHECK(got == Approx(exact).epsilon(1e-6));
  }
  // Asymmetry at the level of roundoff is tolerated.
  Mat Sa = S;
  Sa(0, 1) += 1e-14;
  CHECK(val(kl::kl_mvn(mu, Sa, mu, S)) >= 0.0);
}

TEST_CASE("DDPM: posterior mean from x0 equals the epsilon-form mean", "[numerics]") {
  kl::Rng rng(99);
  for (int trial = 0; trial < 300; ++trial) {
    const int T = static_cast<int>(rng.integer(1, 60));
    Vec betas(T);
    for (int i = 0; i < T; ++i) betas[i] = 1e-4 + 0.5 * rng.uniform();
    const int t = static_cast<int>(rng.integer(1, T));
    const double x0 = 4 * rng.uniform() - 2;
    const double eps = rng.normal();
    const double abar = val(kl::alpha_bar(betas))[t - 1];
    const double xt = std::sqrt(abar) * x0 + std::sqrt(1 - abar) * eps;
    INFO("T " << T << ", t " << t);
    CHECK(val(kl::eps_to_mean(betas, t, xt, eps)) == Approx(val(kl::q_posterior_mean(betas, t, x0, xt))).epsilon(1e-9).margin(1e-12));
    if (t >= 2) {
      // KL(q || N(mu_theta, beta-tilde)) = w_t (eps - eps_theta)^2.
      const double eps_theta = eps + 0.3;
      const double var = val(kl::q_posterior_var(betas, t));
      const double step =
          val(kl::kl_gauss(val(kl::q_posterior_mean(betas, t, x0, xt)), var, val(kl::eps_to_mean(betas, t, xt, eps_theta)), var));
      CHECK(step == Approx(val(kl::ddpm_weight(betas, t)) * 0.09).epsilon(1e-8));
    }
  }
  const Vec betas = vec({0.1, 0.2});
  CHECK(val(kl::q_posterior_mean(betas, 1, 0.7, 5.0)) == Approx(0.7).epsilon(1e-15));
  CHECK(val(kl::q_posterior_var(betas, 1)) == 0.0);
}

TEST_CASE("DDPM schedules", "[numerics]") {
  // Cosine betas against the textbook 1 - f(t)/f(t-1) with libm's cos.
  const int T = 1000;
  const double s = 0.008;
  const Vec betas = val(kl::cosine_betas(T, s));
  auto f = [&](int t) {
    const double c = std::cos((t / static_cast<double>(T) + s) / (1 + s) * kPi / 2);
    return c * c;
  };
  for (int t = 1; t <= T - 20; ++t) {
    INFO("t " << t);
    CHECK(betas[t - 1] == Approx(1 - f(t) / f(t - 1)).epsilon(1e-9));
  }
  for (int t = 1; t <= T; ++t) {
    CHECK(betas[t - 1] > 0.0);
    CHECK(betas[t - 1] <= 0.999);
  }
  const Vec abar = val(kl::alpha_bar(betas));
  CHECK(abar[99] == Approx(f(100) / f(0)).epsilon(1e-12));
  CHECK(val(kl::linear_betas(1, 0.01, 0.02))[0] == 0.01);
  const Vec two = val(kl::linear_betas(3, 0.1, 0.3));
  CHECK(two[1] == Approx(0.2).epsilon(1e-15));
}

// ---------------------------------------------------------------------------------------------
// Bad input: every error class, its code and its message

TEST_CASE("errors: lengths and emptiness", "[numerics]") {
  expect_error(kl::kl_divergence(vec({0.2, 0.3, 0.5}), vec({0.25, 0.25, 0.25, 0.25})), ErrorCode::Length,
               "kl: p has 3 entries but q has 4");
  expect_error(kl::jsd(vec({1}), vec({0.5, 0.5})), ErrorCode::Length, "p has 1 entry but q has 2");
  expect_error(kl::entropy(Vec()), ErrorCode::Length, "empty");
  expect_error(kl::kl_divergence(Vec(), Vec()), ErrorCode::Length, "empty");
  expect_error(kl::softmax(Vec()), ErrorCode::Length, "empty");
  expect_error(kl::logsumexp(Vec()), ErrorCode::Length, "empty");
  expect_error(kl::kl_std_normal(vec({0, 0}), vec({1})), ErrorCode::Length, "mu has 2 entries but var has 1");
  expect_error(kl::rlhf_policy(vec({0.5, 0.5}), vec({1, 2, 3}), 0.1), ErrorCode::Length, "pi_ref has 2 entries but r has 3");
  expect_error(kl::mean_and_stderr(vec({1})), ErrorCode::Length, "at least 2 samples");
  expect_error(kl::alpha_bar(Vec()), ErrorCode::Length, "empty");
  const Mat I2 = Mat::Identity(2, 2);
  const Mat I3 = Mat::Identity(3, 3);
  expect_error(kl::kl_mvn(vec({0, 0}), I3, vec({0, 0}), I2), ErrorCode::Length, "S1 is 3x3 but mu1 has 2 entries");
  expect_error(kl::kl_mvn(vec({0, 0}), I2, vec({0, 0, 0}), I2), ErrorCode::Length, "mu1 has 2 entries but mu2 has 3");
  CHECK(kl::check_same_length(vec({1}), vec({1}), "x").ok());
}

TEST_CASE("errors: not a probability distribution", "[numerics]") {
  expect_error(kl::kl_divergence(vec({0.5, 0.5}), vec({0.6, 0.6})), ErrorCode::NotDistribution,
               "q is not a probability distribution: its entries sum to 1.2, not 1 (use normalize(q) to rescale it)");
  expect_error(kl::entropy(vec({0.3, 0.3})), ErrorCode::NotDistribution, "sum to 0.6");
  expect_error(kl::cross_entropy(vec({1.1, -0.1}), vec({0.5, 0.5})), ErrorCode::NotDistribution, "negative");
  expect_error(kl::tv(vec({0.5, 0.5}), vec({-0.5, 1.5})), ErrorCode::NotDistribution, "entry 1 is -0.5");
  expect_error(kl::rlhf_policy(vec({0.6, 0.6}), vec({1, 0}), 0.1), ErrorCode::NotDistribution, "normalize(pi_ref)");
  expect_error(kl::check_distribution(vec({2}), "the first argument"), ErrorCode::NotDistribution, "normalize(...)");
  // Within the tolerance is fine.
  CHECK(kl::entropy(vec({0.5 + 4e-7, 0.5})).ok());
}

TEST_CASE("errors: non-finite input", "[numerics]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_error(kl::kl_divergence(vec({nan, 0.5}), vec({0.5, 0.5})), ErrorCode::Domain, "finite");
  expect_error(kl::softmax(vec({1, nan})), ErrorCode::Domain, "softmax: entry 2 is nan");
  expect_error(kl::logsumexp(vec({kInf, 0})), ErrorCode::Domain, "finite");
  expect_error(kl::log_softmax(vec({-kInf, -kInf})), ErrorCode::Domain, "-inf");
  expect_error(kl::kl_gauss(nan, 1, 0, 1), ErrorCode::Domain, "mu1 must be a finite number");
  expect_error(kl::kl_gauss(0, kInf, 0, 1), ErrorCode::Domain, "var1 must be a finite number");
  expect_error(kl::normal_logpdf(kInf, 0, 1), ErrorCode::Domain, "x must be a finite number");
  expect_error(kl::rlhf_policy(vec({0.5, 0.5}), vec({kInf, 0}), 0.1), ErrorCode::Domain, "finite");
  expect_error(kl::mean_and_stderr(vec({1, nan, 2})), ErrorCode::Domain, "finite");
  Mat S = Mat::Identity(2, 2);
  S(1, 1) = nan;
  expect_error(kl::kl_mvn(vec({0, 0}), S, vec({0, 0}), Mat::Identity(2, 2)), ErrorCode::Domain, "finite");
  expect_error(kl::q_posterior_mean(vec({0.1, 0.2}), 2, nan, 0), ErrorCode::Domain, "x0");
}

TEST_CASE("errors: variances and covariance matrices", "[numerics]") {
  expect_error(kl::kl_gauss(0, 1, 0, 0), ErrorCode::Domain, "var2 = 0, but a variance must be positive");
  expect_error(kl::kl_gauss(0, -1, 0, 1), ErrorCode::Domain, "a variance, not a standard deviation");
  expect_error(kl::normal_logpdf(0, 0, 0), ErrorCode::Domain, "a variance must be positive");
  expect_error(kl::kl_std_normal(vec({0, 0}), vec({1, -2})), ErrorCode::Domain, "var entry 2 = -2, but a variance must be positive");
  expect_error(kl::mc_kl_gauss(0, 0, 0, 1, 100, 1), ErrorCode::Domain, "mc_kl_gauss: var1 = 0, but a variance");

  Mat asym(2, 2);
  asym << 1, 0.5, 0.3, 1;
  expect_error(kl::kl_mvn(vec({0, 0}), asym, vec({0, 0}), Mat::Identity(2, 2)), ErrorCode::NotPositiveDefinite,
               "S1 is not symmetric: S1(1,2) = 0.5 but S1(2,1) = 0.3");
  Mat indef(2, 2);
  indef << 1, 2, 2, 1;
  expect_error(kl::kl_mvn(vec({0, 0}), Mat::Identity(2, 2), vec({0, 0}), indef), ErrorCode::NotPositiveDefinite,
               "S2 is not positive definite");
  expect_error(kl::kl_mvn(vec({0}), Mat::Zero(1, 1), vec({0}), Mat::Identity(1, 1)), ErrorCode::NotPositiveDefinite,
               "not positive definite");
}

TEST_CASE("errors: DDPM steps, schedules and betas", "[numerics]") {
  const Vec betas = vec({0.1, 0.2, 0.3, 0.4});
  expect_error(kl::q_posterior_mean(betas, 0, 1, 1), ErrorCode::Index, "t = 0 is outside 1..4");
  expect_error(kl::q_posterior_var(betas, 5), ErrorCode::Index, "t = 5 is outside 1..4");
  expect_error(kl::eps_to_mean(betas, -1, 1, 1), ErrorCode::Index, "1-based");
  expect_error(kl::ddpm_weight(betas, 1), ErrorCode::Domain, "at least 2");
  expect_error(kl::linear_betas(0, 1e-4, 0.02), ErrorCode::Domain, "T must be at least 1, got 0");
  expect_error(kl::cosine_betas(-3), ErrorCode::Domain, "T must be at least 1");
  expect_error(kl::linear_betas(kl::kMaxSteps + 1, 1e-4, 0.02), ErrorCode::TooLarge, "limit");
  expect_error(kl::linear_betas(10, 0, 0.02), ErrorCode::Domain, "beta_1 = 0 is outside (0, 1)");
  expect_error(kl::linear_betas(10, 1e-4, 1.0), ErrorCode::Domain, "beta_T = 1 is outside (0, 1)");
  expect_error(kl::cosine_betas(10, 0.008, 1.5), ErrorCode::Domain, "max_beta");
  expect_error(kl::cosine_betas(10, -0.1), ErrorCode::Domain, "offset s");
  expect_error(kl::alpha_bar(vec({0.1, 1.0})), ErrorCode::Domain, "beta_2 = 1 is outside (0, 1)");
  expect_error(kl::q_posterior_mean(vec({0.1, -0.2}), 1, 0, 0), ErrorCode::Domain, "beta_2 = -0.2");
}

TEST_CASE("errors: beta, tau, alpha, n and f", "[numerics]") {
  const Vec p = vec({0.5, 0.5});
  expect_error(kl::rlhf_policy(p, vec({1, 0}), 0.0), ErrorCode::Domain, "beta must be a positive number");
  expect_error(kl::rlhf_policy(p, vec({1, 0}), -1.0), ErrorCode::Domain, "beta must be a positive number");
  expect_error(kl::softmax(vec({1, 2}), 0.0), ErrorCode::Domain, "temperature tau must be a positive number");
  expect_error(kl::log_softmax(vec({1, 2}), -2.0), ErrorCode::Domain, "tau");
  expect_error(kl::renyi(p, p, 0.0), ErrorCode::Domain, "alpha must be positive");
  expect_error(kl::renyi(p, p, -1.0), ErrorCode::Domain, "alpha must be positive");
  expect_error(kl::mc_kl_gauss(0, 1, 0, 1, 1, 1), ErrorCode::Domain, "at least 2 draws");
  expect_error(kl::mc_kl_gauss(0, 1, 0, 1, kl::kMaxDraws + 1, 1), ErrorCode::TooLarge, "limit");
  expect_error(kl::f_divergence(p, p, std::function<double(double)>()), ErrorCode::Type, "no function");
  expect_error(kl::f_divergence(p, vec({0.4, 0.6}), [](double) { return std::nan(""); }), ErrorCode::Domain, "not a number");
}

// ---------------------------------------------------------------------------------------------
// Rng

TEST_CASE("Rng: the stream is pinned and reproducible", "[numerics]") {
  // The integer stream and the first normals were checked against an independent (Python)
  // implementation of splitmix64 + xoshiro256** and the polar method; the hash below is the engine's
  // own (kl::dm::log), and the wasm run of this suite must reproduce it bit for bit.
  kl::Rng zero(0);
  CHECK(zero.next() == 0x99ec5f36cb75f2b4ULL);
  CHECK(zero.next() == 0xbf6e1f784956452aULL);
  CHECK(zero.next() == 0x1a5f849d4933e6e0ULL);
  kl::Rng a(42);
  CHECK(a.next() == 0x15780b2e0c2ec716ULL);
  kl::Rng u(42);
  CHECK(u.uniform() == 0.08386297105988216);
  CHECK(u.uniform() == 0.3789802506626686);
  kl::Rng g(42);
  CHECK(g.normal() == -0.7262191382447857);
  CHECK(g.normal() == -0.21119691823195985);
  CHECK(g.normal() == 0.2216227015035933);
  CHECK(g.normal() == 0.5227716877560146);
  // FNV-1a over the bits of 200000 normals: the whole stream, as the wasm build must reproduce it.
  kl::Rng many(42);
  std::uint64_t hash = 1469598103934665603ULL;
  for (int i = 0; i < 200000; ++i) {
    const double z = many.normal();
    std::uint64_t bits = 0;
    std::memcpy(&bits, &z, sizeof bits);
    hash = (hash ^ bits) * 1099511628211ULL;
  }
  CHECK(hash == 0x83d693c050e62717ULL);

  kl::Rng s1(123), s2(123), other(124);
  bool same = true;
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = s1.next();
    same = same && x == s2.next();
    differs = differs || x != other.next();
  }
  CHECK(same);
  CHECK(differs);
}

TEST_CASE("Rng: uniform, normal and integer distributions", "[numerics]") {
  kl::Rng rng(5);
  const int n = 100000;
  double umin = 1.0, umax = 0.0, usum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.uniform();
    umin = std::min(umin, x);
    umax = std::max(umax, x);
    usum += x;
  }
  CHECK(umin >= 0.0);
  CHECK(umax < 1.0);
  CHECK(std::fabs(usum / n - 0.5) < 5 * std::sqrt(1.0 / 12 / n));

  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum2 += z * z;
  }
  const double mean = sum / n;
  const double var = (sum2 - n * mean * mean) / (n - 1);
  CHECK(std::fabs(mean) < 5 / std::sqrt(static_cast<double>(n)));
  CHECK(std::fabs(var - 1) < 5 * std::sqrt(2.0 / n));

  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) {
    const std::int64_t k = rng.integer(1, 6);
    REQUIRE(k >= 1);
    REQUIRE(k <= 6);
    ++counts[static_cast<std::size_t>(k - 1)];
  }
  for (int c : counts) CHECK(std::abs(c - 10000) < 5 * std::sqrt(60000 * (1.0 / 6) * (5.0 / 6)));
  for (int i = 0; i < 100; ++i) {
    const std::int64_t k = rng.integer(3, -2);  // bounds in either order
    CHECK(k >= -2);
    CHECK(k <= 3);
  }
  CHECK(rng.integer(7, 7) == 7);
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  rng.integer(lo, hi);  // the full range must not hang or overflow
  const std::int64_t near_top = rng.integer(hi - 1, hi);
  CHECK(near_top >= hi - 1);
}
