// Conversions and adapters (bindings/convert.hpp): each turns JS arguments into engine arguments,
// calls one engine function, and converts its result. No logic of its own.
#include "convert.hpp"

#include <map>

#include "kl/json.hpp"
#include "kl/session_json.hpp"

namespace klb {

namespace {

val float64(const kl::Vec& v) {
  return val(emscripten::typed_memory_view(static_cast<std::size_t>(v.size()), v.data())).call<val>("slice");
}

// A variant number from JS (the JS layer has already refused anything but safe whole numbers >= 0).
std::uint64_t to_seed(double seed) {
  return seed >= 0 && seed < 9.0e15 && seed == static_cast<double>(static_cast<std::uint64_t>(seed)) ? static_cast<std::uint64_t>(seed) : 0;
}

// {part id: answer text} from a JS object (non-text values are left out).
std::map<std::string, std::string> to_answers(const val& o) {
  std::map<std::string, std::string> out;
  if (o.isUndefined() || o.isNull()) return out;
  val keys = val::global("Object").call<val>("keys", o);
  const int n = keys["length"].as<int>();
  for (int i = 0; i < n; ++i) {
    const std::string k = keys[i].as<std::string>();
    val v = o[k];
    if (v.isString()) out[k] = v.as<std::string>();
  }
  return out;
}

val cell_to_js(const kl::CellResult& r) {
  val o = val::object();
  o.set("cell", r.cell);
  o.set("status", std::string(r.status == kl::CellResult::Status::Ok      ? "ok"
                              : r.status == kl::CellResult::Status::Error ? "error"
                                                                          : "blocked"));
  val values = val::array();
  for (const auto& [name, value] : r.values) {
    val item = val::object();
    item.set("name", name);
    item.set("text", kl::format_value_short(value, 10));
    item.set("kind", std::string(kl::kind_name(value.kind())));
    item.set("value", value.size() <= 100000 ? to_js(value) : val::null());
    values.call<void>("push", item);
  }
  o.set("values", values);
  o.set("error", r.status == kl::CellResult::Status::Error ? to_js(r.error) : val::null());
  o.set("blockedBy", r.blocked_by);
  return o;
}

val failure(const kl::Error& e) {
  val o = val::object();
  o.set("ok", false);
  o.set("error", to_js(e));
  return o;
}

val cell_results(const kl::Result<std::vector<kl::CellResult>>& r) {
  if (!r.ok()) return failure(r.error());
  val o = val::object();
  o.set("ok", true);
  val cells = val::array();
  for (const auto& c : r.value()) cells.call<void>("push", cell_to_js(c));
  o.set("cells", cells);
  return o;
}

}  // namespace

val to_js(const kl::Value& v) {
  switch (v.kind()) {
    case kl::Value::Kind::Number: return val(v.number());
    case kl::Value::Kind::Boolean: return val(v.boolean());
    case kl::Value::Kind::String: return val(v.string());
    case kl::Value::Kind::Vector: return float64(v.vector());
    case kl::Value::Kind::Matrix: {
      val rows = val::array();
      const kl::Mat& m = v.matrix();
      for (Eigen::Index r = 0; r < m.rows(); ++r) rows.call<void>("push", float64(m.row(r).transpose()));
      return rows;
    }
  }
  return val::null();
}

val to_js(const kl::Error& e) {
  val o = val::object();
  o.set("code", std::string(kl::code_name(e.code)));
  o.set("message", e.message);
  o.set("column", e.column);
  o.set("line", e.line);
  o.set("file", e.file);
  return o;
}

val result_to_js(const kl::Result<kl::Value>& r) {
  if (!r.ok()) return failure(r.error());
  val o = val::object();
  o.set("ok", true);
  o.set("value", to_js(r.value()));
  o.set("kind", std::string(kl::kind_name(r.value().kind())));
  o.set("text", kl::format_value(r.value()));
  return o;
}

val evaluate_once(const std::string& text) {
  kl::Environment env;
  return result_to_js(kl::evaluate_text(text, env));
}

val scratch_evaluate(Scratch& s, const std::string& text) { return result_to_js(kl::evaluate_text(text, s.env)); }
void scratch_reset(Scratch& s) { s.env.clear(); }

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

kl::Session* open_notebook(const std::string& text, const std::string& file) { return new kl::Session(text, file); }
std::string errors(const kl::Session& s) { return kl::errors_json(s.errors()); }
std::string validate(const kl::Session& s, int variants) { return kl::errors_json(s.validate(variants)); }
std::string info(const kl::Session& s) { return kl::info_json(s.notebook()); }
std::string cells(const kl::Session& s) { return kl::cells_json(s.notebook()); }
std::string exercise(const kl::Session& s, const std::string& id) { return kl::exercise_json(s.notebook(), id); }

val run_all(kl::Session& s) { return cell_results(s.run_all())["cells"]; }
val edit_cell(kl::Session& s, const std::string& id, const std::string& source) { return cell_results(s.edit_cell(id, source)); }
val set_slider(kl::Session& s, const std::string& name, double value) { return cell_results(s.set_slider(name, value)); }

val plot(const kl::Session& s, const std::string& id) {
  auto r = s.plot(id);
  if (!r.ok()) return failure(r.error());
  val o = val::object();
  o.set("ok", true);
  o.set("x", float64(r.value().x));
  val series = val::array();
  for (const auto& [label, ys] : r.value().series) {
    val item = val::object();
    item.set("label", label);
    item.set("y", float64(ys));
    series.call<void>("push", item);
  }
  o.set("series", series);
  return o;
}

std::string check(const kl::Session& s, const std::string& part, const std::string& answer, double seed, val earlier) {
  return kl::verdict_result_json(s.check(part, answer, to_seed(seed), to_answers(earlier)));
}
std::string view(const kl::Session& s, const std::string& part, double seed) { return kl::view_json(s.view(part, to_seed(seed))); }
std::string preview(const kl::Session& s, const std::string& part, const std::string& answer, double seed) {
  return kl::answer_preview_json(s.preview(part, answer, to_seed(seed)));
}
std::string exercise_slots(const kl::Session& s, const std::string& exercise, double seed) {
  return kl::slots_json(s.exercise_slots(exercise, to_seed(seed)));
}

std::string library_mistakes(const kl::Session& s, const std::string& part, double seed) {
  if (!s.checker()) return "[]";
  auto r = s.checker()->library_mistakes(part, to_seed(seed));
  kl::json::Writer w;
  w.begin_array();
  if (r.ok())
    for (const auto& m : r.value())
      w.begin_object()
          .member("id", m.id)
          .member("name", m.name)
          .member("expression", m.expression)
          .member("text", kl::format_value(m.value))
          .end_object();
  w.end_array();
  return r.ok() ? w.take() : kl::failure_json(r.error());
}

std::string load_record(kl::Session& s, const std::string& text) { return kl::warnings_json(s.load_record(text)); }
std::string record_json(const kl::Session& s) { return s.record_json(); }
void reset_record(kl::Session& s) { s.reset_record(); }
std::string set_learner(kl::Session& s, const std::string& id, const std::string& name, bool personal) {
  return kl::done_json(s.set_learner({id, name}, personal));
}
std::string merge_record(kl::Session& s, const std::string& text) { return kl::warnings_json(s.merge_record(text)); }
std::string state(const kl::Session& s) { return kl::state_json(s.state()); }
std::string set_variant(kl::Session& s, const std::string& exercise, double seed) {
  return kl::exercise_state_json(s.set_variant(exercise, to_seed(seed)));
}
std::string set_draft(kl::Session& s, const std::string& part, const std::string& text) { return kl::done_json(s.set_draft(part, text)); }
std::string submit(kl::Session& s, const std::string& part, const std::string& answer, const std::string& time) {
  return kl::verdict_result_json(s.submit(part, answer, time));
}
std::string recheck(const kl::Session& s, const std::string& part) { return kl::verdict_result_json(s.recheck(part)); }
std::string reveal_hint(kl::Session& s, const std::string& part) { return kl::hint_json(s.reveal_hint(part)); }
std::string drop_part(kl::Session& s, const std::string& part) { return kl::done_json(s.drop_part(part)); }
std::string reveal_solution(kl::Session& s, const std::string& part) { return kl::text_json(s.reveal_solution(part), "text"); }
std::string export_file(const kl::Session& s, const std::string& exported) { return s.export_json(exported); }
std::string preview_import(const kl::Session& s, const std::string& text) { return kl::preview_json(s.preview_import(text)); }
std::string apply_import(kl::Session& s, const std::string& text, bool merge) {
  return kl::text_json(s.apply_import(text, merge), "previous");
}

}  // namespace klb
