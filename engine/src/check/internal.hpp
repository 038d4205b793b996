// Private to check/: the pieces the checker's stages share. A check runs in stages, each in its own
// file: tolerance (how close is close enough, tolerance.cpp), the answer's kind and shape, correct,
// error-carried-forward, the author's mistakes, the library's mistakes, close and sanity (stages.cpp),
// and the answer kinds with their own pipelines: expressions (expression.cpp) and choices (choice.cpp).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kl/check.hpp"

namespace kl {
namespace detail {

// ---- tolerance ----------------------------------------------------------------------------

/// How precise a typed number is.
struct Precision {
  bool typed = false;     ///< a plain number literal: its digits say how precise it is
  double half_unit = 0;   ///< half a unit in its last digit
  int sigfigs = 0;
};

/// "-0.0872", "1.37e-9", "5": significant figures and the place of the last digit; false when the
/// text is not a plain number literal.
bool literal_precision(const std::string& text, Precision& p);
/// "[0.876, 0.118, 0.006]": the precision of each typed entry; false when not a plain literal vector.
bool vector_precisions(const std::string& text, std::vector<Precision>& out);
/// The precisions of an answer text whose value is x (empty when they cannot be read off the text).
std::vector<Precision> precisions_of(const std::string& text, const Value& x);

enum class Match { Within, TooFewDigits, Close, Off };

/// Compares numbers under a part's tolerance.
class Comparator {
 public:
  Comparator(const Tolerance& tol, double stderr_value) : tol_(tol), se_(stderr_value) {}
  Match compare(double x, double ref, const Precision& p) const;
  int min_sigfigs() const { return tol_.mode == Tolerance::Mode::SigFigs ? static_cast<int>(tol_.value) : 2; }
  /// A comparator that accepts only values equal up to rounding error (relative 1e-9).
  static Comparator exact();

 private:
  Tolerance tol_;
  double se_;
};

/// A numeric value's doubles, row by row.
std::vector<double> numbers(const Value& v);
bool same_shape(const Value& a, const Value& b);

struct ValueMatch {
  Match overall = Match::Off;
  std::vector<int> off;  ///< 1-based components not within
};
ValueMatch compare_values(const Comparator& cmp, const Value& x, const Value& ref, const std::vector<Precision>& prec);
/// Within tolerance (or only too few digits).
bool matches(const Comparator& cmp, const Value& x, const Value& target, const std::vector<Precision>& prec);

// ---- shared helpers -----------------------------------------------------------------------

std::string trim(const std::string& s);
/// "1, 2 and 4".
std::string components_text(const std::vector<int>& off);
std::string ordinal(int n);
/// An invalid verdict (the answer could not be read) with a message and, when known, a column.
Verdict invalid(std::string message, int column = 0);
/// Author feedback with the variant's numbers: the rendered text and its slot values.
void give_feedback(Verdict& v, const TextTemplate& t, const Environment& env);
/// Replaces names of earlier parts with their reference expressions (so the mistake library sees
/// e.g. the softmax calls inside kl(pT, pS)).
NodePtr inline_parts(const NodePtr& n, const std::map<std::string, NodePtr>& defs, int depth = 0);
/// The names a learner's answer may use: the exercise's parameters, not code-cell names.
Environment learner_scope(const Exercise& ex, const Environment& params);
/// The standard error of a part's StdErr tolerance in an environment (0 when it has none).
double stderr_of(const Part& p, const Environment& env);

/// One part in one variant: its exercise, index and scopes.
struct PartContext {
  const Exercise* ex = nullptr;
  const Part* part = nullptr;
  std::size_t index = 0;
  Environment params;  ///< base + parameters
  Environment env;     ///< params + named answers of earlier parts (reference values)
  /// Names of earlier parts' answers -> their reference expressions.
  std::map<std::string, NodePtr> earlier_defs() const;
};
/// An exercise in one variant: its parameters and each named part's reference value, computed once
/// for all its parts (the parameters may be Monte Carlo references: expensive).
struct ExerciseScope {
  const Exercise* ex = nullptr;
  Environment params;                                ///< base + parameters
  std::vector<std::pair<std::size_t, Value>> named;  ///< (part index, value) of named parts, in order
  std::size_t bound = 0;                             ///< parts [0, bound) could be bound
  Error error;                                       ///< why part `bound` could not
};
Result<ExerciseScope> exercise_scope_of(const Notebook& nb, const Environment& base, const Exercise& ex, std::uint64_t seed);
/// A part's context from its exercise's scope.
Result<PartContext> context(const ExerciseScope& s, const Part& part);

/// The library mistakes that apply to a part in a variant and give a distinguishable value.
std::vector<AppliedMistake> applied_mistakes(const PartContext& c, const Value& ref);

// ---- the answer kinds ---------------------------------------------------------------------

Verdict check_choice(const Part& p, const std::string& answer, const Environment& env);
Verdict check_expression(const Part& p, const NodePtr& learner, const Environment& env, const std::set<std::string>& forbidden,
                         const std::string& part_id);

// ---- the numeric pipeline (stages.cpp) ------------------------------------------------------

/// What the stages of a numeric check share.
struct NumericCheck {
  const PartContext& c;
  const std::string& answer;                         ///< as typed
  const std::map<std::string, std::string>& earlier;  ///< the learner's earlier answers by part id
  Value x;                                            ///< the learner's value
  Value ref;                                          ///< the reference value
  std::vector<Precision> prec;                        ///< of the typed answer
  Comparator cmp;
  ValueMatch m;                                       ///< x against ref
  /// The library mistakes that apply here (cached per (part, seed); computed only when a stage asks).
  std::function<const std::vector<AppliedMistake>&()> library;
};

/// Each stage returns a verdict when it decides the check, nothing to pass on to the next.
std::optional<Verdict> stage_shape(const Value& x, const Value& ref);
std::optional<Verdict> stage_correct(const NumericCheck& k);
std::optional<Verdict> stage_error_carried_forward(const NumericCheck& k);
std::optional<Verdict> stage_author_mistakes(const NumericCheck& k);
std::optional<Verdict> stage_library_mistakes(const NumericCheck& k);
std::optional<Verdict> stage_too_few_digits(const NumericCheck& k);
std::optional<Verdict> stage_sanity(const NumericCheck& k);
Verdict stage_close_or_incorrect(const NumericCheck& k);

}  // namespace detail
}  // namespace kl
