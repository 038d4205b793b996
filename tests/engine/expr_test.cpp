// The notebook language: syntax, operators, the library, and the error table (every error class
// is a value with a message, and syntax errors carry the column).
#include "kl/expr.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

using kl::ErrorCode;

namespace {

kl::Value eval_ok(const std::string& text) {
  kl::Environment env;
  auto r = kl::evaluate_text(text, env);
  INFO(text << " -> " << (r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  return r.value();
}

double num(const std::string& text) {
  kl::Value v = eval_ok(text);
  INFO(text);
  REQUIRE(v.is_number());
  return v.number();
}

kl::Error eval_err(const std::string& text) {
  kl::Environment env;
  auto r = kl::evaluate_text(text, env);
  INFO(text << " unexpectedly gave " << (r.ok() ? kl::format_value(r.value()) : ""));
  REQUIRE_FALSE(r.ok());
  return r.error();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("arithmetic, precedence and associativity", "[expr]") {
  CHECK(num("1 + 2 * 3") == 7);
  CHECK(num("(1 + 2) * 3") == 9);
  CHECK(num("-2^2") == -4);
  CHECK(num("2^3^2") == 512);
  CHECK(num("2^-1") == 0.5);
  CHECK(num("2**3") == 8);
  CHECK(num("10 - 4 - 3") == 3);
  CHECK(num("12 / 3 / 2") == 2);
  CHECK(num("--3") == 3);
  CHECK(num("1e-3 * 1000") == Approx(1.0));
  CHECK(num(".5 + 0.25") == 0.75);
  CHECK(num("pi") == Approx(M_PI));
  CHECK(num("e") == Approx(M_E));
  CHECK(std::isinf(num("inf")));
  CHECK(num("3 \xE2\x88\x92 1") == 2);     // U+2212 minus sign pasted from a formula
  CHECK(num("2 \xC3\x97 3") == 6);         // multiplication sign
  CHECK(num("\xCF\x80") == Approx(M_PI));  // the letter pi
}

TEST_CASE("vectors, matrices, broadcasting and indexing", "[expr]") {
  kl::Value v = eval_ok("[1, 2, 3] * 2 + 1");
  REQUIRE(v.is_vector());
  CHECK(kl::format_value(v) == "[3, 5, 7]");
  CHECK(kl::format_value(eval_ok("[1, 2] / [4, 8]")) == "[0.25, 0.25]");
  CHECK(kl::format_value(eval_ok("[1, 2]^2")) == "[1, 4]");
  CHECK(kl::format_value(eval_ok("[[1, 2], [3, 4]] @ [1, 1]")) == "[3, 7]");
  CHECK(kl::format_value(eval_ok("[[1, 0], [0, 1]]")) == "[[1, 0], [0, 1]]");
  CHECK(num("[1, 2] @ [3, 4]") == 11);
  CHECK(num("[10, 20, 30][2]") == 20);
  CHECK(num("[[1, 2], [3, 4]][2, 1]") == 3);
  CHECK(kl::format_value(eval_ok("[[1, 2], [3, 4]][2]")) == "[3, 4]");
  CHECK(eval_ok("[1, 2] == [1, 2]").boolean());
  CHECK(eval_ok("1 < 2 and not (3 <= 2)").boolean());
  CHECK(num("if(1 > 2, 1/0, 5)") == 5);  // if is lazy: the branch not taken is not evaluated
}

TEST_CASE("assignments persist in an environment", "[expr]") {
  kl::Environment env;
  REQUIRE(kl::evaluate_text("p = [0.5, 0.5]", env).ok());
  REQUIRE(kl::evaluate_text("q = [0.7, 0.3]", env).ok());
  auto r = kl::evaluate_text("kl(p, q)", env);
  REQUIRE(r.ok());
  CHECK(r.value().number() == Approx(0.0871767).margin(5e-8));
  auto bad = kl::evaluate_text("ln = 3", env);
  REQUIRE_FALSE(bad.ok());
  CHECK(contains(bad.error().message, "built-in"));
}

TEST_CASE("the library reproduces the catalogue's values", "[expr][reference]") {
  CHECK(num("kl([0.5, 0.5], [0.7, 0.3])") == Approx(0.0871767).margin(5e-8));
  CHECK(num("kl([0.5, 0.5], [0.5, 0.5])") == 0);
  CHECK(num("kl([0.7, 0.3], [0.5, 0.5])") == Approx(0.0822829).margin(5e-8));
  CHECK(num("entropy([0.7, 0.3])") == Approx(0.6108643).margin(5e-8));
  CHECK(num("cross_entropy([0.7, 0.3], [0.5, 0.5])") == Approx(0.6931472).margin(5e-8));
  CHECK(num("kl([0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4])") == Approx(0.4564348).margin(5e-8));
  CHECK(num("kl_gauss(1, 2, 0, 1)") == Approx(0.6534264).margin(5e-8));
  CHECK(num("kl_gauss(0, 1, 1, 2)") == Approx(0.3465736).margin(5e-8));
  CHECK(num("kl([0.4, 0.1, 0.1, 0.4], [0.25, 0.25, 0.25, 0.25])") == Approx(0.1927448).margin(5e-8));
  CHECK(num("kl([0.01, 0.99], [0.5, 0.5])") == Approx(0.6371456).margin(5e-8));
  CHECK(num("kl([0.5, 0.5], [0.01, 0.99])") == Approx(1.6144631).margin(5e-8));
  CHECK(num("tv([0.01, 0.99], [0.5, 0.5])") == Approx(0.49).margin(1e-12));
  CHECK(num("jsd([0.01, 0.99], [0.5, 0.5])") == Approx(0.1931875).margin(5e-8));
  CHECK(num("kl(rlhf_policy([0.6, 0.4], [2, 0], 0.1), [0.6, 0.4])") == Approx(0.5108256).margin(5e-8));
  CHECK(num("rlhf_policy([0.6, 0.4], [2, 0], 0.1)[2]") == Approx(1.3741e-9).epsilon(1e-4));
  CHECK(num("kl(softmax([3, 1, -2]), softmax([2, 0, -1]))") == Approx(0.0252013).margin(5e-8));
  CHECK(num("kl(softmax([3, 1, -2], 3), softmax([2, 0, -1], 3))") == Approx(0.0260161).margin(5e-8));
  CHECK(num("0.7 * kl(softmax([3, 1, -2], 3), softmax([2, 0, -1], 3)) + 0.3 * cross_entropy([1, 0, 0], softmax([2, 0, -1]))") ==
        Approx(0.0691651).margin(5e-8));
  CHECK(num("normal_logpdf(2, 0, 1.1)") == Approx(-2.7847754).margin(5e-8));
  CHECK(num("kl_gauss(2 * 10/11, 0.5, 0, 1)") == Approx(1.7494662).margin(5e-8));
  CHECK(num("q_posterior_var([0.1, 0.2, 0.3, 0.4], 3)") == Approx(0.1693548).margin(5e-8));
  CHECK(num("ddpm_weight([0.1, 0.2, 0.3, 0.4], 3)") == Approx(0.7653061).margin(5e-8));
  CHECK(num("alpha_bar(linear_betas(1000, 1e-4, 0.02))[500]") == Approx(0.0785872).margin(5e-8));
  CHECK(num("alpha_bar(cosine_betas(1000))[500]") == Approx(0.4938436).margin(5e-8));
  CHECK(num("bits(ln(2))") == Approx(1.0));
}

TEST_CASE("error table: every error class is a value with a useful message", "[expr][errors]") {
  struct Row {
    const char* text;
    ErrorCode code;
    const char* phrase;
    int column;  // 0: not checked
  };
  const Row rows[] = {
      {"1 +", ErrorCode::Syntax, "ends too early", 4},
      {"(1 + 2", ErrorCode::Syntax, "never closed", 1},
      {"[1, 2", ErrorCode::Syntax, "never closed", 1},
      {"1 + 2)", ErrorCode::Syntax, "unmatched ')'", 6},
      {"2 pi", ErrorCode::Syntax, "missing operator", 3},
      {"1 $ 2", ErrorCode::Syntax, "unexpected character", 3},
      {"", ErrorCode::Syntax, "empty", 1},
      {"x == ", ErrorCode::Syntax, "ends too early", 0},
      {"1 = 2", ErrorCode::Syntax, "compare", 3},
      {"'abc", ErrorCode::Syntax, "never closed", 1},
      {"1/0", ErrorCode::DivisionByZero, "division by zero", 2},
      {"0/0", ErrorCode::DivisionByZero, "division by zero", 0},
      {"ln(-1)", ErrorCode::Domain, ">= 0", 1},
      {"sqrt(-2)", ErrorCode::Domain, ">= 0", 0},
      {"(-8)^(1/3)", ErrorCode::Domain, "fractional power", 0},
      {"0^-1", ErrorCode::DivisionByZero, "divides by zero", 0},
      {"9^9^9^9", ErrorCode::Domain, "overflow", 0},
      {"exp(1000)", ErrorCode::Domain, "overflow", 0},
      {"inf - inf", ErrorCode::Domain, "undefined", 0},
      {"kl([0.5, 0.5], [0.2, 0.3, 0.5])", ErrorCode::Length, "3", 1},
      {"kl([0.5, 0.6], [0.5, 0.5])", ErrorCode::NotDistribution, "normalize", 0},
      {"kl([-0.5, 1.5], [0.5, 0.5])", ErrorCode::NotDistribution, "negative", 0},
      {"kll([0.5, 0.5], [0.5, 0.5])", ErrorCode::UnknownName, "did you mean kl(p, q)", 1},
      {"entropyy([1])", ErrorCode::UnknownName, "entropy", 0},
      {"pp + 1", ErrorCode::UnknownName, "unknown name 'pp'", 1},
      {"kl([1, 0])", ErrorCode::Arity, "takes 2 arguments", 1},
      {"softmax([1, 2], 1, 2)", ErrorCode::Arity, "1 or 2", 0},
      {"kl(1, 2)", ErrorCode::Type, "must be a vector", 0},
      {"sum(\"a\")", ErrorCode::Type, "vector", 0},
      {"[1, 2] + [1, 2, 3]", ErrorCode::Length, "same length", 0},
      {"[[1, 2], [3]]", ErrorCode::Length, "rows of a matrix", 0},
      {"[1, 2][3]", ErrorCode::Index, "out of range", 0},
      {"[1, 2][1.5]", ErrorCode::Index, "whole number", 0},
      {"kl_gauss(0, -1, 0, 1)", ErrorCode::Domain, "variance", 0},
      {"kl_mvn([0, 0], [[1, 2], [2, 1]], [0, 0], [[1, 0], [0, 1]])", ErrorCode::NotPositiveDefinite, "positive definite", 0},
      {"zeros(1e12)", ErrorCode::TooLarge, "limit", 0},
      {"linspace(0, 1, 1e9)", ErrorCode::TooLarge, "limit", 0},
      {"uniform(0, 1)", ErrorCode::Type, "vary", 0},
      {"kl", ErrorCode::Type, "is a function", 0},
      {"true + 1", ErrorCode::Type, "numbers", 0},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    kl::Error e = eval_err(row.text);
    INFO(e.message);
    CHECK(e.code == row.code);
    CHECK(contains(e.message, row.phrase));
    if (row.column) CHECK(e.column == row.column);
    CHECK_FALSE(e.message.empty());
  }
}

TEST_CASE("ln(0) is -inf and support mismatch is +inf, never NaN", "[expr][errors]") {
  CHECK(num("ln(0)") == -HUGE_VAL);
  CHECK(num("kl([0.5, 0.5], [1, 0])") == HUGE_VAL);
  CHECK(num("kl([1, 0], [0.5, 0.5])") == Approx(std::log(2.0)));  // 0 log 0 = 0
  eval_err("0 * ln(0)");                                          // NaN is reported, not returned
}

TEST_CASE("nesting and size caps give clear errors, and the evaluator keeps working", "[expr][errors]") {
  std::string deep(100000, '(');
  deep += "1";
  deep += std::string(100000, ')');
  kl::Error e = eval_err(deep);
  CHECK(e.code == ErrorCode::TooLarge);  // over the length cap before any recursion

  std::string nested(5000, '(');
  nested += "1" + std::string(5000, ')');
  CHECK(eval_err(nested).code == ErrorCode::TooDeep);
  std::string brackets(3000, '[');
  brackets += "1" + std::string(3000, ']');
  CHECK(eval_err(brackets).code == ErrorCode::TooDeep);
  std::string minus(3000, '-');
  CHECK(eval_err(minus + "1").code == ErrorCode::TooDeep);
  std::string pow_chain = "2";
  for (int i = 0; i < 3000; ++i) pow_chain += "^1";
  CHECK(eval_err(pow_chain).code == ErrorCode::TooDeep);
  CHECK(eval_err(
            "sum(ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * "
            "ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) "
            "* ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * "
            "ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) "
            "* ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * "
            "ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) "
            "* ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000) * ones(4000000))")
            .code == ErrorCode::TooLarge);
  // Within the caps, deep but legal input still works afterwards.
  std::string ok_nested(150, '(');
  ok_nested += "1" + std::string(150, ')');
  CHECK(num(ok_nested) == 1);
  CHECK(num("1 + 1") == 2);
}

TEST_CASE("printing a tree gives text that parses back to the same value", "[expr]") {
  const char* texts[] = {"-2^2",
                         "(-2)^2",
                         "2^3^2",
                         "(2^3)^2",
                         "1 - (2 - 3)",
                         "1 - 2 - 3",
                         "2 / (3 * 4)",
                         "kl(p, q) + 0.5 * ln(5 / 7)",
                         "[1, 2][2]",
                         "-(1 + 2)",
                         "2^-1",
                         "not (1 < 2) or true",
                         "[[1, 2], [3, 4]] @ [1, 1]"};
  kl::Environment env;
  env["p"] = kl::Value(kl::Vec((kl::Vec(2) << 0.5, 0.5).finished()));
  env["q"] = kl::Value(kl::Vec((kl::Vec(2) << 0.7, 0.3).finished()));
  for (const char* t : texts) {
    INFO(t);
    auto tree = kl::parse_expression(t);
    REQUIRE(tree.ok());
    std::string printed = kl::to_string(*tree.value());
    INFO(printed);
    auto again = kl::parse_expression(printed);
    REQUIRE(again.ok());
    CHECK(kl::to_string(*again.value()) == printed);
    auto a = kl::evaluate(*tree.value(), env);
    auto b = kl::evaluate(*again.value(), env);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(kl::same_value(a.value(), b.value()));
  }
}

TEST_CASE("free names and called functions", "[expr]") {
  auto tree = kl::parse_expression("kl(softmax(zT / tau), pS) + pi * x[2]");
  REQUIRE(tree.ok());
  CHECK(kl::free_names(*tree.value()) == std::set<std::string>{"pS", "tau", "x", "zT"});
  CHECK(kl::called_functions(*tree.value()) == std::set<std::string>{"kl", "softmax"});
}

TEST_CASE("forbidden functions are refused", "[expr][errors]") {
  std::set<std::string> forbidden{"kl"};
  kl::EvalOptions opts;
  opts.forbidden = &forbidden;
  kl::Environment env;
  auto tree = kl::parse_expression("kl([0.5, 0.5], [0.7, 0.3])");
  REQUIRE(tree.ok());
  auto r = kl::evaluate(*tree.value(), env, opts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::Forbidden);
  auto fine = kl::parse_expression("0.5*ln(0.5/0.7) + 0.5*ln(0.5/0.3)");
  REQUIRE(fine.ok());
  CHECK(kl::evaluate(*fine.value(), env, opts).ok());
}

TEST_CASE("the function table is sorted and complete", "[expr]") {
  auto names = kl::function_names();
  CHECK(std::is_sorted(names.begin(), names.end()));
  const char* required[] = {"ln",
                            "log",
                            "log2",
                            "log10",
                            "exp",
                            "expm1",
                            "log1p",
                            "sqrt",
                            "abs",
                            "min",
                            "max",
                            "sum",
                            "mean",
                            "prod",
                            "cumsum",
                            "cumprod",
                            "dot",
                            "len",
                            "normalize",
                            "linspace",
                            "zeros",
                            "ones",
                            "bits",
                            "entropy",
                            "cross_entropy",
                            "kl",
                            "jsd",
                            "tv",
                            "chi2",
                            "hellinger",
                            "renyi",
                            "softmax",
                            "log_softmax",
                            "logsumexp",
                            "kl_gauss",
                            "kl_std_normal",
                            "kl_mvn",
                            "normal_logpdf",
                            "linear_betas",
                            "cosine_betas",
                            "alpha_bar",
                            "q_posterior_mean",
                            "q_posterior_var",
                            "ddpm_weight",
                            "rlhf_policy",
                            "randn",
                            "rand"};
  for (const char* name : required) {
    INFO(name);
    CHECK(kl::is_function(name));
  }
}

TEST_CASE("program parsing reports the line and column", "[expr][errors]") {
  auto prog = kl::parse_program("a = 1\n# comment\n\nb = a +\nc = 2");
  REQUIRE_FALSE(prog.ok());
  CHECK(prog.error().line == 4);
  CHECK(prog.error().column == 8);
  auto good = kl::parse_program("a = 1  # one\nb = a * 2\n");
  REQUIRE(good.ok());
  REQUIRE(good.value().size() == 2);
  CHECK(good.value()[1].target == "b");
  CHECK(good.value()[1].line == 2);
}

// ---- Bounded trees (issue 11): every class of input at exactly its cap, and one past it ----------

namespace {

// `term op term op ... term` with `terms` terms.
std::string chain(const std::string& term, const std::string& op, int terms) {
  std::string s = term;
  for (int i = 1; i < terms; ++i) s += op + term;
  return s;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

int height(const std::string& text) {
  auto t = kl::parse_expression(text);
  REQUIRE(t.ok());
  return kl::tree_height(*t.value());
}

// One hostile class: `at_cap` must parse to a tree of exactly the cap's height and evaluate to
// `expected`; `past_cap` must be refused as too deep, with the limit and a column.
struct CapCase {
  const char* name;
  std::string at_cap;
  std::string expected;
  std::string past_cap;
};

std::vector<CapCase> height_cases() {
  const int h = kl::kMaxTreeHeight;
  return {
      {"+", chain("1", " + ", h), "500", chain("1", " + ", h + 1)},
      {"-", chain("1", " - ", h), "-498", chain("1", " - ", h + 1)},
      {"*", chain("1", " * ", h), "1", chain("1", " * ", h + 1)},
      {"/", chain("1", " / ", h), "1", chain("1", " / ", h + 1)},
      {"^", chain("1", "^", h), "1", chain("1", "^", h + 1)},
      {"**", chain("1", "**", h), "1", chain("1", "**", h + 1)},
      // eye(2) is two levels (a call above a number): h - 2 products.
      {"@", chain("eye(2)", " @ ", h - 1), "[[1, 0], [0, 1]]", chain("eye(2)", " @ ", h)},
      {"and", chain("true", " and ", h), "true", chain("true", " and ", h + 1)},
      {"or", chain("false", " or ", h), "false", chain("false", " or ", h + 1)},
      // Comparisons do not chain: they stack through and/or (each `1 < 2` is two levels).
      {"< and", chain("1 < 2", " and ", h - 1), "true", chain("1 < 2", " and ", h)},
      {"== or", chain("1 == 2", " or ", h - 1), "false", chain("1 == 2", " or ", h)},
      {"!= and", chain("1 != 2", " and ", h - 1), "true", chain("1 != 2", " and ", h)},
      {"<= and", chain("1 <= 2", " and ", h - 1), "true", chain("1 <= 2", " and ", h)},
      {"> or", chain("1 > 2", " or ", h - 1), "false", chain("1 > 2", " or ", h)},
      {">= or", chain("1 >= 2", " or ", h - 1), "false", chain("1 >= 2", " or ", h)},
      {"unary -", repeat("-", h - 1) + "1", "-1", repeat("-", h) + "1"},
      {"unary - with spaces", repeat("- ", h - 1) + "1", "-1", repeat("- ", h) + "1"},
      {"not", repeat("not ", h - 1) + "true", "false", repeat("not ", h) + "true"},
      {"- and ^ mixed", repeat("1^-", h / 2 - 1) + "-1", "1", repeat("1^-", h / 2) + "1"},
      // The index expression of an index: [7][chain] is one level above the chain.
      {"index", "[7][" + chain("1", " * ", h - 1) + "]", "7", "[7][" + chain("1", " * ", h) + "]"},
      // A call's argument, a vector's entry.
      {"call", "abs(" + chain("1", " - ", h - 1) + ")", "497", "abs(" + chain("1", " - ", h) + ")"},
      {"vector", "[" + chain("1", " + ", h - 1) + "]", "[499]", "[" + chain("1", " + ", h) + "]"},
  };
}

}  // namespace

TEST_CASE("tree height cap: an expression at exactly the cap evaluates, in every class", "[expr][caps]") {
  for (const auto& c : height_cases()) {
    INFO(c.name);
    CHECK(height(c.at_cap) == kl::kMaxTreeHeight);
    kl::Environment env;
    auto r = kl::evaluate_text(c.at_cap, env);
    INFO((r.ok() ? "" : r.error().message));
    REQUIRE(r.ok());
    CHECK(kl::format_value(r.value()) == c.expected);
    // The other walks over the same tree.
    auto t = kl::parse_expression(c.at_cap);
    REQUIRE(t.ok());
    const std::string printed = kl::to_string(*t.value());
    auto again = kl::parse_expression(printed);
    REQUIRE(again.ok());
    CHECK(kl::same_tree(*t.value(), *again.value()));
    CHECK(kl::free_names(*t.value()).empty());
  }
}

TEST_CASE("tree height cap: one level past the cap is too_deep, with the limit and a column", "[expr][caps][errors]") {
  for (const auto& c : height_cases()) {
    INFO(c.name);
    kl::Environment env;
    auto r = kl::evaluate_text(c.past_cap, env);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::TooDeep);
    CHECK(contains(r.error().message, "nested too deeply"));
    CHECK(contains(r.error().message, "(the limit is 500)"));
    CHECK(r.error().column > 0);
  }
}

TEST_CASE("nesting cap: exactly 200 brackets of each kind are accepted, 201 are too_deep", "[expr][caps][errors]") {
  const int n = kl::kMaxNesting;
  struct Row {
    const char* name;
    std::function<std::string(int)> make;
    const char* value;
  };
  const Row rows[] = {
      {"( )", [](int k) { return repeat("(", k) + "1" + repeat(")", k); }, "1"},
      {"calls", [](int k) { return repeat("abs(", k) + "-1" + repeat(")", k); }, "1"},
      {"call arguments", [](int k) { return repeat("max(0, ", k) + "1" + repeat(")", k); }, "1"},
      {"index brackets", [](int k) { return repeat("[1, 2][", k) + "1" + repeat("]", k); }, "1"},
      {"( ) around operators", [](int k) { return repeat("-(", k) + "1" + repeat(")", k); }, "1"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    kl::Environment env;
    auto ok = kl::evaluate_text(row.make(n), env);
    INFO((ok.ok() ? "" : ok.error().message));
    REQUIRE(ok.ok());
    CHECK(kl::format_value(ok.value()) == row.value);
    auto bad = kl::evaluate_text(row.make(n + 1), env);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == ErrorCode::TooDeep);
    CHECK(contains(bad.error().message, "more than 200 levels of brackets (the limit is 200)"));
    CHECK(bad.error().column > 0);
  }
  // Vectors of vectors: 200 levels parse (and are refused as values: rows hold numbers), 201 do not.
  kl::Environment env;
  auto vv = kl::evaluate_text(repeat("[", n) + "1" + repeat("]", n), env);
  REQUIRE_FALSE(vv.ok());
  CHECK(vv.error().code == ErrorCode::Type);
  CHECK(kl::evaluate_text(repeat("[", n + 1) + "1" + repeat("]", n + 1), env).error().code == ErrorCode::TooDeep);
}

TEST_CASE("chains far past the caps, of every class, give errors and the evaluator keeps working", "[expr][caps][errors]") {
  const std::vector<std::string> hostile = {chain("1", "+", 50000),
                                            chain("1", "-", 50000),
                                            chain("1", "*", 50000),
                                            chain("1", "/", 50000),
                                            chain("1", "^", 50000),
                                            chain("eye(2)", "@", 10000),
                                            chain("true", " and ", 10000),
                                            chain("true", " or ", 10000),
                                            chain("1<2", " and ", 12000),
                                            repeat("-", 99999) + "1",
                                            repeat("not ", 24000) + "true",
                                            "[[1]]" + repeat("[1]", 30000),
                                            "v" + repeat("[1]", 30000),
                                            repeat("(", 50000) + "1" + repeat(")", 49999),
                                            repeat("abs(", 19999) + "1" + repeat(")", 19999),
                                            repeat("[", 49999) + "1" + repeat("]", 49999),
                                            repeat("2^-", 30000) + "1"};
  for (const auto& h : hostile) {
    INFO(h.substr(0, 40));
    REQUIRE(h.size() <= kl::kMaxExpressionLength);
    kl::Environment env;
    auto r = kl::evaluate_text(h, env);
    REQUIRE_FALSE(r.ok());
    CHECK((r.error().code == ErrorCode::TooDeep || r.error().code == ErrorCode::Syntax));
    CHECK_FALSE(r.error().message.empty());
  }
  // A unary + chain makes no nodes: it is simply 1.
  CHECK(num(repeat("+", 2000) + "1") == 1);
  CHECK(num("kl([0.5, 0.5], [0.7, 0.3])") == Approx(0.0871767).margin(5e-8));
}

TEST_CASE("trees built without the parser: every walk is iterative, evaluation refuses past the cap", "[expr][caps]") {
  // A rewritten or hand-built tree can be taller than any parsed one.
  kl::NodePtr tall = kl::make_number(1);
  for (int i = 0; i < 200000; ++i) tall = kl::make_binary("+", tall, kl::make_number(1));
  kl::NodePtr twin = kl::make_number(1);
  for (int i = 0; i < 200000; ++i) twin = kl::make_binary("+", twin, kl::make_number(1));
  CHECK(kl::tree_height(*tall) == 200001);
  CHECK(kl::same_tree(*tall, *twin));
  CHECK(kl::free_names(*tall).empty());
  CHECK(kl::called_functions(*tall).empty());
  CHECK(kl::to_string(*tall).size() == 200001 * 4 - 3);
  kl::Environment env;
  auto r = kl::evaluate(*tall, env);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::TooDeep);
  tall.reset();  // the destructor: no recursion either
  twin.reset();
  CHECK(num("1 + 1") == 2);
}

TEST_CASE("long programs: many statements parse, a program past the cap is too_large", "[expr][caps]") {
  std::string program;
  for (int i = 0; i < 20000; ++i) program += "x" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  auto p = kl::parse_program(program);
  REQUIRE(p.ok());
  CHECK(p.value().size() == 20000);
  std::string huge(kl::kMaxProgramLength + 1, ' ');
  auto q = kl::parse_program(huge);
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().code == ErrorCode::TooLarge);
}

// ---- Charged work ------------------------------------------------------------------------------

namespace {

kl::Result<kl::Value> eval_with(const std::string& text, kl::Budget& budget, kl::Environment env = {}) {
  kl::EvalOptions o;
  o.budget = &budget;
  return kl::evaluate_text(text, env, o);
}

}  // namespace

TEST_CASE("the budget charges a matrix product by n*m*k, before computing it", "[expr][budget]") {
  // Ten million units pay for 300x300 operands and their sum, not for their product (2.7e7).
  kl::Budget a(10000000);
  auto sum = eval_with("sum(eye(300) + eye(300))", a);
  REQUIRE(sum.ok());
  CHECK(sum.value().number() == 600);
  kl::Budget b(10000000);
  auto product = eval_with("sum(eye(300) @ eye(300))", b);
  REQUIRE_FALSE(product.ok());
  CHECK(product.error().code == ErrorCode::TooLarge);
  CHECK(product.error().column == 14);  // refused at the '@'
  CHECK(b.exhausted());
  // The same for the other superlinear functions: their cost is known before they run.
  const char* superlinear[] = {"kl_mvn(zeros(300), eye(300), zeros(300), eye(300))",
                               "mixture_logpdf(linspace(0, 1, 10000), ones(100) / 100, zeros(100), ones(100))",
                               "q_posterior_var(linear_betas(3000, 1e-4, 0.02), range(2, 3000))"};
  for (const char* text : superlinear) {
    INFO(text);
    kl::Budget c(10000000);
    auto r = eval_with(text, c);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::TooLarge);
  }
}

TEST_CASE("every evaluation of a unit of work shares its budget", "[expr][budget]") {
  kl::Budget budget(1000000);
  int ok = 0;
  kl::Result<kl::Value> r = kl::Value(0.0);
  for (int i = 0; i < 100 && (r = eval_with("sum(ones(10000))", budget)).ok(); ++i) ++ok;
  CHECK(ok > 5);
  CHECK(ok < 100);  // each alone is cheap; together they pass the limit
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::TooLarge);
  CHECK(contains(r.error().message, "too large"));
  // Once exhausted, it stays exhausted.
  CHECK_FALSE(eval_with("1 + 1", budget).ok());
}

TEST_CASE("a budget's deadline is a backstop that reports a too-large computation", "[expr][budget]") {
  kl::Budget budget(kl::kMaxWork, 1e-9);  // passed by the time anything is charged
  auto r = eval_with("sum(ones(1000))", budget);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::TooLarge);
  CHECK(contains(r.error().message, "did not finish within"));
  kl::Budget roomy(kl::kMaxWork, 600.0);
  auto s = eval_with("sum(ones(1000))", roomy);
  REQUIRE(s.ok());
  CHECK(s.value().number() == 1000);
}

TEST_CASE("values held at once, and by an environment, are capped", "[expr][budget]") {
  // Each level holds a 4-million vector while the next is computed: the sixth would pass 2e7.
  std::string nested = "sum(zeros(4000000)";
  for (int i = 0; i < 5; ++i) nested += " + (zeros(4000000)";
  nested += std::string(5, ')') + ")";
  kl::Environment env;
  auto r = kl::evaluate_text(nested, env);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::TooLarge);
  CHECK(contains(r.error().message, "at once"));
  for (int i = 1; i <= 4; ++i) REQUIRE(kl::evaluate_text("a" + std::to_string(i) + " = zeros(5000000)", env).ok());
  auto fifth = kl::evaluate_text("a5 = zeros(5000000)", env);
  REQUIRE_FALSE(fifth.ok());
  CHECK(fifth.error().code == ErrorCode::TooLarge);
  CHECK(contains(fifth.error().message, "cannot be kept"));
  CHECK(env.count("a5") == 0);
  REQUIRE(kl::evaluate_text("a1 = false", env).ok());  // replacing a value frees its room
  CHECK(kl::evaluate_text("a5 = zeros(5000000)", env).ok());
}
