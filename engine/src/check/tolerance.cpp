// How close is close enough: the one tolerance model (a part's tolerance turned into two radii around
// the reference; see check/internal.hpp) and the precision of what a learner typed, which only the
// feedback uses.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "check/internal.hpp"
#include "kl/detmath.hpp"
#include "kl/numerics.hpp"

namespace kl {
namespace detail {

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

// ---- decimal places, the same everywhere ----------------------------------------------------

double power_of_ten(int k) {
  static const std::vector<double> table = [] {
    std::vector<double> t;
    for (int i = -340; i <= 310; ++i) t.push_back(std::strtod(("1e" + std::to_string(i)).c_str(), nullptr));
    return t;
  }();
  if (k < -340) return 0.0;
  if (k > 310) return HUGE_VAL;
  return table[static_cast<std::size_t>(k + 340)];
}

int decimal_exponent(double a) {
  if (!(a > 0) || !std::isfinite(a)) return 0;
  int e = static_cast<int>(std::floor(dm::log10(a)));
  while (e > -340 && power_of_ten(e) > a) --e;
  while (e < 310 && power_of_ten(e + 1) <= a) ++e;
  return e;
}

// ---- precision of typed numbers ---------------------------------------------------------------

// "-0.0872", "1.37e-9", "5": significant figures and the place of the last digit.
bool literal_precision(const std::string& text, Precision& p) {
  std::string s = trim(text);
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s = trim(s.substr(1));
  if (s.rfind("\xE2\x88\x92", 0) == 0) s = trim(s.substr(3));  // U+2212
  std::size_t epos = s.find_first_of("eE");
  std::string mant = s.substr(0, epos);
  long exponent = 0;
  if (epos != std::string::npos) {
    std::string ex = s.substr(epos + 1);
    if (ex.empty()) return false;
    std::size_t k = (ex[0] == '-' || ex[0] == '+') ? 1 : 0;
    if (k >= ex.size()) return false;
    for (std::size_t i = k; i < ex.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(ex[i]))) return false;
    if (ex.size() > 6) return false;
    exponent = std::atol(ex.c_str());
  }
  if (mant.empty()) return false;
  int dots = 0, decimals = 0;
  std::string digits;
  for (char c : mant) {
    if (c == '.') {
      if (++dots > 1) return false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
      if (dots) ++decimals;
    } else {
      return false;
    }
  }
  if (digits.empty()) return false;
  const std::size_t first = digits.find_first_not_of('0');
  p.typed = true;
  p.place = static_cast<int>(std::max(-400L, std::min(400L, exponent - decimals)));
  if (first == std::string::npos) {
    // A typed zero means zero, not "something that rounds to 0".
    p.sigfigs = 99;
    p.half_unit = 0.0;
    return true;
  }
  p.sigfigs = static_cast<int>(digits.size() - first);
  p.half_unit = 0.5 * power_of_ten(p.place);
  return true;
}

// "[0.876, 0.118, 0.006]" or "(0.876, 0.118, 0.006)": the precision of each typed entry; false when not
// a plain literal.
bool vector_precisions(const std::string& text, std::vector<Precision>& out) {
  std::string s = trim(text);
  // [a, b] or the course's tuple notation (a, b).
  if (s.size() < 2 || !((s.front() == '[' && s.back() == ']') || (s.front() == '(' && s.back() == ')'))) return false;
  s = s.substr(1, s.size() - 2);
  if (s.find_first_of("[(") != std::string::npos) return false;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    Precision p;
    if (!literal_precision(s.substr(pos, comma - pos), p)) return false;
    out.push_back(p);
    pos = comma + 1;
  }
  return true;
}

std::vector<Precision> precisions_of(const std::string& text, const Value& x) {
  std::vector<Precision> prec;
  Precision one;
  if (x.is_number() && literal_precision(text, one)) prec.push_back(one);
  else if (x.is_vector() && !vector_precisions(text, prec)) prec.clear();
  return prec;
}

double distribution_slack(const std::vector<Precision>& prec, std::size_t entries) {
  if (prec.size() != entries) return kProbTolerance;
  double slack = 1e-12;
  for (const auto& p : prec) slack += p.half_unit * (1 + 1e-9);
  return std::max(slack, kProbTolerance);
}

// ---- the radii ------------------------------------------------------------------------------

namespace {
// Differences this much beyond a radius still count as within it: a rounding that lands exactly on
// the half unit (0.125 -> 0.13) differs from it only by the representation of the decimals.
constexpr double kSlack = 1e-9;

// Half a unit in the n-th significant digit of a (the radius of "n significant figures").
double half_unit_at(double a, int n) { return a > 0 ? 0.5 * power_of_ten(decimal_exponent(a) - n + 1) : 0.0; }
}  // namespace

Match Bands::classify(double radii) const {
  if (radii <= 1 + kSlack) return Match::Within;
  return radii <= close_ratio * (1 + kSlack) ? Match::Close : Match::Off;
}

Comparator Comparator::sigfigs(int n) {
  Tolerance t;
  t.mode = Tolerance::Mode::SigFigs;
  t.value = n;
  return Comparator(t, 0);
}

Comparator Comparator::exact() {
  Tolerance t;
  t.mode = Tolerance::Mode::Relative;
  t.value = 1e-9;
  return Comparator(t, 0);
}

double Comparator::radius(double ref) const {
  const double a = std::isfinite(ref) ? std::fabs(ref) : 0.0;
  switch (tol_.mode) {
    case Tolerance::Mode::Auto: return std::max(half_unit_at(a, kDefaultSigFigs), kDistanceFloor);
    case Tolerance::Mode::SigFigs: return std::max(half_unit_at(a, std::max(1, static_cast<int>(tol_.value))), kDistanceFloor);
    case Tolerance::Mode::Relative: return std::max(tol_.value * a, kDistanceFloor);
    case Tolerance::Mode::Absolute: return std::max(tol_.value, kDistanceFloor);
    case Tolerance::Mode::StdErr: return se_ > 0 && std::isfinite(se_) ? tol_.value * se_ : kDistanceFloor;
  }
  return kDistanceFloor;
}

double Comparator::close_ratio() const {
  switch (tol_.mode) {
    case Tolerance::Mode::Auto:
    case Tolerance::Mode::SigFigs: {
      // Close: right to two digits fewer (to one fewer for 2 figures): 0.09 or 0.087 for 0.0871767.
      const int n = tol_.mode == Tolerance::Mode::Auto ? kDefaultSigFigs : std::max(1, static_cast<int>(tol_.value));
      return n >= 3 ? 100 : n == 2 ? 10 : 1;
    }
    case Tolerance::Mode::StdErr: return 2;  // k to 2k standard errors
    default: return 10;
  }
}

Bands Comparator::bands(const Value& ref) const {
  Bands b;
  for (double r : numbers(ref)) b.correct.push_back(radius(r));
  b.close_ratio = close_ratio();
  return b;
}

int Comparator::digits_needed(double ref) const {
  const double a = std::isfinite(ref) ? std::fabs(ref) : 0.0;
  if (!(a > 0)) return 1;
  const double r = radius(a);
  for (int n = 1; n < 17; ++n)
    if (half_unit_at(a, n) <= r * (1 + kSlack)) return n;
  return 17;
}

Comparator effective_comparator(const Comparator& declared, const Value& ref, const std::vector<Value>& mistakes) {
  if (declared.tolerance().mode != Tolerance::Mode::Auto) return declared;
  const auto rs = numbers(ref);
  for (int n = kDefaultSigFigs; n < kMaxAutoSigFigs; ++n) {
    // Distinguishable: in some entry the reference's and the mistake's radii do not overlap.
    const Comparator c = Comparator::sigfigs(n);
    bool all_apart = true;
    for (const auto& m : mistakes) {
      if (!same_shape(m, ref)) continue;
      const auto ms = numbers(m);
      bool apart = false;
      for (std::size_t i = 0; i < rs.size() && !apart; ++i)
        apart = std::fabs(ms[i] - rs[i]) > (c.radius(rs[i]) + c.radius(ms[i])) * (1 + kSlack);
      all_apart = all_apart && apart;
    }
    if (all_apart) return c;
  }
  return Comparator::sigfigs(kMaxAutoSigFigs);
}

// Flattens a numeric value.
std::vector<double> numbers(const Value& v) {
  if (v.is_number()) return {v.number()};
  if (v.is_vector()) return std::vector<double>(v.vector().data(), v.vector().data() + v.vector().size());
  if (v.is_matrix()) {
    std::vector<double> out;
    for (Eigen::Index r = 0; r < v.matrix().rows(); ++r)
      for (Eigen::Index c = 0; c < v.matrix().cols(); ++c) out.push_back(v.matrix()(r, c));
    return out;
  }
  return {};
}

bool same_shape(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  if (a.is_vector()) return a.vector().size() == b.vector().size();
  if (a.is_matrix()) return a.matrix().rows() == b.matrix().rows() && a.matrix().cols() == b.matrix().cols();
  return a.is_number();
}

namespace {
double entry_distance(double x, double r) {
  if (x == r) return 0.0;  // also inf == inf
  const double d = std::fabs(x - r);
  return std::isnan(d) ? HUGE_VAL : d;
}
}  // namespace

double distance(const Value& a, const Value& b) {
  const auto xs = numbers(a), ys = numbers(b);
  if (xs.size() != ys.size()) return HUGE_VAL;
  double d = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) d = std::max(d, entry_distance(xs[i], ys[i]));
  return d;
}

ValueMatch compare_values(const Comparator& cmp, const Value& x, const Value& ref, const Bands* bands) {
  ValueMatch m;
  if (!same_shape(x, ref)) {
    m.radii = HUGE_VAL;
    return m;
  }
  m.bands = bands ? *bands : cmp.bands(ref);
  const auto xs = numbers(x), rs = numbers(ref);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double r = entry_distance(xs[i], rs[i]) / m.bands.correct[i];
    m.radii = std::max(m.radii, r);
    if (m.bands.classify(r) != Match::Within) m.off.push_back(static_cast<int>(i) + 1);
  }
  m.overall = m.bands.classify(m.radii);
  return m;
}

bool matches(const Comparator& cmp, const Value& x, const Value& target) { return compare_values(cmp, x, target).overall == Match::Within; }

Bands bands_around(const Comparator& cmp, const Value& ref, const std::vector<Value>& mistakes) {
  Bands b = cmp.bands(ref);
  const auto rs = numbers(ref);
  for (const auto& m : mistakes) {
    if (!same_shape(m, ref)) continue;
    // The nearest point the mistake explains, in the reference's radii: an answer must be inside the
    // mistake's radius in every entry to be explained by it.
    const auto ms = numbers(m);
    double gap = 0;
    for (std::size_t i = 0; i < rs.size(); ++i) gap = std::max(gap, (entry_distance(ms[i], rs[i]) - cmp.radius(ms[i])) / b.correct[i]);
    b.close_ratio = std::max(1.0, std::min(b.close_ratio, gap));
  }
  return b;
}

std::string shortest_number(double x) {
  const bool plain = std::fabs(x) >= 1e-4 && std::fabs(x) < 1e15;  // written without an exponent
  for (int d = 1; d < 17; ++d) {
    std::string s = format_number(x, d);
    if (std::strtod(s.c_str(), nullptr) == x && !(plain && s.find('e') != std::string::npos)) return s;
  }
  return format_number(x, 17);
}

std::string plain_number(double x, int digits) {
  std::string s = format_number(x, digits);
  if (s.find('e') == std::string::npos || !(std::fabs(x) >= 1e-9) || !(std::fabs(x) < 1e15)) return s;
  // 5e-05 reads as 0.00005: as many decimals as the digits need, trailing zeros dropped.
  const int decimals = std::max(0, digits - 1 - decimal_exponent(std::fabs(x)));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string tolerance_text(const Comparator& cmp, const Value& ref) {
  const Tolerance& t = cmp.tolerance();
  const bool one = ref.is_number();
  const auto rs = numbers(ref);
  switch (t.mode) {
    case Tolerance::Mode::Auto:
    case Tolerance::Mode::SigFigs: {
      int n = 1;
      for (double r : rs) n = std::max(n, cmp.digits_needed(r));
      const std::string figures = std::to_string(n) + " or more significant figures";
      if (one && !rs.empty()) {
        if (rs[0] == 0) return "This part accepts only 0 (up to ±" + plain_number(kDistanceFloor, 2) + ").";
        return "This part accepts answers within ±" + plain_number(cmp.radius(rs[0]), 3) + " of the exact value: every rounding to " +
               figures + " is.";
      }
      return "This part accepts each entry within half a unit in its " + ordinal(n) + " significant digit: every rounding to " + figures +
             " is.";
    }
    case Tolerance::Mode::Relative:
      return std::string("This part accepts ") + (one ? "answers" : "each entry") + " within a relative " + plain_number(t.value, 3) +
             " (" + plain_number(100 * t.value, 3) + "%) of the exact value.";
    case Tolerance::Mode::Absolute:
      return std::string("This part accepts ") + (one ? "answers" : "each entry") + " within ±" + plain_number(t.value, 3) +
             " of the exact value.";
    case Tolerance::Mode::StdErr:
      return std::string("This part accepts ") + (one ? "estimates" : "each entry") + " within " + plain_number(t.value, 3) +
             " standard errors (" + plain_number(cmp.standard_error(), 3) + " each) of the exact value.";
  }
  return "";
}

int first_differing_digit(double x, double ref, int place) {
  if (!(ref != 0) || (x < 0) != (ref < 0) || !std::isfinite(x) || !std::isfinite(ref)) return 0;
  auto at_place = [place](double a) {
    const double scaled = place <= 0 ? std::fabs(a) * power_of_ten(-place) : std::fabs(a) / power_of_ten(place);
    return std::floor(scaled + 0.5);
  };
  const double X = at_place(x), Y = at_place(ref);
  if (!(X < 1e17) || !(Y < 1e17) || !(Y >= 1) || X == Y) return 0;
  std::string sx = plain_number(X, 17), sy = plain_number(Y, 17);
  const std::size_t len = std::max(sx.size(), sy.size());
  const std::size_t lead_y = len - sy.size();
  sx.insert(0, len - sx.size(), '0');
  sy.insert(0, len - sy.size(), '0');
  std::size_t i = 0;
  while (i < len && sx[i] == sy[i]) ++i;
  return i <= lead_y ? 1 : static_cast<int>(i - lead_y) + 1;
}

double normal_two_sided_tail(double z) {
  // erfc(z / sqrt 2) by the Chebyshev fit of Numerical Recipes (relative error below 1.2e-7),
  // with the engine's own exp so the text is the same everywhere.
  const double x = std::fabs(z) / std::sqrt(2.0);
  const double t = 1 / (1 + 0.5 * x);
  const double poly =
      -x * x - 1.26551223 +
      t * (1.00002368 +
           t * (0.37409196 +
                t * (0.09678418 +
                     t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * dm::exp(poly);
}

std::string probability_text(double p) {
  if (!(p >= 1e-15)) return "below 1 in 10¹⁵";
  if (p >= 0.01) return "about " + plain_number(100 * p, 2) + "%";
  // "about 1 in 16,000": the odds to two significant figures, with thousands separated.
  const double odds = 1 / p;
  const int e = decimal_exponent(odds);
  const double rounded = std::floor(odds / power_of_ten(e - 1) + 0.5) * power_of_ten(e - 1);
  std::string digits = plain_number(rounded, 17);
  if (digits.find_first_of(".e") != std::string::npos) return "about 1 in " + digits;
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return "about 1 in " + grouped;
}

}  // namespace detail
}  // namespace kl
