// The session layer, above checking: a loaded notebook (kl::Session: parse report, the learner's live
// cell graph, the checker, the merged author errors and the learner's record), author validation over
// variants, and grading. The CLI's commands and the JS API are thin layers over it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kl/check.hpp"
#include "kl/notebook.hpp"
#include "kl/record.hpp"
#include "kl/result.hpp"

namespace kl {

/// Every author error: parse errors, failing code cells, graph errors, and for variants 0..variants
/// of every exercise: parameters, constraints, references, mistakes (identical to the reference
/// is an error), hints and solutions that fail to evaluate.
std::vector<Error> validate(const ParseReport& report, int variants = 50);
/// What validation warns about without failing, over variants 0..variants: a choice whose right
/// option is the longest by far, an option that states a numeric part's answer, an author mistake the
/// part's tolerance cannot tell from the reference (its feedback would never be shown).
std::vector<Error> validation_warnings(const ParseReport& report, int variants = 50);

/// What a page shows of one part in the exercise's current variant (verdicts are not stored state:
/// ask `recheck`).
struct PartState {
  std::string id;
  std::string draft;
  std::string checked;  ///< the last checked answer ("" if none)
  int attempts = 0;
  int hints = 0;
  bool solution = false;
};

/// An exercise's current variant and its parts' state.
struct ExerciseState {
  std::string id;
  std::uint64_t seed = 0;
  std::vector<PartState> parts;
};

/// What importing a file would change, for the learner to agree to first.
struct ImportPreview {
  Learner learner;  ///< the file's learner
  std::string exported;
  bool other_learner = false;  ///< the file's learner differs from this record's
  int parts_in_file = 0;       ///< parts with work in the file
  int parts_new = 0;           ///< of those, parts with no work here
  int parts_changed = 0;       ///< of those, parts whose work differs from this record's
  int attempts_new = 0;        ///< attempts in the file that this record lacks
  std::vector<std::string> warnings;
};

/// One loaded notebook and one learner's work on it.
class Session {
 public:
  /// Parses `text`; author errors are in errors(). A session with errors can still be inspected.
  Session(std::string_view text, std::string file);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  const Notebook& notebook() const;
  const ParseReport& report() const;
  /// Parse errors, graph errors and the checker's load error, each once (empty: usable).
  const std::vector<Error>& errors() const;
  /// True when answers can be checked.
  bool usable() const;
  /// The checker (nullptr when the notebook is not usable).
  const Checker* checker() const;
  /// Full validation over variants 0..variants.
  std::vector<Error> validate(int variants = 50) const;
  /// Validation's warnings over variants 0..variants (see kl::validation_warnings).
  std::vector<Error> warnings(int variants = 50) const;

  // ---- the learner's live cells (edits never change reference answers) ----
  std::vector<CellResult> run_all();
  Result<std::vector<CellResult>> edit_cell(const std::string& cell, const std::string& source);
  Result<std::vector<CellResult>> set_slider(const std::string& name, double value);
  Result<PlotData> plot(const std::string& cell) const;

  // ---- checking, stateless ----
  /// Checks an answer; an unknown part or an unusable notebook is an error (an unreadable answer
  /// is an `invalid` verdict, not an error).
  Result<Verdict> check(const std::string& part, const std::string& answer, std::uint64_t seed = 0,
                        const std::map<std::string, std::string>& earlier = {}) const;
  Result<PartView> view(const std::string& part, std::uint64_t seed = 0) const;
  /// How an answer would be read, before it is checked (cheap: for every keystroke).
  Result<AnswerPreview> preview(const std::string& part, const std::string& answer, std::uint64_t seed = 0) const;
  Result<ExerciseSlots> exercise_slots(const std::string& exercise, std::uint64_t seed = 0) const;

  // ---- the learner's record ----
  /// Replaces the record with a stored one (strictly loaded); its warnings.
  Result<std::vector<std::string>> load_record(std::string_view json);
  const Record& record() const;
  std::string record_json() const;
  /// Starts a fresh record (the learner is kept).
  void reset_record();
  /// Sets who is working. An error if the record already holds another learner's attempts. With
  /// `personal_variants`, exercises the learner has not touched start in learner_seed(id), so each
  /// learner gets their own numbers (an LMS course); otherwise they start in the textbook variant.
  Result<bool> set_learner(const Learner& learner, bool personal_variants = false);
  /// Merges a record stored by another tab into this one (see merge_records).
  Result<std::vector<std::string>> merge_record(std::string_view json);
  /// The exercises' current variants and parts' state.
  std::vector<ExerciseState> state() const;
  /// Switches an exercise to another variant; the work done in the others is kept.
  Result<ExerciseState> set_variant(const std::string& exercise, std::uint64_t seed);
  /// Keeps the text being typed.
  Result<bool> set_draft(const std::string& part, const std::string& text);
  /// Checks an answer in the exercise's current variant (error-carried-forward from the learner's last
  /// checked answers of the earlier parts) and records the attempt with the hints and solution seen.
  Result<Verdict> submit(const std::string& part, const std::string& answer, const std::string& time);
  /// Re-checks the part's last attempt in its current variant (what a page shows after a reload).
  Result<Verdict> recheck(const std::string& part) const;
  /// Forgets a part's work in its exercise's current variant (a page sets aside a stored answer that
  /// cannot be re-checked, after keeping the stored record). True if there was work to forget.
  Result<bool> drop_part(const std::string& part);
  /// Reveals the next hint (the part's own, then a derivation's step hints): its index and text with
  /// the variant's numbers.
  Result<std::pair<int, std::string>> reveal_hint(const std::string& part);
  /// Reveals the worked solution with the variant's numbers.
  Result<std::string> reveal_solution(const std::string& part);
  /// The export file of this record.
  std::string export_json(const std::string& exported) const;
  /// What importing `json` (an export or a record of this notebook) would change.
  Result<ImportPreview> preview_import(std::string_view json) const;
  /// Imports: `merge` unites the file's work with this record's, otherwise the file's record replaces
  /// it. Returns the previous record's JSON (for the page to keep aside).
  Result<std::string> apply_import(std::string_view json, bool merge);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Which attempt of a part counts.
enum class GradePolicy { Best, Last, First };

/// How `kllab grade` scores a record.
struct GradeOptions {
  GradePolicy policy = GradePolicy::Best;
  double hint_penalty = 0.0;              ///< credit lost per hint seen before the attempt
  double solution_penalty = 0.0;          ///< credit lost when the solution was shown before the attempt
  std::map<std::string, double> weights;  ///< part id -> weight (default 1; 0 leaves a part out)
};

/// One part's grade.
struct PartGrade {
  std::string part;
  double credit = 0.0;  ///< 0..1 after penalties
  double weight = 1.0;
  bool attempted = false;
  bool tampered = false;  ///< a stored verdict or score differs from the re-check
  std::uint64_t seed = 0;
  std::string answer;  ///< the attempt that counts
  Verdict verdict;     ///< its re-check
  int hints = 0;
  bool solution = false;
};

/// One (learner, notebook) row of a grade sheet.
struct GradeRow {
  Learner learner;
  std::string notebook;
  double score = 0.0;
  double max = 0.0;
  std::vector<PartGrade> parts;    ///< every part of the notebook, in notebook order
  std::vector<std::string> flags;  ///< tampered:<part>, unknown-part:<id>, notebook-changed, ...
};

/// Grades a loaded record by re-checking every attempt with the learner's seed and their own earlier
/// answers (as the page checked them); stored verdicts count for nothing but the `tampered` flag.
GradeRow grade_record(const Checker& checker, const LoadedRecord& loaded, const GradeOptions& options);

/// {"ok": false, "error": {"code", "message", "column", "line", "file"}}: the one shape of a failure,
/// in the CLI's JSON and the JS API alike.
std::string failure_json(const Error& e);

/// The verdict's field names and kinds as a JSON Schema (generated from the engine's definition).
std::string verdict_schema_json();
/// The engine's vocabulary: verdict kinds (name, score, state, label), error codes, answer kinds,
/// limits, and the verdict's JSON Schema. What the CLI prints with `kllab vocabulary` and the JS API
/// returns from `engine.vocabulary()`.
std::string vocabulary_json();

}  // namespace kl
