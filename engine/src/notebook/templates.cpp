// Text templates: author text with {{expr}} / {{expr:digits}} slots, filled per variant (a negative
// number after an operator in brackets, so a page never prints "1 − −0.5").
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "kl/notebook.hpp"

namespace kl {

namespace {

// Numbers for people: `digits` significant digits, trailing zeros dropped, no exponent for
// ordinary magnitudes.
std::string human_number(double x, int digits) {
  if (std::isinf(x)) return x > 0 ? "∞" : "−∞";
  std::string s = format_number(x, digits);
  // 1.3741e-09 reads as 1.3741×10⁻⁹ (plain text that works in prose and inside math alike).
  const std::size_t e = s.find('e');
  if (e == std::string::npos) return s;
  static const char* kSup[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string out = s.substr(0, e) + "×10";
  std::size_t i = e + 1;
  if (s[i] == '-') {
    out += "⁻";
    ++i;
  } else if (s[i] == '+') {
    ++i;
  }
  while (i < s.size() && s[i] == '0') ++i;
  for (; i < s.size(); ++i) out += kSup[s[i] - '0'];
  return out;
}

std::string human_value(const Value& v, int digits) {
  switch (v.kind()) {
    case Value::Kind::Number: return human_number(v.number(), digits);
    case Value::Kind::Boolean: return v.boolean() ? "true" : "false";
    case Value::Kind::Vector: {
      // A slot may show a learner's own value, which can hold millions of entries (an earlier
      // answer of zeros(5e6)): past kMaxValueText the text keeps its start and its last entry.
      const Vec& x = v.vector();
      const Eigen::Index n = x.size();
      std::string out = "[";
      for (Eigen::Index i = 0; i < n; ++i) {
        if (i > 0 && i < n - 1 && out.size() > kMaxValueText) {
          out += ", …, " + human_number(x[n - 1], digits) + "] (" + std::to_string(n) + " entries)";
          return out;
        }
        out += (i ? ", " : "") + human_number(x[i], digits);
      }
      return out + "]";
    }
    case Value::Kind::String: return v.string().size() > kMaxValueText ? format_value(v, kMaxValueText) : v.string();
    case Value::Kind::Matrix: {
      if (v.matrix().size() * 8 > static_cast<long>(kMaxValueText)) return format_value(v, kMaxValueText);
      return format_value_short(v, digits);
    }
    default: return format_value_short(v, digits);
  }
}

// True when the text before `pos` ends with an operator, so a negative number there needs brackets
// ("x − (−1.6)", "2 · (−3)"). A "-", "+" or "*" that opens a line is a Markdown bullet, not an operator.
bool after_operator(const std::string& text, std::size_t pos) {
  std::size_t end = pos;
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  const std::size_t nl = end == 0 ? std::string::npos : text.rfind('\n', end - 1);
  const std::size_t line_start = nl == std::string::npos ? 0 : nl + 1;
  const std::string before = text.substr(line_start, end - line_start);  // the slot's line up to it
  auto ends_with = [&](const char* s) {
    const std::string t(s);
    return before.size() >= t.size() && before.compare(before.size() - t.size(), t.size(), t) == 0;
  };
  for (const char* cmd : {"\\cdot", "\\times", "\\pm", "\\mp", "\\div"})
    if (ends_with(cmd)) return true;
  for (const char* op : {"\xE2\x88\x92", "\xC3\x97", "\xC2\xB7", "\xE2\x8B\x85", "\xC2\xB1", "\xE2\x88\x93", "\xC3\xB7"})  // − × · ⋅ ± ∓ ÷
    if (ends_with(op)) return true;
  if (before.empty()) return false;
  const char c = before.back();
  if (c != '+' && c != '-' && c != '*' && c != '/' && c != '^') return false;
  // "- {{x}}" opening a line is a Markdown list item, not a subtraction.
  const bool bullet = (c == '+' || c == '-' || c == '*') && before.find_first_not_of(" \t") == before.size() - 1 && end < pos;
  return !bullet;
}

}  // namespace

Result<TextTemplate> parse_template(const std::string& text, int line) {
  TextTemplate t;
  t.text = text;
  t.line = line;
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    const int slot_line = line + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
    const std::size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) {
      Error e = make_error(ErrorCode::Notebook, "a '{{' slot is never closed with '}}'");
      e.line = slot_line;
      return e;
    }
    std::string inner = text.substr(pos + 2, end - pos - 2);
    TextTemplate::Slot slot;
    const std::size_t colon = inner.rfind(':');
    if (colon != std::string::npos) {
      std::string digits = inner.substr(colon + 1);
      const bool numeric = !digits.empty() && digits.find_first_not_of(" 0123456789") == std::string::npos;
      if (!numeric) {
        Error e = make_error(ErrorCode::Notebook, "in {{" + inner + "}}: after ':' give the number of significant digits, e.g. {{x:4}}");
        e.line = slot_line;
        return e;
      }
      slot.digits = std::max(1, std::min(17, std::atoi(digits.c_str())));
      inner = inner.substr(0, colon);
    }
    auto expr = parse_expression(inner);
    if (!expr.ok()) {
      Error e = expr.error();
      e.code = ErrorCode::Notebook;
      e.message = "in {{" + inner + "}}: " + e.message;
      e.line = slot_line;
      return e;
    }
    slot.expr = expr.value();
    slot.source = inner;
    slot.start = pos;
    slot.end = end + 2;
    slot.line = slot_line;
    t.slots.push_back(std::move(slot));
    pos = end + 2;
  }
  return t;
}

Result<std::vector<std::string>> slot_values(const TextTemplate& t, const Environment& env) {
  std::vector<std::string> out;
  for (const auto& slot : t.slots) {
    auto v = evaluate(*slot.expr, env);
    if (!v.ok()) {
      Error e = v.error();
      e.message = "in {{" + slot.source + "}}: " + e.message;
      return e;
    }
    std::string text = human_value(v.value(), slot.digits);
    if (v.value().is_number() && v.value().number() < 0 && after_operator(t.text, slot.start)) text = "(" + text + ")";
    out.push_back(std::move(text));
  }
  return out;
}

Result<std::string> render(const TextTemplate& t, const Environment& env) {
  KL_TRY(std::vector<std::string> values, slot_values(t, env));
  std::string out;
  std::size_t pos = 0, k = 0;
  while (k < values.size()) {
    const std::size_t open = t.text.find("{{", pos);
    const std::size_t close = t.text.find("}}", open);
    out += t.text.substr(pos, open - pos);
    out += values[k++];
    pos = close + 2;
  }
  out += t.text.substr(pos);
  return out;
}

}  // namespace kl
