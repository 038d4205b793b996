// How close is close enough: the precision of what a learner typed, and comparing numbers and values
// under a part's tolerance.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "check/internal.hpp"

namespace kl {
namespace detail {

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
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
  if (first == std::string::npos) {
    // A typed zero means zero, not "something that rounds to 0".
    p.sigfigs = 99;
    p.half_unit = 0.0;
    return true;
  }
  p.sigfigs = static_cast<int>(digits.size() - first);
  p.half_unit = 0.5 * std::pow(10.0, static_cast<double>(exponent - decimals));
  return true;
}

// "[0.876, 0.118, 0.006]": the precision of each typed entry; false when not a plain literal.
bool vector_precisions(const std::string& text, std::vector<Precision>& out) {
  std::string s = trim(text);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
  s = s.substr(1, s.size() - 2);
  if (s.find('[') != std::string::npos) return false;
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

Match Comparator::compare(double x, double ref, const Precision& p) const {
  if (x == ref) return Match::Within;
  if (!std::isfinite(x) || !std::isfinite(ref)) return Match::Off;
  const double d = std::fabs(x - ref);
  const double a = std::fabs(ref);
  auto by = [&](double allowed, double close) {
    if (d <= allowed) return Match::Within;
    return d <= close ? Match::Close : Match::Off;
  };
  switch (tol_.mode) {
    case Tolerance::Mode::Relative: return by(tol_.value * a + 1e-300, 10 * tol_.value * a);
    case Tolerance::Mode::Absolute: return by(tol_.value, 10 * tol_.value);
    case Tolerance::Mode::StdErr: return by(tol_.value * se_, 2 * tol_.value * se_);
    case Tolerance::Mode::SigFigs:
    case Tolerance::Mode::Auto: {
      const int min_sf = tol_.mode == Tolerance::Mode::SigFigs ? static_cast<int>(tol_.value) : 2;
      if (!p.typed) return by(1e-6 * a + 1e-12, 1e-3 * a);
      const double allowed = p.half_unit * (1 + 1e-9) + 1e-12 * a;
      if (d <= allowed) return p.sigfigs >= min_sf ? Match::Within : Match::TooFewDigits;
      // Close: off by a few units in the last digit typed, and by less than a tenth of the value.
      return d <= 10 * allowed && d <= 0.1 * a ? Match::Close : Match::Off;
    }
  }
  return Match::Off;
}

Comparator Comparator::exact() {
  Tolerance t;
  t.mode = Tolerance::Mode::Relative;
  t.value = 1e-9;
  return Comparator(t, 0);
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

ValueMatch compare_values(const Comparator& cmp, const Value& x, const Value& ref, const std::vector<Precision>& prec) {
  ValueMatch m;
  if (!same_shape(x, ref)) return m;
  const auto xs = numbers(x), rs = numbers(ref);
  // In a typed vector the digits of the largest entries count: [0.876, 0.118, 0.006] gives three
  // decimals throughout, and its small last entry is not "too few significant figures".
  int most_sigfigs = 0;
  for (const auto& p : prec) most_sigfigs = std::max(most_sigfigs, p.sigfigs);
  bool all_within = true, any_few = false, all_close = true;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Precision p = i < prec.size() ? prec[i] : Precision{};
    Match r = cmp.compare(xs[i], rs[i], p);
    if (r == Match::TooFewDigits && xs.size() > 1 && most_sigfigs >= cmp.min_sigfigs()) r = Match::Within;
    if (r != Match::Within) {
      if (r != Match::TooFewDigits) m.off.push_back(static_cast<int>(i) + 1);
      all_within = all_within && r == Match::TooFewDigits;
      any_few = any_few || r == Match::TooFewDigits;
      all_close = all_close && (r == Match::Close || r == Match::TooFewDigits);
    }
  }
  if (all_within) m.overall = any_few ? Match::TooFewDigits : Match::Within;
  else if (all_close) m.overall = Match::Close;
  else m.overall = Match::Off;
  return m;
}

bool matches(const Comparator& cmp, const Value& x, const Value& target, const std::vector<Precision>& prec) {
  const Match m = compare_values(cmp, x, target, prec).overall;
  return m == Match::Within || m == Match::TooFewDigits;
}

}  // namespace detail
}  // namespace kl
