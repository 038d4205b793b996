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
//
// One model for every numeric answer (docs/authoring.md, "How close is close enough"). Each entry of
// the reference has a correct radius fixed by the part's tolerance and the entry's own magnitude; an
// answer's distance is its worst entry's |x_i - r_i| measured in that entry's radius. Within 1 is
// right, within the close ratio is close, farther is incorrect. So a closer answer is never judged
// worse than a farther one, however it was written: the digits a learner typed only choose what the
// feedback says.

/// How precise a typed number is (for feedback: which digit, too few digits, a probability's sum).
struct Precision {
  bool typed = false;    ///< a plain number literal: its digits say how precise it is
  double half_unit = 0;  ///< half a unit in its last digit (0 for a typed zero)
  int place = 0;         ///< the decimal place of its last digit (-3 for 0.087, 2 for 1.5e2)
  int sigfigs = 0;       ///< significant figures typed (99 for a typed zero)
};

/// "-0.0872", "1.37e-9", "5": significant figures and the place of the last digit; false when the
/// text is not a plain number literal.
bool literal_precision(const std::string& text, Precision& p);
/// "[0.876, 0.118, 0.006]": the precision of each typed entry; false when not a plain literal vector.
bool vector_precisions(const std::string& text, std::vector<Precision>& out);
/// The precisions of an answer text whose value is x (empty when they cannot be read off the text).
std::vector<Precision> precisions_of(const std::string& text, const Value& x);

/// How far from 1 the entries of a probability answer may sum when it is read as a distribution: the
/// rounding its typed entries could explain (half a unit in the last digit of each), or the
/// language's own tolerance for computed entries. One rule for the check and the preview.
double distribution_slack(const std::vector<Precision>& prec, std::size_t entries);

/// 10^k, the same double on every platform (read by strtod, which rounds correctly everywhere).
double power_of_ten(int k);
/// floor(log10(a)) for a finite a > 0, exact at powers of ten (0 for anything else).
int decimal_exponent(double a);

enum class Match { Within, Close, Off };

/// The radii around a reference value: one correct radius per entry, and the close ratio (an answer
/// is close within that many radii).
struct Bands {
  std::vector<double> correct;
  double close_ratio = 10;
  /// Classifies a distance measured in radii.
  Match classify(double radii) const;
};

/// Below this every difference counts as none (a reference of exactly 0 needs some radius).
constexpr double kDistanceFloor = 1e-12;
/// The significant figures a part without a declared tolerance asks for, and the most the checker
/// asks for to tell the reference from an anticipated mistake.
constexpr int kDefaultSigFigs = 3;
constexpr int kMaxAutoSigFigs = 6;

/// A part's tolerance, turned into radii.
class Comparator {
 public:
  Comparator(const Tolerance& tol, double stderr_value) : tol_(tol), se_(stderr_value) {}
  /// N significant figures.
  static Comparator sigfigs(int n);
  /// A comparator that accepts only values equal up to rounding error (relative 1e-9).
  static Comparator exact();
  /// The correct radius around one reference number.
  double radius(double ref) const;
  /// How many radii still count as close.
  double close_ratio() const;
  /// The radii around a reference value (a number, vector or matrix).
  Bands bands(const Value& ref) const;
  /// The fewest significant digits whose every rounding of `ref` is within its radius (what "give at
  /// least N significant figures" says).
  int digits_needed(double ref) const;
  const Tolerance& tolerance() const { return tol_; }
  /// The standard error of a StdErr tolerance (0 otherwise).
  double standard_error() const { return se_; }

 private:
  Tolerance tol_;
  double se_;
};

/// The comparator a check uses: the declared one, or for a part without a declared tolerance,
/// kDefaultSigFigs significant figures, or more (up to kMaxAutoSigFigs) where an anticipated
/// mistake's value would otherwise be indistinguishable from the reference.
Comparator effective_comparator(const Comparator& declared, const Value& ref, const std::vector<Value>& mistakes);

/// A numeric value's doubles, row by row.
std::vector<double> numbers(const Value& v);
bool same_shape(const Value& a, const Value& b);
/// The largest |a_i - b_i| (infinite when an entry is not finite and the two differ).
double distance(const Value& a, const Value& b);

struct ValueMatch {
  Match overall = Match::Off;
  std::vector<int> off;  ///< 1-based entries farther than their radius
  double radii = 0;      ///< the distance, in radii of the worst entry
  Bands bands;
};
/// x against ref in the radii the comparator gives ref (`bands` overrides them when given).
ValueMatch compare_values(const Comparator& cmp, const Value& x, const Value& ref, const Bands* bands = nullptr);
/// Within the correct radii of `target` (taken at the target's own entries).
bool matches(const Comparator& cmp, const Value& x, const Value& target);
/// The radii around ref, with the close ratio stopped short of every anticipated mistake's own
/// correct region: an answer a mistake explains is never "close", and the close radius stays one
/// number of radii, so the verdict is still monotone in the distance.
Bands bands_around(const Comparator& cmp, const Value& ref, const std::vector<Value>& mistakes);

/// A number for people without an exponent where one is not needed: 5e-05 as 0.00005.
std::string plain_number(double x, int digits);
/// What a comparator accepts around a reference, as a sentence: "This part accepts answers within
/// ±0.0005 of the exact value: every rounding to 3 or more significant figures is."
std::string tolerance_text(const Comparator& cmp, const Value& ref);
/// The first significant digit in which x, written to `place` (the decimal place of its last digit),
/// differs from `ref` rounded to the same place; 0 when that cannot be said (signs differ, too many
/// digits, or no difference at that place).
int first_differing_digit(double x, double ref, int place);
/// The shortest text that reads back as x ("0.0966", not "0.096600000000000005"), without an
/// exponent for ordinary magnitudes.
std::string shortest_number(double x);

// ---- MathML (mathml.cpp) --------------------------------------------------------------------

/// Deepest subtree printed (deeper ones show as an ellipsis), and the most output (beyond it: "").
constexpr int kMaxMathmlDepth = 64;
constexpr std::size_t kMaxMathmlBytes = 60000;
/// The expression as a MathML Core <math> element, every text escaped; "" when too large.
std::string to_mathml(const Node& n);
/// Its content without the <math> element ("" when too large), and a body wrapped in one.
std::string mathml_body(const Node& n);
std::string mathml_element(const std::string& body);

/// The normal two-sided tail probability P(|Z| > z) (for what a StdErr tolerance rejects).
double normal_two_sided_tail(double z);
/// "about 1 in 16,000", "about 4.6%", "below 1 in 10¹⁵": a small probability for people.
std::string probability_text(double p);

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
/// The order in which a variant shows a choice part's options (0-based authored indices): a
/// Fisher-Yates shuffle by the engine's own generator, seeded by (notebook, part, seed), so native
/// and wasm agree and every variant, the textbook's included, has its own order.
std::vector<int> choice_order(const Notebook& nb, const Part& p, std::uint64_t seed);
Verdict check_expression(const Part& p, const NodePtr& learner, const Environment& env, const std::set<std::string>& forbidden,
                         const std::string& part_id);

// ---- the answer preview (preview.cpp) -------------------------------------------------------

/// How `text` is read for part c (ref: the reference value of a numeric part; digits: the significant
/// figures its tolerance asks for, 0 when it asks for none).
AnswerPreview preview_answer(const PartContext& c, const std::string& text, const Value* ref, int digits);

// ---- the numeric pipeline (stages.cpp) ------------------------------------------------------

/// An author mistake of a numeric part with its value in a variant.
struct AuthorValue {
  std::size_t index = 0;  ///< into Part::mistakes
  Value value;
};
/// The author mistakes of a numeric part that evaluate, have the reference's shape and differ from it.
std::vector<AuthorValue> author_values(const PartContext& c, const Value& ref);

/// What the stages of a numeric check share.
struct NumericCheck {
  const PartContext& c;
  const std::string& answer;                          ///< as typed
  const std::map<std::string, std::string>& earlier;  ///< the learner's earlier answers by part id
  Value x;                                            ///< the learner's value
  Value ref;                                          ///< the reference value
  std::vector<Precision> prec;                        ///< of the typed answer (feedback only)
  Comparator cmp;
  ValueMatch m;                                          ///< x against ref, in the bands around ref
  const std::vector<AppliedMistake>* library = nullptr;  ///< cached per (part, seed)
  const std::vector<AuthorValue>* authored = nullptr;    ///< cached per (part, seed)
  /// Past correct and error-carried-forward: Close or Incorrect, from the distance alone. The later
  /// stages choose what to say, never the kind.
  VerdictKind kind = VerdictKind::Incorrect;
};

/// Each stage returns a verdict when it decides the check, nothing to pass on to the next.
std::optional<Verdict> stage_shape(const Value& x, const Value& ref);
std::optional<Verdict> stage_correct(const NumericCheck& k);
std::optional<Verdict> stage_error_carried_forward(const NumericCheck& k);
std::optional<Verdict> stage_author_mistakes(const NumericCheck& k);
std::optional<Verdict> stage_library_mistakes(const NumericCheck& k);
std::optional<Verdict> stage_not_distribution(const NumericCheck& k);
std::optional<Verdict> stage_negative_divergence(const NumericCheck& k);
std::optional<Verdict> stage_too_few_digits(const NumericCheck& k);
Verdict stage_close_or_incorrect(const NumericCheck& k);

}  // namespace detail
}  // namespace kl
