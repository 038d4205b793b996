// The embind registration: names and thin adapters only, no logic. Raw names start with '_'; the
// public JS API is bindings/kllab.mjs.
#include <emscripten/bind.h>

#include <algorithm>
#include <memory>

#include "convert.hpp"
#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/notebook.hpp"
#include "kl/session.hpp"
#include "kl/progress.hpp"

using emscripten::val;

namespace {

/// A scratch evaluation session: assignments persist between calls.
class Session {
 public:
  val evaluate(const std::string& text) { return klb::result_to_js(kl::evaluate_text(text, env_)); }
  void reset() { env_.clear(); }

 private:
  kl::Environment env_;
};

val evaluate_once(const std::string& text) {
  kl::Environment env;
  return klb::result_to_js(kl::evaluate_text(text, env));
}

/// The engine's limits, so that no JS layer copies them (kl/expr.hpp, kl/check.hpp, kl/progress.hpp).
val limits() {
  val o = val::object();
  o.set("answerLength", static_cast<double>(kl::kMaxAnswerLength));
  o.set("expressionLength", static_cast<double>(kl::kMaxExpressionLength));
  o.set("nesting", kl::kMaxNesting);
  o.set("elements", static_cast<double>(kl::kMaxElements));
  o.set("work", static_cast<double>(kl::kMaxWork));
  o.set("progressBytes", static_cast<double>(kl::kMaxProgressBytes));
  return o;
}

val function_list() {
  val out = val::array();
  for (const auto& name : kl::function_names()) {
    val f = val::object();
    f.set("name", name);
    f.set("signature", kl::function_signature(name));
    out.call<void>("push", f);
  }
  return out;
}

val template_js(const kl::TextTemplate& t) {
  val o = val::object();
  o.set("text", t.text);
  o.set("slots", static_cast<int>(t.slots.size()));
  return o;
}

/// One loaded notebook: its structure, a reactive runtime for the learner's edits, and a checker.
class NotebookHandle {
 public:
  NotebookHandle(const std::string& text, const std::string& file) : report_(kl::parse_notebook(text, file)), runtime_(report_.notebook) {
    if (report_.errors.empty()) {
      auto c = kl::Checker::create(report_.notebook);
      if (c.ok()) checker_ = std::make_unique<kl::Checker>(std::move(c).value());
      else load_error_ = c.error();
    }
  }

  val errors() const {
    std::vector<kl::Error> all = report_.errors;
    for (const auto& e : runtime_.graph_errors()) all.push_back(e);
    // The checker's load error repeats a graph error when there is one.
    const bool repeated = std::any_of(all.begin(), all.end(), [&](const kl::Error& e) {
      return e.line == load_error_.line && e.message == load_error_.message;
    });
    if (!load_error_.message.empty() && !repeated) all.push_back(load_error_);
    return klb::errors(all);
  }

  val validate(int variants) const { return klb::errors(kl::validate(report_, variants)); }

  val info() const {
    const kl::Notebook& nb = report_.notebook;
    val o = val::object();
    o.set("id", nb.id);
    o.set("title", nb.title);
    o.set("description", nb.description);
    o.set("order", nb.order);
    return o;
  }

  val cells() const {
    val out = val::array();
    for (const auto& c : report_.notebook.cells) {
      val o = val::object();
      static const char* kTypes[] = {"prose", "code", "slider", "plot", "exercise"};
      o.set("type", std::string(kTypes[static_cast<int>(c.type)]));
      o.set("id", c.id);
      o.set("line", c.line);
      o.set("source", c.source);
      o.set("defines", klb::strings(std::vector<std::string>(c.defines.begin(), c.defines.end())));
      o.set("uses", klb::strings(std::vector<std::string>(c.uses.begin(), c.uses.end())));
      if (c.type == kl::Cell::Type::Slider) {
        val s = val::object();
        s.set("name", c.slider.name);
        s.set("label", c.slider.label);
        s.set("min", c.slider.min);
        s.set("max", c.slider.max);
        s.set("step", c.slider.step);
        s.set("value", c.slider.value);
        o.set("slider", s);
      }
      if (c.type == kl::Cell::Type::Plot) {
        val p = val::object();
        p.set("title", c.plot.title);
        p.set("xlabel", c.plot.xlabel);
        p.set("ylabel", c.plot.ylabel);
        p.set("logY", c.plot.log_y);
        std::vector<std::string> labels;
        for (const auto& s : c.plot.series) labels.push_back(s.label);
        p.set("series", klb::strings(labels));
        o.set("plot", p);
      }
      if (c.type == kl::Cell::Type::Exercise) o.set("exercise", report_.notebook.exercises[static_cast<std::size_t>(c.exercise)].id);
      out.call<void>("push", o);
    }
    return out;
  }

  val exercise(const std::string& id) const {
    const kl::Exercise* ex = report_.notebook.exercise(id);
    if (!ex) return val::null();
    val o = val::object();
    o.set("id", ex->id);
    o.set("title", ex->title);
    o.set("intro", template_js(ex->intro));
    val parts = val::array();
    for (const auto& p : ex->parts) {
      val po = val::object();
      po.set("id", p.id);
      po.set("kind", std::string(kl::answer_kind_name(p.kind)));
      po.set("name", p.name);
      po.set("prompt", template_js(p.prompt));
      val hints = val::array();
      for (const auto& h : p.hints) hints.call<void>("push", template_js(h));
      po.set("hints", hints);
      po.set("solution", template_js(p.solution));
      val mistakes = val::array();
      for (const auto& m : p.mistakes) mistakes.call<void>("push", template_js(m.feedback));
      po.set("mistakes", mistakes);
      val choices = val::array();
      for (const auto& c : p.choices) {
        val co = val::object();
        co.set("text", c.text);
        co.set("feedback", template_js(c.feedback));
        choices.call<void>("push", co);
      }
      po.set("choices", choices);
      std::vector<std::string> vars;
      for (const auto& v : p.variables) vars.push_back(v.name);
      po.set("variables", klb::strings(vars));
      po.set("forbidden", klb::strings(std::vector<std::string>(p.forbidden.begin(), p.forbidden.end())));
      parts.call<void>("push", po);
    }
    o.set("parts", parts);
    return o;
  }

  val run_all() {
    val out = val::array();
    for (const auto& r : runtime_.run_all()) out.call<void>("push", klb::to_js(r));
    return out;
  }

  val results(const kl::Result<std::vector<kl::CellResult>>& r) {
    val o = val::object();
    o.set("ok", r.ok());
    if (!r.ok()) {
      o.set("error", klb::to_js(r.error()));
      return o;
    }
    val cells = val::array();
    for (const auto& c : r.value()) cells.call<void>("push", klb::to_js(c));
    o.set("cells", cells);
    return o;
  }

  val edit_cell(const std::string& id, const std::string& source) { return results(runtime_.edit(id, source)); }
  val set_slider(const std::string& name, double value) { return results(runtime_.set_slider(name, value)); }

  val plot(const std::string& id) const {
    auto r = runtime_.plot(id);
    val o = val::object();
    o.set("ok", r.ok());
    if (!r.ok()) {
      o.set("error", klb::to_js(r.error()));
      return o;
    }
    o.set("x", klb::float64(r.value().x));
    val series = val::array();
    for (const auto& [label, ys] : r.value().series) {
      val s = val::object();
      s.set("label", label);
      s.set("y", klb::float64(ys));
      series.call<void>("push", s);
    }
    o.set("series", series);
    return o;
  }

  val check(const std::string& part, const std::string& answer, double seed, val earlier) const {
    if (!checker_) return klb::to_js(unavailable());
    std::map<std::string, std::string> prior;
    if (!earlier.isUndefined() && !earlier.isNull()) {
      val keys = val::global("Object").call<val>("keys", earlier);
      const int n = keys["length"].as<int>();
      for (int i = 0; i < n; ++i) {
        const std::string k = keys[i].as<std::string>();
        val v = earlier[k];
        if (v.isString()) prior[k] = v.as<std::string>();
      }
    }
    return klb::to_js(checker_->check(part, answer, to_seed(seed), prior));
  }

  val view(const std::string& part, double seed) const {
    val o = val::object();
    if (!checker_) {
      o.set("ok", false);
      o.set("error", klb::to_js(load_error_));
      return o;
    }
    auto r = checker_->view(part, to_seed(seed));
    o.set("ok", r.ok());
    if (!r.ok()) {
      o.set("error", klb::to_js(r.error()));
      return o;
    }
    const kl::PartView& v = r.value();
    o.set("reference", v.reference_text);
    o.set("prompt", v.prompt);
    o.set("promptSlots", klb::strings(v.prompt_slots));
    o.set("hints", klb::strings(v.hints));
    val hs = val::array();
    for (const auto& h : v.hint_slots) hs.call<void>("push", klb::strings(h));
    o.set("hintSlots", hs);
    o.set("solution", v.solution);
    o.set("solutionSlots", klb::strings(v.solution_slots));
    return o;
  }

  val exercise_slots(const std::string& id, double seed) const {
    val o = val::object();
    if (!checker_) {
      o.set("ok", false);
      o.set("error", klb::to_js(load_error_));
      return o;
    }
    auto r = checker_->exercise_slots(id, to_seed(seed));
    o.set("ok", r.ok());
    if (!r.ok()) {
      o.set("error", klb::to_js(r.error()));
      return o;
    }
    o.set("intro", klb::strings(r.value().intro));
    val parts = val::object();
    for (const auto& [pid, ps] : r.value().parts) {
      val p = val::object();
      p.set("prompt", klb::strings(ps.prompt));
      val hints = val::array();
      for (const auto& h : ps.hints) hints.call<void>("push", klb::strings(h));
      p.set("hints", hints);
      p.set("solution", klb::strings(ps.solution));
      val mistakes = val::array();
      for (const auto& m : ps.mistakes) mistakes.call<void>("push", klb::strings(m));
      p.set("mistakes", mistakes);
      val choices = val::array();
      for (const auto& c : ps.choices) choices.call<void>("push", klb::strings(c));
      p.set("choices", choices);
      parts.set(pid, p);
    }
    o.set("parts", parts);
    return o;
  }

  val load_progress(const std::string& text) const {
    val o = val::object();
    auto r = kl::load_progress(text, report_.notebook);
    o.set("ok", r.ok());
    if (!r.ok()) {
      o.set("error", klb::to_js(r.error()));
      return o;
    }
    o.set("json", kl::progress_json(r.value().progress));
    o.set("warnings", klb::strings(r.value().warnings));
    o.set("schema", r.value().schema);
    return o;
  }

  val library_mistakes(const std::string& part, double seed) const {
    val out = val::array();
    if (!checker_) return out;
    auto r = checker_->library_mistakes(part, to_seed(seed));
    if (!r.ok()) return out;
    for (const auto& m : r.value()) {
      val o = val::object();
      o.set("id", m.id);
      o.set("name", m.name);
      o.set("expression", m.expression);
      o.set("text", kl::format_value(m.value));
      out.call<void>("push", o);
    }
    return out;
  }

 private:
  static std::uint64_t to_seed(double seed) {
    return seed >= 0 && seed < 9.0e15 && seed == static_cast<double>(static_cast<std::uint64_t>(seed)) ? static_cast<std::uint64_t>(seed) : 0;
  }

  kl::Verdict unavailable() const {
    kl::Verdict v;
    v.kind = kl::VerdictKind::Invalid;
    v.feedback = report_.errors.empty() ? "this notebook cannot check answers: " + load_error_.message
                                        : "this notebook has author errors and cannot check answers";
    return v;
  }

  kl::ParseReport report_;
  kl::Runtime runtime_;
  std::unique_ptr<kl::Checker> checker_;
  kl::Error load_error_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(kllab) {
  emscripten::function("_evaluate", &evaluate_once);
  emscripten::function("_functions", &function_list);
  emscripten::function("_limits", &limits);
  emscripten::class_<Session>("_Session")
      .constructor<>()
      .function("evaluate", &Session::evaluate)
      .function("reset", &Session::reset);
  emscripten::class_<NotebookHandle>("_Notebook")
      .constructor<const std::string&, const std::string&>()
      .function("errors", &NotebookHandle::errors)
      .function("validate", &NotebookHandle::validate)
      .function("info", &NotebookHandle::info)
      .function("cells", &NotebookHandle::cells)
      .function("exercise", &NotebookHandle::exercise)
      .function("runAll", &NotebookHandle::run_all)
      .function("editCell", &NotebookHandle::edit_cell)
      .function("setSlider", &NotebookHandle::set_slider)
      .function("plot", &NotebookHandle::plot)
      .function("check", &NotebookHandle::check)
      .function("view", &NotebookHandle::view)
      .function("exerciseSlots", &NotebookHandle::exercise_slots)
      .function("libraryMistakes", &NotebookHandle::library_mistakes)
      .function("loadProgress", &NotebookHandle::load_progress);
}
