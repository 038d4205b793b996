// Records and export files (kl/record.hpp): round trips, the schema 1 migration, merging two tabs,
// and every way a stored record or export can be corrupted or foreign (each a Storage error with a
// message, never a crash).
#include "kl/record.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "kl/check.hpp"
#include "kl/json.hpp"

namespace {

kl::Notebook distillation() {
  std::ifstream in(std::string(KL_SOURCE_DIR) + "/site/notebooks/distillation.md");
  std::stringstream ss;
  ss << in.rdbuf();
  auto report = kl::parse_notebook(ss.str(), "distillation.md");
  REQUIRE(report.errors.empty());
  return report.notebook;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

kl::Attempt attempt(std::string answer, std::string time, std::string verdict = "", int hints = 0) {
  kl::Attempt a;
  a.answer = std::move(answer);
  a.time = std::move(time);
  a.verdict = std::move(verdict);
  a.has_score = !a.verdict.empty();
  a.score = a.verdict == "correct" ? 1.0 : 0.0;
  a.hints = hints;
  return a;
}

}  // namespace

TEST_CASE("a record round-trips, variants side by side", "[record]") {
  const kl::Notebook nb = distillation();
  kl::Record r = kl::empty_record(nb);
  r.updated = "2026-11-21T03:00:00.000Z";
  r.learner = {"s-042", "Ada \"the\" <b>Lovelace</b>"};
  r.exercises["ex8"].seed = 7;
  auto& v7 = r.exercises["ex8"].variants[7].parts;
  v7["ex8a"].draft = "[0.876, 0.118, 0.006]";
  v7["ex8a"].attempts.push_back(attempt("[0.876, 0.118, 0.006]", "2026-11-21T03:00:00.000Z", "correct", 1));
  v7["ex8b"].hints = 2;
  v7["ex8b"].solution = true;
  v7["ex8b"].attempts.push_back(attempt("0.047 \"quoted\"\n\u2028", "2026-11-21T03:01:00.000Z", "incorrect"));
  r.exercises["ex8"].variants[0].parts["ex8a"].draft = "typed in the textbook variant";
  const std::string text = kl::record_json(r);
  auto loaded = kl::load_record(text, nb);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().warnings.empty());
  CHECK(loaded.value().schema == 2);
  const kl::Record& back = loaded.value().record;
  CHECK(back.learner.id == "s-042");
  CHECK(back.learner.name == r.learner.name);
  CHECK(back.notebook_hash == kl::notebook_hash(nb));
  CHECK(back.exercises.at("ex8").seed == 7);
  CHECK(back.exercises.at("ex8").variants.size() == 2);
  CHECK(back.exercises.at("ex8").variants.at(7).parts.at("ex8b").attempts.at(0).answer == "0.047 \"quoted\"\n\u2028");
  CHECK(back.exercises.at("ex8").variants.at(0).parts.at("ex8a").draft == "typed in the textbook variant");
  CHECK(kl::record_json(back) == text);
}

TEST_CASE("schema 1 records, as pages wrote them, are migrated", "[record]") {
  const kl::Notebook nb = distillation();
  auto loaded = kl::load_record(
      R"({"schema": 1, "notebook": "distillation", "updated": "2026-11-01T10:00:00.000Z", "exercises": {"ex8": {"seed": 3}},
          "parts": {"ex8a": {"answer": "[0.9, 0.1, 0]", "checked": "[0.9, 0.1, 0]", "verdict": "close", "score": 0.5, "hints": 9, "solution": true},
                    "ex8b": {"answer": "0.02"}, "gone9": {"answer": "1"}}})",
      nb);
  REQUIRE(loaded.ok());
  const auto& l = loaded.value();
  CHECK(l.schema == 1);
  CHECK(l.dropped_parts == std::vector<std::string>{"gone9"});
  const auto& parts = l.record.exercises.at("ex8").variants.at(3).parts;
  REQUIRE(parts.at("ex8a").attempts.size() == 1);
  CHECK(parts.at("ex8a").attempts[0].answer == "[0.9, 0.1, 0]");
  CHECK(parts.at("ex8a").attempts[0].verdict == "close");
  CHECK(parts.at("ex8a").attempts[0].time == "2026-11-01T10:00:00.000Z");
  CHECK(parts.at("ex8a").hints == static_cast<int>(nb.part("ex8a").second->hints.size()));  // 9, clamped to the part's count
  CHECK(parts.at("ex8b").draft == "0.02");
  CHECK(parts.at("ex8b").attempts.empty());
  CHECK(contains(l.warnings.back(), "schema 1"));
}

TEST_CASE("parts and exercises that left the notebook are dropped with a warning", "[record]") {
  const kl::Notebook nb = distillation();
  auto loaded = kl::load_record(
      R"({"kind": "kllab-progress", "schema": 2, "notebook": "distillation", "exercises": {
          "ex99": {"seed": 0, "variants": {"0": {"parts": {"ex99a": {"draft": "2"}}}}},
          "ex8": {"seed": 0, "variants": {"0": {"parts": {"ex8a": {"draft": "1"}, "ex8zz": {"draft": "3"}}}}}}, "extra": 1})",
      nb);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().record.exercises.at("ex8").variants.at(0).parts.size() == 1);
  CHECK(loaded.value().dropped_parts.size() == 2);
  CHECK(loaded.value().warnings.size() == 3);
}

TEST_CASE("corrupted, foreign and oversized records are Storage errors with a message", "[record][errors]") {
  const kl::Notebook nb = distillation();
  const std::string head = R"({"kind": "kllab-progress", "schema": 2, "notebook": "distillation", )";
  struct Row {
    std::string text, phrase;
  };
  std::string many_attempts = head + R"("exercises": {"ex8": {"seed": 0, "variants": {"0": {"parts": {"ex8a": {"attempts": [)";
  for (std::size_t i = 0; i <= kl::kMaxAttempts; ++i) many_attempts += std::string(i ? "," : "") + R"({"answer": "1"})";
  many_attempts += "]}}}}}}}";
  const std::vector<Row> rows = {
      {"", "unexpected end"},
      {"{", "expected a key"},
      {"null", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {R"({"schema": 2})", "no notebook id"},
      {R"({"schema": 2, "notebook": "vae-elbo"})", "belongs to the notebook 'vae-elbo'"},
      {R"({"schema": 3, "notebook": "distillation"})", "newer KL Lab"},
      {R"({"schema": "2", "notebook": "distillation"})", "whole number"},
      {R"({"notebook": "distillation", "answers": {}})", "no schema"},
      {R"({"schema": 0, "notebook": "distillation"})", "unknown record schema"},
      {R"({"schema": 2, "notebook": "distillation"})", "kind is not"},
      {head + R"("exercises": []})", "'exercises' must be an object"},
      {head + R"("exercises": {"ex8": {"seed": -1}}})", "whole number"},
      {head + R"("exercises": {"ex8": {"seed": 1.5}}})", "whole number"},
      {head + R"("exercises": {"ex8": {"variants": {"01": {}}}}})", "not a variant number"},
      {head + R"("exercises": {"ex8": {"variants": {"0": {"parts": {"ex8a": {"draft": 5}}}}}}})", "must be text"},
      {head + R"("exercises": {"ex8": {"variants": {"0": {"parts": {"ex8a": {"attempts": {}}}}}}}})", "must be a list"},
      {head + R"("exercises": {"ex8": {"variants": {"0": {"parts": {"ex8a": {"attempts": [{"time": "x"}]}}}}}}})", "has no answer"},
      {head + R"("exercises": {"ex8": {"variants": {"0": {"parts": {"ex8a": {"attempts": [{"answer": "1", "verdict": "great"}]}}}}}}})",
       "not a verdict"},
      {head + R"("exercises": {"ex8": {"variants": {"0": {"parts": {"ex8a": {"attempts": [{"answer": "1", "score": 2}]}}}}}}})",
       "between 0 and 1"},
      {head + R"("exercises": {"ex8": {"variants": {"0": {"parts": {"ex8a": {"draft": ")" + std::string(kl::kMaxAnswerLength + 1, '1') +
           "\"}}}}}}}",
       "too long"},
      {head + R"("learner": {"id": ")" + std::string(kl::kMaxLearnerText + 1, 'x') + "\"}}", "too long"},
      {head + R"("learner": 5})", "object or null"},
      {many_attempts, "more than 100 attempts"},
      {R"({"schema": 2, "notebook": "distillation", "schema": 2})", "duplicate key"},
      {R"({"a": "\ud800"})", "unpaired surrogate"},
      {R"({"a": 1e999})", "out of range"},
      {std::string(100, '[') + std::string(100, ']'), "nested too deeply"},
      {std::string(3 * 1024 * 1024, ' '), "too large"},
      {head + R"("x": 1} trailing)", "after the JSON value"},
      {"\xff\xfe garbage", "unexpected character"},
      // Found by fuzz_progress: invalid UTF-8 in a text grew past its cap once the writer replaced it.
      {"{\"schema\": 1, \"notebook\": \"distillation\", \"updated\": \"2026-11-01T00:\xff\xff\xff\"}", "not valid UTF-8"},
  };
  for (const auto& row : rows) {
    INFO(row.text.substr(0, 120));
    auto r = kl::load_record(row.text, nb);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(r.error().code == kl::ErrorCode::Storage);
    CHECK(contains(r.error().message, row.phrase));
  }
}

TEST_CASE("two tabs' records merge without losing either's work", "[record]") {
  const kl::Notebook nb = distillation();
  kl::Record a = kl::empty_record(nb), b = kl::empty_record(nb);
  a.exercises["ex8"].variants[0].parts["ex8a"].attempts.push_back(attempt("1", "2026-11-21T03:00:00.000Z"));
  a.exercises["ex8"].variants[0].parts["ex8a"].hints = 1;
  b.exercises["ex8"].variants[0].parts["ex8a"].attempts.push_back(attempt("2", "2026-11-21T02:00:00.000Z"));
  b.exercises["ex8"].variants[0].parts["ex8a"].attempts.push_back(attempt("1", "2026-11-21T03:00:00.000Z"));
  b.exercises["ex8"].variants[0].parts["ex8a"].solution = true;
  b.exercises["ex8"].variants[5].parts["ex8b"].draft = "from the other tab";
  const kl::Record m = kl::merge_records(a, b);
  const auto& ex8a = m.exercises.at("ex8").variants.at(0).parts.at("ex8a");
  REQUIRE(ex8a.attempts.size() == 2);
  CHECK(ex8a.attempts[0].answer == "2");  // in time order
  CHECK(ex8a.attempts[1].answer == "1");
  CHECK(ex8a.hints == 1);
  CHECK(ex8a.solution);
  CHECK(m.exercises.at("ex8").variants.at(5).parts.at("ex8b").draft == "from the other tab");
}

TEST_CASE("export files: several records, a bare record, a schema 1 export; bad records are reported, not fatal", "[record]") {
  const kl::Notebook nb = distillation();
  kl::Record r = kl::empty_record(nb);
  r.exercises["ex8"].variants[0].parts["ex8a"].attempts.push_back(attempt("[0.88, 0.12, 0.01]", "t1"));
  auto finder = [&](const std::string& id) -> const kl::Notebook* { return id == nb.id ? &nb : nullptr; };

  const std::string exp = kl::export_json({r}, {"s-1", "Ada"}, "2026-12-01T00:00:00.000Z");
  auto e = kl::load_export(exp, finder);
  REQUIRE(e.ok());
  CHECK(e.value().learner.id == "s-1");
  REQUIRE(e.value().records.size() == 1);
  CHECK(e.value().records[0].record.learner.id == "s-1");  // the file's learner fills the record's

  auto bare = kl::load_export(kl::record_json(r), finder);
  REQUIRE(bare.ok());
  CHECK(bare.value().records.size() == 1);

  auto v1 = kl::load_export(R"({"kind": "kllab-progress", "schema": 1, "notebook": "distillation", "exported": "t",
      "progress": {"schema": 1, "notebook": "distillation", "exercises": {}, "parts": {"ex8a": {"checked": "1"}}}})",
                            finder);
  REQUIRE(v1.ok());
  REQUIRE(v1.value().records.size() == 1);
  CHECK(v1.value().records[0].schema == 1);

  // One good record, one for an unknown notebook, one damaged: the file still loads.
  std::string mixed = exp;
  mixed.replace(
      mixed.rfind("]}"), 2,
      R"(,{"kind": "kllab-progress", "schema": 2, "notebook": "nope"},{"kind": "kllab-progress", "schema": 2, "notebook": "distillation", "exercises": 7}]})");
  auto m = kl::load_export(mixed, finder);
  REQUIRE(m.ok());
  CHECK(m.value().records.size() == 1);
  REQUIRE(m.value().unreadable.size() == 2);
  CHECK(contains(m.value().unreadable[0].second, "no notebook 'nope'"));
  CHECK(contains(m.value().unreadable[1].second, "'exercises' must be an object"));

  for (const std::string& bad :
       {std::string("{}"), std::string("[]"), std::string(R"({"kind": "kllab-export", "schema": 9, "records": []})"),
        std::string(R"({"kind": "kllab-export", "schema": 2})"), std::string(17 * 1024 * 1024, ' ')}) {
    auto x = kl::load_export(bad, finder);
    REQUIRE_FALSE(x.ok());
    CHECK(x.error().code == kl::ErrorCode::Storage);
  }
}

TEST_CASE("the notebook hash follows what grading depends on, not the prose", "[record]") {
  std::ifstream in(std::string(KL_SOURCE_DIR) + "/site/notebooks/distillation.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const std::string h = kl::notebook_hash(kl::parse_notebook(text, "d.md").notebook);
  CHECK(h.size() == 16);
  std::string prose = text;
  prose.insert(prose.find("\n## "), "\nA new sentence of prose.\n");
  CHECK(kl::notebook_hash(kl::parse_notebook(prose, "d.md").notebook) == h);
  std::string changed = text;
  const std::size_t at = changed.find("tau = 3");
  REQUIRE(at != std::string::npos);
  changed.replace(at, 7, "tau = 4");
  CHECK(kl::notebook_hash(kl::parse_notebook(changed, "d.md").notebook) != h);
}

TEST_CASE("the JSON writer escapes everything and always writes valid UTF-8", "[record][json]") {
  CHECK(kl::json::quote("a\"b\\c\n\t\x01") == R"("a\"b\\c\n\t\u0001")");
  CHECK(kl::json::quote("\xff\xfe ok \xc3\xa9") == "\"\xEF\xBF\xBD\xEF\xBF\xBD ok \xc3\xa9\"");
  CHECK(kl::json::quote("\xed\xa0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a UTF-8-encoded surrogate
  CHECK(kl::json::quote("\xe2\x80\xa8") == R"("\u2028")");
  CHECK(kl::json::number(0.1) == "0.1");
  CHECK(kl::json::number(0.75) == "0.75");
  CHECK(kl::json::number(1.0 / 3.0) == "0.3333333333333333");
  CHECK(kl::json::number(1e300 * 1e10) == "null");
  kl::json::Writer w;
  w.begin_object()
      .member("a", 1)
      .key("b")
      .begin_array()
      .value("x")
      .null()
      .value(true)
      .end_array()
      .key("c")
      .begin_object()
      .end_object()
      .end_object();
  CHECK(w.str() == R"({"a":1,"b":["x",null,true],"c":{}})");
}
