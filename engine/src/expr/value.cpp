// Values: description for messages and the canonical text form.
#include "kl/value.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

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
    case Value::Kind::Matrix: return "a " + std::to_string(v.matrix().rows()) + "x" + std::to_string(v.matrix().cols()) + " matrix";
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

namespace {

const char kEllipsis[] = "\xE2\x80\xA6";  // U+2026

// "[a, b, ..., z]" within about max_bytes: the first entries that fit, then the last one.
// `entry(i)` gives the text of entry i of n. `whole` is set when nothing had to be left out.
template <class Entry>
std::string abbreviated_list(long n, std::size_t max_bytes, const Entry& entry, bool& whole) {
  std::string out = "[";
  whole = true;
  if (n == 0) return out + "]";
  const std::string last = entry(n - 1);
  // Room kept for ", …, last]" until the end is in sight.
  const std::size_t tail = 2 + std::strlen(kEllipsis) + 2 + last.size() + 1;
  for (long i = 0; i < n - 1; ++i) {
    std::string item = entry(i);
    const std::size_t need = out.size() + (i ? 2 : 0) + item.size();
    if (need + tail > max_bytes) {
      // Everything left might still fit without the ellipsis: try, within the room left.
      std::string rest = out;
      bool fits = true;
      for (long j = i; fits && j < n - 1; ++j) {
        rest += (j ? ", " : "") + entry(j);
        fits = rest.size() + 2 + last.size() + 1 <= max_bytes;
      }
      if (fits) return rest + (n > 1 ? ", " : "") + last + "]";
      whole = false;
      if (i) out += ", ";
      out += kEllipsis;
      return out + ", " + last + "]";
    }
    if (i) out += ", ";
    out += item;
  }
  if (n > 1) out += ", ";
  return out + last + "]";
}

}  // namespace

std::string format_value(const Value& v, std::size_t max_bytes) {
  // A value whose whole text fits is shown whole (the capped text equals the full one). Every entry
  // takes at least 1 byte and a separator, so only values with few entries are tried: the work stays
  // proportional to max_bytes.
  const std::size_t entries = v.is_vector()   ? static_cast<std::size_t>(v.vector().size())
                              : v.is_matrix() ? static_cast<std::size_t>(v.matrix().size())
                                              : 0;
  if (entries > 0 && 2 * entries <= max_bytes + 2) {
    std::string full = format_with(v, 17);
    if (full.size() <= max_bytes) return full;
  }
  switch (v.kind()) {
    case Value::Kind::Vector: {
      const Vec& x = v.vector();
      bool whole = true;
      std::string out = abbreviated_list(
          static_cast<long>(x.size()), max_bytes, [&](long i) { return format_number(x[i], 17); }, whole);
      if (!whole) out += " (" + std::to_string(x.size()) + " entries)";
      return out;
    }
    case Value::Kind::Matrix: {
      const Mat& m = v.matrix();
      bool whole = true;
      // Each row gets a share of the room; rows that do not fit are left out like entries.
      const std::size_t row_bytes = std::max<std::size_t>(64, max_bytes / 4);
      std::string out = abbreviated_list(
          static_cast<long>(m.rows()), max_bytes,
          [&](long r) {
            bool row_whole = true;
            std::string row = abbreviated_list(
                static_cast<long>(m.cols()), row_bytes, [&](long c) { return format_number(m(r, c), 17); }, row_whole);
            if (!row_whole) whole = false;
            return row;
          },
          whole);
      if (!whole) out += " (" + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + " matrix)";
      return out;
    }
    case Value::Kind::String: {
      std::string full = format_with(v, 17);
      if (full.size() <= max_bytes) return full;
      // Cut at a character boundary (never inside a UTF-8 sequence).
      std::size_t cut = max_bytes > 1 ? max_bytes - 1 : 1;
      while (cut > 1 && (static_cast<unsigned char>(full[cut]) & 0xC0) == 0x80) --cut;
      return full.substr(0, cut) + kEllipsis + "\" (" + std::to_string(v.string().size()) + " bytes)";
    }
    default: return format_with(v, 17);
  }
}
std::string format_value_short(const Value& v, int digits) { return format_with(v, digits); }

bool same_value(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Number: return a.number() == b.number();
    case Value::Kind::Boolean: return a.boolean() == b.boolean();
    case Value::Kind::String: return a.string() == b.string();
    case Value::Kind::Vector: return a.vector().size() == b.vector().size() && a.vector() == b.vector();
    case Value::Kind::Matrix:
      return a.matrix().rows() == b.matrix().rows() && a.matrix().cols() == b.matrix().cols() && a.matrix() == b.matrix();
  }
  return false;
}

}  // namespace kl
