// The notebooks are the fixtures: every part of every notebook in site/notebooks is walked (its
// reference accepted as a number and as an expression, each author and library mistake recognised,
// its solution rendered, variants 0..50 valid). Also the cell graph, ECF and the answer table.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "files.hpp"
#include "kl/check.hpp"
#include "kl/notebook.hpp"
#include "kl/session.hpp"
#include "sweep.hpp"

namespace fs = std::filesystem;

namespace {

using kltest::read;

std::vector<std::string> notebook_files() {
  auto out = kltest::course_notebooks();
  out.push_back(kltest::checker_fixture());
  std::sort(out.begin(), out.end());
  return out;
}

kl::ParseReport load(const std::string& path) { return kl::parse_notebook(read(path), path); }

kl::Checker checker_for(const kl::ParseReport& r) {
  auto c = kl::Checker::create(r.notebook);
  REQUIRE(c.ok());
  return std::move(c).value();
}

// An answer a learner could type for a value: full precision (%.17g) or `digits` significant digits.
std::string typed(const kl::Value& v, int digits = 17) { return kl::format_value_short(v, digits); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("every notebook validates in variants 0..kVariants (50 natively)", "[notebooks]") {
  const auto files = notebook_files();
  REQUIRE(files.size() >= 2);
  for (const auto& f : files) {
    INFO(f);
    const auto report = load(f);
    const auto errors = kl::validate(report, kltest::kVariants);
    for (const auto& e : errors) FAIL_CHECK(e.file << ":" << e.line << ": " << e.message);
    CHECK(errors.empty());
  }
}

TEST_CASE("every part: reference accepted, mistakes recognised, solution rendered", "[notebooks]") {
  for (const auto& f : notebook_files()) {
    const auto report = load(f);
    REQUIRE(report.errors.empty());
    const kl::Checker checker = checker_for(report);
    for (const auto& ex : report.notebook.exercises) {
      for (const auto& part : ex.parts) {
        INFO(f << " " << part.id);
        // The solution renders with every slot filled.
        auto view = checker.view(part.id);
        REQUIRE(view.ok());
        CHECK_FALSE(view.value().solution.empty());
        CHECK_FALSE(contains(view.value().solution, "{{"));

        if (part.kind == kl::AnswerKind::Choice) {
          for (std::size_t i = 0; i < part.choices.size(); ++i) {
            const kl::Verdict v = checker.check(part.id, std::to_string(i + 1));
            CHECK(v.kind == (part.choices[i].correct ? kl::VerdictKind::Correct : kl::VerdictKind::Incorrect));
            if (!part.choices[i].correct) CHECK(v.mistake == "choice:" + std::to_string(i + 1));
          }
          continue;
        }
        // Derivations: walked step by step (each step's mistakes) in derivation_test.cpp.
        if (part.kind == kl::AnswerKind::Derivation) continue;
        auto expr = checker.reference_expression(part.id);
        REQUIRE(expr.ok());
        if (part.kind == kl::AnswerKind::Expression) {
          CHECK(checker.check(part.id, expr.value()).kind == kl::VerdictKind::Correct);
          auto mistakes = checker.author_mistakes(part.id);
          REQUIRE(mistakes.ok());
          for (const auto& m : mistakes.value()) {
            const kl::Verdict v = checker.check(part.id, m.expression);
            INFO(m.expression << " -> " << v.feedback);
            CHECK(v.kind == kl::VerdictKind::Incorrect);
            CHECK(v.mistake.rfind("author:", 0) == 0);
          }
          continue;
        }
        auto ref = checker.reference(part.id);
        REQUIRE(ref.ok());
        // As a number (full precision, and sensibly rounded when the part uses the default tolerance).
        const kl::Verdict exact = checker.check(part.id, typed(ref.value()));
        INFO(typed(ref.value()) << " -> " << exact.feedback);
        CHECK(exact.kind == kl::VerdictKind::Correct);
        if (part.tolerance.mode == kl::Tolerance::Mode::Auto) {
          const kl::Verdict rounded = checker.check(part.id, typed(ref.value(), 5));
          INFO(typed(ref.value(), 5) << " -> " << rounded.feedback);
          CHECK(rounded.kind == kl::VerdictKind::Correct);
        }
        // As an equivalent expression (unless the part forbids the functions it uses).
        const kl::Verdict as_expr = checker.check(part.id, expr.value());
        INFO(expr.value() << " -> " << as_expr.feedback);
        bool uses_forbidden = false;
        auto tree = kl::parse_expression(expr.value());
        REQUIRE(tree.ok());
        for (const auto& fn : kl::called_functions(*tree.value())) uses_forbidden = uses_forbidden || part.forbidden.count(fn);
        CHECK(as_expr.kind == (uses_forbidden ? kl::VerdictKind::Invalid : kl::VerdictKind::Correct));

        // Each author mistake is recognised (the first author mistake with that value wins).
        auto authored = checker.author_mistakes(part.id);
        REQUIRE(authored.ok());
        for (const auto& m : authored.value()) {
          const kl::Verdict v = checker.check(part.id, typed(m.value));
          INFO(m.id << " " << m.expression << " = " << typed(m.value) << " -> " << v.feedback);
          CHECK(v.kind == kl::VerdictKind::Incorrect);
          bool same_as_reported = v.mistake == m.id;
          for (const auto& o : authored.value())
            if (o.id == v.mistake && kl::same_value(o.value, m.value)) same_as_reported = true;
          CHECK(same_as_reported);
        }
        // Each applicable library mistake is recognised (an author mistake with the same value may claim it).
        auto library = checker.library_mistakes(part.id);
        REQUIRE(library.ok());
        for (const auto& m : library.value()) {
          const kl::Verdict v = checker.check(part.id, typed(m.value));
          INFO(m.id << " " << m.expression << " = " << typed(m.value) << " -> " << v.mistake << " " << v.feedback);
          // Author mistakes take precedence: one within the part's tolerance of this value may claim it.
          CHECK((v.mistake == m.id || v.mistake.rfind("author:", 0) == 0));
          CHECK(v.kind == kl::VerdictKind::Incorrect);
        }
      }
    }
  }
}

TEST_CASE("reference answers of variants 1..kVariants are finite and change with the seed", "[notebooks]") {
  for (const auto& f : notebook_files()) {
    const auto report = load(f);
    const kl::Checker checker = checker_for(report);
    for (const auto& ex : report.notebook.exercises) {
      bool any_param_varies = false;
      for (const auto& p : ex.params) any_param_varies = any_param_varies || p.vary != nullptr;
      bool some_differ = false;
      for (const auto& part : ex.parts) {
        if (part.kind == kl::AnswerKind::Choice || part.kind == kl::AnswerKind::Expression || part.kind == kl::AnswerKind::Derivation)
          continue;
        auto r0 = checker.reference(part.id, 0);
        REQUIRE(r0.ok());
        for (std::uint64_t seed = 1; seed <= static_cast<std::uint64_t>(kltest::kVariants); ++seed) {
          auto r = checker.reference(part.id, seed);
          INFO(f << " " << part.id << " seed " << seed);
          REQUIRE(r.ok());
          const kl::Value& v = r.value();
          if (v.is_number()) CHECK(std::isfinite(v.number()));
          if (v.is_vector()) CHECK(v.vector().allFinite());
          if (!kl::same_value(v, r0.value())) some_differ = true;
        }
      }
      if (any_param_varies) {
        INFO(f << " " << ex.id << ": a parameter varies but no reference changes");
        CHECK(some_differ);
      }
    }
  }
}

TEST_CASE("variants are a pure function of notebook, exercise and seed", "[notebooks]") {
  const auto report = load(std::string(KL_SOURCE_DIR) + "/site/notebooks/distillation.md");
  const kl::Checker a = checker_for(report), b = checker_for(report);
  for (std::uint64_t seed : {0ull, 1ull, 7ull, 123456789ull}) {
    auto s1 = a.scope("ex8", seed), s2 = b.scope("ex8", seed);
    REQUIRE(s1.ok());
    REQUIRE(s2.ok());
    for (const auto& [name, value] : s1.value()) CHECK(kl::same_value(value, s2.value().at(name)));
  }
  // Variant 0 is the textbook.
  auto s0 = a.scope("ex8", 0);
  REQUIRE(s0.ok());
  CHECK(kl::format_value(s0.value().at("zT")) == "[3, 1, -2]");
  CHECK(kl::format_value(s0.value().at("tau")) == "3");
}

TEST_CASE("error carried forward: ex8b given a wrong ex8a", "[notebooks][check]") {
  const auto report = load(std::string(KL_SOURCE_DIR) + "/site/notebooks/distillation.md");
  const kl::Checker c = checker_for(report);
  const std::string wrong_pT = "[0.85, 0.1, 0.05]";
  // The learner's ex8b computed from their own (wrong) p_T: KL(their p_T || p_S).
  kl::Environment env = c.base();
  auto own = kl::evaluate_text("kl(" + wrong_pT + ", softmax([2, 0, -1]))", env);
  REQUIRE(own.ok());
  const std::string own_text = kl::format_value_short(own.value(), 4);
  const kl::Verdict ecf = c.check("ex8b", own_text, 0, {{"ex8a", wrong_pT}});
  INFO(ecf.feedback);
  CHECK(ecf.kind == kl::VerdictKind::CorrectGivenEarlier);
  CHECK(ecf.score == Approx(0.75));
  CHECK(contains(ecf.feedback, "ex8a"));
  // Without the earlier answer the same number is just wrong.
  CHECK(c.check("ex8b", own_text).kind == kl::VerdictKind::Incorrect);
  // A right earlier answer carries nothing forward.
  CHECK(c.check("ex8b", own_text, 0, {{"ex8a", "[0.8756, 0.1185, 0.0059]"}}).kind == kl::VerdictKind::Incorrect);
  // The correct ex8b stays correct whatever the earlier answer was.
  CHECK(c.check("ex8b", "0.0252", 0, {{"ex8a", wrong_pT}}).kind == kl::VerdictKind::Correct);
  // It reaches through a second level: ex8c3 uses pTt and pSt from ex8c and ex8c2.
  auto own3 = kl::evaluate_text("kl([0.7, 0.2, 0.1], softmax([2, 0, -1], 3))", env);
  REQUIRE(own3.ok());
  CHECK(c.check("ex8c3", kl::format_value_short(own3.value(), 4), 0, {{"ex8c", "[0.7, 0.2, 0.1]"}}).kind ==
        kl::VerdictKind::CorrectGivenEarlier);
  // An earlier answer that was only "close" (too coarse) carries forward as well.
  auto own4 = kl::evaluate_text("kl([0.6, 0.3, 0.1], softmax([2, 0, -1], 3))", env);
  REQUIRE(own4.ok());
  CHECK(c.check("ex8c", "[0.6, 0.3, 0.1]").kind == kl::VerdictKind::Close);
  CHECK(c.check("ex8c3", kl::format_value_short(own4.value(), 4), 0, {{"ex8c", "[0.6, 0.3, 0.1]"}}).kind ==
        kl::VerdictKind::CorrectGivenEarlier);
}

TEST_CASE("malformed answers get an invalid verdict with a useful message, never a crash or 'incorrect'", "[check][errors]") {
  const auto report = load(std::string(KL_SOURCE_DIR) + "/tests/fixtures/notebooks/checker.md");
  const kl::Checker c = checker_for(report);
  struct Row {
    std::string part, answer, phrase;
    int column;
  };
  const std::vector<Row> rows = {
      {"k1a", "", "empty", 0},
      {"k1a", "   ", "empty", 0},
      {"k1a", "banana", "unknown name 'banana'", 1},
      {"k1a", "0.087 0.1", "missing operator", 7},
      {"k1a", "(0.5 * ln(5/7)", "never closed", 1},
      {"k1a", "[1, 2", "never closed", 1},
      {"k1a", "0.5)", "unmatched ')'", 4},
      {"k1a", "kl(p, q)", "may not use kl", 1},
      {"k1a", "cross_entropy(p, q) - entropy(p)", "may not use cross_entropy", 1},
      {"k1a", "[0.1, 0.2]", "asks for a single number", 0},
      {"k1a", "1/0", "division by zero", 2},
      {"k1a", "ln(-1)", ">= 0", 0},
      {"k1a", "\"text\"", "", 0},
      {"k1b", "0.7", "vector of 2 entries", 0},
      {"k1b", "[0.7, 0.2, 0.1]", "asks for 2 entries", 0},
      {"k1e", "[1, 2]", "2x2 matrix", 0},
      {"k1f", "mu + sigma", "unknown name 'sigma'", 0},
      {"k1h", "7", "choose one of the 2 options", 0},
      {"k1h", "", "choose one", 0},
      {"k1a", std::string(10 * 1024 * 1024, '1'), "too long", 0},
      {"k1a", std::string(100000, '(') + "1" + std::string(100000, ')'), "too long", 0},
      {"k1a", std::string(4000, '(') + "1" + std::string(4000, ')'), "nested too deeply", 0},
      {"k1a", std::string(5000, '-') + "1", "nested too deeply", 0},
      {"k1a", "9^9^9^9", "overflow", 0},
      {"k1a", "sum(zeros(1e12))", "limit", 0},
      {"nope", "1", "there is no part 'nope'", 0},
  };
  for (const auto& row : rows) {
    INFO(row.part << " '" << row.answer.substr(0, 40) << "'");
    const kl::Verdict v = c.check(row.part, row.answer);
    INFO(v.feedback);
    if (row.answer == "\"text\"") {
      CHECK(v.kind == kl::VerdictKind::Invalid);
      continue;
    }
    CHECK(v.kind == kl::VerdictKind::Invalid);
    CHECK(contains(v.feedback, row.phrase));
    CHECK(v.score == 0.0);
    if (row.column) CHECK(v.column == row.column);
  }
  // After all of that the checker still works.
  CHECK(c.check("k1a", "0.0872").kind == kl::VerdictKind::Correct);
}

TEST_CASE("the cell graph re-runs exactly the dependents, blocks on failure, refuses cycles", "[notebooks][graph]") {
  const std::string text = R"(---
id: graph
title: Graph
---

```kl a
x = 2
```

```kl b
y = x * 10
```

```kl c
z = y + 1
```

```kl d
w = 5
```

```slider
name: s
min: 0
max: 10
value: 1
```

```kl e
u = s * x
```

```plot p
over: t = linspace(0, 1, 3)
series: t * s => line
```
)";
  const auto report = kl::parse_notebook(text, "graph.md");
  REQUIRE(report.errors.empty());
  kl::Runtime rt(report.notebook);
  REQUIRE(rt.graph_errors().empty());
  auto all = rt.run_all();
  CHECK(all.size() == 7);
  CHECK(kl::format_value(rt.env().at("z")) == "21");

  // Editing a re-runs a, b, c and e (in order), not d.
  auto r = rt.edit("a", "x = 3");
  REQUIRE(r.ok());
  std::vector<std::string> ran;
  for (const auto& c : r.value()) ran.push_back(c.cell);
  CHECK(ran == std::vector<std::string>{"a", "b", "c", "e"});
  CHECK(kl::format_value(rt.env().at("z")) == "31");

  // A failing cell blocks its dependents and leaves no stale value.
  r = rt.edit("a", "x = 1/0");
  REQUIRE(r.ok());
  CHECK(r.value()[0].status == kl::CellResult::Status::Error);
  CHECK(r.value()[1].status == kl::CellResult::Status::Blocked);
  CHECK(r.value()[1].blocked_by == "x");
  CHECK(rt.env().count("y") == 0);
  CHECK(rt.env().count("z") == 0);
  // A syntax error in an edit is reported with its column, and also blocks.
  r = rt.edit("a", "x = (1");
  REQUIRE(r.ok());
  CHECK(r.value()[0].status == kl::CellResult::Status::Error);
  CHECK(r.value()[0].error.column == 5);
  // Fixing it brings everything back.
  r = rt.edit("a", "x = 4");
  REQUIRE(r.ok());
  CHECK(kl::format_value(rt.env().at("z")) == "41");

  // A cycle or a second definition is refused, and nothing changes.
  auto cyc = rt.edit("a", "x = z");
  REQUIRE_FALSE(cyc.ok());
  CHECK(contains(cyc.error().message, "cycle"));
  auto dbl = rt.edit("d", "w = 1\ny = 2");
  REQUIRE_FALSE(dbl.ok());
  CHECK(contains(dbl.error().message, "already defined"));
  CHECK(kl::format_value(rt.env().at("z")) == "41");

  // Moving the slider re-runs e and the plot only.
  auto s = rt.set_slider("s", 2);
  REQUIRE(s.ok());
  ran.clear();
  for (const auto& c : s.value()) ran.push_back(c.cell);
  CHECK(ran == std::vector<std::string>{"slider-s", "e", "p"});
  CHECK(kl::format_value(rt.env().at("u")) == "8");
  auto plot = rt.plot("p");
  REQUIRE(plot.ok());
  CHECK(plot.value().series[0].second[2] == 2.0);
  CHECK_FALSE(rt.set_slider("s", 11).ok());
  CHECK_FALSE(rt.set_slider("nope", 1).ok());
}

TEST_CASE("text templates fill slots with the variant's numbers", "[notebooks]") {
  auto t = kl::parse_template("KL is {{kl(p, q):4}} and p = {{p}}.", 3);
  REQUIRE(t.ok());
  CHECK(t.value().slots.size() == 2);
  kl::Environment env;
  kl::evaluate_text("p = [0.5, 0.5]", env);
  kl::evaluate_text("q = [0.7, 0.3]", env);
  auto text = kl::render(t.value(), env);
  REQUIRE(text.ok());
  CHECK(text.value() == "KL is 0.08718 and p = [0.5, 0.5].");
  CHECK_FALSE(kl::parse_template("{{unclosed", 1).ok());
  CHECK_FALSE(kl::parse_template("{{1 +}}", 1).ok());
  CHECK_FALSE(kl::parse_template("{{x:abc}}", 1).ok());
}
