// Engine values to JS values (copies, never heap views).
#include "convert.hpp"

using emscripten::val;

namespace klb {

val float64(const kl::Vec& v) {
  return val(emscripten::typed_memory_view(static_cast<std::size_t>(v.size()), v.data())).call<val>("slice");
}

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
  val o = val::object();
  o.set("ok", r.ok());
  if (r.ok()) {
    o.set("value", to_js(r.value()));
    o.set("kind", std::string(kl::kind_name(r.value().kind())));
    o.set("text", kl::format_value(r.value()));
  } else {
    o.set("error", to_js(r.error()));
  }
  return o;
}

val strings(const std::vector<std::string>& v) {
  val a = val::array();
  for (const auto& s : v) a.call<void>("push", s);
  return a;
}

val errors(const std::vector<kl::Error>& v) {
  val a = val::array();
  for (const auto& e : v) a.call<void>("push", to_js(e));
  return a;
}

val to_js(const kl::Verdict& v) {
  val o = val::object();
  o.set("verdict", std::string(kl::verdict_name(v.kind)));
  o.set("score", v.score);
  o.set("feedback", v.feedback);
  o.set("mistake", v.mistake.empty() ? val::null() : val(v.mistake));
  o.set("mistakeName", v.mistake_name.empty() ? val::null() : val(v.mistake_name));
  o.set("slots", strings(v.slots));
  o.set("column", v.column);
  val wrong = val::array();
  for (int i : v.wrong_components) wrong.call<void>("push", i);
  o.set("wrongComponents", wrong);
  o.set("answer", v.answer_text);
  return o;
}

val to_js(const kl::CellResult& r) {
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

}  // namespace klb
