// The verdict: its kinds (the one definition of names, scores, page states and labels) and its JSON,
// which is what `kllab check` prints and what the JS API returns.
#include "kl/check.hpp"
#include "kl/json.hpp"

namespace kl {

namespace {

const std::vector<VerdictInfo> kVerdicts = {
    {VerdictKind::Correct, "correct", 1.0, "correct", "Correct"},
    {VerdictKind::CorrectGivenEarlier, "correct_given_earlier", 0.75, "partial", "Correct given your earlier answer"},
    {VerdictKind::Close, "close", 0.5, "partial", "Close"},
    {VerdictKind::Incorrect, "incorrect", 0.0, "incorrect", "Incorrect"},
    {VerdictKind::Invalid, "invalid", 0.0, "invalid", "Could not read this answer"},
};

void write_verdict(json::Writer& w, const Verdict& v, bool top) {
  w.begin_object();
  if (top) w.member("ok", true);
  w.member("verdict", verdict_name(v.kind)).member("score", v.score).member("feedback", v.feedback);
  w.key("mistake").string_or_null(v.mistake);
  w.key("mistakeName").string_or_null(v.mistake_name);
  w.member("column", v.column);
  w.key("wrongComponents").begin_array();
  for (int c : v.wrong_components) w.value(c);
  w.end_array();
  w.member("answer", v.answer_text);
  w.key("slots").strings(v.slots);
  if (top) {
    w.key("steps").begin_array();
    for (const auto& s : v.steps) write_verdict(w, s, false);
    w.end_array();
  }
  w.end_object();
}

}  // namespace

const std::vector<VerdictInfo>& verdict_kinds() { return kVerdicts; }

const VerdictInfo& verdict_info(VerdictKind k) { return kVerdicts[static_cast<std::size_t>(k)]; }

const char* verdict_name(VerdictKind k) { return verdict_info(k).name; }

Verdict make_verdict(VerdictKind k, std::string feedback) {
  Verdict v;
  v.kind = k;
  v.score = verdict_info(k).score;
  v.feedback = std::move(feedback);
  return v;
}

std::string verdict_json(const Verdict& v) {
  json::Writer w;
  write_verdict(w, v, true);
  return w.take();
}

}  // namespace kl
