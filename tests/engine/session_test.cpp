// kl::Session (a loaded notebook and one learner's record) and grading: submitting, hints, solutions,
// variants side by side, learners, import, and `kllab grade`'s scoring by re-checking.
#include "kl/session.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "files.hpp"

namespace {

using kltest::read;

kl::Session distillation() { return kl::Session(read(std::string(KL_SOURCE_DIR) + "/site/notebooks/distillation.md"), "distillation.md"); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const std::string kWrongPT = "[0.85, 0.1, 0.05]";
const std::string kOwnEx8b = "0.00166";  // KL(wrong p_T || p_S): right given the wrong ex8a

const kl::PartState& part_state(const std::vector<kl::ExerciseState>& s, const std::string& ex, const std::string& part) {
  for (const auto& e : s)
    if (e.id == ex)
      for (const auto& p : e.parts)
        if (p.id == part) return p;
  FAIL("no part " << part);
  static kl::PartState none;
  return none;
}

kl::LoadedRecord loaded(const kl::Session& s) {
  auto l = kl::load_record(s.record_json(), s.notebook());
  REQUIRE(l.ok());
  return l.value();
}

}  // namespace

TEST_CASE("a session: errors merged, checks of unknown parts are errors, unreadable answers are verdicts", "[session]") {
  kl::Session s = distillation();
  CHECK(s.errors().empty());
  CHECK(s.usable());
  auto unknown = s.check("ex8z", "1");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == kl::ErrorCode::UnknownName);
  CHECK(contains(unknown.error().message, "did you mean"));
  auto garbage = s.check("ex8b", "1 +");
  REQUIRE(garbage.ok());
  CHECK(garbage.value().kind == kl::VerdictKind::Invalid);
  CHECK(s.check("ex8b", "0.0252").value().kind == kl::VerdictKind::Correct);

  kl::Session broken("---\nid: b\ntitle: B\n---\n\n```kl\nx = 1 +\n```\n", "b.md");
  CHECK_FALSE(broken.errors().empty());
  CHECK_FALSE(broken.usable());
  auto r = broken.check("x1a", "1");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == kl::ErrorCode::Notebook);
}

TEST_CASE("submit records attempts with the hints and solution seen; ECF uses the last checked earlier answer", "[session]") {
  kl::Session s = distillation();
  auto hint = s.reveal_hint("ex8a");
  REQUIRE(hint.ok());
  CHECK(hint.value().first == 0);
  CHECK_FALSE(hint.value().second.empty());
  auto v1 = s.submit("ex8a", kWrongPT, "2026-12-01T10:00:00.000Z");
  REQUIRE(v1.ok());
  CHECK(v1.value().kind != kl::VerdictKind::Correct);
  auto v2 = s.submit("ex8b", kOwnEx8b, "2026-12-01T10:01:00.000Z");
  REQUIRE(v2.ok());
  CHECK(v2.value().kind == kl::VerdictKind::CorrectGivenEarlier);
  const auto st = s.state();
  CHECK(part_state(st, "ex8", "ex8a").checked == kWrongPT);
  CHECK(part_state(st, "ex8", "ex8a").hints == 1);
  CHECK(part_state(st, "ex8", "ex8a").attempts == 1);
  const kl::Attempt& a = s.record().exercises.at("ex8").variants.at(0).parts.at("ex8a").attempts.at(0);
  CHECK(a.hints == 1);
  CHECK_FALSE(a.solution);
  CHECK(a.verdict == kl::verdict_name(v1.value().kind));
  // A re-check of the stored answer gives the same verdict, and so does a reload of the record.
  CHECK(s.recheck("ex8b").value().kind == kl::VerdictKind::CorrectGivenEarlier);
  kl::Session again = distillation();
  REQUIRE(again.load_record(s.record_json()).ok());
  CHECK(again.recheck("ex8b").value().kind == kl::VerdictKind::CorrectGivenEarlier);
  // The solution, once shown, is recorded with the next attempt.
  auto sol = s.reveal_solution("ex8a");
  REQUIRE(sol.ok());
  CHECK_FALSE(sol.value().empty());
  REQUIRE(s.submit("ex8a", "[0.8756, 0.1185, 0.0059]", "2026-12-01T10:02:00.000Z").ok());
  CHECK(s.record().exercises.at("ex8").variants.at(0).parts.at("ex8a").attempts.at(1).solution);
  // Over-long answers are invalid and not kept.
  auto huge = s.submit("ex8a", std::string(kl::kMaxAnswerLength + 1, '1'), "t");
  REQUIRE(huge.ok());
  CHECK(huge.value().kind == kl::VerdictKind::Invalid);
  CHECK(s.record().exercises.at("ex8").variants.at(0).parts.at("ex8a").attempts.size() == 2);
}

TEST_CASE("variants are kept side by side: switching never erases work", "[session]") {
  kl::Session s = distillation();
  REQUIRE(s.submit("ex8b", "0.0252", "t1").ok());
  REQUIRE(s.set_draft("ex8b2", "typing...").ok());
  auto to7 = s.set_variant("ex8", 7);
  REQUIRE(to7.ok());
  CHECK(to7.value().seed == 7);
  CHECK(part_state(s.state(), "ex8", "ex8b").checked.empty());
  REQUIRE(s.submit("ex8b", "0.5", "t2").ok());
  REQUIRE(s.set_variant("ex8", 0).ok());
  CHECK(part_state(s.state(), "ex8", "ex8b").checked == "0.0252");
  CHECK(part_state(s.state(), "ex8", "ex8b2").draft == "typing...");
  CHECK(s.recheck("ex8b").value().kind == kl::VerdictKind::Correct);
  CHECK(s.record().exercises.at("ex8").variants.size() == 2);
  s.reset_record();
  CHECK(s.record().exercises.empty());
}

TEST_CASE("a learner is set once; another learner's work is never taken over", "[session]") {
  kl::Session s = distillation();
  REQUIRE(s.set_learner({"s-1", "Ada"}).ok());
  REQUIRE(s.submit("ex8b", "0.0252", "t").ok());
  CHECK(s.set_learner({"s-1", ""}).ok());
  CHECK(s.record().learner.name == "Ada");
  auto other = s.set_learner({"s-2", "Bob"});
  REQUIRE_FALSE(other.ok());
  CHECK(contains(other.error().message, "s-1"));
  CHECK_FALSE(s.set_learner({std::string(kl::kMaxLearnerText + 1, 'x'), ""}).ok());
}

TEST_CASE("personal variants: each learner's untouched exercises start in their own numbers, on any device", "[session]") {
  CHECK(kl::learner_seed("s-1") == 856129u);
  CHECK(kl::learner_seed("ada@example.org") == 921994u);
  kl::Session s = distillation();
  REQUIRE(s.set_learner({"ada@example.org", "Ada"}, true).ok());
  CHECK(part_state(s.state(), "ex8", "ex8b").id == "ex8b");
  for (const auto& e : s.state()) CHECK(e.seed == kl::learner_seed("ada@example.org"));
  REQUIRE(s.submit("ex8b", "0.0252", "t").ok());
  CHECK(s.record().exercises.at("ex8").seed == kl::learner_seed("ada@example.org"));
  // Without personal variants the textbook numbers come first.
  kl::Session t = distillation();
  REQUIRE(t.set_learner({"ada@example.org", "Ada"}).ok());
  for (const auto& e : t.state()) CHECK(e.seed == 0);
}

TEST_CASE("import: previewed first, merged or replacing, the previous record handed back", "[session]") {
  kl::Session mine = distillation(), theirs = distillation();
  REQUIRE(mine.submit("ex8b", "0.0252", "2026-12-01T10:00:00.000Z").ok());
  REQUIRE(theirs.submit("ex8b", "0.047", "2026-12-01T09:00:00.000Z").ok());
  REQUIRE(theirs.submit("ex8a2", "[0.84, 0.11, 0.04]", "2026-12-01T09:05:00.000Z").ok());
  const std::string file = theirs.export_json("2026-12-01T11:00:00.000Z");
  auto preview = mine.preview_import(file);
  REQUIRE(preview.ok());
  CHECK(preview.value().parts_in_file == 2);
  CHECK(preview.value().parts_new == 1);
  CHECK(preview.value().parts_changed == 1);
  CHECK(preview.value().attempts_new == 2);
  const std::string before = mine.record_json();
  auto merged = mine.apply_import(file, true);
  REQUIRE(merged.ok());
  CHECK(merged.value() == before);
  CHECK(mine.record().exercises.at("ex8").variants.at(0).parts.at("ex8b").attempts.size() == 2);
  auto replaced = mine.apply_import(file, false);
  REQUIRE(replaced.ok());
  CHECK(mine.record().exercises.at("ex8").variants.at(0).parts.at("ex8b").attempts.size() == 1);
  CHECK_FALSE(mine.preview_import("{\"kind\": \"kllab-export\", \"schema\": 2, \"records\": []}").ok());
  CHECK_FALSE(mine.apply_import("not json", true).ok());
  CHECK(mine.record().exercises.at("ex8").variants.at(0).parts.at("ex8b").attempts.size() == 1);  // unchanged
}

TEST_CASE("grading re-checks every attempt: policies, penalties, ECF, variants", "[session][grade]") {
  kl::Session s = distillation();
  REQUIRE(s.set_learner({"s-7", "Grace"}).ok());
  REQUIRE(s.submit("ex8b", "0.047", "2026-12-01T10:00:00.000Z").ok());  // incorrect (reverse KL)
  REQUIRE(s.reveal_hint("ex8b").ok());
  REQUIRE(s.submit("ex8b", "0.0252", "2026-12-01T10:05:00.000Z").ok());  // correct, after one hint
  REQUIRE(s.submit("ex8a", kWrongPT, "2026-12-01T10:06:00.000Z").ok());
  REQUIRE(s.submit("ex8b", kOwnEx8b, "2026-12-01T10:07:00.000Z").ok());  // correct given the wrong ex8a
  const kl::Checker& c = *s.checker();
  const kl::LoadedRecord rec = loaded(s);
  auto credit = [&](const kl::GradeRow& row, const std::string& part) {
    for (const auto& g : row.parts)
      if (g.part == part) return g.credit;
    FAIL("no part");
    return -1.0;
  };
  kl::GradeOptions o;
  kl::GradeRow best = kl::grade_record(c, rec, o);
  CHECK(best.learner.id == "s-7");
  CHECK(best.flags.empty());
  CHECK(credit(best, "ex8b") == Approx(1.0));
  CHECK(credit(best, "ex8a") == Approx(0.0));
  CHECK(best.max == Approx(static_cast<double>(best.parts.size())));
  o.policy = kl::GradePolicy::First;
  CHECK(credit(kl::grade_record(c, rec, o), "ex8b") == Approx(0.0));
  o.policy = kl::GradePolicy::Last;
  CHECK(credit(kl::grade_record(c, rec, o), "ex8b") == Approx(0.75));  // ECF as on the page
  o.policy = kl::GradePolicy::Best;
  o.hint_penalty = 0.2;
  CHECK(credit(kl::grade_record(c, rec, o), "ex8b") == Approx(0.8));  // 1 × (1 − 0.2), still above 0.75 × 0.8
  o.hint_penalty = 0.5;
  CHECK(credit(kl::grade_record(c, rec, o), "ex8b") == Approx(0.5));
  o.weights["ex8b"] = 3;
  o.weights["ex8a"] = 0;
  const kl::GradeRow w = kl::grade_record(c, rec, o);
  CHECK(w.score == Approx(1.5));
  CHECK(w.max == Approx(static_cast<double>(w.parts.size()) - 1 + 2));

  // Another variant's attempt counts in that variant's numbers.
  REQUIRE(s.set_variant("ex8", 11).ok());
  auto ref11 = s.checker()->reference("ex8b", 11);
  REQUIRE(ref11.ok());
  REQUIRE(s.submit("ex8b2", kl::format_value_short(s.checker()->reference("ex8b2", 11).value(), 6), "2026-12-01T11:00:00.000Z").ok());
  kl::GradeOptions plain;
  CHECK(credit(kl::grade_record(c, loaded(s), plain), "ex8b2") == Approx(1.0));
}

TEST_CASE("grading flags edited verdicts, a changed notebook and unknown parts, and scores by the re-check", "[session][grade]") {
  kl::Session s = distillation();
  REQUIRE(s.submit("ex8b", "0.047", "2026-12-01T10:00:00.000Z").ok());
  std::string text = s.record_json();
  const std::size_t at = text.find("\"verdict\":\"incorrect\",\"score\":0");
  REQUIRE(at != std::string::npos);
  text.replace(at, std::string("\"verdict\":\"incorrect\",\"score\":0").size(), "\"verdict\":\"correct\",\"score\":1");
  auto edited = kl::load_record(text, s.notebook());
  REQUIRE(edited.ok());
  const kl::GradeRow row = kl::grade_record(*s.checker(), edited.value(), {});
  CHECK(row.score == Approx(0.0));
  CHECK(std::find(row.flags.begin(), row.flags.end(), "tampered:ex8b") != row.flags.end());

  kl::LoadedRecord other = loaded(s);
  other.record.notebook_hash = "0000000000000000";
  other.dropped_parts.push_back("ex8q");
  const kl::GradeRow row2 = kl::grade_record(*s.checker(), other, {});
  CHECK(std::find(row2.flags.begin(), row2.flags.end(), "notebook-changed") != row2.flags.end());
  CHECK(std::find(row2.flags.begin(), row2.flags.end(), "unknown-part:ex8q") != row2.flags.end());
}

TEST_CASE("the vocabulary and the verdict schema come from the engine's one definition", "[session]") {
  const std::string vocab = kl::vocabulary_json();
  for (const auto& k : kl::verdict_kinds()) CHECK(contains(vocab, std::string("\"name\":\"") + k.name + "\""));
  CHECK(contains(vocab, "\"state\":\"partial\""));
  CHECK(contains(vocab, "\"answerLength\":10000"));
  const std::string schema = kl::verdict_schema_json();
  for (const char* f : {"\"ok\"", "\"verdict\"", "\"mistakeName\"", "\"wrongComponents\"", "\"steps\""}) CHECK(contains(schema, f));
  const std::string v = kl::verdict_json(kl::make_verdict(kl::VerdictKind::Close, "x"));
  CHECK(
      v ==
      R"({"ok":true,"verdict":"close","score":0.5,"feedback":"x","mistake":null,"mistakeName":null,"column":0,"wrongComponents":[],"answer":"","slots":[],"steps":[]})");
}

TEST_CASE("drop_part forgets one part's work in the current variant only (a page sets aside what cannot be re-checked)", "[session]") {
  kl::Session s = distillation();
  REQUIRE(s.submit("ex8a", kWrongPT, "2026-12-01T10:00:00.000Z").ok());
  REQUIRE(s.submit("ex8b", "0.0252", "2026-12-01T10:01:00.000Z").ok());
  REQUIRE(s.set_variant("ex8", 7).ok());
  REQUIRE(s.submit("ex8b", "1", "2026-12-01T10:02:00.000Z").ok());
  auto dropped = s.drop_part("ex8b");
  REQUIRE(dropped.ok());
  CHECK(dropped.value());
  CHECK(part_state(s.state(), "ex8", "ex8b").attempts == 0);
  CHECK_FALSE(s.drop_part("ex8b").value());  // nothing left to forget
  REQUIRE(s.set_variant("ex8", 0).ok());
  CHECK(part_state(s.state(), "ex8", "ex8b").checked == "0.0252");  // the other variant is untouched
  CHECK(part_state(s.state(), "ex8", "ex8a").checked == kWrongPT);
  CHECK(s.drop_part("ex8z").error().code == kl::ErrorCode::UnknownName);
}

TEST_CASE("a derivation's hints: its own, then its steps', each counted once in the record", "[session]") {
  kl::Session s(read(std::string(KL_SOURCE_DIR) + "/site/notebooks/kl-at-work.md"), "kl-at-work.md");
  REQUIRE(s.usable());
  const kl::Part* part = nullptr;
  for (const auto& ex : s.notebook().exercises)
    for (const auto& p : ex.parts)
      if (!part && p.kind == kl::AnswerKind::Derivation && !p.steps.empty() && !p.steps[0].hints.empty()) part = &p;
  REQUIRE(part != nullptr);
  const int total = kl::hint_count(*part);
  CHECK(total == static_cast<int>(part->hints.size() + [&] {
          std::size_t n = 0;
          for (const auto& st : part->steps) n += st.hints.size();
          return n;
        }()));
  REQUIRE(total > static_cast<int>(part->hints.size()));
  std::vector<std::string> seen;
  for (int i = 0; i < total + 1; ++i) {
    auto h = s.reveal_hint(part->id);
    REQUIRE(h.ok());
    CHECK(h.value().first == std::min(i, total - 1));
    seen.push_back(h.value().second);
  }
  auto view = s.view(part->id);
  REQUIRE(view.ok());
  CHECK(seen[part->hints.size()] == view.value().step_hints.at(0).at(0));  // the first step hint follows the part's own
  // the record keeps the count through a reload (the loader clamps to the same total)
  kl::Session again(read(std::string(KL_SOURCE_DIR) + "/site/notebooks/kl-at-work.md"), "kl-at-work.md");
  REQUIRE(again.load_record(s.record_json()).ok());
  for (const auto& e : again.state())
    for (const auto& p : e.parts)
      if (p.id == part->id) CHECK(p.hints == total);
}
