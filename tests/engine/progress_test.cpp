// Progress records: round trip, migration of the old schema, and every way a stored record can be
// corrupted or foreign (each a Storage error with a message, never a crash).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "kl/progress.hpp"

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

}  // namespace

TEST_CASE("a progress record round-trips", "[progress]") {
  const kl::Notebook nb = distillation();
  kl::Progress p;
  p.notebook = "distillation";
  p.updated = "2026-11-21T03:00:00Z";
  p.seeds["ex8"] = 7;
  p.parts["ex8a"] = {"[0.876, 0.118, 0.006]", "[0.876, 0.118, 0.006]", "correct", 1.0, 1, false};
  p.parts["ex8b"] = {"0.047 \"quoted\" <b>x</b>\n", "0.047", "incorrect", 0.0, 2, true};
  const std::string text = kl::progress_json(p);
  auto loaded = kl::load_progress(text, nb);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().warnings.empty());
  CHECK(loaded.value().progress.seeds.at("ex8") == 7);
  CHECK(loaded.value().progress.parts.at("ex8b").answer == "0.047 \"quoted\" <b>x</b>\n");
  CHECK(loaded.value().progress.parts.at("ex8b").hints == 2);
  CHECK(loaded.value().progress.parts.at("ex8b").solution);
  CHECK(kl::progress_json(loaded.value().progress) == text);
}

TEST_CASE("the older schema (no version, flat answers) is migrated", "[progress]") {
  const kl::Notebook nb = distillation();
  auto loaded = kl::load_progress(R"({"notebook": "distillation", "answers": {"ex8a": "[0.9, 0.1, 0]", "gone9": "1"}})", nb);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().schema == 0);
  CHECK(loaded.value().progress.parts.at("ex8a").answer == "[0.9, 0.1, 0]");
  CHECK(loaded.value().progress.parts.count("gone9") == 0);
  CHECK(loaded.value().warnings.size() == 2);
}

TEST_CASE("parts and exercises that left the notebook are dropped with a warning", "[progress]") {
  const kl::Notebook nb = distillation();
  auto loaded = kl::load_progress(
      R"({"schema": 1, "notebook": "distillation", "exercises": {"ex99": {"seed": 1}}, "parts": {"ex8a": {"answer": "1"}, "ex99a": {"answer": "2"}}, "extra": 1})",
      nb);
  REQUIRE(loaded.ok());
  CHECK(loaded.value().progress.parts.size() == 1);
  CHECK(loaded.value().warnings.size() == 3);
}

TEST_CASE("corrupted and foreign records are Storage errors with a message", "[progress][errors]") {
  const kl::Notebook nb = distillation();
  struct Row {
    std::string text, phrase;
  };
  const std::vector<Row> rows = {
      {"", "unexpected end"},
      {"{", "expected a key"},
      {"{\"schema\": 1, \"notebook\": \"distillation\"", "expected ',' or '}'"},
      {"null", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {"{\"schema\": 1}", "no notebook id"},
      {"{\"schema\": 1, \"notebook\": \"vae-elbo\"}", "belongs to the notebook 'vae-elbo'"},
      {"{\"schema\": 2, \"notebook\": \"distillation\"}", "newer KL Lab"},
      {"{\"schema\": \"1\", \"notebook\": \"distillation\"}", "whole number"},
      {"{\"notebook\": \"distillation\"}", "no schema and no answers"},
      {"{\"schema\": 1, \"notebook\": \"distillation\", \"parts\": []}", "'parts' must be an object"},
      {"{\"schema\": 1, \"notebook\": \"distillation\", \"parts\": {\"ex8a\": {\"answer\": 5}}}", "answer must be text"},
      {"{\"schema\": 1, \"notebook\": \"distillation\", \"parts\": {\"ex8a\": {\"verdict\": \"great\"}}}", "not a verdict"},
      {"{\"schema\": 1, \"notebook\": \"distillation\", \"parts\": {\"ex8a\": {\"score\": 2}}}", "between 0 and 1"},
      {"{\"schema\": 1, \"notebook\": \"distillation\", \"exercises\": {\"ex8\": {\"seed\": -1}}}", "whole number"},
      {"{\"schema\": 1, \"notebook\": \"distillation\", \"schema\": 1}", "duplicate key"},
      {"{\"a\": \"\\ud800\"}", "unpaired surrogate"},
      {"{\"a\": 1e999}", "out of range"},
      {std::string(100, '[') + std::string(100, ']'), "nested too deeply"},
      {std::string(3 * 1024 * 1024, ' '), "too large"},
      {"{\"schema\": 1, \"notebook\": \"distillation\"} trailing", "after the JSON value"},
      {"\xff\xfe garbage", "unexpected character"},
  };
  for (const auto& row : rows) {
    INFO(row.text.substr(0, 60));
    auto r = kl::load_progress(row.text, nb);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message);
    CHECK(r.error().code == kl::ErrorCode::Storage);
    CHECK(contains(r.error().message, row.phrase));
  }
}
