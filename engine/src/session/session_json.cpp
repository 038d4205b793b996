// JSON of the session's results (kl/session_json.hpp), all through the one writer.
#include "kl/session_json.hpp"

#include "kl/json.hpp"
#include "kl/record.hpp"

namespace kl {

namespace {

using json::Writer;

void error_object(Writer& w, const Error& e) {
  w.begin_object().member("code", code_name(e.code)).member("message", e.message).member("column", e.column);
  w.member("line", e.line).member("file", e.file).end_object();
}

// {"ok": true, then the caller's members..., "}"; or the failure.
template <class T, class F>
std::string ok_or_failure(const Result<T>& r, F&& members) {
  if (!r.ok()) return failure_json(r.error());
  Writer w;
  w.begin_object().member("ok", true);
  members(w, r.value());
  w.end_object();
  return w.take();
}

void nested_strings(Writer& w, const std::vector<std::vector<std::string>>& v) {
  w.begin_array();
  for (const auto& s : v) w.strings(s);
  w.end_array();
}

void learner_object(Writer& w, const Learner& l) {
  if (l.id.empty() && l.name.empty()) w.null();
  else w.begin_object().member("id", l.id).member("name", l.name).end_object();
}

void template_object(Writer& w, const TextTemplate& t) {
  w.begin_object().member("text", t.text).member("line", t.line).key("slots").begin_array();
  for (const auto& s : t.slots)
    w.begin_object()
        .member("start", static_cast<std::uint64_t>(s.start))
        .member("end", static_cast<std::uint64_t>(s.end))
        .member("line", s.line)
        .member("source", s.source)
        .member("digits", s.digits)
        .end_object();
  w.end_array().end_object();
}

void exercise_state_members(Writer& w, const ExerciseState& e) {
  w.member("id", e.id).member("seed", e.seed).key("parts").begin_array();
  for (const auto& p : e.parts)
    w.begin_object()
        .member("id", p.id)
        .member("draft", p.draft)
        .member("checked", p.checked)
        .member("attempts", p.attempts)
        .member("hints", p.hints)
        .member("solution", p.solution)
        .end_object();
  w.end_array();
}

}  // namespace

std::string errors_json(const std::vector<Error>& errors) {
  Writer w;
  w.begin_array();
  for (const auto& e : errors) error_object(w, e);
  w.end_array();
  return w.take();
}

std::string verdict_result_json(const Result<Verdict>& r) { return r.ok() ? verdict_json(r.value()) : failure_json(r.error()); }

std::string view_json(const Result<PartView>& r) {
  return ok_or_failure(r, [](Writer& w, const PartView& v) {
    w.member("reference", v.reference_text).member("prompt", v.prompt);
    w.key("promptSlots").strings(v.prompt_slots);
    w.key("hints").strings(v.hints);
    w.key("hintSlots");
    nested_strings(w, v.hint_slots);
    w.member("solution", v.solution);
    w.key("solutionSlots").strings(v.solution_slots);
    w.key("stepPrompts").strings(v.step_prompts);
    w.key("stepHints");
    nested_strings(w, v.step_hints);
    w.key("choiceOrder").begin_array();
    for (int i : v.choice_order) w.value(i);
    w.end_array();
  });
}

std::string answer_preview_json(const Result<AnswerPreview>& r) {
  return ok_or_failure(r, [](Writer& w, const AnswerPreview& p) {
    w.member("readable", p.readable).member("kind", p.kind).member("value", p.value).member("mathml", p.mathml);
    w.member("message", p.message).member("column", p.column).member("note", p.note).member("expects", p.expects);
  });
}

std::string slots_json(const Result<ExerciseSlots>& r) {
  return ok_or_failure(r, [](Writer& w, const ExerciseSlots& s) {
    w.key("intro").strings(s.intro);
    w.key("parts").begin_object();
    for (const auto& [id, p] : s.parts) {
      w.key(id).begin_object();
      w.key("prompt").strings(p.prompt);
      w.key("hints");
      nested_strings(w, p.hints);
      w.key("solution").strings(p.solution);
      w.key("mistakes");
      nested_strings(w, p.mistakes);
      w.key("choices");
      nested_strings(w, p.choices);
      w.key("order").begin_array();
      for (int i : p.order) w.value(i);
      w.end_array();
      w.key("steps").begin_array();
      for (const auto& st : p.steps) {
        w.begin_object().key("prompt").strings(st.prompt).key("hints");
        nested_strings(w, st.hints);
        w.key("mistakes");
        nested_strings(w, st.mistakes);
        w.end_object();
      }
      w.end_array();
      w.end_object();
    }
    w.end_object();
  });
}

std::string state_json(const std::vector<ExerciseState>& s) {
  Writer w;
  w.begin_object().member("ok", true).key("exercises").begin_array();
  for (const auto& e : s) {
    w.begin_object();
    exercise_state_members(w, e);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string exercise_state_json(const Result<ExerciseState>& r) {
  return ok_or_failure(r, [](Writer& w, const ExerciseState& e) { exercise_state_members(w, e); });
}

std::string hint_json(const Result<std::pair<int, std::string>>& r) {
  return ok_or_failure(r, [](Writer& w, const std::pair<int, std::string>& h) { w.member("index", h.first).member("text", h.second); });
}

std::string text_json(const Result<std::string>& r, const char* key) {
  return ok_or_failure(r, [key](Writer& w, const std::string& s) { w.member(key, s); });
}

std::string warnings_json(const Result<std::vector<std::string>>& r) {
  return ok_or_failure(r, [](Writer& w, const std::vector<std::string>& v) { w.key("warnings").strings(v); });
}

std::string done_json(const Result<bool>& r) {
  return ok_or_failure(r, [](Writer&, bool) {});
}

std::string preview_json(const Result<ImportPreview>& r) {
  return ok_or_failure(r, [](Writer& w, const ImportPreview& p) {
    w.key("learner");
    learner_object(w, p.learner);
    w.member("exported", p.exported).member("otherLearner", p.other_learner).member("partsInFile", p.parts_in_file);
    w.member("partsNew", p.parts_new).member("partsChanged", p.parts_changed).member("attemptsNew", p.attempts_new);
    w.key("warnings").strings(p.warnings);
  });
}

std::string info_json(const Notebook& nb) {
  Writer w;
  w.begin_object().member("id", nb.id).member("title", nb.title).member("description", nb.description).member("order", nb.order);
  w.member("hash", notebook_hash(nb)).end_object();
  return w.take();
}

std::string cells_json(const Notebook& nb) {
  static const char* kTypes[] = {"prose", "code", "slider", "plot", "exercise"};
  Writer w;
  w.begin_array();
  for (const auto& c : nb.cells) {
    w.begin_object().member("type", kTypes[static_cast<int>(c.type)]).member("id", c.id).member("line", c.line).member("source", c.source);
    w.key("defines").strings(std::vector<std::string>(c.defines.begin(), c.defines.end()));
    w.key("uses").strings(std::vector<std::string>(c.uses.begin(), c.uses.end()));
    if (c.type == Cell::Type::Slider) {
      const Slider& s = c.slider;
      w.key("slider").begin_object().member("name", s.name).member("label", s.label).member("min", s.min).member("max", s.max);
      w.member("step", s.step).member("value", s.value).end_object();
    }
    if (c.type == Cell::Type::Plot) {
      const Plot& p = c.plot;
      w.key("plot").begin_object().member("title", p.title).member("xlabel", p.xlabel).member("ylabel", p.ylabel).member("logY", p.log_y);
      w.key("series").begin_array();
      for (const auto& s : p.series) w.value(s.label);
      w.end_array().end_object();
    }
    if (c.type == Cell::Type::Exercise) w.member("exercise", nb.exercises[static_cast<std::size_t>(c.exercise)].id);
    w.end_object();
  }
  w.end_array();
  return w.take();
}

std::string exercise_json(const Notebook& nb, const std::string& id) {
  auto found = nb.find_exercise(id);
  if (!found.ok()) return failure_json(found.error());
  const Exercise* ex = found.value();
  Writer w;
  w.begin_object().member("ok", true).member("id", ex->id).member("title", ex->title).member("line", ex->line);
  w.key("intro");
  template_object(w, ex->intro);
  w.key("parts").begin_array();
  for (const auto& p : ex->parts) {
    w.begin_object().member("id", p.id).member("kind", answer_kind_name(p.kind)).member("name", p.name).member("line", p.line);
    w.key("prompt");
    template_object(w, p.prompt);
    w.key("hints").begin_array();
    for (const auto& h : p.hints) template_object(w, h);
    w.end_array();
    w.key("solution");
    template_object(w, p.solution);
    w.key("mistakes").begin_array();
    for (const auto& m : p.mistakes) template_object(w, m.feedback);
    w.end_array();
    w.key("choices").begin_array();
    for (const auto& c : p.choices) {
      w.begin_object().member("text", c.text).member("line", c.line).key("feedback");
      template_object(w, c.feedback);
      w.end_object();
    }
    w.end_array();
    w.key("steps").begin_array();
    for (const auto& st : p.steps) {
      w.begin_object().member("line", st.line).key("prompt");
      template_object(w, st.prompt);
      w.key("hints").begin_array();
      for (const auto& h : st.hints) template_object(w, h);
      w.end_array().key("mistakes").begin_array();
      for (const auto& m : st.mistakes) template_object(w, m.feedback);
      w.end_array().end_object();
    }
    w.end_array();
    w.key("variables").begin_array();
    for (const auto& v : p.variables) w.value(v.name);
    w.end_array();
    w.key("forbidden").strings(std::vector<std::string>(p.forbidden.begin(), p.forbidden.end()));
    w.member("shown", p.shown);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace kl
