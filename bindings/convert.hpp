// Conversions between the engine and JS: values to JS values (arrays copied out of the heap, never
// live views: a view detaches when memory grows), JS arguments to engine arguments, and the session's
// methods as JSON texts (kl/session_json.hpp) that bindings/kllab.mjs parses.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "kl/session.hpp"

namespace klb {

using emscripten::val;

/// A scratch evaluation scope: assignments persist between calls.
struct Scratch {
  kl::Environment env;
};

// ---- values -------------------------------------------------------------------------------------
/// A number, boolean, string, Float64Array (vector) or array of Float64Array rows (matrix).
val to_js(const kl::Value& v);
/// {code, message, column, line, file}.
val to_js(const kl::Error& e);
/// {ok: true, value, text, kind} or {ok: false, error}.
val result_to_js(const kl::Result<kl::Value>& r);
val evaluate_once(const std::string& text);
val scratch_evaluate(Scratch& s, const std::string& text);
void scratch_reset(Scratch& s);
/// [{name, signature}].
val function_list();

// ---- a loaded notebook (kl::Session) --------------------------------------------------------
kl::Session* open_notebook(const std::string& text, const std::string& file);
std::string errors(const kl::Session& s);
std::string validate(const kl::Session& s, int variants);
std::string info(const kl::Session& s);
std::string cells(const kl::Session& s);
std::string exercise(const kl::Session& s, const std::string& id);
/// Cell results: [{cell, status, values: [{name, text, kind, value}], error, blockedBy}].
val run_all(kl::Session& s);
val edit_cell(kl::Session& s, const std::string& id, const std::string& source);
val set_slider(kl::Session& s, const std::string& name, double value);
/// {ok: true, x: Float64Array, series: [{label, y: Float64Array}]} or the failure.
val plot(const kl::Session& s, const std::string& id);
std::string check(const kl::Session& s, const std::string& part, const std::string& answer, double seed, val earlier);
std::string view(const kl::Session& s, const std::string& part, double seed);
std::string preview(const kl::Session& s, const std::string& part, const std::string& answer, double seed);
std::string exercise_slots(const kl::Session& s, const std::string& exercise, double seed);
std::string library_mistakes(const kl::Session& s, const std::string& part, double seed);

// ---- the learner's record -------------------------------------------------------------------
std::string load_record(kl::Session& s, const std::string& text);
std::string record_json(const kl::Session& s);
void reset_record(kl::Session& s);
std::string set_learner(kl::Session& s, const std::string& id, const std::string& name, bool personal);
std::string merge_record(kl::Session& s, const std::string& text);
std::string state(const kl::Session& s);
std::string set_variant(kl::Session& s, const std::string& exercise, double seed);
std::string set_draft(kl::Session& s, const std::string& part, const std::string& text);
std::string submit(kl::Session& s, const std::string& part, const std::string& answer, const std::string& time);
std::string recheck(const kl::Session& s, const std::string& part);
std::string reveal_hint(kl::Session& s, const std::string& part);
std::string drop_part(kl::Session& s, const std::string& part);
std::string reveal_solution(kl::Session& s, const std::string& part);
std::string export_file(const kl::Session& s, const std::string& exported);
std::string preview_import(const kl::Session& s, const std::string& text);
std::string apply_import(kl::Session& s, const std::string& text, bool merge);

}  // namespace klb
