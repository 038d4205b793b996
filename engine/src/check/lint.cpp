// The checker's part of author validation: warnings about a right option that stands out by its
// length, and author mistakes that a part's tolerance cannot tell from the reference.
#include "check/lint.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "check/internal.hpp"

namespace kl {
namespace detail {

namespace {

Error at(const Notebook& nb, int line, const std::string& message, std::uint64_t seed) {
  Error e = make_error(ErrorCode::Notebook, seed == 0 ? message : "variant " + std::to_string(seed) + ": " + message);
  e.file = nb.file;
  e.line = line;
  return e;
}

// One report per line (the first variant that shows the problem).
class Reports {
 public:
  explicit Reports(const Notebook& nb) : nb_(nb) {}
  void add(int line, const std::string& message, std::uint64_t seed) {
    if (!lines_.insert(line).second) return;
    out_.push_back(at(nb_, line, message, seed));
  }
  std::vector<Error> take() { return std::move(out_); }

 private:
  const Notebook& nb_;
  std::set<int> lines_;
  std::vector<Error> out_;
};

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::vector<Error> checker_warnings(const Notebook& nb, const Checker& checker, int variants) {
  Reports reports(nb);
  for (const auto& ex : nb.exercises) {
    // Choices whose right option stands out by its length.
    for (const auto& p : ex.parts) {
      if (p.choices.empty()) continue;
      std::size_t right = 0, wrong = 0;
      for (const auto& c : p.choices) (c.correct ? right : wrong) = std::max(c.correct ? right : wrong, code_points(c.text));
      if (wrong > 0 && static_cast<double>(right) >= kLongestRatio * static_cast<double>(wrong) && right >= wrong + kLongestMargin)
        reports.add(p.line,
                    "the right option of " + p.id + " is the longest by far (" + std::to_string(right) +
                        " characters, the longest wrong one " + std::to_string(wrong) + "): learners can pick it by its length",
                    0);
    }
    // Author mistakes the tolerance cannot tell from the reference.
    for (std::uint64_t seed = 0; seed <= static_cast<std::uint64_t>(variants); ++seed) {
      for (const auto& q : ex.parts) {
        if (!q.answer || q.kind == AnswerKind::Expression || q.kind == AnswerKind::Choice) continue;
        auto ref = checker.reference(q.id, seed);
        auto tol = checker.tolerance(q.id, seed);
        if (!ref.ok() || !tol.ok()) continue;
        const auto rs = numbers(ref.value());
        auto mistakes = checker.author_mistakes(q.id, seed);
        if (!mistakes.ok()) continue;
        for (std::size_t k = 0; k < mistakes.value().size(); ++k) {
          const auto& m = mistakes.value()[k];
          if (!same_shape(m.value, ref.value())) continue;
          const auto ms = numbers(m.value);
          bool apart = false;
          for (std::size_t i = 0; i < rs.size() && !apart; ++i) apart = std::fabs(ms[i] - rs[i]) > tol.value().radius[i];
          if (!apart && (seed > 0 || !(ms == rs))) {  // variant 0: an exact match is already an error
            const int index = std::atoi(m.id.c_str() + 7) - 1;
            const int line = index >= 0 && static_cast<std::size_t>(index) < q.mistakes.size()
                                 ? q.mistakes[static_cast<std::size_t>(index)].line
                                 : q.line;
            const std::string source = index >= 0 && static_cast<std::size_t>(index) < q.mistakes.size()
                                           ? q.mistakes[static_cast<std::size_t>(index)].source
                                           : m.expression;
            reports.add(
                line,
                "the mistake '" + source + "' is within the tolerance of the reference here, so a learner who makes it is told 'correct'",
                seed);
          }
        }
      }
    }
  }
  return reports.take();
}

}  // namespace detail
}  // namespace kl
