// A learner's record of work on one notebook, and the export file a learner hands in. The engine is
// the only reader, writer, validator and migrator of both (the page keeps only storage mechanics):
// every record comes from browser storage, another tab, an LMS or a file, so the loaders treat it as
// hostile input, and no stored verdict is ever trusted (grading and restoring re-check the answers).
//
// Record (schema 2):
//   {"kind": "kllab-progress", "schema": 2, "notebook": ID, "notebookHash": HEX, "updated": TIME|null,
//    "learner": {"id": ID, "name": NAME}|null,
//    "exercises": {EX: {"seed": N, "variants": {"N": {"parts": {PART: {
//        "draft": TEXT, "hints": N, "solution": BOOL,
//        "attempts": [{"answer": TEXT, "time": TIME, "verdict": NAME|null, "score": X|null,
//                      "hints": N, "solution": BOOL}, ...]}}}}}}}
// Export file: {"kind": "kllab-export", "schema": 2, "exported": TIME, "learner": {...}|null,
//               "records": [RECORD, ...]}  (a bare record, and schema 1 records and exports, also load)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kl/notebook.hpp"
#include "kl/result.hpp"

namespace kl {

/// The record schema this engine writes.
constexpr int kRecordSchema = 2;
/// Largest record accepted, in bytes.
constexpr std::size_t kMaxRecordBytes = 2 * 1024 * 1024;
/// Largest export file accepted, in bytes.
constexpr std::size_t kMaxExportBytes = 16 * 1024 * 1024;
/// Attempts kept per part and variant: beyond it the oldest are dropped, except the first.
constexpr std::size_t kMaxAttempts = 100;
/// Variants kept per exercise.
constexpr std::size_t kMaxVariants = 64;
/// Longest learner id or name, and longest time text.
constexpr std::size_t kMaxLearnerText = 200;
constexpr std::size_t kMaxTimeText = 40;

/// Who did the work: set once (URL, embed attribute, LMS, or a field on the page).
struct Learner {
  std::string id;  ///< empty: anonymous
  std::string name;
};

/// One checked answer, as the page showed it (verdict and score are what the page claimed: never
/// trusted, always re-checked).
struct Attempt {
  std::string answer;
  std::string time;     ///< ISO 8601 as the page's clock gave it; may be empty (migrated records)
  std::string verdict;  ///< "" when unknown
  double score = 0.0;
  bool has_score = false;
  int hints = 0;          ///< hints seen before this check
  bool solution = false;  ///< the solution was shown before this check
};

/// A part's state in one variant.
struct PartRecord {
  std::string draft;  ///< the text last typed
  int hints = 0;
  bool solution = false;
  std::vector<Attempt> attempts;
};

/// An exercise's work in one variant (variants are kept side by side).
struct VariantRecord {
  std::map<std::string, PartRecord> parts;
};

struct ExerciseRecord {
  std::uint64_t seed = 0;  ///< the variant shown now
  std::map<std::uint64_t, VariantRecord> variants;
};

struct Record {
  std::string notebook;
  std::string notebook_hash;  ///< of the exercises the record was made with
  std::string updated;
  Learner learner;
  std::map<std::string, ExerciseRecord> exercises;
};

/// A loaded record and what the loader had to drop or convert.
struct LoadedRecord {
  Record record;
  std::vector<std::string> warnings;
  std::vector<std::string> dropped_parts;  ///< part ids no longer in the notebook
  int schema = kRecordSchema;              ///< the schema it was written in
};

/// The largest variant a learner can be given (learner_seed's range is 1..kMaxLearnerSeed).
constexpr std::uint64_t kMaxLearnerSeed = 999999;
/// The variant a learner gets when a course gives each learner their own numbers (an LMS, or an
/// author's choice): 1..kMaxLearnerSeed from FNV-1a (32 bits) of the learner id's bytes, the same on
/// every device.
std::uint64_t learner_seed(const std::string& id);

/// The hints a part can show: its own, then (a derivation) each step's, in that order. What a
/// record counts as "hints seen" and what Session::reveal_hint walks through.
int hint_count(const Part& part);

/// A hash of what grading depends on in a notebook's exercises (ids, parameters, variants, answers,
/// tolerances, choices): hex FNV-1a 64. Prose, hints and feedback do not change it.
std::string notebook_hash(const Notebook& nb);

/// An empty record for `nb`.
Record empty_record(const Notebook& nb);

/// Reads a stored record for `nb` strictly. Storage errors for anything that is not a KL Lab record
/// of this notebook (malformed JSON, wrong types, newer schema, another notebook, over the caps);
/// parts or exercises that left the notebook are dropped with a warning; schema 1 is migrated.
Result<LoadedRecord> load_record(std::string_view json, const Notebook& nb);

/// The record as JSON (schema kRecordSchema). load_record(record_json(r)) gives r back.
std::string record_json(const Record& r);

/// Combines two records of one notebook (two tabs): attempts are united (the same attempt once, in
/// time order), the larger hint counts and any shown solution are kept; `mine` wins for drafts,
/// seeds and the learner where both have one.
Record merge_records(const Record& mine, const Record& theirs);

/// What an export file holds: its records, each loaded against its notebook.
struct ExportContents {
  std::string exported;
  Learner learner;
  std::vector<LoadedRecord> records;
  /// Records that could not be read: (notebook id as written, or "", the reason).
  std::vector<std::pair<std::string, std::string>> unreadable;
};

/// Reads an export file (or a single record, or a schema 1 export). `notebook_of` finds a notebook
/// by id (nullptr: unknown, reported as unreadable). Errors only when the file itself is unreadable.
Result<ExportContents> load_export(std::string_view json, const std::function<const Notebook*(const std::string&)>& notebook_of);

/// An export file with the given records.
std::string export_json(const std::vector<Record>& records, const Learner& learner, const std::string& exported);

}  // namespace kl
