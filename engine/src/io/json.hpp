// Private: a small strict JSON reader for progress records (depth- and size-capped, no exceptions).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kl/result.hpp"

namespace kl {
namespace json {

struct Value {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  ///< in order; duplicate keys rejected

  /// The member named `key`, or nullptr.
  const Value* get(const std::string& key) const;
};

/// Parses a whole JSON text (RFC 8259; nesting at most 64 deep). Errors carry the column (byte offset + 1).
Result<Value> parse(std::string_view text);

}  // namespace json
}  // namespace kl
