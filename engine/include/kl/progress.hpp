// A learner's saved progress on one notebook: the record format, a strict loader that validates a
// stored record against the notebook (and migrates older schemas), and the writer. Stored records
// come from browser storage or an imported file, so the loader treats them as hostile input.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kl/notebook.hpp"
#include "kl/result.hpp"

namespace kl {

/// The schema version written by this engine.
constexpr int kProgressSchema = 1;
/// Largest record accepted, in bytes.
constexpr std::size_t kMaxProgressBytes = 2 * 1024 * 1024;

/// What a learner did on one part.
struct PartProgress {
  std::string answer;        ///< the text last typed
  std::string checked;       ///< the text last checked (its verdict is `verdict`)
  std::string verdict;       ///< "" or a verdict name (correct, close, ...)
  double score = 0.0;
  int hints = 0;             ///< hints revealed
  bool solution = false;     ///< solution revealed
};

/// A learner's progress on one notebook.
struct Progress {
  std::string notebook;                          ///< notebook id
  std::string updated;                           ///< when, as the writer gave it (ISO 8601), may be empty
  std::map<std::string, std::uint64_t> seeds;    ///< exercise id -> the learner's variant
  std::map<std::string, PartProgress> parts;     ///< part id -> progress
};

/// A loaded record and what had to be dropped or converted on the way.
struct LoadedProgress {
  Progress progress;
  std::vector<std::string> warnings;  ///< e.g. "part ex9z is no longer in this notebook; dropped"
  int schema = kProgressSchema;       ///< the schema the record was written in
};

/// Parses and validates a stored record for `nb`. Errors (code Storage) for anything that is not a
/// KL Lab record for this notebook: malformed JSON, wrong types, a newer schema, another notebook.
Result<LoadedProgress> load_progress(std::string_view json, const Notebook& nb);

/// The record as JSON (schema kProgressSchema).
std::string progress_json(const Progress& p);

}  // namespace kl
