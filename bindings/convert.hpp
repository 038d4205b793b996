// Conversions between engine values and JS values. Arrays are copied out of the wasm heap, never
// handed out as live views (a view detaches when memory grows).
#pragma once

#include <emscripten/val.h>

#include "kl/expr.hpp"

namespace klb {

/// A number, boolean, string, Float64Array (vector) or array of Float64Array rows (matrix).
emscripten::val to_js(const kl::Value& v);
/// {code, message, column, line, file}.
emscripten::val to_js(const kl::Error& e);
/// {ok: true, value, text, kind} or {ok: false, error}.
emscripten::val result_to_js(const kl::Result<kl::Value>& r);

}  // namespace klb
