// Regression tests, each named after what broke (found by the notebook walk, the fuzzers, review or
// the browser tests), so the failure it guards against reads in the test list.
#include <catch2/catch.hpp>
#include <cmath>

#include "kl/check.hpp"
#include "kl/expr.hpp"
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
)", "r.md");
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
)", "r.md");
  REQUIRE(report.errors.empty());
  auto c = kl::Checker::create(report.notebook);
  REQUIRE(c.ok());
  CHECK(c.value().check("e1a", "0.5").kind == kl::VerdictKind::Close);  // 0.49 to one figure
  CHECK(c.value().check("e1b", "0.25", 0, {{"e1a", "0.5"}}).kind == kl::VerdictKind::CorrectGivenEarlier);
}
