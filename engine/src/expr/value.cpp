// Values: description for messages and the canonical text form.
#include "kl/value.hpp"

#include <cmath>
#include <cstdio>

namespace kl {

long Value::size() const {
  switch (kind()) {
    case Kind::Number: return 1;
    case Kind::Vector: return static_cast<long>(vector().size());
    case Kind::Matrix: return static_cast<long>(matrix().size());
    default: return 0;
  }
}

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::Number: return "number";
    case Value::Kind::Boolean: return "boolean";
    case Value::Kind::String: return "string";
    case Value::Kind::Vector: return "vector";
    case Value::Kind::Matrix: return "matrix";
  }
  return "value";
}

std::string describe(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Number: return "a number";
    case Value::Kind::Boolean: return "a true/false value";
    case Value::Kind::String: return "a string";
    case Value::Kind::Vector: return "a vector of length " + std::to_string(v.vector().size());
    case Value::Kind::Matrix:
      return "a " + std::to_string(v.matrix().rows()) + "x" + std::to_string(v.matrix().cols()) + " matrix";
  }
  return "a value";
}

std::string format_number(double x, int digits) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (std::isnan(x)) return "nan";
  if (x == 0.0) x = 0.0;  // no "-0"
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  return buf;
}

namespace {

std::string format_with(const Value& v, int digits) {
  switch (v.kind()) {
    case Value::Kind::Number: return format_number(v.number(), digits);
    case Value::Kind::Boolean: return v.boolean() ? "true" : "false";
    case Value::Kind::String: {
      std::string out = "\"";
      for (char c : v.string()) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + "\"";
    }
    case Value::Kind::Vector: {
      std::string out = "[";
      const Vec& x = v.vector();
      for (Eigen::Index i = 0; i < x.size(); ++i) {
        if (i) out += ", ";
        out += format_number(x[i], digits);
      }
      return out + "]";
    }
    case Value::Kind::Matrix: {
      std::string out = "[";
      const Mat& m = v.matrix();
      for (Eigen::Index r = 0; r < m.rows(); ++r) {
        if (r) out += ", ";
        out += "[";
        for (Eigen::Index c = 0; c < m.cols(); ++c) {
          if (c) out += ", ";
          out += format_number(m(r, c), digits);
        }
        out += "]";
      }
      return out + "]";
    }
  }
  return "";
}

}  // namespace

std::string format_value(const Value& v) { return format_with(v, 17); }
std::string format_value_short(const Value& v, int digits) { return format_with(v, digits); }

bool same_value(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Number: return a.number() == b.number();
    case Value::Kind::Boolean: return a.boolean() == b.boolean();
    case Value::Kind::String: return a.string() == b.string();
    case Value::Kind::Vector: return a.vector().size() == b.vector().size() && a.vector() == b.vector();
    case Value::Kind::Matrix:
      return a.matrix().rows() == b.matrix().rows() && a.matrix().cols() == b.matrix().cols() &&
             a.matrix() == b.matrix();
  }
  return false;
}

}  // namespace kl
