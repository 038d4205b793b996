// The numerics of the course (kl/numerics.hpp): validation with learner-facing messages, categorical
// divergences, the softmax family, Gaussian KLs, DDPM schedules and posteriors, the RLHF optimal
// policy and Monte Carlo estimators. kl::Rng lives in rng.cpp.
//
// Determinism: sums are plain loops and transcendental functions are kl::dm (detmath.hpp) calls, never
// Eigen's reductions or array().exp(), whose SSE paths (natively) round differently from the
// scalar paths (wasm), and whose vectorised exp returns denormals instead of 0 for exp(-1000).
//
// Accuracy notes. Each divergence is summed from terms that are never negative (KL as
// sum q phi(p/q), Gaussian KLs from r - 1 - log r), so roundoff cannot produce a KL below zero, and
// the terms use log1p or a short series where p ≈ q or var1 ≈ var2, where the textbook formulas
// cancel. Softmax-like functions shift by the maximum first.
#include "kl/numerics.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "kl/detmath.hpp"

// Returns the error of a Result<bool> check, if any.
#define KL_CHECK(expr)                                           \
  do {                                                           \
    const auto kl_check_result_ = (expr);                        \
    if (!kl_check_result_.ok()) return kl_check_result_.error(); \
  } while (0)

namespace kl {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;
constexpr double kLn2 = 0.69314718055994530942;
constexpr double kLog2Pi = 1.83787706640934548356;

// ---- message helpers ------------------------------------------------------------------------

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

std::string count(Eigen::Index n) { return std::to_string(n) + (n == 1 ? " entry" : " entries"); }

bool is_identifier(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "use normalize(q)" reads well only when the name is something a learner could type.
std::string call_on(const std::string& fn, const std::string& name) {
  return fn + "(" + (is_identifier(name) ? name : std::string("...")) + ")";
}

Error domain(const std::string& msg) { return make_error(ErrorCode::Domain, msg); }

Result<bool> check_finite(double x, const std::string& name, const std::string& what) {
  if (!std::isfinite(x)) return domain(what + ": " + name + " must be a finite number, got " + num(x));
  return true;
}

Result<bool> check_variance(double var, const std::string& name, const std::string& what) {
  if (std::isnan(var) || var <= 0.0) {
    return domain(what + ": " + name + " = " + num(var) +
                  ", but a variance must be positive (the second argument of N(mu, var) is a variance, "
                  "not a standard deviation)");
  }
  if (!std::isfinite(var)) return domain(what + ": " + name + " must be a finite number, got " + num(var));
  return true;
}

// Hot paths (normal_logpdf and kl_gauss run once per element of a vector) pass names as literals:
// check first, and build the message strings only on failure.
Result<bool> check_finite(double x, const char* name, const char* what) {
  if (std::isfinite(x)) return true;
  return check_finite(x, std::string(name), std::string(what));
}

Result<bool> check_variance(double var, const char* name, const char* what) {
  if (var > 0.0 && std::isfinite(var)) return true;
  return check_variance(var, std::string(name), std::string(what));
}

Result<bool> check_finite_vec(const Vec& v, const std::string& name, const std::string& what) {
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return domain(what + ": entry " + std::to_string(i + 1) + " of " + name + " is " + num(v[i]) +
                    "; every entry must be a finite number");
    }
  }
  return true;
}

Result<bool> check_nonempty(const Vec& v, const std::string& name, const std::string& what) {
  if (v.size() == 0) return make_error(ErrorCode::Length, what + ": " + name + " is empty");
  return true;
}

// The argument checks shared by every two-distribution function.
Result<bool> check_pair(const Vec& p, const Vec& q, const std::string& what) {
  KL_CHECK(check_same_length(p, q, what, "p", "q"));
  KL_CHECK(check_distribution(p, "p"));
  KL_CHECK(check_distribution(q, "q"));
  return true;
}

// ---- small numerical kernels ----------------------------------------------------------------

// r - 1 - log r >= 0, given d = r - 1 and log r. Near r = 1 both d and log r are ~d while their
// difference is ~d^2/2, so the direct form loses everything; the series keeps full precision.
double r_minus_1_minus_log_r(double d, double log_r) {
  if (!std::isfinite(d)) return kInf;
  if (std::fabs(d) < 1e-2) {
    // sum_{k>=2} (-1)^k d^k / k; the terms after d^10 are below 1e-18 relative.
    double s = 0.0;
    for (int k = 10; k >= 2; --k) s = s * d + ((k % 2 == 0) ? 1.0 : -1.0) / k;
    return s * d * d;
  }
  if (d >= -0.9) return d - dm::log1p(d);
  return d - log_r;  // r < 0.1: no cancellation, and log r from the logs cannot underflow
}

// One term q phi(p/q) = p log(p/q) - p + q >= 0 of KL(p || q), phi(r) = r log r - r + 1; the -p + q
// parts cancel in the sum, and p = 0 leaves q.
double kl_term(double p, double q) {
  if (p == 0.0) return q;
  if (q == 0.0) return kInf;
  const double d = (p - q) / q;
  if (std::fabs(d) < 1e-2) {
    // phi(1 + d) = sum_{k>=2} (-1)^k d^k / (k (k - 1)).
    double s = 0.0;
    for (int k = 10; k >= 2; --k) s = s * d + ((k % 2 == 0) ? 1.0 : -1.0) / (k * (k - 1.0));
    return q * s * d * d;
  }
  // log1p(d) only where it is accurate and 1 + d cannot round to 0 (p/q below ~1e-16 did, giving -inf).
  if (d >= -0.5 && d <= 1.0) return p * dm::log1p(d) - (p - q);
  const double r = p / q;
  const double log_r = (std::isfinite(r) && r > 0.0) ? dm::log(r) : dm::log(p) - dm::log(q);
  return p * log_r - (p - q);
}

// sin(x) for x in [0, pi] from Taylor polynomials, so that it is the same in every libm (glibc and
// musl disagree in the last bit of sin/cos, and DDPM schedules feed variants).
double poly_sin(double x) {
  if (x > kPi / 2) x = kPi - x;
  const bool use_cos = x > kPi / 4;
  const double y = use_cos ? kPi / 2 - x : x;  // |y| <= pi/4: 12 terms are far below an ulp
  const double y2 = y * y;
  double s = 0.0;
  if (!use_cos) {
    for (int k = 12; k >= 1; --k) s = 1.0 - s * y2 / ((2.0 * k) * (2.0 * k + 1.0));
    return y * s;
  }
  for (int k = 12; k >= 1; --k) s = 1.0 - s * y2 / ((2.0 * k - 1.0) * (2.0 * k));
  return s;
}

// The pieces of step t of a schedule. alpha_bar by the running product (more accurate for ᾱ itself),
// 1 - alpha_bar as -expm1(sum log1p(-beta)) (accurate when ᾱ is near 1, where 1 - product cancels).
struct Step {
  double beta = 0.0;
  double alpha = 1.0;
  double abar_prev = 1.0;
  double one_minus_abar = 0.0;
  double one_minus_abar_prev = 0.0;
};

Result<bool> check_betas(const Vec& betas, const std::string& what) {
  KL_CHECK(check_nonempty(betas, "betas", what));
  for (Eigen::Index i = 0; i < betas.size(); ++i) {
    const double b = betas[i];
    if (!(b > 0.0 && b < 1.0)) {
      return domain(what + ": beta_" + std::to_string(i + 1) + " = " + num(b) +
                    " is outside (0, 1); every beta_t must satisfy 0 < beta_t < 1");
    }
  }
  return true;
}

Result<Step> step_at(const Vec& betas, int t, const std::string& what) {
  KL_CHECK(check_betas(betas, what));
  const Eigen::Index T = betas.size();
  if (t < 1 || t > T) {
    return make_error(ErrorCode::Index,
                      what + ": t = " + std::to_string(t) + " is outside 1.." + std::to_string(T) + " (time steps are 1-based: t = 1..T)");
  }
  // 1 - ᾱ needs the log form only while ᾱ is near 1 (where 1 - product cancels); once the product
  // falls below 1/4, 1 - product is accurate, so the log1p sum (the costly part) stops there.
  Step st;
  double prod = 1.0, log_sum = 0.0;
  bool log_valid = true;
  double prev_prod = 1.0, prev_log = 0.0;
  bool prev_valid = true;
  for (int s = 1; s <= t; ++s) {
    prev_prod = prod;
    prev_log = log_sum;
    prev_valid = log_valid;
    const double b = betas[s - 1];
    prod *= 1.0 - b;
    if (log_valid) {
      log_sum += dm::log1p(-b);
      if (prod < 0.25 && s < t) log_valid = false;
    }
  }
  st.abar_prev = prev_prod;
  st.one_minus_abar_prev = prev_valid ? -dm::expm1(prev_log) : 1.0 - prev_prod;
  st.beta = betas[t - 1];
  st.alpha = 1.0 - st.beta;
  st.one_minus_abar = log_valid ? -dm::expm1(log_sum) : 1.0 - prod;
  return st;
}

Result<bool> check_steps(int T, const std::string& what) {
  if (T < 1) return domain(what + ": T must be at least 1, got " + std::to_string(T));
  if (T > kMaxSteps) {
    return make_error(ErrorCode::TooLarge,
                      what + ": T = " + std::to_string(T) + " is more than the limit of " + std::to_string(kMaxSteps) + " steps");
  }
  return true;
}

Result<bool> check_gauss_args(double mu1, double var1, double mu2, double var2, const char* what) {
  KL_CHECK(check_finite(mu1, "mu1", what));
  KL_CHECK(check_variance(var1, "var1", what));
  KL_CHECK(check_finite(mu2, "mu2", what));
  KL_CHECK(check_variance(var2, "var2", what));
  return true;
}

// KL of two univariate Gaussians, arguments already validated.
double kl_gauss_unchecked(double mu1, double var1, double mu2, double var2) {
  const double d = (var1 - var2) / var2;
  const double g = r_minus_1_minus_log_r(d, dm::log(var1) - dm::log(var2));
  const double dm = mu1 - mu2;
  return 0.5 * g + dm * dm / (2.0 * var2);
}

Result<bool> check_tau(double tau, const std::string& what) {
  if (!(tau > 0.0) || !std::isfinite(tau)) {
    return domain(what + ": the temperature tau must be a positive number, got " + num(tau));
  }
  return true;
}

// Logits may be -inf (probability 0) but not NaN or +inf.
Result<bool> check_logits(const Vec& z, const std::string& what) {
  KL_CHECK(check_nonempty(z, "the vector of logits", what));
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    if (std::isnan(z[i]) || z[i] == kInf) {
      return domain(what + ": entry " + std::to_string(i + 1) + " is " + num(z[i]) +
                    "; logits must be finite numbers (-inf is allowed and means probability 0)");
    }
  }
  return true;
}

Result<bool> check_covariance_shape(const Mat& S, const std::string& name, Eigen::Index d, const std::string& what) {
  if (S.rows() != d || S.cols() != d) {
    return make_error(ErrorCode::Length, what + ": " + name + " is " + std::to_string(S.rows()) + "x" + std::to_string(S.cols()) +
                                             " but mu1 has " + count(d) + "; " + name + " must be " + std::to_string(d) + "x" +
                                             std::to_string(d));
  }
  if (!S.allFinite()) return domain(what + ": " + name + " has an entry that is not a finite number");
  return true;
}

// Cholesky factor of a covariance matrix, or NotPositiveDefinite with the reason.
Result<Mat> cholesky(const Mat& S, const std::string& name, const std::string& what) {
  const double scale = S.cwiseAbs().maxCoeff();
  const double tol = 1e-10 * scale;
  for (Eigen::Index i = 0; i < S.rows(); ++i) {
    for (Eigen::Index j = i + 1; j < S.cols(); ++j) {
      if (std::fabs(S(i, j) - S(j, i)) > tol) {
        return make_error(ErrorCode::NotPositiveDefinite, what + ": " + name + " is not symmetric: " + name + "(" + std::to_string(i + 1) +
                                                              "," + std::to_string(j + 1) + ") = " + num(S(i, j)) + " but " + name + "(" +
                                                              std::to_string(j + 1) + "," + std::to_string(i + 1) + ") = " + num(S(j, i)) +
                                                              " (a covariance matrix is symmetric)");
      }
    }
  }
  const Mat sym = 0.5 * (S + S.transpose());
  Eigen::LLT<Mat> llt(sym);
  Mat L = llt.matrixL();
  bool ok = llt.info() == Eigen::Success;
  for (Eigen::Index i = 0; ok && i < L.rows(); ++i) ok = L(i, i) > 0.0 && std::isfinite(L(i, i));
  if (!ok) {
    return make_error(ErrorCode::NotPositiveDefinite, what + ": " + name +
                                                          " is not positive definite (a covariance matrix needs positive "
                                                          "variances on its diagonal and correlations strictly between -1 and 1)");
  }
  return L;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Validation

Result<bool> check_distribution(const Vec& p, const std::string& name) {
  if (p.size() == 0) {
    return make_error(ErrorCode::Length, name + " is empty: a probability distribution needs at least one entry");
  }
  double sum = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (!std::isfinite(p[i])) {
      return domain(name + " is not a probability distribution: entry " + std::to_string(i + 1) + " is " + num(p[i]) +
                    ", and every probability must be a finite number");
    }
    sum += p[i];
  }
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (p[i] < 0.0) {
      return make_error(ErrorCode::NotDistribution, name + " is not a probability distribution: entry " + std::to_string(i + 1) + " is " +
                                                        num(p[i]) +
                                                        ", and probabilities cannot be negative (if these are logits or scores, " +
                                                        call_on("softmax", name) + " turns them into probabilities)");
    }
  }
  if (std::fabs(sum - 1.0) > kProbTolerance) {
    return make_error(ErrorCode::NotDistribution, name + " is not a probability distribution: its entries sum to " + num(sum) +
                                                      ", not 1 (use " + call_on("normalize", name) + " to rescale it)");
  }
  return true;
}

Result<bool> check_same_length(const Vec& a, const Vec& b, const std::string& what, const std::string& name_a, const std::string& name_b) {
  if (a.size() != b.size()) {
    return make_error(ErrorCode::Length,
                      what + ": " + name_a + " has " + count(a.size()) + " but " + name_b + " has " + std::to_string(b.size()));
  }
  return true;
}

Result<bool> check_same_length(const Vec& a, const Vec& b, const std::string& what) { return check_same_length(a, b, what, "p", "q"); }

// ---------------------------------------------------------------------------------------------
// Categorical distributions

Result<double> entropy(const Vec& p) {
  KL_CHECK(check_distribution(p, "p"));
  double h = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (p[i] > 0.0) h -= p[i] * dm::log(p[i]);
  }
  return std::max(0.0, h);  // an entry just above 1 (within the tolerance) must not give H < 0
}

Result<double> cross_entropy(const Vec& p, const Vec& q) {
  KL_CHECK(check_pair(p, q, "cross_entropy"));
  double h = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0) continue;
    if (q[i] == 0.0) return kInf;
    h -= p[i] * dm::log(q[i]);
  }
  return std::max(0.0, h);
}

Result<double> kl_divergence(const Vec& p, const Vec& q) {
  KL_CHECK(check_pair(p, q, "kl"));
  double s = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) s += kl_term(p[i], q[i]);
  return s;
}

Result<double> jsd(const Vec& p, const Vec& q) {
  KL_CHECK(check_pair(p, q, "jsd"));
  double s = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    const double m = 0.5 * (p[i] + q[i]);
    s += kl_term(p[i], m) + kl_term(q[i], m);
  }
  return std::min(kLn2, 0.5 * s);
}

Result<double> tv(const Vec& p, const Vec& q) {
  KL_CHECK(check_pair(p, q, "tv"));
  double s = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) s += std::fabs(p[i] - q[i]);
  return std::min(1.0, 0.5 * s);
}

Result<double> chi2(const Vec& p, const Vec& q) {
  KL_CHECK(check_pair(p, q, "chi2"));
  double s = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (q[i] == 0.0) {
      if (p[i] > 0.0) return kInf;
      continue;
    }
    const double d = p[i] - q[i];
    s += d * d / q[i];
  }
  return s;
}

Result<double> hellinger(const Vec& p, const Vec& q) {
  KL_CHECK(check_pair(p, q, "hellinger"));
  double s = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    const double d = std::sqrt(p[i]) - std::sqrt(q[i]);
    s += d * d;
  }
  return std::sqrt(std::min(1.0, 0.5 * s));
}

Result<double> renyi(const Vec& p, const Vec& q, double alpha) {
  if (std::isnan(alpha) || alpha <= 0.0) {
    return domain("renyi: the order alpha must be positive, got " + num(alpha) + " (alpha = 1 is KL, alpha = inf is log max p/q)");
  }
  if (alpha == 1.0) return kl_divergence(p, q);
  KL_CHECK(check_pair(p, q, "renyi"));
  const Eigen::Index n = p.size();
  if (alpha == kInf) {
    double m = -kInf;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (p[i] == 0.0) continue;
      if (q[i] == 0.0) return kInf;
      m = std::max(m, dm::log(p[i]) - dm::log(q[i]));
    }
    return std::max(0.0, m);
  }
  // D = log(sum p e^u / sum p) / (alpha - 1), u = (alpha - 1) log(p/q), over the support of p.
  // Dividing by sum p makes the limit alpha -> 1 exactly sum p log(p/q) / sum p.
  const double am1 = alpha - 1.0;
  Vec u(n);
  double psum = 0.0;
  double umax = -kInf;
  double uabs = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (p[i] == 0.0) {
      u[i] = -kInf;
      continue;
    }
    if (q[i] == 0.0) {
      if (am1 > 0.0) return kInf;  // q^(1 - alpha) blows up
      u[i] = -kInf;                // q^(1 - alpha) = 0: the term vanishes
    } else {
      u[i] = am1 * (dm::log(p[i]) - dm::log(q[i]));
      uabs = std::max(uabs, std::fabs(u[i]));
    }
    psum += p[i];
    umax = std::max(umax, u[i]);
  }
  if (umax == -kInf) return kInf;              // alpha < 1 and disjoint supports
  if (umax == kInf) return renyi(p, q, kInf);  // alpha so large that u overflows: the alpha = inf limit
  double log_ratio = 0.0;
  if (uabs < 0.5) {
    // Near alpha = 1 the ratio is 1 + O(alpha - 1): expm1/log1p keep the small difference
    // (expm1(-inf) = -1 covers the vanished terms).
    double s = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (p[i] > 0.0) s += p[i] * dm::expm1(u[i]);
    }
    log_ratio = dm::log1p(s / psum);
  } else {
    double s = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (p[i] > 0.0) s += p[i] * dm::exp(u[i] - umax);
    }
    log_ratio = umax + dm::log(s / psum);
  }
  return std::max(0.0, log_ratio / am1);
}

Result<double> f_divergence(const Vec& p, const Vec& q, const std::function<double(double)>& f) {
  if (!f) return make_error(ErrorCode::Type, "f_divergence: no function f was given");
  KL_CHECK(check_pair(p, q, "f_divergence"));
  double s = 0.0;
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    if (q[i] == 0.0) {
      if (p[i] > 0.0) return kInf;
      continue;
    }
    const double t = p[i] / q[i];
    const double ft = f(t);
    if (std::isnan(ft)) return domain("f_divergence: f(" + num(t) + ") is not a number");
    s += q[i] * ft;
  }
  if (std::isnan(s)) return domain("f_divergence: the terms add up to inf - inf");
  return s;
}

// ---------------------------------------------------------------------------------------------
// Softmax family

Result<double> logsumexp(const Vec& z) {
  KL_CHECK(check_logits(z, "logsumexp"));
  const double m = z.maxCoeff();
  if (m == -kInf) return -kInf;
  double s = 0.0;
  for (Eigen::Index i = 0; i < z.size(); ++i) s += dm::exp(z[i] - m);
  return m + dm::log(s);
}

namespace {

Result<Vec> log_softmax_named(const Vec& z, double tau, const std::string& what) {
  KL_CHECK(check_logits(z, what));
  KL_CHECK(check_tau(tau, what));
  Eigen::Index imax = 0;
  const double m = z.maxCoeff(&imax);
  if (m == -kInf) return domain(what + ": every logit is -inf, so there is no probability to share out");
  // Shift before dividing by tau, so that z / tau cannot overflow for a small tau.
  Vec w(z.size());
  double rest = 0.0;  // sum of exp(w_i) over i != imax; the maximum contributes exactly 1
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    w[i] = (z[i] - m) / tau;
    if (i != imax) rest += dm::exp(w[i]);
  }
  const double lse = dm::log1p(rest);
  w.array() -= lse;
  return w;
}

}  // namespace

Result<Vec> log_softmax(const Vec& z, double tau) { return log_softmax_named(z, tau, "log_softmax"); }

Result<Vec> softmax(const Vec& z, double tau) {
  KL_TRY(Vec w, log_softmax_named(z, tau, "softmax"));
  for (Eigen::Index i = 0; i < w.size(); ++i) w[i] = dm::exp(w[i]);
  return w;
}

// ---------------------------------------------------------------------------------------------
// Gaussians

Result<double> kl_gauss(double mu1, double var1, double mu2, double var2) {
  KL_CHECK(check_gauss_args(mu1, var1, mu2, var2, "kl_gauss"));
  return kl_gauss_unchecked(mu1, var1, mu2, var2);
}

Result<double> kl_std_normal(const Vec& mu, const Vec& var) {
  KL_CHECK(check_same_length(mu, var, "kl_std_normal", "mu", "var"));
  KL_CHECK(check_nonempty(mu, "mu", "kl_std_normal"));
  KL_CHECK(check_finite_vec(mu, "mu", "kl_std_normal"));
  double s = 0.0;
  for (Eigen::Index i = 0; i < mu.size(); ++i) {
    KL_CHECK(check_variance(var[i], "var entry " + std::to_string(i + 1), "kl_std_normal"));
    s += kl_gauss_unchecked(mu[i], var[i], 0.0, 1.0);
  }
  return s;
}

Result<double> kl_mvn(const Vec& mu1, const Mat& S1, const Vec& mu2, const Mat& S2) {
  const std::string what = "kl_mvn";
  KL_CHECK(check_nonempty(mu1, "mu1", what));
  KL_CHECK(check_same_length(mu1, mu2, what, "mu1", "mu2"));
  const Eigen::Index d = mu1.size();
  KL_CHECK(check_covariance_shape(S1, "S1", d, what));
  KL_CHECK(check_covariance_shape(S2, "S2", d, what));
  KL_CHECK(check_finite_vec(mu1, "mu1", what));
  KL_CHECK(check_finite_vec(mu2, "mu2", what));
  KL_TRY(Mat L1, cholesky(S1, "S1", what));
  KL_TRY(Mat L2, cholesky(S2, "S2", what));
  // With M = L2^-1 L1 (lower triangular): tr(S2^-1 S1) = |M|_F^2 and log det S2 - log det S1 =
  // -sum log M_ii^2, so 2 KL = sum_{i>j} M_ij^2 + sum_i (r_i - 1 - log r_i) + |L2^-1 (mu1 - mu2)|^2
  // with r_i = M_ii^2: a sum of non-negative terms, each accurate when S1 ≈ S2.
  const Mat M = L2.triangularView<Eigen::Lower>().solve(L1);
  const Vec v = L2.triangularView<Eigen::Lower>().solve(mu1 - mu2);
  double s = 0.0;
  for (Eigen::Index i = 0; i < d; ++i) s += v[i] * v[i];
  for (Eigen::Index j = 0; j < d; ++j) {
    for (Eigen::Index i = j + 1; i < d; ++i) s += M(i, j) * M(i, j);
    const double a = L1(j, j);
    const double b = L2(j, j);
    s += r_minus_1_minus_log_r((a - b) * (a + b) / (b * b), 2.0 * (dm::log(a) - dm::log(b)));
  }
  return 0.5 * s;
}

Result<double> normal_logpdf(double x, double mu, double var) {
  const char* what = "normal_logpdf";
  KL_CHECK(check_finite(x, "x", what));
  KL_CHECK(check_finite(mu, "mu", what));
  KL_CHECK(check_variance(var, "var", what));
  const double d = x - mu;
  return -0.5 * (kLog2Pi + dm::log(var)) - d * d / (2.0 * var);
}

// ---------------------------------------------------------------------------------------------
// DDPM

Result<Vec> linear_betas(int T, double beta_1, double beta_T) {
  const std::string what = "linear_betas";
  KL_CHECK(check_steps(T, what));
  for (const auto& [b, name] : {std::pair<double, const char*>{beta_1, "beta_1"}, {beta_T, "beta_T"}}) {
    if (!(b > 0.0 && b < 1.0)) return domain(what + ": " + name + " = " + num(b) + " is outside (0, 1)");
  }
  Vec betas(T);
  betas[0] = beta_1;
  for (int i = 1; i < T; ++i) {
    betas[i] = i == T - 1 ? beta_T : beta_1 + (beta_T - beta_1) * (i / (T - 1.0));
  }
  return betas;
}

Result<Vec> cosine_betas(int T, double s, double max_beta) {
  const std::string what = "cosine_betas";
  KL_CHECK(check_steps(T, what));
  if (!(s >= 0.0) || !std::isfinite(s)) return domain(what + ": the offset s must be >= 0, got " + num(s));
  if (!(max_beta > 0.0 && max_beta < 1.0)) {
    return domain(what + ": max_beta = " + num(max_beta) + " is outside (0, 1)");
  }
  // With u(t) = (T - t) / (T (1 + s)), f(t) = cos^2(((t/T + s)/(1 + s)) pi/2) = sin^2(u(t) pi/2), and
  // cos^2 a - cos^2 b = sin(b - a) sin(b + a) turns beta_t = 1 - f(t)/f(t-1) into a product without
  // the cancellation of 1 - (ratio near 1) at small t.
  const double h = kPi / 2;
  const double scale = T * (1.0 + s);
  const double sin_step = poly_sin(h / scale);
  Vec betas(T);
  for (int t = 1; t <= T; ++t) {
    const double u_prev = (T - t + 1) / scale;
    const double u = (T - t) / scale;
    const double sp = poly_sin(u_prev * h);
    const double beta = sin_step * poly_sin((u_prev + u) * h) / (sp * sp);
    betas[t - 1] = std::min(beta, max_beta);
  }
  return betas;
}

Result<Vec> alpha_bar(const Vec& betas) {
  KL_CHECK(check_betas(betas, "alpha_bar"));
  Vec abar(betas.size());
  double prod = 1.0;
  for (Eigen::Index i = 0; i < betas.size(); ++i) {
    prod *= 1.0 - betas[i];
    abar[i] = prod;
  }
  return abar;
}

Result<double> q_posterior_mean(const Vec& betas, int t, double x0, double xt) {
  const std::string what = "q_posterior_mean";
  KL_TRY(Step st, step_at(betas, t, what));
  KL_CHECK(check_finite(x0, "x0", what));
  KL_CHECK(check_finite(xt, "xt", what));
  const double c0 = std::sqrt(st.abar_prev) * st.beta / st.one_minus_abar;
  const double ct = std::sqrt(st.alpha) * st.one_minus_abar_prev / st.one_minus_abar;
  return c0 * x0 + ct * xt;
}

Result<double> q_posterior_var(const Vec& betas, int t) {
  KL_TRY(Step st, step_at(betas, t, "q_posterior_var"));
  return st.one_minus_abar_prev / st.one_minus_abar * st.beta;
}

Result<double> eps_to_mean(const Vec& betas, int t, double xt, double eps) {
  const std::string what = "eps_to_mean";
  KL_TRY(Step st, step_at(betas, t, what));
  KL_CHECK(check_finite(xt, "xt", what));
  KL_CHECK(check_finite(eps, "eps", what));
  return (xt - st.beta / std::sqrt(st.one_minus_abar) * eps) / std::sqrt(st.alpha);
}

Result<double> ddpm_weight(const Vec& betas, int t) {
  KL_TRY(Step st, step_at(betas, t, "ddpm_weight"));
  if (t == 1) {
    return domain(
        "ddpm_weight: t must be at least 2: at t = 1 the posterior variance beta-tilde_1 is 0 and "
        "the bound's t = 1 term is the decoder likelihood, not a KL");
  }
  // beta_t^2 / (2 beta-tilde_t alpha_t (1 - abar_t)) with beta-tilde_t substituted.
  return st.beta / (2.0 * st.alpha * st.one_minus_abar_prev);
}

// ---------------------------------------------------------------------------------------------
// RLHF

Result<Vec> rlhf_policy(const Vec& pi_ref, const Vec& r, double beta) {
  const std::string what = "rlhf_policy";
  KL_CHECK(check_same_length(pi_ref, r, what, "pi_ref", "r"));
  KL_CHECK(check_distribution(pi_ref, "pi_ref"));
  KL_CHECK(check_finite_vec(r, "r", what));
  if (std::isnan(beta) || beta <= 0.0 || !std::isfinite(beta)) {
    return domain(what + ": beta must be a positive number, got " + num(beta) +
                  " (beta weighs the KL penalty; as beta -> 0 the policy puts all its mass on the best reward)");
  }
  // log pi_ref + r / beta, shifted by the largest reward on the support so that r / beta cannot
  // overflow (beta = 0.1, r = 20 / beta gives e^200 otherwise).
  double rmax = -kInf;
  for (Eigen::Index i = 0; i < r.size(); ++i) {
    if (pi_ref[i] > 0.0) rmax = std::max(rmax, r[i]);
  }
  Vec z(r.size());
  for (Eigen::Index i = 0; i < r.size(); ++i) {
    z[i] = pi_ref[i] > 0.0 ? dm::log(pi_ref[i]) + (r[i] - rmax) / beta : -kInf;
  }
  return softmax(z, 1.0);
}

// ---------------------------------------------------------------------------------------------
// Monte Carlo

Result<Estimate> mean_and_stderr(const Vec& samples) {
  const std::string what = "mean_and_stderr";
  if (samples.size() < 2) {
    return make_error(ErrorCode::Length, what + ": a standard error needs at least 2 samples, got " + std::to_string(samples.size()));
  }
  KL_CHECK(check_finite_vec(samples, "the samples", what));
  const double n = static_cast<double>(samples.size());
  double sum = 0.0;
  for (Eigen::Index i = 0; i < samples.size(); ++i) sum += samples[i];
  const double mean = sum / n;
  double ss = 0.0;
  for (Eigen::Index i = 0; i < samples.size(); ++i) ss += (samples[i] - mean) * (samples[i] - mean);
  Estimate e;
  e.value = mean;
  e.stderr_ = std::sqrt(ss / (n - 1.0)) / std::sqrt(n);
  e.n = samples.size();
  return e;
}

Result<Estimate> mc_kl_gauss(double mu1, double var1, double mu2, double var2, std::int64_t n, std::uint64_t seed) {
  const std::string what = "mc_kl_gauss";
  KL_CHECK(check_gauss_args(mu1, var1, mu2, var2, "mc_kl_gauss"));
  if (n < 2) return domain(what + ": needs at least 2 draws to give a standard error, got " + std::to_string(n));
  if (n > kMaxDraws) {
    return make_error(ErrorCode::TooLarge,
                      what + ": n = " + std::to_string(n) + " draws is more than the limit of " + std::to_string(kMaxDraws));
  }
  Rng rng(seed);
  const double sd1 = std::sqrt(var1);
  const double half_log_ratio = 0.5 * (dm::log(var2) - dm::log(var1));
  // Welford's running mean and sum of squares: no n-sized buffer in a 16 MiB wasm heap.
  double mean = 0.0;
  double m2 = 0.0;
  for (std::int64_t k = 1; k <= n; ++k) {
    const double z = rng.normal();
    const double x = mu1 + sd1 * z;
    const double d2 = x - mu2;
    // log N(x; mu1, var1) - log N(x; mu2, var2), with (x - mu1)^2 / var1 = z^2.
    const double f = half_log_ratio - 0.5 * z * z + d2 * d2 / (2.0 * var2);
    const double delta = f - mean;
    mean += delta / static_cast<double>(k);
    m2 += delta * (f - mean);
  }
  Estimate e;
  e.value = mean;
  const double nd = static_cast<double>(n);
  e.stderr_ = std::sqrt(m2 / (nd - 1.0)) / std::sqrt(nd);
  e.n = n;
  return e;
}

}  // namespace kl

#undef KL_CHECK
