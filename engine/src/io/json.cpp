// A small strict JSON reader: enough for progress records, hardened for hostile input.
#include "io/json.hpp"

#include <cmath>
#include <cstdlib>
#include <set>

#include "io/utf8.hpp"

namespace kl {
namespace json {

const Value* Value::get(const std::string& key) const {
  for (const auto& [k, v] : object)
    if (k == key) return &v;
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  Result<Value> document() {
    KL_TRY(Value v, value(0));
    space();
    if (i_ != s_.size()) return fail("unexpected text after the JSON value");
    return v;
  }

 private:
  Error fail(const std::string& message) const {
    Error e = make_error(ErrorCode::Storage, "malformed JSON: " + message);
    e.column = static_cast<int>(i_) + 1;
    return e;
  }

  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool literal(const char* word) {
    const std::string_view w(word);
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  Result<Value> value(int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    space();
    if (i_ >= s_.size()) return fail("unexpected end");
    Value v;
    const char c = s_[i_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      KL_TRY(std::string str, string());
      v.type = Value::Type::String;
      v.string = std::move(str);
      return v;
    }
    if (literal("true")) {
      v.type = Value::Type::Bool;
      v.boolean = true;
      return v;
    }
    if (literal("false")) {
      v.type = Value::Type::Bool;
      return v;
    }
    if (literal("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    return fail(std::string("unexpected character '") + c + "'");
  }

  Result<Value> number() {
    const std::size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      const std::size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > d;
    };
    if (!digits()) return fail("a number needs digits");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return fail("a number needs digits after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return fail("a number needs digits in its exponent");
    }
    const std::string text(s_.substr(start, i_ - start));
    Value v;
    v.type = Value::Type::Number;
    v.number = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(v.number)) return fail("number out of range");
    return v;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Result<unsigned> hex4() {
    if (i_ + 4 > s_.size()) return fail("a \\u escape needs four hex digits");
    unsigned cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
      else return fail("bad hex digit in a \\u escape");
    }
    return cp;
  }

  Result<std::string> string() {
    ++i_;  // opening quote
    std::string out;
    while (true) {
      // Copy a run of plain characters at once (most strings have no escapes).
      std::size_t run = i_;
      while (run < s_.size() && s_[run] != '"' && s_[run] != '\\' && static_cast<unsigned char>(s_[run]) >= 0x20) {
        if (static_cast<unsigned char>(s_[run]) < 0x80) {
          ++run;
          continue;
        }
        const std::size_t n = utf8_length(s_, run);
        if (n == 0) {
          i_ = run;
          return fail("a string is not valid UTF-8");
        }
        run += n;
      }
      out.append(s_.data() + i_, run - i_);
      i_ = run;
      if (i_ >= s_.size()) return fail("a string is never closed");
      const unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return out;
      if (c < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size()) return fail("a string is never closed");
      const char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          KL_TRY(unsigned cp, hex4());
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(i_, 2) != "\\u") return fail("unpaired surrogate");
            i_ += 2;
            KL_TRY(unsigned lo, hex4());
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("unpaired surrogate");
          }
          put_utf8(out, cp);
          break;
        }
        default: return fail("bad escape in a string");
      }
    }
  }

  Result<Value> array(int depth) {
    ++i_;
    Value v;
    v.type = Value::Type::Array;
    space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return v;
    }
    while (true) {
      KL_TRY(Value item, value(depth + 1));
      v.array.push_back(std::move(item));
      space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return v;
      }
      return fail("expected ',' or ']'");
    }
  }

  Result<Value> object(int depth) {
    ++i_;
    std::set<std::string> keys;  // duplicate check in O(log n) for large objects (a hostile record may have many keys)
    Value v;
    v.type = Value::Type::Object;
    space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return v;
    }
    while (true) {
      space();
      if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a key in quotes");
      KL_TRY(std::string key, string());
      bool duplicate = false;
      if (v.object.size() < 16) {
        for (const auto& [k, unused] : v.object) duplicate = duplicate || k == key;
      } else {
        if (keys.empty())
          for (const auto& [k, unused] : v.object) keys.insert(k);
        duplicate = !keys.insert(key).second;
      }
      if (duplicate) return fail("duplicate key '" + key + "'");
      space();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
      ++i_;
      KL_TRY(Value item, value(depth + 1));
      v.object.emplace_back(std::move(key), std::move(item));
      space();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return v;
      }
      return fail("expected ',' or '}'");
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

Result<Value> parse(std::string_view text) { return Reader(text).document(); }

}  // namespace json
}  // namespace kl
