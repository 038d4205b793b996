// The numerics of the course: categorical divergences, softmax, Gaussians, DDPM schedules, the RLHF
// optimal policy and Monte Carlo estimators. Plain C++17 + Eigen; every fallible function returns a
// Result with a message a learner can act on.
//
// Conventions (all logs natural, results in nats):
//   0 · log 0 = 0;  p_i > 0 where q_i = 0 gives +inf;  Gaussians take VARIANCES, never standard
//   deviations;  a probability vector must be finite, non-negative and sum to 1 within kProbTolerance.
//
// Error codes: Length (sizes differ, empty input), NotDistribution (negative entry, sum != 1),
// Domain (non-finite input, variance <= 0, beta/tau/alpha out of range), NotPositiveDefinite,
// Index (time step t outside 1..T), TooLarge (T or n above the caps below), Type (no function given).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>

#include "kl/result.hpp"

namespace kl {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

/// How far from 1 the sum of a probability vector may be.
constexpr double kProbTolerance = 1e-6;
/// Largest T accepted by the DDPM schedules (a wasm heap is 16 MiB unless it grows).
constexpr int kMaxSteps = 100000;
/// Largest number of Monte Carlo draws in one call (keeps a browser responsive).
constexpr std::int64_t kMaxDraws = 10000000;

// ---------------------------------------------------------------------------------------------
// Validation

/// Checks that p is a probability vector; `name` ("p", "the first argument") appears in the message.
Result<bool> check_distribution(const Vec& p, const std::string& name);
/// Checks that a and b have the same length; the message names both lengths and `what` ("kl").
Result<bool> check_same_length(const Vec& a, const Vec& b, const std::string& what);
/// The same with the names of the two vectors ("kl: p has 3 entries but q has 4").
Result<bool> check_same_length(const Vec& a, const Vec& b, const std::string& what, const std::string& name_a, const std::string& name_b);

// ---------------------------------------------------------------------------------------------
// Categorical distributions (arguments validated as probability vectors of equal length)

/// H(p) = -sum p log p.
Result<double> entropy(const Vec& p);
/// H(p, q) = -sum p log q (+inf where p > 0 and q = 0).
Result<double> cross_entropy(const Vec& p, const Vec& q);
/// KL(p || q) = sum p log(p / q), forward as written; summed as sum q phi(p/q), phi(r) = r log r - r + 1,
/// so it is never negative and stays accurate when p and q are nearly equal.
Result<double> kl_divergence(const Vec& p, const Vec& q);
/// Jensen-Shannon divergence with the mixture m = (p + q) / 2; in [0, ln 2].
Result<double> jsd(const Vec& p, const Vec& q);
/// Total variation ½ sum |p - q|; in [0, 1].
Result<double> tv(const Vec& p, const Vec& q);
/// Pearson chi-squared sum (p - q)^2 / q (+inf where q = 0 < p).
Result<double> chi2(const Vec& p, const Vec& q);
/// Hellinger distance H(p, q) = sqrt(½ sum (sqrt p - sqrt q)^2), in [0, 1] (the normalised convention).
Result<double> hellinger(const Vec& p, const Vec& q);
/// Renyi divergence of order alpha > 0; alpha = 1 is KL, alpha = inf is log max p/q.
Result<double> renyi(const Vec& p, const Vec& q, double alpha);
/// Csiszar f-divergence sum q f(p / q) for convex f with f(1) = 0. Terms with q = 0 < p give +inf
/// (the limit p lim f(t)/t is not computed for an arbitrary f: use tv, jsd or hellinger for f that
/// grow linearly); terms with p = q = 0 contribute 0.
Result<double> f_divergence(const Vec& p, const Vec& q, const std::function<double(double)>& f);

// ---------------------------------------------------------------------------------------------
// Softmax family (stable for logits such as (1000, 0); tau > 0 is the temperature)

/// log sum exp z, shifted by the maximum; -inf for an all -inf vector.
Result<double> logsumexp(const Vec& z);
/// softmax(z / tau).
Result<Vec> softmax(const Vec& z, double tau = 1.0);
/// log softmax(z / tau), computed without forming softmax.
Result<Vec> log_softmax(const Vec& z, double tau = 1.0);

// ---------------------------------------------------------------------------------------------
// Gaussians (second arguments are variances)

/// KL(N(mu1, var1) || N(mu2, var2)); accurate when the two are nearly equal (log1p/expm1 forms).
Result<double> kl_gauss(double mu1, double var1, double mu2, double var2);
/// sum_i KL(N(mu_i, var_i) || N(0, 1)): the VAE term for a diagonal Gaussian encoder.
Result<double> kl_std_normal(const Vec& mu, const Vec& var);
/// KL(N(mu1, S1) || N(mu2, S2)) for full covariances, through Cholesky factors. S1, S2 must be
/// symmetric positive definite (NotPositiveDefinite otherwise).
Result<double> kl_mvn(const Vec& mu1, const Mat& S1, const Vec& mu2, const Mat& S2);
/// log N(x; mu, var).
Result<double> normal_logpdf(double x, double mu, double var);

// ---------------------------------------------------------------------------------------------
// DDPM (time steps are 1-based: t = 1..T, betas[t-1] is beta_t)

/// Linear schedule of T betas from beta_1 to beta_T inclusive (T = 1 gives just beta_1).
Result<Vec> linear_betas(int T, double beta_1, double beta_T);
/// Cosine schedule (Nichol & Dhariwal): alpha_bar(t) = f(t)/f(0), f(t) = cos^2(((t/T + s)/(1 + s)) pi/2),
/// beta_t = 1 - alpha_bar(t)/alpha_bar(t-1) clipped at max_beta.
Result<Vec> cosine_betas(int T, double s = 0.008, double max_beta = 0.999);
/// alpha_bar_t = prod_{s<=t} (1 - beta_s), t = 1..T (validates 0 < beta < 1).
Result<Vec> alpha_bar(const Vec& betas);
/// Mean of the posterior q(x_{t-1} | x_t, x_0), t in 1..T (at t = 1 the posterior is a point mass at x_0).
Result<double> q_posterior_mean(const Vec& betas, int t, double x0, double xt);
/// Variance beta-tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) · beta_t (alpha_bar_0 = 1).
Result<double> q_posterior_var(const Vec& betas, int t);
/// The model mean from a noise prediction: (x_t - beta_t / sqrt(1 - alpha_bar_t) · eps) / sqrt(alpha_t).
Result<double> eps_to_mean(const Vec& betas, int t, double xt, double eps);
/// The weight w_t with KL(q(x_{t-1}|x_t,x_0) || N(mu_theta, beta-tilde_t)) = w_t (eps - eps_theta)^2:
/// w_t = beta_t^2 / (2 beta-tilde_t alpha_t (1 - alpha_bar_t)) = beta_t / (2 alpha_t (1 - alpha_bar_{t-1})),
/// t in 2..T (at t = 1 beta-tilde_1 = 0 and the bound's term is the decoder likelihood instead).
Result<double> ddpm_weight(const Vec& betas, int t);

// ---------------------------------------------------------------------------------------------
// RLHF

/// The KL-regularised optimal policy pi*(y) ∝ pi_ref(y) exp(r(y) / beta), computed in log space.
Result<Vec> rlhf_policy(const Vec& pi_ref, const Vec& r, double beta);

// ---------------------------------------------------------------------------------------------
// Deterministic random numbers: identical sequences natively and in wasm.

/// xoshiro256** seeded through splitmix64; its own uniform and normal samplers.
class Rng {
 public:
  /// Seeds the generator; the same seed gives the same stream on every platform.
  explicit Rng(std::uint64_t seed);
  /// The next 64 random bits.
  std::uint64_t next();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Standard normal (Marsaglia polar method; no trigonometric functions).
  double normal();
  /// Uniform integer in [lo, hi] inclusive, without modulo bias (bounds in either order).
  std::int64_t integer(std::int64_t lo, std::int64_t hi);

 private:
  std::uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

/// A Monte Carlo estimate: the sample mean and its standard error.
struct Estimate {
  double value = 0.0;
  double stderr_ = 0.0;  ///< standard error of the mean (sample sd / sqrt(n))
  std::int64_t n = 0;
};

/// Mean and standard error of a vector of samples (n >= 2).
Result<Estimate> mean_and_stderr(const Vec& samples);
/// MC estimate of KL(N(mu1, var1) || N(mu2, var2)) from n draws of the first Gaussian.
Result<Estimate> mc_kl_gauss(double mu1, double var1, double mu2, double var2, std::int64_t n, std::uint64_t seed);

}  // namespace kl
