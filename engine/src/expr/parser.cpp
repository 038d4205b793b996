// The lexer and recursive-descent parser of the notebook language, with a nesting cap (a
// 20,000-deep input must be an error, not a broken wasm stack: TOOLCHAIN.md, trap 7), and the
// printer that turns a tree back into text.
//
// Precedence, loosest first: or, and, not, comparison, + -, * / @, unary + -, ^ (right-assoc, so
// -2^2 = -4 and 2^-1 = 0.5), postfix call and index.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kl/expr.hpp"

namespace kl {

NodePtr make_number(double x, int column) {
  auto n = std::make_shared<Node>();
  n->type = Node::Type::Number;
  n->number = x;
  n->column = column;
  return n;
}
NodePtr make_name(std::string name, int column) {
  auto n = std::make_shared<Node>();
  n->type = Node::Type::Name;
  n->text = std::move(name);
  n->column = column;
  return n;
}
NodePtr make_call(std::string name, std::vector<NodePtr> args, int column) {
  auto n = std::make_shared<Node>();
  n->type = Node::Type::Call;
  n->text = std::move(name);
  n->children = std::move(args);
  n->column = column;
  return n;
}
NodePtr make_binary(std::string op, NodePtr a, NodePtr b, int column) {
  auto n = std::make_shared<Node>();
  n->type = Node::Type::Binary;
  n->text = std::move(op);
  n->children = {std::move(a), std::move(b)};
  n->column = column;
  return n;
}
NodePtr make_unary(std::string op, NodePtr a, int column) {
  auto n = std::make_shared<Node>();
  n->type = Node::Type::Unary;
  n->text = std::move(op);
  n->children = {std::move(a)};
  n->column = column;
  return n;
}

namespace {

enum class Tok { Number, Name, String, Op, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // operator spelling (normalised), name, or string contents
  double number = 0.0;
  int column = 1;    // 1-based, in characters (UTF-8 code points)
};

bool is_name_start(unsigned char c) { return std::isalpha(c) || c == '_'; }
bool is_name_char(unsigned char c) { return std::isalnum(c) || c == '_'; }

// Unicode spellings learners paste from formulas, mapped to the ASCII operator or name.
struct Alias {
  const char* utf8;
  const char* ascii;
  bool is_name;
};
const Alias kAliases[] = {
    {"\xE2\x88\x92", "-", false},  // U+2212 minus sign
    {"\xC3\x97", "*", false},      // U+00D7 multiplication sign
    {"\xC2\xB7", "*", false},      // U+00B7 middle dot
    {"\xE2\x8B\x85", "*", false},  // U+22C5 dot operator
    {"\xC3\xB7", "/", false},      // U+00F7 division sign
    {"\xE2\x89\xA4", "<=", false}, // U+2264
    {"\xE2\x89\xA5", ">=", false}, // U+2265
    {"\xE2\x89\xA0", "!=", false}, // U+2260
    {"\xCF\x80", "pi", true},      // U+03C0 pi
    {"\xE2\x88\x9E", "inf", true}, // U+221E infinity
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    while (true) {
      skip_space();
      Token t;
      t.column = column_of(pos_);
      if (pos_ >= s_.size() || s_[pos_] == '#') {
        t.kind = Tok::End;
        out.push_back(t);
        return out;
      }
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (std::isdigit(c) || (c == '.' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
        KL_TRY(t, lex_number(t));
      } else if (is_name_start(c)) {
        std::size_t start = pos_;
        while (pos_ < s_.size() && is_name_char(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        t.kind = Tok::Name;
        t.text = std::string(s_.substr(start, pos_ - start));
      } else if (c == '"' || c == '\'') {
        KL_TRY(t, lex_string(t));
      } else if (c >= 0x80) {
        bool matched = false;
        for (const Alias& a : kAliases) {
          std::size_t n = std::strlen(a.utf8);
          if (s_.substr(pos_, n) == a.utf8) {
            t.kind = a.is_name ? Tok::Name : Tok::Op;
            t.text = a.ascii;
            pos_ += n;
            matched = true;
            break;
          }
        }
        if (!matched) return error_at(t.column, "unexpected character '" + utf8_char_at(pos_) + "'");
      } else {
        KL_TRY(t, lex_operator(t));
      }
      out.push_back(std::move(t));
    }
  }

 private:
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) ++pos_;
  }

  // Columns count characters (UTF-8 code points), advanced incrementally so lexing stays linear.
  int column_of(std::size_t byte) {
    for (; col_byte_ < byte && col_byte_ < s_.size(); ++col_byte_)
      if ((static_cast<unsigned char>(s_[col_byte_]) & 0xC0) != 0x80) ++col_;
    return col_;
  }

  std::string utf8_char_at(std::size_t byte) const {
    std::size_t end = byte + 1;
    while (end < s_.size() && (static_cast<unsigned char>(s_[end]) & 0xC0) == 0x80) ++end;
    return std::string(s_.substr(byte, end - byte));
  }

  static Error error_at(int column, std::string message) {
    Error e = make_error(ErrorCode::Syntax, std::move(message));
    e.column = column;
    return e;
  }

  Result<Token> lex_number(Token t) {
    std::size_t start = pos_;
    auto digits = [&] {
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    };
    digits();
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      digits();
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      std::size_t save = pos_;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        digits();
      } else {
        pos_ = save;  // "2e" is 2 followed by the name e: reported by the parser as a missing operator
      }
    }
    std::string text(s_.substr(start, pos_ - start));
    t.kind = Tok::Number;
    t.text = text;
    t.number = std::strtod(text.c_str(), nullptr);
    if (std::isinf(t.number)) return error_at(t.column, "the number " + text + " is too large");
    return t;
  }

  Result<Token> lex_string(Token t) {
    const char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_++];
    }
    if (pos_ >= s_.size()) return error_at(t.column, "this string is never closed: add a " + std::string(1, quote));
    ++pos_;
    t.kind = Tok::String;
    t.text = std::move(out);
    return t;
  }

  Result<Token> lex_operator(Token t) {
    static const char* two[] = {"==", "!=", "<=", ">=", "**"};
    for (const char* op : two) {
      if (s_.substr(pos_, 2) == op) {
        pos_ += 2;
        t.kind = Tok::Op;
        t.text = std::strcmp(op, "**") == 0 ? "^" : op;
        return t;
      }
    }
    const char c = s_[pos_];
    if (std::strchr("+-*/^@()[],=<>", c) != nullptr) {
      ++pos_;
      t.kind = Tok::Op;
      t.text = std::string(1, c);
      return t;
    }
    if (c == ';') return error_at(t.column, "';' is not used here: put one statement per line");
    return error_at(t.column, std::string("unexpected character '") + c + "'");
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t col_byte_ = 0;
  int col_ = 1;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<Statement> statement() {
    Statement st;
    if (peek().kind == Tok::Name && t_.size() > 2 && t_[1].kind == Tok::Op && t_[1].text == "=") {
      if (is_reserved(peek().text))
        return error_at(peek().column, "'" + peek().text + "' is a reserved word and cannot be assigned to");
      st.target = peek().text;
      i_ += 2;
      if (peek().kind == Tok::End) return error_at(peek().column, "nothing after '=': give a value to assign");
    }
    KL_TRY(st.expr, expression());
    KL_TRY(bool done, finish());
    (void)done;
    return st;
  }

  Result<NodePtr> whole_expression() {
    KL_TRY(NodePtr e, expression());
    KL_TRY(bool done, finish());
    (void)done;
    return e;
  }

 private:
  static bool is_reserved(const std::string& s) { return s == "and" || s == "or" || s == "not"; }

  const Token& peek() const { return t_[i_]; }
  bool at_op(const char* op) const { return peek().kind == Tok::Op && peek().text == op; }
  bool at_word(const char* w) const { return peek().kind == Tok::Name && peek().text == w; }

  static Error error_at(int column, std::string message) {
    Error e = make_error(ErrorCode::Syntax, std::move(message));
    e.column = column;
    return e;
  }

  Result<bool> finish() {
    if (peek().kind == Tok::End) return true;
    return unexpected("an operator or the end of the expression");
  }

  Error unexpected(const std::string& wanted) {
    const Token& t = peek();
    if (t.kind == Tok::End) return error_at(t.column, "the expression ends too early: expected " + wanted);
    if (t.kind == Tok::Op && (t.text == ")" || t.text == "]"))
      return error_at(t.column, "unmatched '" + t.text + "'");
    if (t.kind == Tok::Op && t.text == "=")
      return error_at(t.column, "'=' assigns a name; to compare two values use '=='");
    // A value directly after a value: implicit multiplication is not supported.
    if (i_ > 0 && (t.kind == Tok::Number || t.kind == Tok::Name || (t.kind == Tok::Op && t.text == "("))) {
      const Token& prev = t_[i_ - 1];
      if (prev.kind == Tok::Number || prev.kind == Tok::Name || (prev.kind == Tok::Op && (prev.text == ")" || prev.text == "]")))
        return error_at(t.column, "missing operator before '" + spell(t) + "': write * for multiplication");
    }
    return error_at(t.column, "unexpected '" + spell(t) + "': expected " + wanted);
  }

  static std::string spell(const Token& t) {
    if (t.kind == Tok::String) return "\"" + t.text + "\"";
    return t.text;
  }

  Result<bool> enter(int column) {
    if (++depth_ > kMaxNesting)
      return Error{ErrorCode::TooDeep, "the expression is nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)", column, 0, {}};
    return true;
  }

  Result<NodePtr> expression() {
    KL_TRY(bool ok, enter(peek().column));
    (void)ok;
    auto r = disjunction();
    --depth_;
    return r;
  }

  Result<NodePtr> disjunction() {
    KL_TRY(NodePtr left, conjunction());
    while (at_word("or")) {
      int col = peek().column;
      ++i_;
      KL_TRY(NodePtr right, conjunction());
      left = make_binary("or", left, right, col);
    }
    return left;
  }

  Result<NodePtr> conjunction() {
    KL_TRY(NodePtr left, negation());
    while (at_word("and")) {
      int col = peek().column;
      ++i_;
      KL_TRY(NodePtr right, negation());
      left = make_binary("and", left, right, col);
    }
    return left;
  }

  Result<NodePtr> negation() {
    if (at_word("not")) {
      int col = peek().column;
      ++i_;
      KL_TRY(bool ok, enter(col));
      (void)ok;
      auto inner = negation();
      --depth_;
      if (!inner.ok()) return inner.error();
      return make_unary("not", inner.value(), col);
    }
    return comparison();
  }

  Result<NodePtr> comparison() {
    KL_TRY(NodePtr left, additive());
    static const char* ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (const char* op : ops) {
      if (at_op(op)) {
        int col = peek().column;
        ++i_;
        KL_TRY(NodePtr right, additive());
        return make_binary(op, left, right, col);
      }
    }
    return left;
  }

  Result<NodePtr> additive() {
    KL_TRY(NodePtr left, multiplicative());
    while (at_op("+") || at_op("-")) {
      std::string op = peek().text;
      int col = peek().column;
      ++i_;
      KL_TRY(NodePtr right, multiplicative());
      left = make_binary(op, left, right, col);
    }
    return left;
  }

  Result<NodePtr> multiplicative() {
    KL_TRY(NodePtr left, unary());
    while (at_op("*") || at_op("/") || at_op("@")) {
      std::string op = peek().text;
      int col = peek().column;
      ++i_;
      KL_TRY(NodePtr right, unary());
      left = make_binary(op, left, right, col);
    }
    return left;
  }

  Result<NodePtr> unary() {
    if (at_op("-") || at_op("+")) {
      std::string op = peek().text;
      int col = peek().column;
      ++i_;
      KL_TRY(bool ok, enter(col));
      (void)ok;
      auto inner = unary();
      --depth_;
      if (!inner.ok()) return inner.error();
      if (op == "+") return inner;
      return make_unary("-", inner.value(), col);
    }
    return power();
  }

  Result<NodePtr> power() {
    KL_TRY(NodePtr base, postfix());
    if (at_op("^")) {
      int col = peek().column;
      ++i_;
      KL_TRY(bool ok, enter(col));
      (void)ok;
      auto exponent = unary();  // right-associative, and 2^-1 is allowed
      --depth_;
      if (!exponent.ok()) return exponent.error();
      return make_binary("^", base, exponent.value(), col);
    }
    return base;
  }

  Result<NodePtr> postfix() {
    KL_TRY(NodePtr node, primary());
    while (true) {
      if (at_op("(")) {
        if (node->type != Node::Type::Name)
          return error_at(peek().column, "missing operator before '(': write * for multiplication");
        int col = node->column;
        std::string name = node->text;
        KL_TRY(std::vector<NodePtr> args, list(")"));
        node = make_call(name, std::move(args), col);
      } else if (at_op("[")) {
        int col = peek().column;
        KL_TRY(std::vector<NodePtr> idx, list("]"));
        if (idx.empty() || idx.size() > 2) return error_at(col, "an index is [i] for a vector or [i, j] for a matrix");
        auto n = std::make_shared<Node>();
        n->type = Node::Type::Index;
        n->column = col;
        n->children.push_back(node);
        for (auto& x : idx) n->children.push_back(x);
        node = n;
      } else {
        return node;
      }
    }
  }

  // Parses "( a, b, ... )" or "[ a, b, ... ]" starting at the opening bracket.
  Result<std::vector<NodePtr>> list(const char* close) {
    const int open_col = peek().column;
    const std::string open = peek().text;
    ++i_;
    KL_TRY(bool ok, enter(open_col));
    (void)ok;
    std::vector<NodePtr> items;
    if (!at_op(close)) {
      while (true) {
        auto item = expression();
        if (!item.ok()) {
          --depth_;
          return item.error();
        }
        items.push_back(item.value());
        if (at_op(",")) {
          ++i_;
          continue;
        }
        if (at_op(close)) break;
        --depth_;
        if (peek().kind == Tok::End)
          return error_at(open_col, "the '" + open + "' here is never closed: add '" + close + "'");
        if (peek().kind == Tok::Op && (peek().text == ")" || peek().text == "]"))
          return error_at(peek().column, "expected '" + std::string(close) + "' to close the '" + open + "' at column " + std::to_string(open_col) + ", found '" + peek().text + "'");
        return unexpected("',' or '" + std::string(close) + "'");
      }
    }
    ++i_;
    --depth_;
    return items;
  }

  Result<NodePtr> primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Number: {
        ++i_;
        return make_number(t.number, t.column);
      }
      case Tok::String: {
        auto n = std::make_shared<Node>();
        n->type = Node::Type::String;
        n->text = t.text;
        n->column = t.column;
        ++i_;
        return NodePtr(n);
      }
      case Tok::Name: {
        if (is_reserved(t.text)) return unexpected("a value");
        ++i_;
        if (t.text == "true" || t.text == "false") {
          auto n = std::make_shared<Node>();
          n->type = Node::Type::Boolean;
          n->boolean = t.text == "true";
          n->column = t.column;
          return NodePtr(n);
        }
        return make_name(t.text, t.column);
      }
      case Tok::Op: {
        if (t.text == "(") {
          const int col = t.column;
          ++i_;
          KL_TRY(NodePtr inner, expression());
          // The course prints vectors as tuples, (0.4, 0.3, 0.2, 0.1): a bracketed list of two or more
          // items is a vector, like [0.4, 0.3, 0.2, 0.1].
          std::vector<NodePtr> items{inner};
          while (at_op(",")) {
            ++i_;
            KL_TRY(NodePtr item, expression());
            items.push_back(item);
          }
          if (!at_op(")")) {
            if (peek().kind == Tok::End) return error_at(col, "the '(' here is never closed: add ')'");
            return unexpected(items.size() > 1 ? "',' or ')'" : "')'");
          }
          ++i_;
          if (items.size() == 1) return inner;
          auto n = std::make_shared<Node>();
          n->type = Node::Type::VectorLit;
          n->column = col;
          n->children = std::move(items);
          return NodePtr(n);
        }
        if (t.text == "[") {
          const int col = t.column;
          KL_TRY(std::vector<NodePtr> items, list("]"));
          if (items.empty()) return error_at(col, "an empty vector [] has no entries");
          auto n = std::make_shared<Node>();
          n->type = Node::Type::VectorLit;
          n->column = col;
          n->children = std::move(items);
          return NodePtr(n);
        }
        return unexpected("a value");
      }
      case Tok::End: return unexpected("a value");
    }
    return unexpected("a value");
  }

  std::vector<Token> t_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

Result<std::vector<Token>> lex(std::string_view text) {
  if (text.size() > kMaxExpressionLength)
    return make_error(ErrorCode::TooLarge, "the expression is too long: the limit is " + std::to_string(kMaxExpressionLength) + " characters");
  return Lexer(text).run();
}

}  // namespace

Result<NodePtr> parse_expression(std::string_view text) {
  KL_TRY(std::vector<Token> toks, lex(text));
  if (toks.size() == 1) {
    Error e = make_error(ErrorCode::Syntax, "the expression is empty");
    e.column = 1;
    return e;
  }
  return Parser(std::move(toks)).whole_expression();
}

Result<Statement> parse_statement(std::string_view text) {
  KL_TRY(std::vector<Token> toks, lex(text));
  if (toks.size() == 1) {
    Error e = make_error(ErrorCode::Syntax, "the statement is empty");
    e.column = 1;
    return e;
  }
  KL_TRY(Statement st, Parser(std::move(toks)).statement());
  st.source = std::string(text);
  return st;
}

Result<std::vector<Statement>> parse_program(std::string_view text) {
  std::vector<Statement> out;
  int line = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    std::size_t first = raw.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || raw[first] == '#') {
      if (end == text.size()) break;
      continue;
    }
    auto st = parse_statement(raw);
    if (!st.ok()) {
      Error e = st.error();
      e.line = line;
      return e;
    }
    Statement s = std::move(st).value();
    s.line = line;
    // Keep the source without a trailing comment or spaces.
    while (!s.source.empty() && (s.source.back() == ' ' || s.source.back() == '\r' || s.source.back() == '\t')) s.source.pop_back();
    out.push_back(std::move(s));
    if (end == text.size()) break;
  }
  return out;
}

// ---- Printing -----------------------------------------------------------------------------

namespace {

int precedence(const Node& n) {
  switch (n.type) {
    case Node::Type::Binary: {
      const std::string& op = n.text;
      if (op == "or") return 1;
      if (op == "and") return 2;
      if (op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=") return 4;
      if (op == "+" || op == "-") return 5;
      if (op == "*" || op == "/" || op == "@") return 6;
      if (op == "^") return 8;
      return 9;
    }
    case Node::Type::Unary: return n.text == "not" ? 3 : 7;
    case Node::Type::Number: return n.number < 0 ? 7 : 10;
    default: return 10;
  }
}

void print(const Node& n, std::string& out);

void print_child(const Node& child, int min_prec, std::string& out) {
  if (precedence(child) < min_prec) {
    out += "(";
    print(child, out);
    out += ")";
  } else {
    print(child, out);
  }
}

void print_list(const std::vector<NodePtr>& items, std::size_t from, std::string& out) {
  for (std::size_t i = from; i < items.size(); ++i) {
    if (i > from) out += ", ";
    print(*items[i], out);
  }
}

void print(const Node& n, std::string& out) {
  switch (n.type) {
    case Node::Type::Number: out += format_number(n.number, 17); break;
    case Node::Type::String: out += format_value(Value(n.text)); break;
    case Node::Type::Boolean: out += n.boolean ? "true" : "false"; break;
    case Node::Type::Name: out += n.text; break;
    case Node::Type::Unary:
      if (n.text == "not") {
        out += "not ";
        print_child(*n.children[0], 3, out);
      } else {
        out += n.text;
        print_child(*n.children[0], 7, out);
      }
      break;
    case Node::Type::Binary: {
      const int p = precedence(n);
      const bool right_assoc = n.text == "^";
      // Comparisons do not chain: both sides must bind tighter.
      const bool comparison = p == 4;
      print_child(*n.children[0], right_assoc || comparison ? p + 1 : p, out);
      if (n.text == "^") {
        out += "^";
      } else {
        out += " " + n.text + " ";
      }
      // The right side of ^ is parsed as a unary expression (2^-1), so unary minus needs no brackets.
      print_child(*n.children[1], right_assoc ? 7 : p + 1, out);
      break;
    }
    case Node::Type::Call:
      out += n.text + "(";
      print_list(n.children, 0, out);
      out += ")";
      break;
    case Node::Type::Index:
      print_child(*n.children[0], 10, out);
      out += "[";
      print_list(n.children, 1, out);
      out += "]";
      break;
    case Node::Type::VectorLit:
      out += "[";
      print_list(n.children, 0, out);
      out += "]";
      break;
  }
}

void collect(const Node& n, std::set<std::string>& names, bool functions) {
  if (!functions && n.type == Node::Type::Name && !is_constant(n.text)) names.insert(n.text);
  if (functions && n.type == Node::Type::Call) names.insert(n.text);
  for (const auto& c : n.children) collect(*c, names, functions);
}

}  // namespace

std::string to_string(const Node& node) {
  std::string out;
  print(node, out);
  return out;
}

bool same_tree(const Node& a, const Node& b) {
  if (&a == &b) return true;
  if (a.type != b.type || a.text != b.text || a.children.size() != b.children.size()) return false;
  if (a.type == Node::Type::Number && !(a.number == b.number)) return false;
  if (a.type == Node::Type::Boolean && a.boolean != b.boolean) return false;
  for (std::size_t i = 0; i < a.children.size(); ++i)
    if (!same_tree(*a.children[i], *b.children[i])) return false;
  return true;
}

std::set<std::string> free_names(const Node& node) {
  std::set<std::string> names;
  collect(node, names, false);
  return names;
}

std::set<std::string> called_functions(const Node& node) {
  std::set<std::string> names;
  collect(node, names, true);
  return names;
}

}  // namespace kl
