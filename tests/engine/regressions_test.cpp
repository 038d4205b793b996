// Regression tests, each named after what broke (found by the notebook walk, the fuzzers, review or
// the browser tests), so the failure it guards against reads in the test list.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "../utf8_oracle.hpp"
#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/notebook.hpp"
#include "kl/numerics.hpp"

namespace {

double eval(const std::string& text) {
  kl::Environment env;
  auto r = kl::evaluate_text(text, env);
  INFO(text << ": " << (r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  REQUIRE(r.value().is_number());
  return r.value().number();
}

}  // namespace

TEST_CASE("regression: kl was -inf when p/q fell below 1e-16 (log1p of a ratio that rounded to -1)", "[regression]") {
  const double a = eval("kl([1, 1e-20], [0.6, 0.4])");
  CHECK(std::isfinite(a));
  CHECK(a == Approx(std::log(1 / 0.6)).epsilon(1e-12));
  CHECK(std::isfinite(eval("kl([1e-17, 1], [0.5, 0.5])")));
  CHECK(eval("jsd([1e-20, 1], [0.5, 0.5])") == Approx(eval("jsd([0, 1], [0.5, 0.5])")).epsilon(1e-12));
  // The RLHF policy with a large reward gap goes through exactly this.
  CHECK(std::isfinite(eval("kl(rlhf_policy([0.6, 0.4], [3, 0], 0.05), [0.6, 0.4])")));
}

TEST_CASE("regression: zeros(1e12) wrapped around to a small length where long is 32 bits (wasm)", "[regression]") {
  kl::Environment env;
  auto r = kl::evaluate_text("zeros(1e12)", env);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == kl::ErrorCode::TooLarge);
  auto s = kl::evaluate_text("linspace(0, 1, 4294967297)", env);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == kl::ErrorCode::TooLarge);
}

TEST_CASE("regression: a syntax error in an edited cell left its dependents running on old values", "[regression][graph]") {
  const auto report = kl::parse_notebook("---\nid: r\ntitle: R\n---\n\n```kl a\nx = 1\n```\n\n```kl b\ny = x + 1\n```\n", "r.md");
  REQUIRE(report.errors.empty());
  kl::Runtime rt(report.notebook);
  rt.run_all();
  auto r = rt.edit("a", "x = (2");
  REQUIRE(r.ok());
  REQUIRE(r.value().size() == 2);
  CHECK(r.value()[0].status == kl::CellResult::Status::Error);
  CHECK(r.value()[1].status == kl::CellResult::Status::Blocked);
  CHECK(rt.env().count("y") == 0);
}

TEST_CASE("regression: a typed 0 was read as a one-significant-figure rounding of any small answer", "[regression][check]") {
  const auto report = kl::parse_notebook(R"(---
id: r
title: R
---

```exercise e1
let p = [0.4, 0.6]
part e1a: Entropy.
  answer: entropy(p)
  mistake: sum(p * 0) => That is zero.
  solution: {{entropy(p)}}.
```
)",
                                         "r.md");
  REQUIRE(report.errors.empty());
  auto c = kl::Checker::create(report.notebook);
  REQUIRE(c.ok());
  const kl::Verdict v = c.value().check("e1a", "0");
  CHECK(v.kind == kl::VerdictKind::Incorrect);
  CHECK(v.mistake == "author:1");
}

TEST_CASE("regression: error-carried-forward ignored an earlier answer that was only 'close'", "[regression][check]") {
  const auto report = kl::parse_notebook(R"(---
id: r
title: R
---

```exercise e1
let p = [0.49, 0.51]
part e1a: TV.
  answer: t = tv(p, [0.98, 0.02])
  solution: {{t}}.
part e1b: Its square.
  answer: t^2
  solution: {{t^2}}.
```
)",
                                         "r.md");
  REQUIRE(report.errors.empty());
  auto c = kl::Checker::create(report.notebook);
  REQUIRE(c.ok());
  CHECK(c.value().check("e1a", "0.5").kind == kl::VerdictKind::Close);  // 0.49 to one figure
  CHECK(c.value().check("e1b", "0.25", 0, {{"e1a", "0.5"}}).kind == kl::VerdictKind::CorrectGivenEarlier);
}

// ---- Issue 11: no input can break the engine ------------------------------------------------------

namespace {

std::string chain_of(const std::string& term, const std::string& op, int terms) {
  std::string s = term;
  for (int i = 1; i < terms; ++i) s += op + term;
  return s;
}

std::string read_notebook(const std::string& name) {
  std::ifstream in(std::string(KL_SOURCE_DIR) + "/site/notebooks/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

kl::Error eval_error(const std::string& text) {
  kl::Environment env;
  auto r = kl::evaluate_text(text, env);
  INFO(text.substr(0, 60) << " unexpectedly gave " << (r.ok() ? kl::format_value(r.value(), 60) : ""));
  REQUIRE_FALSE(r.ok());
  return r.error();
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("regression: 1+1+...+1 with 2,500 terms broke the wasm instance for good, 8,000 segfaulted kllab eval", "[regression][caps]") {
  for (const std::string op : {"+", "-", "*", "/", "^", " and ", " or "}) {
    for (int terms : {2500, 8000}) {
      INFO(op << " x " << terms);
      const kl::Error e = eval_error(chain_of(op == " and " || op == " or " ? "true" : "1", op, terms));
      CHECK(e.code == kl::ErrorCode::TooDeep);
      CHECK(has(e.message, "(the limit is 500)"));
      CHECK(e.column > 0);
    }
  }
  // The same answer typed into ex8b, and given as the earlier answer ex8a, in the same checker:
  // a verdict each time, then a right answer is still checked correctly.
  const auto report = kl::parse_notebook(read_notebook("distillation.md"), "distillation.md");
  REQUIRE(report.errors.empty());
  auto checker = kl::Checker::create(report.notebook);
  REQUIRE(checker.ok());
  const std::string chain = chain_of("1", "+", 2500);
  REQUIRE(chain.size() <= kl::kMaxAnswerLength);
  for (int i = 0; i < 20; ++i) {
    const kl::Verdict v = checker.value().check("ex8b", chain);
    CHECK(v.kind == kl::VerdictKind::Invalid);
    CHECK(has(v.feedback, "nested too deeply"));
    const kl::Verdict ecf = checker.value().check("ex8b", "0.047", 0, {{"ex8a", chain}});
    CHECK_FALSE(ecf.feedback.empty());
  }
  kl::Environment scratch;
  const auto reference = kl::evaluate_text("kl(softmax([3, 1, -2]), softmax([2, 0, -1]))", scratch);
  REQUIRE(reference.ok());
  CHECK(checker.value().check("ex8b", kl::format_value(reference.value())).kind == kl::VerdictKind::Correct);
}

TEST_CASE("regression: 200 nested brackets were refused as 'more than 200'", "[regression][caps]") {
  const std::string open(200, '('), close(200, ')');
  kl::Environment env;
  auto r = kl::evaluate_text(open + "1" + close, env);
  REQUIRE(r.ok());
  CHECK(r.value().number() == 1);
  const kl::Error e = eval_error("(" + open + "1" + close + ")");
  CHECK(e.code == kl::ErrorCode::TooDeep);
  CHECK(has(e.message, "more than 200 levels of brackets (the limit is 200)"));
  CHECK(e.column == 201);
}

TEST_CASE("regression: a NUL byte lexed as an operator", "[regression]") {
  const kl::Error e = eval_error(std::string("1 +\0 2", 6));
  CHECK(e.code == kl::ErrorCode::Syntax);
  CHECK(has(e.message, "U+0000"));
  CHECK(e.column == 4);
  // Every control character is refused, outside strings and inside them.
  for (int c = 1; c < 0x20; ++c) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    INFO(c);
    CHECK(eval_error("1 + " + std::string(1, static_cast<char>(c)) + "2").code == kl::ErrorCode::Syntax);
    CHECK(eval_error("len(\"a" + std::string(1, static_cast<char>(c)) + "\")").code == kl::ErrorCode::Syntax);
  }
  CHECK(eval_error("1 + \x7f").code == kl::ErrorCode::Syntax);
}

TEST_CASE("regression: bytes that are not UTF-8 reached error messages (invalid UTF-8 in the CLI's JSON)", "[regression]") {
  const std::string bad[] = {"1 + \xff", "\xc3", "\"\xe2\x82\"", "1 \xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "x\x80"};
  for (const auto& text : bad) {
    const kl::Error e = eval_error(text);
    CHECK(e.code == kl::ErrorCode::Syntax);
    CHECK(has(e.message, "not valid UTF-8"));
    CHECK(kltest::valid_utf8(e.message));
  }
  // Pasted formula symbols still work.
  kl::Environment env;
  auto r = kl::evaluate_text("2 \xC3\x97 \xCF\x80 \xE2\x88\x92 1", env);
  REQUIRE(r.ok());
  CHECK(r.value().number() == Approx(2 * M_PI - 1));
}

TEST_CASE("regression: 2^1024 returned 1.797e308 instead of an overflow error", "[regression][overflow]") {
  for (const char* text : {"2^1024", "2^1024.5", "(-2)^1025", "4^512", "1.5^1751", "10^308.3", "2^512 * 2^512", "exp(710)", "bits(1.7e308)",
                           "normal_logpdf(1e200, 0, 1)", "logsumexp([1e308, 1e308]) * 2", "mixture_logpdf(1e200, [1], [0], [1])",
                           "1e308 * 10", "-1e308 - 1e308"}) {
    INFO(text);
    const kl::Error e = eval_error(text);
    CHECK(e.code == kl::ErrorCode::Domain);
    CHECK(has(e.message, "overflow"));
  }
  // Values just inside the range are still computed.
  CHECK(eval("2^1023") == std::ldexp(1.0, 1023));
  CHECK(eval("2^-1074") == std::ldexp(1.0, -1074));
  CHECK(eval("exp(709.78)") == Approx(1.7928227943945155e308));
  CHECK(eval("1.7976931348623157e308") == std::numeric_limits<double>::max());
  CHECK(eval("1.7976931348623157e308^1") == std::numeric_limits<double>::max());
  CHECK(eval("ln(0)") == -HUGE_VAL);  // an exact infinity is not an overflow
  CHECK(eval("kl([0.5, 0.5], [1, 0])") == HUGE_VAL);
}

TEST_CASE("regression: large finite arguments overflowed inside round, mean, var, normalize, linspace", "[regression][overflow]") {
  CHECK(eval("round(1e308, 2)") == 1e308);
  CHECK(eval("round(2.5e15 + 0.5, 3)") == 2.5e15 + 0.5);
  CHECK(eval("mean([1e308, 1e308])") == 1e308);
  CHECK(eval("var([1e308, 1e308])") == 0);
  CHECK(eval("normalize([1e308, 1e308])[1]") == 0.5);
  CHECK(eval("linspace(-1e308, 1e308, 3)[2]") == 0);
  CHECK(eval("linspace(-1e308, 1e308, 3)[3]") == 1e308);
  // The ordinary cases are unchanged, bit for bit.
  CHECK(eval("round(2.345, 2)") == 2.35);
  CHECK(eval("linspace(0, 1, 11)[4]") == 3.0 / 10.0);
  CHECK(eval("mean([1, 2, 4])") == 7.0 / 3.0);
}

TEST_CASE("regression: eye(2236) @ eye(2236) was never charged (3 s natively, minutes in wasm)", "[regression][budget]") {
  const kl::Error e = eval_error("eye(2236) @ eye(2236)");
  CHECK(e.code == kl::ErrorCode::TooLarge);
  CHECK(has(e.message, "too large"));
  CHECK(e.column == 11);
  // Every matrix function at the size cap: what fits in the budget is computed, the rest refused.
  CHECK(eval("sum(eye(2236))") == 2236);
  CHECK(eval("sum(transpose(eye(2236)))") == 2236);
  CHECK(eval("sum(diag(ones(2236)))") == 2236);
  CHECK(eval("sum(eye(2236) * eye(2236))") == 2236);
  CHECK(eval("sum(eye(2236) @ ones(2236))") == 2236);
  CHECK(eval("sum(ones(2236) @ eye(2236))") == 2236);
  CHECK(eval("len(eye(2236)[2236])") == 2236);
  CHECK(eval_error("eye(2237)").code == kl::ErrorCode::TooLarge);
  CHECK(eval_error("diag(ones(2237))").code == kl::ErrorCode::TooLarge);
  CHECK(eval_error("eye(2236) == eye(2236) and eye(2236) == eye(2236) and eye(2236) == eye(2236) and "
                   "eye(2236) == eye(2236) and eye(2236) == eye(2236)")
            .code == kl::ErrorCode::TooLarge);
}

TEST_CASE("regression: kl_mvn on a 1000x1000 covariance ran 16 s in wasm (never charged)", "[regression][budget]") {
  const kl::Error e = eval_error("kl_mvn(zeros(1000), eye(1000), zeros(1000), eye(1000))");
  CHECK(e.code == kl::ErrorCode::TooLarge);
  CHECK(eval_error("kl_mvn(zeros(2236), eye(2236), zeros(2236), eye(2236))").code == kl::ErrorCode::TooLarge);
  CHECK(eval("kl_mvn(zeros(200), eye(200), zeros(200), eye(200))") == 0);
  CHECK(eval("kl_mvn([0, 0], [[1, 0.5], [0.5, 1]], [0, 0], [[1, 0], [0, 1]])") == Approx(0.1438410362));
}

TEST_CASE("regression: editing zT = randn(100000, 1) under a plot froze the page 7 s (a fresh budget per point)",
          "[regression][budget][graph]") {
  const auto report = kl::parse_notebook(read_notebook("distillation.md"), "distillation.md");
  REQUIRE(report.errors.empty());
  kl::Runtime rt(report.notebook);
  rt.run_all();
  auto before = rt.plot("entropy-vs-tau");
  REQUIRE(before.ok());
  auto edited = rt.edit("setup", "zT = randn(100000, 1)\nzS = [2, 0, -1]");
  REQUIRE(edited.ok());
  bool plot_refused = false;
  for (const auto& r : edited.value()) {
    if (r.cell != "entropy-vs-tau") continue;
    CHECK(r.status == kl::CellResult::Status::Error);
    CHECK(r.error.code == kl::ErrorCode::TooLarge);
    CHECK(has(r.error.message, "the plot is too large"));
    plot_refused = true;
  }
  CHECK(plot_refused);
  auto direct = rt.plot("entropy-vs-tau");
  REQUIRE_FALSE(direct.ok());
  CHECK(direct.error().code == kl::ErrorCode::TooLarge);
  // Back to the textbook logits: the same plot, the same numbers.
  REQUIRE(rt.edit("setup", "zT = [3, 1, -2]\nzS = [2, 0, -1]").ok());
  auto after = rt.plot("entropy-vs-tau");
  REQUIRE(after.ok());
  REQUIRE(after.value().series.size() == before.value().series.size());
  for (std::size_t s = 0; s < after.value().series.size(); ++s) CHECK(after.value().series[s].second == before.value().series[s].second);
}

TEST_CASE("regression: each statement of a cell had a budget of its own", "[regression][budget][graph]") {
  std::string heavy;
  for (int i = 0; i < 40; ++i) heavy += "a" + std::to_string(i) + " = sum(ones(1000000) * 2)\n";
  const auto report = kl::parse_notebook("---\nid: r\ntitle: R\n---\n\n```kl a\nx = 1\n```\n\n```kl b\ny = x + 1\n```\n", "r.md");
  REQUIRE(report.errors.empty());
  kl::Runtime rt(report.notebook);
  rt.run_all();
  auto r = rt.edit("a", heavy + "x = 1");
  REQUIRE(r.ok());
  REQUIRE_FALSE(r.value().empty());
  CHECK(r.value()[0].status == kl::CellResult::Status::Error);
  CHECK(r.value()[0].error.code == kl::ErrorCode::TooLarge);
  // Each statement alone is well within the budget, and a lighter cell runs.
  auto fine = rt.edit("a", "a0 = sum(ones(1000000) * 2)\nx = a0");
  REQUIRE(fine.ok());
  CHECK(fine.value()[0].status == kl::CellResult::Status::Ok);
  CHECK(rt.env().at("y").number() == 2000001);
}

TEST_CASE("regression: zeros(5e6) made a 15 MB result text nobody reads", "[regression][format]") {
  kl::Environment env;
  auto z = kl::evaluate_text("zeros(5e6)", env);
  REQUIRE(z.ok());
  const std::string text = kl::format_value(z.value(), kl::kMaxValueText);
  CHECK(text.size() <= kl::kMaxValueText + 40);
  CHECK(text.rfind("[0, 0, 0", 0) == 0);
  CHECK(has(text, "\xE2\x80\xA6, 0] (5000000 entries)"));
  CHECK(kltest::valid_utf8(text));
  auto m = kl::evaluate_text("eye(2236)", env);
  REQUIRE(m.ok());
  const std::string mt = kl::format_value(m.value(), kl::kMaxValueText);
  CHECK(mt.size() <= kl::kMaxValueText + 40);
  CHECK(has(mt, "(2236x2236 matrix)"));
  CHECK(mt.rfind("[[1, 0, 0", 0) == 0);
  // Values that fit are exactly the canonical text.
  for (const char* small : {"[1, 2, 3]", "[[1, 2], [3, 4]]", "0.1", "\"abc\"", "true"}) {
    auto v = kl::evaluate_text(small, env);
    REQUIRE(v.ok());
    CHECK(kl::format_value(v.value(), kl::kMaxValueText) == kl::format_value(v.value()));
  }
  auto ramp = kl::evaluate_text("range(1, 20)", env);
  REQUIRE(ramp.ok());
  const std::string full = kl::format_value(ramp.value());
  CHECK(kl::format_value(ramp.value(), full.size()) == full);
  const std::string cut = kl::format_value(ramp.value(), full.size() - 1);
  CHECK(has(cut, ", 20] (20 entries)"));
  CHECK(cut.rfind("[1, 2", 0) == 0);
  // Strings are cut on a character boundary.
  auto s = kl::evaluate_text("\"" + std::string(3000, 'a') + "\xCF\x80\xCF\x80\"", env);
  REQUIRE(s.ok());
  const std::string st = kl::format_value(s.value(), 3002);
  CHECK(kltest::valid_utf8(st));
  CHECK(has(st, "(3004 bytes)"));
}

TEST_CASE("long programs: a cell of 150,000 statements runs as one unit, and names are capped", "[regression][caps][graph]") {
  const auto report = kl::parse_notebook("---\nid: r\ntitle: R\n---\n\n```kl a\nx = 1\n```\n\n```kl b\ny = x + 1\n```\n", "r.md");
  REQUIRE(report.errors.empty());
  kl::Runtime rt(report.notebook);
  rt.run_all();
  std::string many;
  for (int i = 0; i < 150000; ++i) many += "x = " + std::to_string(i % 7) + "\n";
  REQUIRE(many.size() <= kl::kMaxProgramLength);
  auto r = rt.edit("a", many);
  REQUIRE(r.ok());
  CHECK(r.value()[0].status == kl::CellResult::Status::Ok);
  CHECK(rt.env().at("y").number() == 149999 % 7 + 1);
  // More names than an environment may hold: the cell fails with a message; the graph stays usable.
  std::string names;
  for (std::size_t i = 0; i <= kl::kMaxNames; ++i) names += "n" + std::to_string(i) + " = 1\n";
  names += "x = 2\n";
  auto s = rt.edit("a", names);
  REQUIRE(s.ok());
  CHECK(s.value()[0].status == kl::CellResult::Status::Error);
  CHECK(s.value()[0].error.code == kl::ErrorCode::TooLarge);
  CHECK(has(s.value()[0].error.message, "names"));
  REQUIRE(rt.edit("a", "x = 5").ok());
  CHECK(rt.env().at("y").number() == 6);
  // Past the program cap: refused as a whole, the cell reports it.
  auto t = rt.edit("a", std::string(kl::kMaxProgramLength + 1, ' ') + "x = 1");
  REQUIRE(t.ok());
  CHECK(t.value()[0].error.code == kl::ErrorCode::TooLarge);
}

TEST_CASE("regression: a plot whose over: line did not parse dereferenced a null tree (found by fuzz_notebook)", "[regression][graph]") {
  const auto report =
      kl::parse_notebook("---\nid: r\ntitle: R\n---\n\n```kl a\nx = 1\n```\n\n```plot p\ntitle: P\nover: t = " + chain_of("1", "+", 600) +
                             "\nseries: t * x => y\n```\n\n```plot q\ntitle: Q\nover: t = linspace(0, 1, 5)\nseries: (t => y\n```\n",
                         "r.md");
  CHECK_FALSE(report.errors.empty());  // an author error, reported with its line
  kl::Runtime rt(report.notebook);
  for (const auto& r : rt.run_all()) {
    if (r.cell != "p") continue;
    CHECK(r.status == kl::CellResult::Status::Error);
    CHECK(has(r.error.message, "could not be read"));
  }
  auto plot = rt.plot("p");
  REQUIRE_FALSE(plot.ok());
  CHECK(has(plot.error().message, "could not be read"));
  (void)rt.plot("q");  // a series that did not parse is left out: whatever it gives, it is not a crash
  CHECK(rt.env().at("x").number() == 1);
}

TEST_CASE("regression: a matrix whose whole text fits was cut row by row (found by fuzz_expr)", "[regression][format]") {
  // 8.8880018350088802e+22 - [p]/80 - [p]/8: a 1x3 matrix of long numbers. Each row had a quarter of the
  // room (64 bytes), so the capped text left entries out although the whole text fit in 256 bytes.
  kl::Environment env;
  env["p"] = kl::Value(kl::Vec((kl::Vec(3) << 0.2, 0.3, 0.5).finished()));
  auto v = kl::evaluate_text(
      "88880018350088801835000- [ p]\xC3\xB7"
      "80- [ p]\xC3\xB7"
      "8",
      env);
  REQUIRE(v.ok());
  REQUIRE(v.value().is_matrix());
  const std::string full = kl::format_value(v.value());
  REQUIRE(full.size() <= 256);
  CHECK(full.size() > 64);
  CHECK(kl::format_value(v.value(), 256) == full);
  CHECK(kl::format_value(v.value(), full.size()) == full);
  // One byte less: abbreviated, and says so.
  const std::string cut = kl::format_value(v.value(), full.size() - 1);
  CHECK(cut != full);
  CHECK(has(cut, "(1x3 matrix)"));
  // Every kind of value whose whole text fits is that text, at every cap from its length up.
  for (const char* text : {"[[1e22, 2e22, 3e22], [4, 5, 6]]", "[1.2345678901234567e-300, 2, 3]", "eye(3) / 3", "[[\"a\"]]"}) {
    auto w = kl::evaluate_text(text, env);
    if (!w.ok()) continue;
    const std::string f = kl::format_value(w.value());
    for (std::size_t cap = f.size(); cap < f.size() + 3; ++cap) CHECK(kl::format_value(w.value(), cap) == f);
  }
}

TEST_CASE("regression: the printed text of an expression under the length cap could exceed it (found by fuzz_expr)", "[regression][caps]") {
  // The printer spaces binary operators and brackets by precedence, so text just under the cap can
  // print longer than the cap: a 54,694-byte input printed to 103,660 characters. Reading that text
  // back is then a clear too_large error (never another error, never a crash); text that prints
  // within the cap reads back to the same tree.
  std::string chain = "1";
  for (int i = 0; i < 199; ++i) chain += "-1";  // 399 bytes, printed "1 - 1 - ..." (797)
  std::string text = "[" + chain;
  while (text.size() + chain.size() + 2 < kl::kMaxExpressionLength / 2 + 2000) text += "," + chain;
  text += "]";
  auto tree = kl::parse_expression(text);
  REQUIRE(tree.ok());
  const std::string printed = kl::to_string(*tree.value());
  REQUIRE(text.size() < kl::kMaxExpressionLength);
  REQUIRE(printed.size() > kl::kMaxExpressionLength);
  auto again = kl::parse_expression(printed);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == kl::ErrorCode::TooLarge);
  CHECK(has(again.error().message, "too long"));
  // Half of it prints within the cap and reads back to the same text.
  std::string half = "[" + chain;
  while (half.size() + chain.size() + 2 < kl::kMaxExpressionLength / 4) half += "," + chain;
  half += "]";
  auto small = kl::parse_expression(half);
  REQUIRE(small.ok());
  const std::string small_printed = kl::to_string(*small.value());
  REQUIRE(small_printed.size() <= kl::kMaxExpressionLength);
  auto small_again = kl::parse_expression(small_printed);
  REQUIRE(small_again.ok());
  CHECK(kl::to_string(*small_again.value()) == small_printed);
}
