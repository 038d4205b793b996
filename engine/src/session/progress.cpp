// Progress records: a strict loader (any stored text is treated as hostile), migration of the older
// schema, and the writer.
#include "kl/progress.hpp"

#include <cmath>

#include "io/json.hpp"
#include "kl/check.hpp"

namespace kl {

namespace {

Error storage(std::string message) { return make_error(ErrorCode::Storage, std::move(message)); }

bool known_verdict(const std::string& v) {
  return v.empty() || v == "correct" || v == "correct_given_earlier" || v == "close" || v == "incorrect" || v == "invalid";
}

// Schema 0 (before versioning): {"notebook": id, "answers": {part: text}}.
Result<LoadedProgress> migrate_v0(const json::Value& root, const Notebook& nb) {
  LoadedProgress out;
  out.schema = 0;
  out.progress.notebook = nb.id;
  const json::Value* answers = root.get("answers");
  if (!answers || answers->type != json::Value::Type::Object) return storage("not a KL Lab progress record (no schema and no answers)");
  for (const auto& [part, text] : answers->object) {
    if (text.type != json::Value::Type::String) return storage("answers." + part + " must be text");
    if (!nb.part(part).second) {
      out.warnings.push_back("part " + part + " is no longer in this notebook; its answer was dropped");
      continue;
    }
    out.progress.parts[part].answer = text.string;
  }
  out.warnings.push_back("converted from an older progress format; verdicts will be recomputed when you check again");
  return out;
}

}  // namespace

Result<LoadedProgress> load_progress(std::string_view text, const Notebook& nb) {
  if (text.size() > kMaxProgressBytes)
    return storage("the progress record is too large (" + std::to_string(text.size()) + " bytes; at most " + std::to_string(kMaxProgressBytes) + ")");
  auto parsed = json::parse(text);
  if (!parsed.ok()) return parsed.error();
  const json::Value& root = parsed.value();
  if (root.type != json::Value::Type::Object) return storage("not a KL Lab progress record (not a JSON object)");
  const json::Value* notebook = root.get("notebook");
  if (!notebook || notebook->type != json::Value::Type::String)
    return storage("not a KL Lab progress record (no notebook id)");
  if (notebook->string != nb.id) return storage("this record belongs to the notebook '" + notebook->string + "', not '" + nb.id + "'");
  const json::Value* schema = root.get("schema");
  if (!schema) return migrate_v0(root, nb);
  if (schema->type != json::Value::Type::Number || schema->number != std::floor(schema->number))
    return storage("the record's schema must be a whole number");
  if (schema->number > kProgressSchema)
    return storage("this record was written by a newer KL Lab (schema " + format_number(schema->number, 6) + "); this page reads schema " +
                   std::to_string(kProgressSchema));
  if (schema->number < 1) return storage("unknown schema " + format_number(schema->number, 6));

  LoadedProgress out;
  Progress& p = out.progress;
  p.notebook = nb.id;
  if (const json::Value* updated = root.get("updated")) {
    if (updated->type == json::Value::Type::String && updated->string.size() <= 64) p.updated = updated->string;
    else if (updated->type != json::Value::Type::Null) return storage("'updated' must be a short date text");
  }
  if (const json::Value* exercises = root.get("exercises")) {
    if (exercises->type != json::Value::Type::Object) return storage("'exercises' must be an object");
    for (const auto& [id, ex] : exercises->object) {
      if (ex.type != json::Value::Type::Object) return storage("exercises." + id + " must be an object");
      if (!nb.exercise(id)) {
        out.warnings.push_back("exercise " + id + " is no longer in this notebook; dropped");
        continue;
      }
      const json::Value* seed = ex.get("seed");
      if (!seed) continue;
      if (seed->type != json::Value::Type::Number || seed->number < 0 || seed->number > 9007199254740991.0 ||
          seed->number != std::floor(seed->number))
        return storage("exercises." + id + ".seed must be a whole number from 0 to 2^53 - 1");
      p.seeds[id] = static_cast<std::uint64_t>(seed->number);
    }
  }
  if (const json::Value* parts = root.get("parts")) {
    if (parts->type != json::Value::Type::Object) return storage("'parts' must be an object");
    for (const auto& [id, item] : parts->object) {
      if (item.type != json::Value::Type::Object) return storage("parts." + id + " must be an object");
      auto found = nb.part(id);
      if (!found.second) {
        out.warnings.push_back("part " + id + " is no longer in this notebook; dropped");
        continue;
      }
      PartProgress pp;
      for (const auto& [key, v] : item.object) {
        if (key == "answer" || key == "checked") {
          if (v.type != json::Value::Type::String) return storage("parts." + id + "." + key + " must be text");
          if (v.string.size() > 10000) return storage("parts." + id + "." + key + " is too long");
          (key == "answer" ? pp.answer : pp.checked) = v.string;
        } else if (key == "verdict") {
          if (v.type == json::Value::Type::Null) continue;
          if (v.type != json::Value::Type::String || !known_verdict(v.string)) return storage("parts." + id + ".verdict is not a verdict");
          pp.verdict = v.string;
        } else if (key == "score") {
          if (v.type != json::Value::Type::Number || v.number < 0 || v.number > 1) return storage("parts." + id + ".score must be between 0 and 1");
          pp.score = v.number;
        } else if (key == "hints") {
          const int most = static_cast<int>(found.second->hints.size());
          if (v.type != json::Value::Type::Number || v.number != std::floor(v.number) || v.number < 0)
            return storage("parts." + id + ".hints must be a whole number");
          pp.hints = static_cast<int>(std::min<double>(v.number, most));
        } else if (key == "solution") {
          if (v.type != json::Value::Type::Bool) return storage("parts." + id + ".solution must be true or false");
          pp.solution = v.boolean;
        } else {
          out.warnings.push_back("parts." + id + "." + key + " is not part of the record format; ignored");
        }
      }
      p.parts[id] = std::move(pp);
    }
  }
  for (const auto& [key, v] : root.object) {
    (void)v;
    if (key != "schema" && key != "notebook" && key != "updated" && key != "exercises" && key != "parts")
      out.warnings.push_back("'" + key + "' is not part of the record format; ignored");
  }
  return out;
}

std::string progress_json(const Progress& p) {
  std::string out = "{\"schema\": " + std::to_string(kProgressSchema) + ", \"notebook\": " + json_string(p.notebook);
  out += ", \"updated\": " + (p.updated.empty() ? std::string("null") : json_string(p.updated));
  out += ", \"exercises\": {";
  bool first = true;
  for (const auto& [id, seed] : p.seeds) {
    out += (first ? "" : ", ") + json_string(id) + ": {\"seed\": " + std::to_string(seed) + "}";
    first = false;
  }
  out += "}, \"parts\": {";
  first = true;
  for (const auto& [id, pp] : p.parts) {
    out += (first ? "" : ", ") + json_string(id) + ": {\"answer\": " + json_string(pp.answer) + ", \"checked\": " + json_string(pp.checked) +
           ", \"verdict\": " + (pp.verdict.empty() ? std::string("null") : json_string(pp.verdict)) +
           ", \"score\": " + format_number(pp.score, 6) + ", \"hints\": " + std::to_string(pp.hints) +
           ", \"solution\": " + (pp.solution ? "true" : "false") + "}";
    first = false;
  }
  return out + "}}";
}

}  // namespace kl
