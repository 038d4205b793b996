// The values of the notebook language: number, boolean, string, vector, matrix.
#pragma once

#include <cstddef>
#include <string>
#include <variant>

#include "kl/numerics.hpp"

namespace kl {

/// One value of the notebook language. Vectors and matrices are Eigen objects of doubles.
class Value {
 public:
  enum class Kind { Number, Boolean, String, Vector, Matrix };

  Value() : v_(0.0) {}
  Value(double x) : v_(x) {}                    // NOLINT: implicit by design
  Value(bool b) : v_(b) {}                      // NOLINT
  Value(std::string s) : v_(std::move(s)) {}    // NOLINT
  Value(const char* s) : v_(std::string(s)) {}  // NOLINT
  Value(Vec v) : v_(std::move(v)) {}            // NOLINT
  Value(Mat m) : v_(std::move(m)) {}            // NOLINT

  /// The kind of value held.
  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_number() const { return kind() == Kind::Number; }
  bool is_boolean() const { return kind() == Kind::Boolean; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_vector() const { return kind() == Kind::Vector; }
  bool is_matrix() const { return kind() == Kind::Matrix; }
  double number() const { return std::get<double>(v_); }
  bool boolean() const { return std::get<bool>(v_); }
  const std::string& string() const { return std::get<std::string>(v_); }
  const Vec& vector() const { return std::get<Vec>(v_); }
  const Mat& matrix() const { return std::get<Mat>(v_); }
  /// Number of doubles held (1 for a number, 0 for booleans and strings).
  long size() const;

 private:
  std::variant<double, bool, std::string, Vec, Mat> v_;
};

/// "a number", "a vector of length 3", "a 2x2 matrix", ...: for error messages.
std::string describe(const Value& v);
/// "number", "vector", ...
const char* kind_name(Value::Kind k);

/// The canonical text of a value: numbers with %.17g (round-trip), vectors "[a, b]", matrices
/// "[[a, b], [c, d]]", "true"/"false", "inf"/"-inf", strings in double quotes.
std::string format_value(const Value& v);
/// The canonical text cut to about `max_bytes` bytes, for displays: a long vector keeps its first
/// entries and its last, "[a, b, c, …, z] (5000000 entries)"; a matrix its first rows and its last,
/// each row cut the same way, then "(1000x1000 matrix)"; a long string its start, then "…" and its
/// length. A value that fits is exactly format_value(v). Cost: proportional to max_bytes, not to
/// the value's size.
std::string format_value(const Value& v, std::size_t max_bytes);
/// A display size for format_value: a few lines of a page or terminal.
constexpr std::size_t kMaxValueText = 2000;
/// A number with the given significant digits (%.{digits}g), "inf" / "-inf" for infinities.
std::string format_number(double x, int digits = 17);
/// A value with fewer digits for people (solutions, feedback): numbers with `digits` significant digits.
std::string format_value_short(const Value& v, int digits = 7);

/// Exact equality of kind, shape and every double (bitwise for NaN-free values).
bool same_value(const Value& a, const Value& b);

}  // namespace kl
