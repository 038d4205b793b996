// The lexer and recursive-descent parser of the notebook language, and the printer that turns a
// tree back into text.
//
// Two caps keep every recursion bounded (a 20,000-deep input must be an error, not a broken wasm
// stack: TOOLCHAIN.md, trap 7). The parser recurses only into brackets, counted against kMaxNesting;
// operators of every kind are read by one loop (operator precedence parsing). Every node it builds has its height checked
// against kMaxTreeHeight, so every later walk over a parsed tree (evaluation, printing, free names,
// comparison, rewriting, the destructor) recurses at most kMaxTreeHeight deep, whatever the input.
//
// Precedence, loosest first: or, and, not, comparison (does not chain), + -, * / @, unary + -, ^
// (right-assoc, so -2^2 = -4 and 2^-1 = 0.5), postfix call and index.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

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
  int column = 1;  // 1-based, in characters (UTF-8 code points)
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
    {"\xE2\x88\x92", "-", false},   // U+2212 minus sign
    {"\xC3\x97", "*", false},       // U+00D7 multiplication sign
    {"\xC2\xB7", "*", false},       // U+00B7 middle dot
    {"\xE2\x8B\x85", "*", false},   // U+22C5 dot operator
    {"\xC3\xB7", "/", false},       // U+00F7 division sign
    {"\xE2\x89\xA4", "<=", false},  // U+2264
    {"\xE2\x89\xA5", ">=", false},  // U+2265
    {"\xE2\x89\xA0", "!=", false},  // U+2260
    {"\xCF\x80", "pi", true},       // U+03C0 pi
    {"\xE2\x88\x9E", "inf", true},  // U+221E infinity
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> run() {
    KL_TRY(bool valid, validate());
    (void)valid;
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
  // Every byte is checked once, before lexing: text that is not UTF-8, or that holds control
  // characters (a NUL byte, escape sequences), is refused here, so no token, message or string value
  // built later can carry a stray byte into a JSON document or a page.
  Result<bool> validate() const {
    int column = 1;
    for (std::size_t i = 0; i < s_.size(); ++column) {
      const auto c = static_cast<unsigned char>(s_[i]);
      if (c < 0x80) {
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
          char code[8];
          std::snprintf(code, sizeof code, "U+%04X", c);
          return error_at(column, std::string("unexpected control character ") + code + (c == 0 ? " (a NUL byte)" : ""));
        }
        ++i;
        continue;
      }
      // Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
      std::size_t len = 0;
      unsigned lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) len = 2;
      else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      }
      bool ok = len != 0 && i + len <= s_.size();
      for (std::size_t k = 1; ok && k < len; ++k) {
        const auto b = static_cast<unsigned char>(s_[i + k]);
        ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
      }
      if (!ok) {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02X", c);
        return error_at(column, std::string("the text is not valid UTF-8 (byte ") + code + ")");
      }
      i += len;
    }
    return true;
  }

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
    // c != 0: strchr also finds the terminating NUL, which made a NUL byte an operator.
    if (c != '\0' && std::strchr("+-*/^@()[],=<>", c) != nullptr) {
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
      if (is_reserved(peek().text)) return error_at(peek().column, "'" + peek().text + "' is a reserved word and cannot be assigned to");
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
    if (t.kind == Tok::Op && (t.text == ")" || t.text == "]")) return error_at(t.column, "unmatched '" + t.text + "'");
    if (t.kind == Tok::Op && t.text == "=") return error_at(t.column, "'=' assigns a name; to compare two values use '=='");
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

  // ---- the two caps ----

  // Brackets are the only place the parser recurses (about a dozen frames per level).
  Result<bool> open_bracket(int column) {
    if (++brackets_ > kMaxNesting)
      return Error{ErrorCode::TooDeep,
                   "the expression is nested too deeply: more than " + std::to_string(kMaxNesting) + " levels of brackets (the limit is " +
                       std::to_string(kMaxNesting) + ")",
                   column,
                   0,
                   {}};
    return true;
  }
  void close_bracket() { --brackets_; }

  int height_of(const NodePtr& n) const {
    if (n->children.empty()) return 1;
    auto it = heights_.find(n.get());
    return it == heights_.end() ? 1 : it->second;
  }

  // Records a new node's height (1 + its tallest child) and refuses it past the cap, at the column
  // of the operator, call or index that made the tree too tall.
  Result<NodePtr> grown(NodePtr n) {
    int h = 0;
    for (const auto& c : n->children) h = std::max(h, height_of(c));
    ++h;
    if (h > kMaxTreeHeight)
      return Error{ErrorCode::TooDeep,
                   "the expression is nested too deeply: more than " + std::to_string(kMaxTreeHeight) +
                       " levels of operators, calls and indexes (the limit is " + std::to_string(kMaxTreeHeight) +
                       "): split it into smaller steps",
                   n->column,
                   0,
                   {}};
    heights_[n.get()] = h;
    return n;
  }

  Result<NodePtr> binary(std::string op, NodePtr a, NodePtr b, int column) {
    return grown(make_binary(std::move(op), std::move(a), std::move(b), column));
  }

  // ---- the grammar ----
  //
  // Operators are parsed by one loop over an operand stack and an operator stack (operator
  // precedence parsing), not by a function per precedence level: the parser then recurses only
  // into brackets, with a handful of small frames per bracket level, and a chain of any length
  // (1 + 1 + ..., - - - 1, not not ... x, 2^2^...) is read by the loop and refused by its height.

  struct PendingOp {
    std::string text;
    int prec;
    int column;
    bool prefix;
  };

  // Binding strength, loosest first: or 1, and 2, prefix not 3, comparison 4 (does not chain),
  // + - 5, * / @ 6, prefix + - 7, ^ 8 (right-associative).
  int binary_precedence() const {
    const Token& t = peek();
    if (t.kind == Tok::Name) return t.text == "or" ? 1 : t.text == "and" ? 2 : 0;
    if (t.kind != Tok::Op) return 0;
    const std::string& op = t.text;
    if (op == "==" || op == "!=" || op == "<=" || op == ">=" || op == "<" || op == ">") return 4;
    if (op == "+" || op == "-") return 5;
    if (op == "*" || op == "/" || op == "@") return 6;
    if (op == "^") return 8;
    return 0;
  }

  // Applies the operator on top of `ops` to the operands on top of `operands`.
  Result<bool> reduce(std::vector<NodePtr>& operands, std::vector<PendingOp>& ops) {
    PendingOp op = std::move(ops.back());
    ops.pop_back();
    if (op.prefix) {
      if (op.text == "+") return true;  // +x is x
      KL_TRY(operands.back(), grown(make_unary(op.text, operands.back(), op.column)));
      return true;
    }
    NodePtr right = std::move(operands.back());
    operands.pop_back();
    KL_TRY(operands.back(), binary(op.text, operands.back(), right, op.column));
    return true;
  }

  Result<NodePtr> expression() {
    std::vector<NodePtr> operands;
    std::vector<PendingOp> ops;
    bool allow_not = true;  // 'not' may start an operand only where a whole condition may stand
    while (true) {
      // Prefix operators, then an operand with its calls and indexes.
      while (true) {
        if (allow_not && at_word("not")) {
          ops.push_back({"not", 3, peek().column, true});
        } else if (at_op("-") || at_op("+")) {
          ops.push_back({peek().text, 7, peek().column, true});
          allow_not = false;
        } else {
          break;
        }
        ++i_;
      }
      KL_TRY(NodePtr operand, postfix());
      operands.push_back(std::move(operand));
      // A binary operator, or the end of this expression.
      const int prec = binary_precedence();
      if (prec == 0) break;
      const bool right_assoc = prec == 8;
      while (!ops.empty() && (ops.back().prec > prec || (ops.back().prec == prec && !right_assoc))) {
        if (prec == 4 && ops.back().prec == 4)  // a < b < c: comparisons do not chain
          return unexpected("an operator or the end of the expression");
        KL_TRY(bool ok, reduce(operands, ops));
        (void)ok;
      }
      ops.push_back({peek().text, prec, peek().column, false});
      allow_not = prec <= 2;
      ++i_;
    }
    while (!ops.empty()) {
      KL_TRY(bool ok, reduce(operands, ops));
      (void)ok;
    }
    return operands.back();
  }

  Result<NodePtr> postfix() {
    KL_TRY(NodePtr node, primary());
    while (true) {
      if (at_op("(")) {
        if (node->type != Node::Type::Name) return error_at(peek().column, "missing operator before '(': write * for multiplication");
        int col = node->column;
        std::string name = node->text;
        KL_TRY(std::vector<NodePtr> args, list(")"));
        KL_TRY(node, grown(make_call(name, std::move(args), col)));
      } else if (at_op("[")) {
        int col = peek().column;
        KL_TRY(std::vector<NodePtr> idx, list("]"));
        if (idx.empty() || idx.size() > 2) return error_at(col, "an index is [i] for a vector or [i, j] for a matrix");
        auto n = std::make_shared<Node>();
        n->type = Node::Type::Index;
        n->column = col;
        n->children.push_back(node);
        for (auto& x : idx) n->children.push_back(x);
        KL_TRY(node, grown(n));
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
    KL_TRY(bool ok, open_bracket(open_col));
    (void)ok;
    auto items = list_items(close, open, open_col);
    close_bracket();
    return items;
  }

  Result<std::vector<NodePtr>> list_items(const char* close, const std::string& open, int open_col) {
    std::vector<NodePtr> items;
    if (!at_op(close)) {
      while (true) {
        KL_TRY(NodePtr item, expression());
        items.push_back(item);
        if (at_op(",")) {
          ++i_;
          continue;
        }
        if (at_op(close)) break;
        if (peek().kind == Tok::End) return error_at(open_col, "the '" + open + "' here is never closed: add '" + close + "'");
        if (peek().kind == Tok::Op && (peek().text == ")" || peek().text == "]"))
          return error_at(peek().column, "expected '" + std::string(close) + "' to close the '" + open + "' at column " +
                                             std::to_string(open_col) + ", found '" + peek().text + "'");
        return unexpected("',' or '" + std::string(close) + "'");
      }
    }
    ++i_;
    return items;
  }

  Result<NodePtr> parenthesised() {
    const int col = peek().column;
    ++i_;
    KL_TRY(bool ok, open_bracket(col));
    (void)ok;
    auto inner = expression();
    if (!inner.ok()) {
      close_bracket();
      return inner;
    }
    // The course prints vectors as tuples, (0.4, 0.3, 0.2, 0.1): a bracketed list of two or more
    // items is a vector, like [0.4, 0.3, 0.2, 0.1].
    std::vector<NodePtr> items{inner.value()};
    while (at_op(",")) {
      ++i_;
      auto item = expression();
      if (!item.ok()) {
        close_bracket();
        return item;
      }
      items.push_back(item.value());
    }
    close_bracket();
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
    return grown(n);
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
        if (t.text == "(") return parenthesised();
        if (t.text == "[") {
          const int col = t.column;
          KL_TRY(std::vector<NodePtr> items, list("]"));
          if (items.empty()) return error_at(col, "an empty vector [] has no entries");
          auto n = std::make_shared<Node>();
          n->type = Node::Type::VectorLit;
          n->column = col;
          n->children = std::move(items);
          return grown(n);
        }
        return unexpected("a value");
      }
      case Tok::End: return unexpected("a value");
    }
    return unexpected("a value");
  }

  std::vector<Token> t_;
  std::size_t i_ = 0;
  int brackets_ = 0;
  // Heights of the inner nodes built so far (leaves are 1). Parsed trees are kept and walked
  // long after parsing, so the bound is enforced here, once, where every node is made.
  std::unordered_map<const Node*, int> heights_;
};

Result<std::vector<Token>> lex(std::string_view text) {
  if (text.size() > kMaxExpressionLength)
    return make_error(ErrorCode::TooLarge,
                      "the expression is too long: the limit is " + std::to_string(kMaxExpressionLength) + " characters");
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
  if (text.size() > kMaxProgramLength)
    return make_error(ErrorCode::TooLarge, "the code is too long (" + std::to_string(text.size()) + " characters; the limit is " +
                                               std::to_string(kMaxProgramLength) + ")");
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

// ---- Printing and the other walks ---------------------------------------------------------
// Each walk keeps its own explicit stack, so it is safe for any tree (parsed trees are bounded
// by kMaxTreeHeight, but trees built by rewriting or through make_* need not be).

namespace {

// One pending piece of output: literal text, or a node to print (bracketed below min_prec).
struct Piece {
  const Node* node = nullptr;
  int min_prec = 0;
  std::string text;
};

void print(const Node& root, std::string& out) {
  std::vector<Piece> todo;
  todo.push_back({&root, 0, {}});
  auto text = [&](std::string s) { todo.push_back({nullptr, 0, std::move(s)}); };
  auto child = [&](const Node& c, int min_prec) { todo.push_back({&c, min_prec, {}}); };
  // Pushes items[from..] separated by ", ", last first (the stack pops them in order).
  auto list = [&](const std::vector<NodePtr>& items, std::size_t from) {
    for (std::size_t i = items.size(); i-- > from;) {
      child(*items[i], 0);
      if (i > from) text(", ");
    }
  };
  while (!todo.empty()) {
    Piece piece = std::move(todo.back());
    todo.pop_back();
    if (piece.node == nullptr) {
      out += piece.text;
      continue;
    }
    const Node& n = *piece.node;
    if (binding_precedence(n) < piece.min_prec) {
      text(")");
      child(n, 0);
      text("(");
      continue;
    }
    switch (n.type) {
      case Node::Type::Number: out += format_number(n.number, 17); break;
      case Node::Type::String: out += format_value(Value(n.text)); break;
      case Node::Type::Boolean: out += n.boolean ? "true" : "false"; break;
      case Node::Type::Name: out += n.text; break;
      case Node::Type::Unary:
        if (n.text == "not") {
          child(*n.children[0], 3);
          text("not ");
        } else {
          child(*n.children[0], 7);
          text(n.text);
        }
        break;
      case Node::Type::Binary: {
        const int p = binding_precedence(n);
        const bool right_assoc = n.text == "^";
        // Comparisons do not chain: both sides must bind tighter.
        const bool comparison = p == 4;
        // The right side of ^ is parsed as a unary expression (2^-1), so unary minus needs no brackets.
        child(*n.children[1], right_assoc ? 7 : p + 1);
        text(n.text == "^" ? std::string("^") : " " + n.text + " ");
        child(*n.children[0], right_assoc || comparison ? p + 1 : p);
        break;
      }
      case Node::Type::Call:
        text(")");
        list(n.children, 0);
        text(n.text + "(");
        break;
      case Node::Type::Index:
        text("]");
        list(n.children, 1);
        text("[");
        child(*n.children[0], 10);
        break;
      case Node::Type::VectorLit:
        text("]");
        list(n.children, 0);
        text("[");
        break;
    }
  }
}

std::set<std::string> collect(const Node& root, bool functions) {
  std::set<std::string> names;
  std::vector<const Node*> todo{&root};
  while (!todo.empty()) {
    const Node& n = *todo.back();
    todo.pop_back();
    if (!functions && n.type == Node::Type::Name && !is_constant(n.text)) names.insert(n.text);
    if (functions && n.type == Node::Type::Call) names.insert(n.text);
    for (const auto& c : n.children) todo.push_back(c.get());
  }
  return names;
}

}  // namespace

Node::~Node() {
  // Destroying a tall tree through shared_ptr recursed once per level. Children that this node
  // owns alone are detached first and destroyed from a local stack, each with no children left.
  std::vector<NodePtr> doomed;
  for (auto& c : children)
    if (c && c.use_count() == 1) doomed.push_back(std::move(c));
  while (!doomed.empty()) {
    NodePtr n = std::move(doomed.back());
    doomed.pop_back();
    // Safe: nodes are made by make_shared<Node> (never const objects), and n is the last owner.
    auto& kids = const_cast<Node&>(*n).children;
    for (auto& c : kids)
      if (c && c.use_count() == 1) doomed.push_back(std::move(c));
    kids.clear();
  }
}

int binding_precedence(const Node& n) {
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

std::string to_string(const Node& node) {
  std::string out;
  print(node, out);
  return out;
}

bool same_tree(const Node& a, const Node& b) {
  std::vector<std::pair<const Node*, const Node*>> todo{{&a, &b}};
  while (!todo.empty()) {
    const auto [x, y] = todo.back();
    todo.pop_back();
    if (x == y) continue;
    if (x->type != y->type || x->text != y->text || x->children.size() != y->children.size()) return false;
    if (x->type == Node::Type::Number && !(x->number == y->number)) return false;
    if (x->type == Node::Type::Boolean && x->boolean != y->boolean) return false;
    for (std::size_t i = 0; i < x->children.size(); ++i) todo.emplace_back(x->children[i].get(), y->children[i].get());
  }
  return true;
}

int tree_height(const Node& root) {
  int best = 0;
  std::vector<std::pair<const Node*, int>> todo{{&root, 1}};
  while (!todo.empty()) {
    const auto [n, h] = todo.back();
    todo.pop_back();
    best = std::max(best, h);
    for (const auto& c : n->children) todo.emplace_back(c.get(), h + 1);
  }
  return best;
}

std::set<std::string> free_names(const Node& node) { return collect(node, false); }

std::set<std::string> called_functions(const Node& node) { return collect(node, true); }

}  // namespace kl
