// JSON out of the engine: one small writer, used for every JSON text the engine, the CLI and the
// bindings produce (verdicts, records, exports, grades). Its reader twin (strict, capped, fuzzed) is
// private to the engine (engine/src/io/json.hpp): records are only read through the engine's loaders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kl {
namespace json {

/// A JSON string literal. Control characters are escaped; bytes that are not valid UTF-8 become
/// U+FFFD, so the output is always valid UTF-8 whatever the input.
std::string quote(std::string_view s);

/// A JSON number: the shortest text that reads back as the same double; non-finite numbers (which
/// JSON cannot carry) are written as null.
std::string number(double x);

/// Builds one JSON text with commas and nesting handled. Misuse (a value where a key is due) is a
/// programming error, caught by the tests, not by runtime checks.
class Writer {
 public:
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  /// The next member's name (inside an object).
  Writer& key(std::string_view k);
  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(const std::string& s) { return value(std::string_view(s)); }
  Writer& value(double x);
  Writer& value(bool b);
  /// Any integer type (int, std::size_t, std::uint64_t, ... whatever their width on the platform).
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Writer& value(T x) {
    if constexpr (std::is_signed_v<T>) return signed_value(static_cast<std::int64_t>(x));
    else return unsigned_value(static_cast<std::uint64_t>(x));
  }
  Writer& null();
  /// A string, or null when it is empty.
  Writer& string_or_null(std::string_view s) { return s.empty() ? null() : value(s); }
  /// Inserts a JSON text made by another writer (trusted: the engine's own output).
  Writer& raw(std::string_view json);
  /// key(k).value(v) in one call.
  template <class T>
  Writer& member(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  /// An array of strings.
  Writer& strings(const std::vector<std::string>& items);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  Writer& signed_value(std::int64_t x);
  Writer& unsigned_value(std::uint64_t x);
  std::string out_;
  std::vector<bool> has_items_;  // per open container: something written already
  bool after_key_ = false;
};

}  // namespace json
}  // namespace kl
