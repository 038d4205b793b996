// An expression tree as MathML Core, so the page can show an answer typeset as it was read without any
// math library at run time. Bounded: subtrees deeper than kMaxMathmlDepth print as an ellipsis, and
// output beyond kMaxMathmlBytes is given up (the caller gets ""). Every text is escaped.
#include <cmath>
#include <cstdlib>
#include <map>
#include <vector>

#include "check/internal.hpp"

namespace kl {
namespace detail {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Names a learner types for Greek letters, shown as the letters.
const std::map<std::string, std::string>& greek() {
  static const std::map<std::string, std::string> g = {
      {"alpha", "α"}, {"beta", "β"},  {"gamma", "γ"}, {"delta", "δ"},  {"epsilon", "ε"}, {"eps", "ε"},   {"zeta", "ζ"},
      {"eta", "η"},   {"theta", "θ"}, {"kappa", "κ"}, {"lambda", "λ"}, {"lam", "λ"},     {"mu", "μ"},    {"nu", "ν"},
      {"xi", "ξ"},    {"pi", "π"},    {"rho", "ρ"},   {"sigma", "σ"},  {"tau", "τ"},     {"phi", "φ"},   {"chi", "χ"},
      {"psi", "ψ"},   {"omega", "ω"}, {"Sigma", "Σ"}, {"Phi", "Φ"},    {"Omega", "Ω"},   {"Delta", "Δ"}, {"inf", "∞"}};
  return g;
}

// The language's table (binding_precedence), except that a fraction is a box of its own.
int precedence(const Node& n) {
  if (n.type == Node::Type::Binary && n.text == "/") return 10;
  return binding_precedence(n);
}

class Printer {
 public:
  std::string take() { return std::move(out_); }
  bool overflowed() const { return out_.size() > kMaxMathmlBytes; }

  void node(const Node& n, int depth) {
    if (overflowed()) return;
    if (depth > kMaxMathmlDepth) {
      out_ += "<mi>…</mi>";
      return;
    }
    switch (n.type) {
      case Node::Type::Number: number(n.number); break;
      case Node::Type::String: out_ += "<ms>" + escape(n.text) + "</ms>"; break;
      case Node::Type::Boolean: out_ += n.boolean ? "<mi>true</mi>" : "<mi>false</mi>"; break;
      case Node::Type::Name: name(n.text); break;
      case Node::Type::Unary:
        out_ += "<mrow>";
        out_ += n.text == "not" ? "<mo>¬</mo>" : n.text == "-" ? "<mo>−</mo>" : "<mo>" + escape(n.text) + "</mo>";
        child(*n.children[0], n.text == "not" ? 3 : 7, depth);
        out_ += "</mrow>";
        break;
      case Node::Type::Binary: binary(n, depth); break;
      case Node::Type::Call: call(n, depth); break;
      case Node::Type::Index:
        out_ += "<msub>";
        child(*n.children[0], 10, depth);
        out_ += "<mrow>";
        list(n.children, 1, depth);
        out_ += "</mrow></msub>";
        break;
      case Node::Type::VectorLit: vector(n, depth); break;
    }
  }

 private:
  void number(double x) {
    if (x < 0) {
      out_ += "<mrow><mo>−</mo>";
      number(-x);
      out_ += "</mrow>";
      return;
    }
    const std::string s = shortest_number(x);
    const std::size_t e = s.find('e');
    if (e == std::string::npos) {
      out_ += "<mn>" + escape(s) + "</mn>";
      return;
    }
    // 1.5e-09 as 1.5 × 10⁻⁹.
    const long exponent = std::strtol(s.c_str() + e + 1, nullptr, 10);
    out_ += "<mrow><mn>" + escape(s.substr(0, e)) + "</mn><mo>×</mo><msup><mn>10</mn>";
    out_ +=
        exponent < 0 ? "<mrow><mo>−</mo><mn>" + std::to_string(-exponent) + "</mn></mrow>" : "<mn>" + std::to_string(exponent) + "</mn>";
    out_ += "</msup></mrow>";
  }

  void name(const std::string& text) {
    auto g = greek().find(text);
    if (g != greek().end()) {
      out_ += "<mi>" + g->second + "</mi>";
      return;
    }
    // pi_ref as π with subscript ref.
    const std::size_t u = text.find('_');
    if (u != std::string::npos && u > 0 && u + 1 < text.size()) {
      out_ += "<msub>";
      name(text.substr(0, u));
      out_ += "<mi>" + escape(text.substr(u + 1)) + "</mi></msub>";
      return;
    }
    out_ += "<mi>" + escape(text) + "</mi>";
  }

  void child(const Node& c, int min_prec, int depth) {
    if (precedence(c) < min_prec) {
      out_ += "<mrow><mo>(</mo>";
      node(c, depth + 1);
      out_ += "<mo>)</mo></mrow>";
    } else {
      node(c, depth + 1);
    }
  }

  void list(const std::vector<NodePtr>& items, std::size_t from, int depth) {
    for (std::size_t i = from; i < items.size(); ++i) {
      if (i > from) out_ += "<mo separator=\"true\">,</mo>";
      node(*items[i], depth + 1);
    }
  }

  void binary(const Node& n, int depth) {
    const std::string& op = n.text;
    if (op == "/") {
      out_ += "<mfrac><mrow>";
      node(*n.children[0], depth + 1);
      out_ += "</mrow><mrow>";
      node(*n.children[1], depth + 1);
      out_ += "</mrow></mfrac>";
      return;
    }
    if (op == "^") {
      out_ += "<msup>";
      child(*n.children[0], 10, depth);
      out_ += "<mrow>";
      node(*n.children[1], depth + 1);
      out_ += "</mrow></msup>";
      return;
    }
    const int p = precedence(n);
    if (p == 4) {  // comparisons do not chain: both sides bind tighter
      out_ += "<mrow>";
      child(*n.children[0], p + 1, depth);
      out_ += "<mo>" + symbol(op) + "</mo>";
      child(*n.children[1], p + 1, depth);
      out_ += "</mrow>";
      return;
    }
    // A left-associative chain (a + b - c + ...) is one row, walked without recursion, so a long sum
    // neither nests its rows nor reaches the depth bound.
    std::vector<const Node*> chain;
    const Node* cur = &n;
    while (cur->type == Node::Type::Binary && precedence(*cur) == p && chain.size() < kMaxAnswerLength) {
      chain.push_back(cur);
      cur = cur->children[0].get();
    }
    out_ += "<mrow>";
    child(*cur, p, depth);
    for (auto it = chain.rbegin(); it != chain.rend() && !overflowed(); ++it) {
      out_ += "<mo>" + symbol((*it)->text) + "</mo>";
      child(*(*it)->children[1], p + 1, depth);
    }
    out_ += "</mrow>";
  }

  static std::string symbol(const std::string& op) {
    static const std::map<std::string, std::string> symbols = {{"+", "+"},  {"-", "−"},  {"*", "⋅"},     {"@", "@"},
                                                               {"==", "="}, {"!=", "≠"}, {"<", "&lt;"},  {">", "&gt;"},
                                                               {"<=", "≤"}, {">=", "≥"}, {"and", "and"}, {"or", "or"}};
    auto s = symbols.find(op);
    return s != symbols.end() ? s->second : escape(op);
  }

  void call(const Node& n, int depth) {
    const std::string& f = n.text;
    if (f == "sqrt" && n.children.size() == 1) {
      out_ += "<msqrt>";
      node(*n.children[0], depth + 1);
      out_ += "</msqrt>";
      return;
    }
    if (f == "abs" && n.children.size() == 1) {
      out_ += "<mrow><mo>|</mo>";
      node(*n.children[0], depth + 1);
      out_ += "<mo>|</mo></mrow>";
      return;
    }
    if ((f == "kl" || f == "cross_entropy") && n.children.size() == 2) {
      out_ += f == "kl" ? "<mrow><mi>KL</mi><mo>(</mo>" : "<mrow><mi>H</mi><mo>(</mo>";
      node(*n.children[0], depth + 1);
      out_ += f == "kl" ? "<mo>‖</mo>" : "<mo separator=\"true\">,</mo>";
      node(*n.children[1], depth + 1);
      out_ += "<mo>)</mo></mrow>";
      return;
    }
    out_ += "<mrow><mi>" + escape(f) + "</mi><mo>&#x2061;</mo><mrow><mo>(</mo>";
    list(n.children, 0, depth);
    out_ += "<mo>)</mo></mrow></mrow>";
  }

  void vector(const Node& n, int depth) {
    bool matrix = !n.children.empty();
    for (const auto& c : n.children) matrix = matrix && c->type == Node::Type::VectorLit;
    out_ += "<mrow><mo>[</mo>";
    if (matrix) {
      out_ += "<mtable>";
      for (const auto& row : n.children) {
        out_ += "<mtr>";
        for (const auto& cell : row->children) {
          out_ += "<mtd>";
          node(*cell, depth + 2);
          out_ += "</mtd>";
        }
        out_ += "</mtr>";
      }
      out_ += "</mtable>";
    } else {
      list(n.children, 0, depth);
    }
    out_ += "<mo>]</mo></mrow>";
  }

  std::string out_;
};

}  // namespace

std::string mathml_body(const Node& n) {
  Printer p;
  p.node(n, 0);
  if (p.overflowed()) return "";
  return p.take();
}

std::string mathml_element(const std::string& body) { return "<math xmlns=\"http://www.w3.org/1998/Math/MathML\">" + body + "</math>"; }

std::string to_mathml(const Node& n) {
  const std::string body = mathml_body(n);
  return body.empty() ? "" : mathml_element(body);
}

}  // namespace detail
}  // namespace kl
