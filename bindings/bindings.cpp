// The embind registration: names only, no logic. Raw names start with '_'; the public JS API is
// bindings/kllab.mjs.
#include <emscripten/bind.h>

#include "convert.hpp"
#include "kl/expr.hpp"

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

}  // namespace

EMSCRIPTEN_BINDINGS(kllab) {
  emscripten::function("_evaluate", &evaluate_once);
  emscripten::function("_functions", &function_list);
  emscripten::class_<Session>("_Session")
      .constructor<>()
      .function("evaluate", &Session::evaluate)
      .function("reset", &Session::reset);
}
