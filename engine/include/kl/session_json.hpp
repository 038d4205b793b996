// The session's results as JSON: what the JS API returns (parsed) and what the CLI prints, written
// once here with the engine's JSON writer. Every fallible result is either {"ok": true, ...} or the one
// failure shape {"ok": false, "error": {...}} (failure_json).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kl/session.hpp"

namespace kl {

/// An array of error objects {code, message, column, line, file}.
std::string errors_json(const std::vector<Error>& errors);
/// A verdict, or the failure.
std::string verdict_result_json(const Result<Verdict>& r);
/// {"ok": true, "reference", "prompt", "promptSlots", "hints", "hintSlots", "solution", "solutionSlots"}.
std::string view_json(const Result<PartView>& r);
/// {"ok": true, "intro": [...], "parts": {PART: {"prompt", "hints", "solution", "mistakes", "choices"}}}.
std::string slots_json(const Result<ExerciseSlots>& r);
/// {"ok": true, "exercises": [{"id", "seed", "parts": [{"id", "draft", "checked", "attempts", "hints", "solution"}]}]}.
std::string state_json(const std::vector<ExerciseState>& s);
/// One exercise's state, or the failure.
std::string exercise_state_json(const Result<ExerciseState>& r);
/// {"ok": true, "index", "text"} for a revealed hint.
std::string hint_json(const Result<std::pair<int, std::string>>& r);
/// {"ok": true, KEY: TEXT} (a solution's text, the previous record on import, ...).
std::string text_json(const Result<std::string>& r, const char* key);
/// {"ok": true, "warnings": [...]}.
std::string warnings_json(const Result<std::vector<std::string>>& r);
/// {"ok": true}.
std::string done_json(const Result<bool>& r);
/// {"ok": true, "learner", "exported", "otherLearner", "partsInFile", "partsNew", "partsChanged", "attemptsNew", "warnings"}.
std::string preview_json(const Result<ImportPreview>& r);
/// {"id", "title", "description", "order", "hash"}.
std::string info_json(const Notebook& nb);
/// The cells in file order: {type, id, line, source, defines, uses, slider?, plot?, exercise?}.
std::string cells_json(const Notebook& nb);
/// An exercise's structure with its texts as templates ({text, line, slots: [{start, end, line, source}]}),
/// or the failure for an unknown id.
std::string exercise_json(const Notebook& nb, const std::string& id);

}  // namespace kl
