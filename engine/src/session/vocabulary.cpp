// The engine's vocabulary, exported so that no other layer copies it: verdict kinds, the verdict's
// JSON Schema, error codes, answer kinds and limits.
#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/json.hpp"
#include "kl/record.hpp"
#include "kl/session.hpp"

namespace kl {

namespace {

void nullable_string(json::Writer& w, const char* key) {
  w.key(key).begin_object().key("type").begin_array().value("string").value("null").end_array().end_object();
}

// The properties every verdict object has (a derivation's steps have the same, without ok and steps).
void verdict_properties(json::Writer& w, bool top) {
  w.key("type").value("object");
  w.key("additionalProperties").value(false);
  w.key("required").begin_array();
  if (top) w.value("ok");
  for (const char* f : {"verdict", "score", "feedback", "mistake", "mistakeName", "column", "wrongComponents", "answer", "slots"})
    w.value(f);
  if (top) w.value("steps");
  w.end_array();
  w.key("properties").begin_object();
  if (top) w.key("ok").begin_object().member("const", true).end_object();
  w.key("verdict").begin_object().key("enum").begin_array();
  for (const auto& k : verdict_kinds()) w.value(k.name);
  w.end_array().end_object();
  w.key("score").begin_object().member("type", "number").member("minimum", 0).member("maximum", 1).end_object();
  w.key("feedback").begin_object().member("type", "string").end_object();
  nullable_string(w, "mistake");
  nullable_string(w, "mistakeName");
  w.key("column").begin_object().member("type", "integer").member("minimum", 0).end_object();
  w.key("wrongComponents").begin_object().member("type", "array");
  w.key("items").begin_object().member("type", "integer").member("minimum", 1).end_object().end_object();
  w.key("answer").begin_object().member("type", "string").end_object();
  w.key("slots").begin_object().member("type", "array").key("items").begin_object().member("type", "string").end_object().end_object();
  if (top) {
    w.key("steps").begin_object().member("type", "array").key("items").begin_object();
    verdict_properties(w, false);
    w.end_object().end_object();
  }
  w.end_object();
}

void write_verdict_schema(json::Writer& w) {
  w.begin_object();
  w.member("$schema", "https://json-schema.org/draft/2020-12/schema").member("title", "KL Lab verdict");
  verdict_properties(w, true);
  w.end_object();
}

// {ok: false, error: {code, message, column, line, file}}: the one shape of a failure.
void write_failure_schema(json::Writer& w) {
  w.begin_object();
  w.member("$schema", "https://json-schema.org/draft/2020-12/schema").member("title", "KL Lab failure");
  w.member("type", "object").member("additionalProperties", false);
  w.key("required").begin_array().value("ok").value("error").end_array();
  w.key("properties").begin_object();
  w.key("ok").begin_object().member("const", false).end_object();
  w.key("error").begin_object().member("type", "object").member("additionalProperties", false);
  w.key("required").begin_array();
  for (const char* f : {"code", "message", "column", "line", "file"}) w.value(f);
  w.end_array();
  w.key("properties").begin_object();
  w.key("code").begin_object().key("enum").begin_array();
  for (int c = 0; c <= static_cast<int>(ErrorCode::Internal); ++c) w.value(code_name(static_cast<ErrorCode>(c)));
  w.end_array().end_object();
  w.key("message").begin_object().member("type", "string").end_object();
  w.key("column").begin_object().member("type", "integer").member("minimum", 0).end_object();
  w.key("line").begin_object().member("type", "integer").member("minimum", 0).end_object();
  w.key("file").begin_object().member("type", "string").end_object();
  w.end_object().end_object().end_object().end_object();
}

}  // namespace

std::string failure_json(const Error& e) {
  json::Writer w;
  w.begin_object().member("ok", false).key("error").begin_object();
  w.member("code", code_name(e.code)).member("message", e.message).member("column", e.column).member("line", e.line).member("file", e.file);
  w.end_object().end_object();
  return w.take();
}

std::string verdict_schema_json() {
  json::Writer w;
  write_verdict_schema(w);
  return w.take();
}

std::string vocabulary_json() {
  json::Writer w;
  w.begin_object();
  w.key("verdicts").begin_array();
  for (const auto& k : verdict_kinds())
    w.begin_object().member("name", k.name).member("score", k.score).member("state", k.state).member("label", k.label).end_object();
  w.end_array();
  w.key("errorCodes").begin_array();
  for (int c = 0; c <= static_cast<int>(ErrorCode::Internal); ++c) w.value(code_name(static_cast<ErrorCode>(c)));
  w.end_array();
  w.key("answerKinds").begin_array();
  for (int k = 0; k <= static_cast<int>(AnswerKind::Derivation); ++k) w.value(answer_kind_name(static_cast<AnswerKind>(k)));
  w.end_array();
  w.key("limits").begin_object();
  w.member("answerLength", static_cast<std::uint64_t>(kMaxAnswerLength));
  w.member("expressionLength", static_cast<std::uint64_t>(kMaxExpressionLength));
  w.member("nesting", kMaxNesting);
  w.member("elements", static_cast<std::int64_t>(kMaxElements));
  w.member("work", static_cast<std::int64_t>(kMaxWork));
  w.member("recordBytes", static_cast<std::uint64_t>(kMaxRecordBytes));
  w.member("exportBytes", static_cast<std::uint64_t>(kMaxExportBytes));
  w.member("attempts", static_cast<std::uint64_t>(kMaxAttempts));
  w.member("learnerText", static_cast<std::uint64_t>(kMaxLearnerText));
  w.member("derivationSteps", kMaxDerivationSteps);
  w.end_object();
  w.key("recordSchema").value(kRecordSchema);
  w.key("verdictSchema");
  write_verdict_schema(w);
  w.key("failureSchema");
  write_failure_schema(w);
  w.end_object();
  return w.take();
}

}  // namespace kl
