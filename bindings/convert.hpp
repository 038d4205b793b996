// Conversions between engine values and JS values. Arrays are copied out of the wasm heap, never
// handed out as live views (a view detaches when memory grows).
#pragma once

#include <emscripten/val.h>

#include <string>
#include <vector>

#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/notebook.hpp"

namespace klb {

/// A number, boolean, string, Float64Array (vector) or array of Float64Array rows (matrix).
emscripten::val to_js(const kl::Value& v);
/// {code, message, column, line, file}.
emscripten::val to_js(const kl::Error& e);
/// {ok: true, value, text, kind} or {ok: false, error}.
emscripten::val result_to_js(const kl::Result<kl::Value>& r);
/// A JS array of strings.
emscripten::val strings(const std::vector<std::string>& v);
/// A JS array of errors.
emscripten::val errors(const std::vector<kl::Error>& v);
/// {verdict, score, feedback, mistake, mistakeName, slots, column, wrongComponents, answer}.
emscripten::val to_js(const kl::Verdict& v);
/// {cell, status: 'ok'|'error'|'blocked', values: [{name, text, kind, value}], error, blockedBy}.
emscripten::val to_js(const kl::CellResult& r);
/// Float64Array copy.
emscripten::val float64(const kl::Vec& v);

}  // namespace klb
