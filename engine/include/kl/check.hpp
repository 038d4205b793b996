// Answer checking: a learner's answer to a part, against the variant's reference, the author's
// anticipated mistakes and the built-in ML-mistake library, with error-carried-forward from
// earlier parts. Also hints and worked solutions with the variant's own numbers.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kl/notebook.hpp"

namespace kl {

/// Longest answer text a check reads, in bytes (a longer one is an invalid answer, not evaluated).
constexpr std::size_t kMaxAnswerLength = 10000;

enum class VerdictKind { Correct, CorrectGivenEarlier, Close, Incorrect, Invalid };

/// Everything said about a verdict kind, defined once here and exported (kl::vocabulary_json, the JS
/// API's engine.vocabulary(), `kllab vocabulary`): the page, the CLI and the LMS layer never copy it.
struct VerdictInfo {
  VerdictKind kind;
  const char* name;   ///< "correct", "correct_given_earlier", "close", "incorrect", "invalid"
  double score;       ///< the score a verdict of this kind earns (a derivation averages its steps)
  const char* state;  ///< the page state (data-verdict): correct, partial, incorrect, invalid
  const char* label;  ///< a short label for people
};
/// Every verdict kind, in order of VerdictKind.
const std::vector<VerdictInfo>& verdict_kinds();
const VerdictInfo& verdict_info(VerdictKind k);
/// The kind's name (verdict_info(k).name).
const char* verdict_name(VerdictKind k);

/// The outcome of checking one answer. A value, never an exception.
struct Verdict {
  VerdictKind kind = VerdictKind::Invalid;
  double score = 0.0;                 ///< 1 correct, 0.75 correct given an earlier answer, 0.5 close, else 0
  std::string feedback;               ///< what to tell the learner (plain text; author feedback with slots filled)
  std::string mistake;                ///< "" or the recognised mistake: "author:N", "choice:N" or a library id
  std::string mistake_name;           ///< e.g. "KL direction swapped"
  std::vector<std::string> slots;     ///< author feedback's slot values (for pre-rendered feedback)
  int column = 0;                     ///< Invalid: the column of the problem, when known
  std::vector<int> wrong_components;  ///< vectors: 1-based components that are off
  std::string answer_text;            ///< the learner's value as understood
  /// Derivation parts: one verdict per step, in order (the part's score is their mean); empty for
  /// every other kind.
  std::vector<Verdict> steps;
};

/// A verdict of kind k with the kind's score.
Verdict make_verdict(VerdictKind k, std::string feedback = "");

/// A library mistake that applies to a part in a variant, with the value it produces.
struct AppliedMistake {
  std::string id;
  std::string name;
  std::string expression;  ///< the rewritten reference, as text (filled by the public listings only)
  Value value;
  NodePtr tree;            ///< the rewritten reference
  std::string feedback{};  ///< what the learner is told (library mistakes: the text for this reference)
};

/// What a numeric part accepts in a variant: the one tolerance model's radii (docs/authoring.md, "How
/// close is close enough"). The verdict's kind depends on the distance alone: within `radius` of the
/// reference (in every entry) is correct, within close_ratio radii (in the worst entry) is close.
struct ToleranceInfo {
  std::string mode;            ///< "sigfigs" (also a part without a declared tolerance), "rel", "abs" or "stderr"
  int digits = 0;              ///< every rounding of the reference to this many significant figures or more is correct
  std::vector<double> radius;  ///< per entry of the reference
  double close_ratio = 0;      ///< after stopping short of every anticipated mistake
  double standard_error = 0;   ///< a stderr tolerance: one standard error
  std::string text;            ///< the sentence the feedback uses: "This part accepts answers within ±0.00005 ..."
};

/// Most element operations one answer preview may do: a preview runs on every keystroke, so a heavier
/// answer is shown as read and its value left to Check.
constexpr std::int64_t kPreviewWork = 1000000;

/// How an answer was read, before it is checked (STACK's validation step). Cheap enough to ask for on
/// every keystroke: one parse and at most kPreviewWork operations.
struct AnswerPreview {
  bool readable = false;  ///< it parses and (a numeric part) evaluates to a value of the part's shape
  std::string kind;       ///< "empty", "number", "vector", "matrix", "expression", "choice"; "" when it does not parse
  std::string value;      ///< the value the checker will see (10 significant digits), a formula as read, the chosen option's text
  std::string mathml;     ///< the answer typeset, a MathML Core <math> element ("" when it does not parse)
  std::string
      message;       ///< why it cannot be checked as it stands (a syntax error, an unknown name, a shape that does not fit); "" when it can
  int column = 0;    ///< the 1-based column of a syntax or evaluation error, else 0
  std::string note;  ///< worth knowing, not an error: "2 significant figures: this part asks for at least 3"
  std::string expects;  ///< what the part asks for: "a number", "a probability vector of 3 entries", "a formula in phi"
};

/// What a learner may see of a part besides its verdict.
struct PartView {
  std::string reference_text;  ///< the reference value, 7 significant digits
  std::string prompt;          ///< rendered with the variant's numbers
  std::vector<std::string> prompt_slots;
  std::vector<std::string> hints;  ///< rendered
  std::vector<std::vector<std::string>> hint_slots;
  std::string solution;  ///< rendered
  std::vector<std::string> solution_slots;
  std::vector<std::string> step_prompts;             ///< derivation: each step's prompt, rendered
  std::vector<std::vector<std::string>> step_hints;  ///< derivation: each step's hints, rendered
  /// A choice part: the options in the order this variant shows them, as 0-based indices into
  /// Part::choices (shuffled per variant; the answer to check is still the authored number, index + 1).
  std::vector<int> choice_order;
};

/// Every slot value of one part's texts in a variant (for pages that pre-render the texts).
struct PartSlots {
  std::vector<std::string> prompt;
  std::vector<std::vector<std::string>> hints;
  std::vector<std::string> solution;
  std::vector<std::vector<std::string>> mistakes;  ///< author mistakes' feedback, in order
  std::vector<std::vector<std::string>> choices;   ///< choice feedback, in authored order
  std::vector<int> order;                          ///< a choice part: the display order (see PartView::choice_order)
  /// Derivation parts: the slot values of each step's texts.
  struct Step {
    std::vector<std::string> prompt;
    std::vector<std::vector<std::string>> hints;
    std::vector<std::vector<std::string>> mistakes;
  };
  std::vector<Step> steps;
};

/// Every slot value of an exercise's texts in a variant.
struct ExerciseSlots {
  std::vector<std::string> intro;
  std::vector<std::pair<std::string, PartSlots>> parts;  ///< (part id, slots), in order
};

/// Checks answers for one notebook. Cheap to keep: the authored environment is computed once.
class Checker {
 public:
  /// Builds a checker; fails when the notebook's code cells do not run as authored.
  static Result<Checker> create(const Notebook& nb);

  /// Checks `answer` to part `part` in variant `seed`. `earlier` maps earlier part ids to the
  /// learner's answers (for error-carried-forward).
  Verdict check(const std::string& part, const std::string& answer, std::uint64_t seed = 0,
                const std::map<std::string, std::string>& earlier = {}) const;
  /// The prompt, hints, solution and reference of a part in a variant.
  Result<PartView> view(const std::string& part, std::uint64_t seed = 0) const;
  /// The slot values of all of an exercise's texts in a variant.
  Result<ExerciseSlots> exercise_slots(const std::string& exercise, std::uint64_t seed = 0) const;
  /// An exercise's variables in a variant (parameters and named part answers).
  Result<Environment> scope(const std::string& exercise, std::uint64_t seed = 0) const;
  /// The reference value of a part in a variant.
  Result<Value> reference(const std::string& part, std::uint64_t seed = 0) const;
  /// How `answer` to `part` would be read in variant `seed`, without checking it (an error only for an
  /// unknown part).
  Result<AnswerPreview> preview(const std::string& part, const std::string& answer, std::uint64_t seed = 0) const;
  /// What a numeric part accepts in a variant (an error for choice and expression parts).
  Result<ToleranceInfo> tolerance(const std::string& part, std::uint64_t seed = 0) const;
  /// The author's mistakes of a part with their values in a variant (ids "author:N"; a mistake
  /// that fails to evaluate in this variant is left out).
  Result<std::vector<AppliedMistake>> author_mistakes(const std::string& part, std::uint64_t seed = 0) const;
  /// The reference answer as an expression a learner could type: earlier parts' names replaced by
  /// their own expressions.
  Result<std::string> reference_expression(const std::string& part) const;
  /// The library mistakes that apply to a part in a variant and give a distinguishable value.
  Result<std::vector<AppliedMistake>> library_mistakes(const std::string& part, std::uint64_t seed = 0) const;

  const Notebook& notebook() const { return nb_; }
  const Environment& base() const { return base_; }

 private:
  struct Cache;
  Checker(Notebook nb, Environment base);
  Notebook nb_;
  Environment base_;
  /// Variant scopes and applied mistakes, per (part, seed): pure functions of their keys, kept so a
  /// check does not recompute Monte Carlo references and mistake values every time.
  std::shared_ptr<Cache> cache_;
};

/// The JSON object of a verdict: what `kllab check` prints and what the JS API returns, one shape
/// (see verdict_schema_json in kl/session.hpp).
std::string verdict_json(const Verdict& v);

}  // namespace kl
