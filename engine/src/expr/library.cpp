// The function library of the notebook language: argument checking with messages that say what was
// expected, and thin adapters onto kl:: numerics. Names are a contract (authors and tests use them).
#include "expr/library.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>

#include "kl/detmath.hpp"
#include "kl/numerics.hpp"

namespace kl {

namespace {
std::atomic<std::int64_t> g_default_work_limit{kMaxWork};
}  // namespace

std::int64_t default_work_limit() { return g_default_work_limit.load(std::memory_order_relaxed); }
void set_default_work_limit(std::int64_t limit) { g_default_work_limit.store(limit, std::memory_order_relaxed); }

Budget::Budget(std::int64_t limit, double seconds) : limit_(limit) {
  if (seconds > 0) {
    has_deadline_ = true;
    seconds_ = seconds;
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  }
}

Result<bool> Budget::charge(std::int64_t n) {
  if (n > 0) used_ = n > kMaxWork * 1000000 - used_ ? kMaxWork * 1000000 : used_ + n;  // saturates, never wraps
  if (used_ > limit_ || timed_out_) return over();
  if (has_deadline_ && used_ >= next_clock_check_) {
    next_clock_check_ = used_ + (std::int64_t{1} << 16);
    if (std::chrono::steady_clock::now() > deadline_) {
      timed_out_ = true;
      return over();
    }
  }
  return true;
}

Error Budget::over() const {
  if (timed_out_)
    return make_error(ErrorCode::TooLarge,
                      "this computation is too large: it did not finish within " + format_number(seconds_, 3) + " seconds");
  return make_error(ErrorCode::TooLarge, "this computation is too large (more than " + std::to_string(limit_) +
                                             " units of work): use smaller vectors or fewer points");
}

namespace detail {

Result<bool> check_size(double n, const std::string& what) {
  if (!(n <= static_cast<double>(kMaxElements)))
    return make_error(ErrorCode::TooLarge,
                      what + " would have " + format_number(n, 6) + " entries; the limit is " + std::to_string(kMaxElements));
  return true;
}

namespace {

// Costs the library charges itself (the per-element costs of each function are in the table at the
// end), in work units; measured, see docs/reliability.md.
constexpr double kCostMixtureTerm = 32;  // mixture_logpdf: one point and one component
constexpr double kCostCosineStep = 48;   // cosine_betas: three polynomial sines per step
constexpr double kCostScheduleStep = 8;  // a diffusion posterior: one step of the schedule, one point
constexpr double kCostNormalDraw = 12;   // randn: one normal draw (polar method)
constexpr double kCostUniformDraw = 2;   // rand: one uniform draw

// Charges a cost computed before the work it pays for.
Result<bool> pay(CallContext& ctx, double cost) { return charge(ctx.budget, units(cost)); }

#define KL_PAY(ctx, cost)                        \
  do {                                           \
    auto kl_paid_ = pay((ctx), (cost));          \
    if (!kl_paid_.ok()) return kl_paid_.error(); \
  } while (0)

// ---- argument helpers -------------------------------------------------------------------------

// The i-th parameter name from a signature such as "kl(p, q)" ("p"), for messages.
std::string param_name(const CallContext& ctx, std::size_t i) {
  const FunctionSpec* spec = find_function(ctx.name);
  std::string sig = spec ? spec->signature : "";
  std::size_t open = sig.find('(');
  std::vector<std::string> names;
  std::string cur;
  for (std::size_t k = open + 1; open != std::string::npos && k < sig.size(); ++k) {
    char c = sig[k];
    if (c == ',' || c == ')') {
      if (!cur.empty()) names.push_back(cur);
      cur.clear();
    } else if (c != ' ' && c != '[' && c != ']' && c != '.') {
      cur += c;
    }
  }
  if (i < names.size()) return names[i];
  return "argument " + std::to_string(i + 1);
}

Error type_error(const CallContext& ctx, std::size_t i, const std::string& wanted, const Value& got) {
  return make_error(ErrorCode::Type, ctx.name + ": " + param_name(ctx, i) + " must be " + wanted + ", got " + describe(got));
}

Result<double> num(const std::vector<Value>& a, std::size_t i, const CallContext& ctx) {
  if (!a[i].is_number()) return type_error(ctx, i, "a number", a[i]);
  return a[i].number();
}

Result<Vec> vec(const std::vector<Value>& a, std::size_t i, const CallContext& ctx) {
  if (!a[i].is_vector()) return type_error(ctx, i, "a vector", a[i]);
  return a[i].vector();
}

Result<Mat> mat(const std::vector<Value>& a, std::size_t i, const CallContext& ctx) {
  if (a[i].is_matrix()) return a[i].matrix();
  if (a[i].is_number()) return Mat(Mat::Constant(1, 1, a[i].number()));
  return type_error(ctx, i, "a matrix", a[i]);
}

// A vector, or a number taken as a one-entry vector.
Result<Vec> vec_or_num(const std::vector<Value>& a, std::size_t i, const CallContext& ctx) {
  if (a[i].is_vector()) return a[i].vector();
  if (a[i].is_number()) return Vec(Vec::Constant(1, a[i].number()));
  return type_error(ctx, i, "a vector", a[i]);
}

// A whole-number argument. 64-bit on purpose: long is 32 bits in wasm32, and zeros(1e12) must be
// reported as too large, not wrapped around.
Result<std::int64_t> whole(const std::vector<Value>& a, std::size_t i, const CallContext& ctx, long min_value) {
  KL_TRY(double x, num(a, i, ctx));
  if (x != std::floor(x) || x < static_cast<double>(min_value) || x > 9.0e15)
    return make_error(ErrorCode::Domain, ctx.name + ": " + param_name(ctx, i) + " must be a whole number of at least " +
                                             std::to_string(min_value) + ", got " + format_number(x, 6));
  return static_cast<std::int64_t>(x);
}

// Applies a scalar function to a number, vector or matrix.
Result<Value> map_numeric(const Value& v, const CallContext& ctx, const std::function<Result<double>(double)>& f) {
  if (v.is_number()) {
    KL_TRY(double r, f(v.number()));
    return Value(r);
  }
  if (v.is_vector() || v.is_matrix()) {
    Mat m = v.is_vector() ? Mat(v.vector()) : v.matrix();
    for (Eigen::Index k = 0; k < m.size(); ++k) {
      KL_TRY(double r, f(m.data()[k]));
      m.data()[k] = r;
    }
    if (v.is_vector()) return Value(Vec(m.col(0)));
    return Value(std::move(m));
  }
  return make_error(ErrorCode::Type, ctx.name + " works on numbers, vectors and matrices, not on " + describe(v));
}

// Calls a scalar kernel with numbers or equal-length vectors (a vector result when any is a vector).
Result<Value> broadcast(const std::vector<Value>& a, const CallContext& ctx,
                        const std::function<Result<double>(const std::vector<double>&)>& f) {
  long n = -1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].is_vector()) {
      long len = static_cast<long>(a[i].vector().size());
      if (n >= 0 && len != n)
        return make_error(ErrorCode::Length, ctx.name + ": the vector arguments must have the same length, got " + std::to_string(n) +
                                                 " and " + std::to_string(len));
      n = len;
    } else if (!a[i].is_number()) {
      return type_error(ctx, i, "a number (or a vector of numbers)", a[i]);
    }
  }
  std::vector<double> x(a.size());
  auto fill = [&](long k) {
    for (std::size_t i = 0; i < a.size(); ++i) x[i] = a[i].is_vector() ? a[i].vector()[k] : a[i].number();
  };
  if (n < 0) {
    fill(0);
    KL_TRY(double r, f(x));
    return Value(r);
  }
  Vec out(n);
  for (long k = 0; k < n; ++k) {
    fill(k);
    KL_TRY(double r, f(x));
    out[k] = r;
  }
  return Value(std::move(out));
}

Result<Value> to_value(Result<double> r) {
  if (!r.ok()) return r.error();
  return Value(r.value());
}
Result<Value> to_value(Result<Vec> r) {
  if (!r.ok()) return r.error();
  return Value(std::move(r).value());
}

// Prefixes a numerics error with the function name, so the learner knows which call failed.
Result<Value> named(const CallContext& ctx, Result<Value> r) {
  if (r.ok()) return r;
  Error e = r.error();
  if (e.message.rfind(ctx.name + ":", 0) != 0) e.message = ctx.name + ": " + e.message;
  return e;
}

// ---- the functions ----------------------------------------------------------------------------

Result<Value> f_ln(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [&](double x) -> Result<double> {
    if (x < 0) return make_error(ErrorCode::Domain, ctx.name + " is only defined for numbers >= 0, got " + format_number(x, 6));
    return dm::log(x);
  });
}
Result<Value> f_log2(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [&](double x) -> Result<double> {
    if (x < 0) return make_error(ErrorCode::Domain, "log2 is only defined for numbers >= 0, got " + format_number(x, 6));
    return dm::log2(x);
  });
}
Result<Value> f_log10(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [&](double x) -> Result<double> {
    if (x < 0) return make_error(ErrorCode::Domain, "log10 is only defined for numbers >= 0, got " + format_number(x, 6));
    return dm::log10(x);
  });
}
Result<Value> f_log1p(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [&](double x) -> Result<double> {
    if (x < -1) return make_error(ErrorCode::Domain, "log1p(x) is only defined for x >= -1, got " + format_number(x, 6));
    return dm::log1p(x);
  });
}
Result<Value> f_exp(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [](double x) -> Result<double> { return dm::exp(x); });
}
Result<Value> f_expm1(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [](double x) -> Result<double> { return dm::expm1(x); });
}
Result<Value> f_sqrt(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [](double x) -> Result<double> {
    if (x < 0) return make_error(ErrorCode::Domain, "sqrt is only defined for numbers >= 0, got " + format_number(x, 6));
    return std::sqrt(x);
  });
}
Result<Value> f_abs(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [](double x) -> Result<double> { return std::fabs(x); });
}
Result<Value> f_floor(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [](double x) -> Result<double> { return std::floor(x); });
}
Result<Value> f_ceil(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [](double x) -> Result<double> { return std::ceil(x); });
}
Result<Value> f_round(const std::vector<Value>& a, CallContext& ctx) {
  long digits = 0;
  if (a.size() > 1) {
    KL_TRY(double d, num(a, 1, ctx));
    if (d != std::floor(d) || d < 0 || d > 15) return make_error(ErrorCode::Domain, "round: digits must be a whole number from 0 to 15");
    digits = static_cast<long>(d);
  }
  const double scale = dm::pow(10.0, static_cast<double>(digits));
  return map_numeric(a[0], ctx, [scale](double x) -> Result<double> {
    // Beyond 2^52 a double has no fractional digits left, and x * scale could overflow
    // (round(1e308, 2) gave inf): such a number is already rounded.
    if (!(std::fabs(x * scale) < 0x1p52)) return x;
    return std::round(x * scale) / scale;
  });
}
Result<Value> f_bits(const std::vector<Value>& a, CallContext& ctx) {
  return map_numeric(a[0], ctx, [](double x) -> Result<double> { return x / M_LN2; });
}

Result<Value> reduce(const std::vector<Value>& a, CallContext& ctx, const std::function<double(const Vec&)>& f) {
  if (a[0].is_number()) return Value(f(Vec::Constant(1, a[0].number())));
  if (a[0].is_vector()) return Value(f(a[0].vector()));
  if (a[0].is_matrix()) return Value(f(Eigen::Map<const Vec>(a[0].matrix().data(), a[0].matrix().size())));
  return type_error(ctx, 0, "a vector", a[0]);
}
Result<Value> f_sum(const std::vector<Value>& a, CallContext& ctx) {
  return reduce(a, ctx, [](const Vec& v) { return v.sum(); });
}
Result<Value> f_prod(const std::vector<Value>& a, CallContext& ctx) {
  return reduce(a, ctx, [](const Vec& v) { return v.prod(); });
}
// The mean of finite numbers is finite, but their sum can overflow (mean([1e308, 1e308])): then
// the entries are summed scaled by 1/n instead.
double mean_of(const Vec& v) {
  const double m = v.mean();
  if (std::isfinite(m) || !v.allFinite()) return m;
  const double n = static_cast<double>(v.size());
  double s = 0.0;
  for (Eigen::Index i = 0; i < v.size(); ++i) s += v[i] / n;
  return s;
}
Result<Value> f_mean(const std::vector<Value>& a, CallContext& ctx) { return reduce(a, ctx, mean_of); }

Result<Value> min_max(const std::vector<Value>& a, CallContext& ctx, bool is_min) {
  if (a.size() == 1) {
    if (a[0].is_vector()) return Value(is_min ? a[0].vector().minCoeff() : a[0].vector().maxCoeff());
    if (a[0].is_matrix()) return Value(is_min ? a[0].matrix().minCoeff() : a[0].matrix().maxCoeff());
    if (a[0].is_number()) return a[0];
    return type_error(ctx, 0, "a vector", a[0]);
  }
  double best = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_number())
      return make_error(ErrorCode::Type, ctx.name + " of several arguments compares numbers; for a vector write " + ctx.name + "(v)");
    double x = a[i].number();
    if (i == 0 || (is_min ? x < best : x > best)) best = x;
  }
  return Value(best);
}
Result<Value> f_min(const std::vector<Value>& a, CallContext& ctx) { return min_max(a, ctx, true); }
Result<Value> f_max(const std::vector<Value>& a, CallContext& ctx) { return min_max(a, ctx, false); }

Result<Value> arg_extreme(const std::vector<Value>& a, CallContext& ctx, bool is_min) {
  if (!a[0].is_vector()) return type_error(ctx, 0, "a vector", a[0]);
  // A plain loop: Eigen's minCoeff(&index) visitor was several times slower. The first of equal
  // entries wins, as before.
  const Vec& v = a[0].vector();
  Eigen::Index k = 0;
  for (Eigen::Index i = 1; i < v.size(); ++i)
    if (is_min ? v[i] < v[k] : v[i] > v[k]) k = i;
  return Value(static_cast<double>(k + 1));
}
Result<Value> f_argmin(const std::vector<Value>& a, CallContext& ctx) { return arg_extreme(a, ctx, true); }
Result<Value> f_argmax(const std::vector<Value>& a, CallContext& ctx) { return arg_extreme(a, ctx, false); }

Result<Value> f_cumsum(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec v, vec_or_num(a, 0, ctx));
  for (Eigen::Index i = 1; i < v.size(); ++i) v[i] += v[i - 1];
  return Value(std::move(v));
}
Result<Value> f_cumprod(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec v, vec_or_num(a, 0, ctx));
  for (Eigen::Index i = 1; i < v.size(); ++i) v[i] *= v[i - 1];
  return Value(std::move(v));
}
Result<Value> f_dot(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec x, vec(a, 0, ctx));
  KL_TRY(Vec y, vec(a, 1, ctx));
  KL_TRY(bool ok, check_same_length(x, y, "dot"));
  (void)ok;
  return Value(x.dot(y));
}
Result<Value> f_len(const std::vector<Value>& a, CallContext& ctx) {
  if (a[0].is_vector()) return Value(static_cast<double>(a[0].vector().size()));
  if (a[0].is_matrix()) return Value(static_cast<double>(a[0].matrix().rows()));
  if (a[0].is_string()) return Value(static_cast<double>(a[0].string().size()));
  if (a[0].is_number()) return Value(1.0);
  return type_error(ctx, 0, "a vector", a[0]);
}
Result<Value> f_normalize(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec v, vec(a, 0, ctx));
  if (!v.allFinite()) return make_error(ErrorCode::Domain, "normalize: every entry must be finite");
  if ((v.array() < 0).any()) return make_error(ErrorCode::Domain, "normalize: entries must be non-negative (use softmax for logits)");
  const double s = v.sum();
  if (!(s > 0)) return make_error(ErrorCode::DivisionByZero, "normalize: the entries sum to 0, so they cannot be rescaled to sum to 1");
  if (std::isinf(s)) {
    // The sum of finite entries overflowed (normalize([1e308, 1e308]) gave [0, 0]): scale first.
    const Vec w = v / v.maxCoeff();
    return Value(Vec(w / w.sum()));
  }
  return Value(Vec(v / s));
}
Result<Value> f_var(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec v, vec(a, 0, ctx));
  if (v.size() < 2) return make_error(ErrorCode::Length, ctx.name + " needs at least 2 samples");
  const double m = mean_of(v);
  const double var = (v.array() - m).square().sum() / static_cast<double>(v.size() - 1);
  if (ctx.name == "var") return Value(var);
  if (ctx.name == "std") return Value(std::sqrt(var));
  return Value(std::sqrt(var / static_cast<double>(v.size())));  // stderr
}
Result<Value> f_reverse(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec v, vec(a, 0, ctx));
  return Value(Vec(v.reverse()));
}
Result<Value> f_concat(const std::vector<Value>& a, CallContext& ctx) {
  double total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_vector() && !a[i].is_number()) return type_error(ctx, i, "a vector", a[i]);
    total += static_cast<double>(a[i].size());
  }
  KL_TRY(bool ok, check_size(total, "concat"));
  (void)ok;
  KL_PAY(ctx, 2.0 * total);
  Vec out(static_cast<Eigen::Index>(total));
  Eigen::Index at = 0;
  for (const auto& v : a) {
    if (v.is_number()) {
      out[at++] = v.number();
    } else {
      out.segment(at, v.vector().size()) = v.vector();
      at += v.vector().size();
    }
  }
  return Value(std::move(out));
}

Result<Value> f_linspace(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(double lo, num(a, 0, ctx));
  KL_TRY(double hi, num(a, 1, ctx));
  KL_TRY(std::int64_t n, whole(a, 2, ctx, 2));
  KL_TRY(bool ok, check_size(static_cast<double>(n), "linspace"));
  (void)ok;
  KL_PAY(ctx, 2.0 * static_cast<double>(n));
  const auto len = static_cast<Eigen::Index>(n);
  Vec v(len);
  if (std::isfinite(hi - lo)) {
    for (Eigen::Index i = 0; i < len; ++i) v[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(len - 1);
  } else {
    // hi - lo overflows for finite ends (linspace(-1e308, 1e308, 3)): interpolate without it.
    for (Eigen::Index i = 0; i < len; ++i) {
      const double t = static_cast<double>(i) / static_cast<double>(len - 1);
      v[i] = lo * (1.0 - t) + hi * t;
    }
  }
  v[len - 1] = hi;
  return Value(std::move(v));
}
Result<Value> f_range(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(double lo, num(a, 0, ctx));
  KL_TRY(double hi, num(a, 1, ctx));
  if (lo != std::floor(lo) || hi != std::floor(hi)) return make_error(ErrorCode::Domain, "range(a, b) takes whole numbers");
  if (hi < lo) return make_error(ErrorCode::Domain, "range(a, b) needs a <= b");
  KL_TRY(bool ok, check_size(hi - lo + 1, "range"));
  (void)ok;
  KL_PAY(ctx, 2.0 * (hi - lo + 1));
  Vec v(static_cast<long>(hi - lo) + 1);
  for (long i = 0; i < v.size(); ++i) v[i] = lo + static_cast<double>(i);
  return Value(std::move(v));
}
Result<Value> filled(const std::vector<Value>& a, CallContext& ctx, double x) {
  KL_TRY(std::int64_t n, whole(a, 0, ctx, 1));
  KL_TRY(bool ok, check_size(static_cast<double>(n), ctx.name));
  (void)ok;
  KL_PAY(ctx, static_cast<double>(n));
  return Value(Vec(Vec::Constant(static_cast<Eigen::Index>(n), x)));
}
Result<Value> f_zeros(const std::vector<Value>& a, CallContext& ctx) { return filled(a, ctx, 0.0); }
Result<Value> f_ones(const std::vector<Value>& a, CallContext& ctx) { return filled(a, ctx, 1.0); }
Result<Value> f_eye(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(std::int64_t n, whole(a, 0, ctx, 1));
  KL_TRY(bool ok, check_size(static_cast<double>(n) * static_cast<double>(n), "eye"));
  (void)ok;
  KL_PAY(ctx, static_cast<double>(n) * static_cast<double>(n));
  return Value(Mat(Mat::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n))));
}
Result<Value> f_diag(const std::vector<Value>& a, CallContext& ctx) {
  if (a[0].is_matrix()) return Value(Vec(a[0].matrix().diagonal()));
  KL_TRY(Vec v, vec(a, 0, ctx));
  KL_TRY(bool ok, check_size(static_cast<double>(v.size()) * static_cast<double>(v.size()), "diag"));
  (void)ok;
  KL_PAY(ctx, static_cast<double>(v.size()) * static_cast<double>(v.size()));
  return Value(Mat(v.asDiagonal()));
}
Result<Value> f_transpose(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Mat m, mat(a, 0, ctx));
  return Value(Mat(m.transpose()));
}

// -- divergences
Result<Value> f_entropy(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec p, vec(a, 0, ctx));
  return named(ctx, to_value(entropy(p)));
}
template <Result<double> (*F)(const Vec&, const Vec&)>
Result<Value> pairwise(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec p, vec(a, 0, ctx));
  KL_TRY(Vec q, vec(a, 1, ctx));
  return named(ctx, to_value(F(p, q)));
}
Result<Value> f_renyi(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec p, vec(a, 0, ctx));
  KL_TRY(Vec q, vec(a, 1, ctx));
  KL_TRY(double alpha, num(a, 2, ctx));
  return named(ctx, to_value(renyi(p, q, alpha)));
}

// -- softmax
Result<Value> softmax_like(const std::vector<Value>& a, CallContext& ctx, bool log_form) {
  KL_TRY(Vec z, vec(a, 0, ctx));
  double tau = 1.0;
  if (a.size() > 1) {
    KL_TRY(double t, num(a, 1, ctx));
    tau = t;
  }
  return named(ctx, to_value(log_form ? log_softmax(z, tau) : softmax(z, tau)));
}
Result<Value> f_softmax(const std::vector<Value>& a, CallContext& ctx) { return softmax_like(a, ctx, false); }
Result<Value> f_log_softmax(const std::vector<Value>& a, CallContext& ctx) { return softmax_like(a, ctx, true); }
Result<Value> f_logsumexp(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec z, vec(a, 0, ctx));
  return named(ctx, to_value(logsumexp(z)));
}

// -- Gaussians
Result<Value> f_kl_gauss(const std::vector<Value>& a, CallContext& ctx) {
  return named(ctx, broadcast(a, ctx, [](const std::vector<double>& x) { return kl_gauss(x[0], x[1], x[2], x[3]); }));
}
Result<Value> f_normal_logpdf(const std::vector<Value>& a, CallContext& ctx) {
  return named(ctx, broadcast(a, ctx, [](const std::vector<double>& x) { return normal_logpdf(x[0], x[1], x[2]); }));
}
Result<Value> f_kl_std_normal(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec mu, vec_or_num(a, 0, ctx));
  KL_TRY(Vec var, vec_or_num(a, 1, ctx));
  if (var.size() == 1 && mu.size() > 1) var = Vec::Constant(mu.size(), var[0]);
  if (mu.size() == 1 && var.size() > 1) mu = Vec::Constant(var.size(), mu[0]);
  return named(ctx, to_value(kl_std_normal(mu, var)));
}
Result<Value> f_kl_mvn(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec mu1, vec_or_num(a, 0, ctx));
  KL_TRY(Mat s1, mat(a, 1, ctx));
  KL_TRY(Vec mu2, vec_or_num(a, 2, ctx));
  KL_TRY(Mat s2, mat(a, 3, ctx));
  // Two Cholesky factorisations and a triangular solve: about d^3 multiply-adds in all, charged
  // before they run (a 2236x2236 covariance is refused at once, not after 16 s). Shapes that do
  // not match cost nothing: kl_mvn reports them.
  const double d = static_cast<double>(mu1.size());
  if (s1.rows() == mu1.size() && s1.cols() == mu1.size() && s2.rows() == mu1.size() && s2.cols() == mu1.size())
    KL_PAY(ctx, d * d * d * kCostFlop);
  return named(ctx, to_value(kl_mvn(mu1, s1, mu2, s2)));
}
Result<Value> f_mixture_logpdf(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec w, vec(a, 1, ctx));
  KL_TRY(Vec mus, vec(a, 2, ctx));
  KL_TRY(Vec vars, vec(a, 3, ctx));
  KL_TRY(bool okw, check_distribution(w, "the weights w"));
  (void)okw;
  if (mus.size() != w.size() || vars.size() != w.size())
    return make_error(ErrorCode::Length, "mixture_logpdf: w, mus and vars must have the same length, got " + std::to_string(w.size()) +
                                             ", " + std::to_string(mus.size()) + " and " + std::to_string(vars.size()));
  // n points times k components, each a log-density and a share of a log-sum-exp.
  KL_PAY(ctx, static_cast<double>(std::max<long>(1, a[0].size())) * static_cast<double>(w.size()) * kCostMixtureTerm);
  Vec terms(w.size());
  return named(ctx, map_numeric(a[0], ctx, [&](double x) -> Result<double> {
                 for (Eigen::Index k = 0; k < w.size(); ++k) {
                   KL_TRY(double lp, normal_logpdf(x, mus[k], vars[k]));
                   terms[k] = dm::log(w[k]) + lp;
                 }
                 return logsumexp(terms);
               }));
}

// -- DDPM
Result<Value> f_linear_betas(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(std::int64_t T, whole(a, 0, ctx, 1));
  KL_TRY(bool ok, check_size(static_cast<double>(T), "the schedule"));
  (void)ok;
  KL_TRY(double b1, num(a, 1, ctx));
  KL_TRY(double bT, num(a, 2, ctx));
  KL_PAY(ctx, 2.0 * static_cast<double>(T));
  return named(ctx, to_value(linear_betas(static_cast<int>(T), b1, bT)));
}
Result<Value> f_cosine_betas(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(std::int64_t T, whole(a, 0, ctx, 1));
  KL_TRY(bool ok, check_size(static_cast<double>(T), "the schedule"));
  (void)ok;
  double s = 0.008;
  if (a.size() > 1) {
    KL_TRY(double sv, num(a, 1, ctx));
    s = sv;
  }
  KL_PAY(ctx, static_cast<double>(T) * kCostCosineStep);
  return named(ctx, to_value(cosine_betas(static_cast<int>(T), s)));
}
Result<Value> f_alpha_bar(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec b, vec_or_num(a, 0, ctx));
  return named(ctx, to_value(alpha_bar(b)));
}
// Each point of a diffusion posterior checks the whole schedule and walks it up to t: about T
// steps per point, so n points cost n·T (q_posterior_var(betas, range(1, T)) is quadratic in T).
double posterior_cost(const Vec& betas, const std::vector<Value>& rest) {
  double n = 1;
  for (const auto& v : rest) n = std::max(n, static_cast<double>(v.size()));
  return n * static_cast<double>(betas.size()) * kCostScheduleStep;
}

Result<int> step(double t, const Vec& betas) {
  if (t != std::floor(t) || t < 1 || t > static_cast<double>(betas.size()))
    return make_error(ErrorCode::Domain,
                      "the step t must be a whole number from 1 to T = " + std::to_string(betas.size()) + ", got " + format_number(t, 6));
  return static_cast<int>(t);
}
Result<Value> f_q_posterior_mean(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec b, vec_or_num(a, 0, ctx));
  std::vector<Value> rest(a.begin() + 1, a.end());
  KL_PAY(ctx, posterior_cost(b, rest));
  return named(ctx, broadcast(rest, ctx, [&](const std::vector<double>& x) -> Result<double> {
                 KL_TRY(int t, step(x[0], b));
                 return q_posterior_mean(b, t, x[1], x[2]);
               }));
}
Result<Value> f_q_posterior_var(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec b, vec_or_num(a, 0, ctx));
  std::vector<Value> rest(a.begin() + 1, a.end());
  KL_PAY(ctx, posterior_cost(b, rest));
  return named(ctx, broadcast(rest, ctx, [&](const std::vector<double>& x) -> Result<double> {
                 KL_TRY(int t, step(x[0], b));
                 return q_posterior_var(b, t);
               }));
}
Result<Value> f_ddpm_weight(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec b, vec_or_num(a, 0, ctx));
  std::vector<Value> rest(a.begin() + 1, a.end());
  KL_PAY(ctx, posterior_cost(b, rest));
  return named(ctx, broadcast(rest, ctx, [&](const std::vector<double>& x) -> Result<double> {
                 KL_TRY(int t, step(x[0], b));
                 return ddpm_weight(b, t);
               }));
}
Result<Value> f_eps_to_mean(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec b, vec_or_num(a, 0, ctx));
  std::vector<Value> rest(a.begin() + 1, a.end());
  KL_PAY(ctx, posterior_cost(b, rest));
  return named(ctx, broadcast(rest, ctx, [&](const std::vector<double>& x) -> Result<double> {
                 KL_TRY(int t, step(x[0], b));
                 return eps_to_mean(b, t, x[1], x[2]);
               }));
}

// -- RLHF
Result<Value> f_rlhf_policy(const std::vector<Value>& a, CallContext& ctx) {
  KL_TRY(Vec pi, vec(a, 0, ctx));
  KL_TRY(Vec r, vec(a, 1, ctx));
  KL_TRY(double beta, num(a, 2, ctx));
  return named(ctx, to_value(rlhf_policy(pi, r, beta)));
}

// -- random numbers
Result<std::uint64_t> seed_arg(const std::vector<Value>& a, std::size_t i, const CallContext& ctx) {
  KL_TRY(double s, num(a, i, ctx));
  if (s != std::floor(s) || s < 0 || s > 9.0e15)
    return make_error(ErrorCode::Domain, ctx.name + ": the seed must be a whole number >= 0, got " + format_number(s, 6));
  return static_cast<std::uint64_t>(s);
}
Result<Value> draws(const std::vector<Value>& a, CallContext& ctx, bool normal) {
  KL_TRY(std::int64_t n, whole(a, 0, ctx, 1));
  KL_TRY(bool ok, check_size(static_cast<double>(n), ctx.name));
  (void)ok;
  KL_PAY(ctx, static_cast<double>(n) * (normal ? kCostNormalDraw : kCostUniformDraw));
  KL_TRY(std::uint64_t seed, seed_arg(a, 1, ctx));
  Rng rng(seed);
  Vec v(static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < v.size(); ++i) v[i] = normal ? rng.normal() : rng.uniform();
  return Value(std::move(v));
}
Result<Value> f_randn(const std::vector<Value>& a, CallContext& ctx) { return draws(a, ctx, true); }
Result<Value> f_rand(const std::vector<Value>& a, CallContext& ctx) { return draws(a, ctx, false); }

Error no_rng(const CallContext& ctx) {
  return make_error(ErrorCode::Type, ctx.name + "(...) draws a random parameter, and is only available in an exercise's vary block");
}
Result<Value> f_uniform(const std::vector<Value>& a, CallContext& ctx) {
  if (ctx.options.rng == nullptr) return no_rng(ctx);
  KL_TRY(double lo, num(a, 0, ctx));
  KL_TRY(double hi, num(a, 1, ctx));
  if (!(hi > lo)) return make_error(ErrorCode::Domain, "uniform(a, b) needs a < b");
  if (a.size() > 2) {
    KL_TRY(double stepv, num(a, 2, ctx));
    if (!(stepv > 0)) return make_error(ErrorCode::Domain, "uniform(a, b, step) needs step > 0");
    const double count = std::floor((hi - lo) / stepv + 1e-9);
    if (count > 1e12) return make_error(ErrorCode::Domain, "uniform(a, b, step): too many steps");
    const auto k = ctx.options.rng->integer(0, static_cast<std::int64_t>(count));
    // Rounded to the step's decimals, so 0.1-steps give 0.3, not 0.30000000000000004.
    const double x = lo + static_cast<double>(k) * stepv;
    const double scale = dm::pow(10.0, std::ceil(-dm::log10(stepv)) + 2);
    return Value(std::round(x * scale) / scale);
  }
  const double u = ctx.options.rng->uniform();
  // hi - lo can overflow for finite bounds (uniform(-1e308, 1e308)).
  return Value(std::isfinite(hi - lo) ? lo + (hi - lo) * u : lo * (1.0 - u) + hi * u);
}
Result<Value> f_randint(const std::vector<Value>& a, CallContext& ctx) {
  if (ctx.options.rng == nullptr) return no_rng(ctx);
  KL_TRY(double lo, num(a, 0, ctx));
  KL_TRY(double hi, num(a, 1, ctx));
  if (lo != std::floor(lo) || hi != std::floor(hi) || hi < lo)
    return make_error(ErrorCode::Domain, "randint(a, b) takes whole numbers a <= b");
  return Value(static_cast<double>(ctx.options.rng->integer(static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi))));
}
Result<Value> f_choice(const std::vector<Value>& a, CallContext& ctx) {
  if (ctx.options.rng == nullptr) return no_rng(ctx);
  const auto k = ctx.options.rng->integer(0, static_cast<std::int64_t>(a.size()) - 1);
  return a[static_cast<std::size_t>(k)];
}
Result<Value> f_if(const std::vector<Value>&, CallContext&) {
  return make_error(ErrorCode::Internal, "if is evaluated lazily by the evaluator");
}

constexpr int kMany = 1000;

// name, arity, usage, function, whether finite arguments may legitimately give an infinite result
// (ln(0), a support mismatch: every other infinity from finite arguments is an overflow error),
// and work units per element of the largest argument (measured: docs/reliability.md).
const std::vector<FunctionSpec> kFunctions = {
    {"abs", 1, 1, "abs(x)", f_abs, false, 3},
    {"alpha_bar", 1, 1, "alpha_bar(betas)", f_alpha_bar, false, 4},
    {"argmax", 1, 1, "argmax(v)", f_argmax, false, 2},
    {"argmin", 1, 1, "argmin(v)", f_argmin, false, 2},
    {"bits", 1, 1, "bits(x)", f_bits, false, 3},
    {"ceil", 1, 1, "ceil(x)", f_ceil, false, 3},
    {"chi2", 2, 2, "chi2(p, q)", pairwise<chi2>, true, 12},
    {"choice", 1, kMany, "choice(x1, x2, ...)", f_choice, false, 1},
    {"concat", 1, kMany, "concat(a, b, ...)", f_concat, false, 0},
    {"cosine_betas", 1, 2, "cosine_betas(T, [s])", f_cosine_betas, false, 0},
    {"cross_entropy", 2, 2, "cross_entropy(p, q)", pairwise<cross_entropy>, true, 16},
    {"cumprod", 1, 1, "cumprod(v)", f_cumprod, false, 8},
    {"cumsum", 1, 1, "cumsum(v)", f_cumsum, false, 4},
    {"ddpm_weight", 2, 2, "ddpm_weight(betas, t)", f_ddpm_weight, false, 0},
    {"diag", 1, 1, "diag(v)", f_diag, false, 1},
    {"dot", 2, 2, "dot(a, b)", f_dot, false, 4},
    {"entropy", 1, 1, "entropy(p)", f_entropy, false, 16},
    {"eps_to_mean", 4, 4, "eps_to_mean(betas, t, xt, eps)", f_eps_to_mean, false, 0},
    {"exp", 1, 1, "exp(x)", f_exp, false, 16},
    {"expm1", 1, 1, "expm1(x)", f_expm1, false, 16},
    {"eye", 1, 1, "eye(n)", f_eye, false, 0},
    {"floor", 1, 1, "floor(x)", f_floor, false, 3},
    {"hellinger", 2, 2, "hellinger(p, q)", pairwise<hellinger>, false, 12},
    {"if", 3, 3, "if(condition, a, b)", f_if, true, 0},
    {"jsd", 2, 2, "jsd(p, q)", pairwise<jsd>, false, 48},
    {"kl", 2, 2, "kl(p, q)", pairwise<kl_divergence>, true, 32},
    {"kl_gauss", 4, 4, "kl_gauss(mu1, var1, mu2, var2)", f_kl_gauss, false, 32},
    {"kl_mvn", 4, 4, "kl_mvn(mu1, S1, mu2, S2)", f_kl_mvn, false, 4},
    {"kl_std_normal", 2, 2, "kl_std_normal(mu, var)", f_kl_std_normal, false, 32},
    {"len", 1, 1, "len(v)", f_len, false, 0},
    {"linear_betas", 3, 3, "linear_betas(T, beta_1, beta_T)", f_linear_betas, false, 0},
    {"linspace", 3, 3, "linspace(a, b, n)", f_linspace, false, 0},
    {"ln", 1, 1, "ln(x)", f_ln, true, 8},
    {"log", 1, 1, "log(x)", f_ln, true, 8},
    {"log10", 1, 1, "log10(x)", f_log10, true, 8},
    {"log1p", 1, 1, "log1p(x)", f_log1p, true, 8},
    {"log2", 1, 1, "log2(x)", f_log2, true, 8},
    {"log_softmax", 1, 2, "log_softmax(z, [tau])", f_log_softmax, false, 64},
    {"logsumexp", 1, 1, "logsumexp(z)", f_logsumexp, false, 48},
    {"max", 1, kMany, "max(v)", f_max, false, 1},
    {"mean", 1, 1, "mean(v)", f_mean, false, 1},
    {"min", 1, kMany, "min(v)", f_min, false, 1},
    {"mixture_logpdf", 4, 4, "mixture_logpdf(x, w, mus, vars)", f_mixture_logpdf, false, 1},
    {"normal_logpdf", 3, 3, "normal_logpdf(x, mu, var)", f_normal_logpdf, false, 12},
    {"normalize", 1, 1, "normalize(v)", f_normalize, false, 3},
    {"ones", 1, 1, "ones(n)", f_ones, false, 0},
    {"prod", 1, 1, "prod(v)", f_prod, false, 4},
    {"q_posterior_mean", 4, 4, "q_posterior_mean(betas, t, x0, xt)", f_q_posterior_mean, false, 0},
    {"q_posterior_var", 2, 2, "q_posterior_var(betas, t)", f_q_posterior_var, false, 0},
    {"rand", 2, 2, "rand(n, seed)", f_rand, false, 0},
    {"randint", 2, 2, "randint(a, b)", f_randint, false, 1},
    {"randn", 2, 2, "randn(n, seed)", f_randn, false, 0},
    {"range", 2, 2, "range(a, b)", f_range, false, 0},
    {"renyi", 3, 3, "renyi(p, q, alpha)", f_renyi, true, 32},
    {"reverse", 1, 1, "reverse(v)", f_reverse, false, 2},
    {"rlhf_policy", 3, 3, "rlhf_policy(pi_ref, r, beta)", f_rlhf_policy, false, 64},
    {"round", 1, 2, "round(x, [digits])", f_round, false, 4},
    {"softmax", 1, 2, "softmax(z, [tau])", f_softmax, false, 64},
    {"sqrt", 1, 1, "sqrt(x)", f_sqrt, false, 3},
    {"std", 1, 1, "std(v)", f_var, false, 4},
    {"stderr", 1, 1, "stderr(v)", f_var, false, 4},
    {"sum", 1, 1, "sum(v)", f_sum, false, 1},
    {"transpose", 1, 1, "transpose(M)", f_transpose, false, 2},
    {"tv", 2, 2, "tv(p, q)", pairwise<tv>, false, 8},
    {"uniform", 2, 3, "uniform(a, b, [step])", f_uniform, false, 1},
    {"var", 1, 1, "var(v)", f_var, false, 4},
    {"zeros", 1, 1, "zeros(n)", f_zeros, false, 0},
};

}  // namespace

const std::vector<FunctionSpec>& all_functions() { return kFunctions; }

const FunctionSpec* find_function(const std::string& name) {
  auto it = std::lower_bound(kFunctions.begin(), kFunctions.end(), name,
                             [](const FunctionSpec& f, const std::string& n) { return n.compare(f.name) > 0; });
  if (it != kFunctions.end() && name == it->name) return &*it;
  return nullptr;
}

}  // namespace detail

bool is_function(const std::string& name) { return detail::find_function(name) != nullptr; }

std::vector<std::string> function_names() {
  std::vector<std::string> out;
  for (const auto& f : detail::all_functions()) out.emplace_back(f.name);
  return out;
}

std::string function_signature(const std::string& name) {
  const detail::FunctionSpec* f = detail::find_function(name);
  return f ? f->signature : "";
}

}  // namespace kl
