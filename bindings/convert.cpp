// Engine values to JS values (copies, never heap views).
#include "convert.hpp"

using emscripten::val;

namespace klb {

namespace {

val float64_copy(const double* data, long n) {
  return val(emscripten::typed_memory_view(static_cast<std::size_t>(n), data)).call<val>("slice");
}

}  // namespace

val to_js(const kl::Value& v) {
  switch (v.kind()) {
    case kl::Value::Kind::Number: return val(v.number());
    case kl::Value::Kind::Boolean: return val(v.boolean());
    case kl::Value::Kind::String: return val(v.string());
    case kl::Value::Kind::Vector: return float64_copy(v.vector().data(), static_cast<long>(v.vector().size()));
    case kl::Value::Kind::Matrix: {
      val rows = val::array();
      const kl::Mat& m = v.matrix();
      for (Eigen::Index r = 0; r < m.rows(); ++r) {
        kl::Vec row = m.row(r).transpose();
        rows.call<void>("push", float64_copy(row.data(), static_cast<long>(row.size())));
      }
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

}  // namespace klb
