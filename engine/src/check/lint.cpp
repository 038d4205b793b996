// The checker's part of author validation: feedback conditions ({{assert COND}} in any text) checked
// in every variant, and warnings about choices that give answers away and author mistakes that a
// part's tolerance cannot tell from the reference.
#include "check/lint.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cmath>
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

// Every text of an exercise, with what it belongs to.
std::vector<const TextTemplate*> texts_of(const Exercise& ex) {
  std::vector<const TextTemplate*> out{&ex.intro};
  for (const auto& p : ex.parts) {
    out.push_back(&p.prompt);
    for (const auto& h : p.hints) out.push_back(&h);
    out.push_back(&p.solution);
    for (const auto& m : p.mistakes) out.push_back(&m.feedback);
    for (const auto& c : p.choices) out.push_back(&c.feedback);
  }
  return out;
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The numbers written in a text with at least two significant figures ("0.0872", "1.5e-3").
std::vector<std::pair<std::string, Precision>> numbers_in(const std::string& text) {
  std::vector<std::pair<std::string, Precision>> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool starts = std::isdigit(static_cast<unsigned char>(text[i])) ||
                        (text[i] == '.' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])));
    const bool in_word = i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_');
    if (!starts || in_word) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
    if (j + 1 < text.size() && (text[j] == 'e' || text[j] == 'E') &&
        (std::isdigit(static_cast<unsigned char>(text[j + 1])) || ((text[j + 1] == '-' || text[j + 1] == '+') && j + 2 < text.size()))) {
      std::size_t k = j + 1 + ((text[j + 1] == '-' || text[j + 1] == '+') ? 1 : 0);
      if (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) {
        while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k;
        j = k;
      }
    }
    std::string token = text.substr(i, j - i);
    while (!token.empty() && token.back() == '.') token.pop_back();  // "0.25." ends a sentence
    const bool negative = i > 0 && text[i - 1] == '-';
    Precision p;
    if (literal_precision(token, p) && p.sigfigs >= 2 && p.sigfigs < 99) out.push_back({negative ? "-" + token : token, p});
    i = j;
  }
  return out;
}

}  // namespace

std::vector<Error> feedback_errors(const Notebook& nb, const Checker& checker, int variants) {
  Reports reports(nb);
  for (const auto& ex : nb.exercises) {
    const auto texts = texts_of(ex);
    bool any = false;
    for (const auto* t : texts)
      for (const auto& s : t->slots) any = any || s.assertion;
    if (!any) continue;
    for (std::uint64_t seed = 0; seed <= static_cast<std::uint64_t>(variants); ++seed) {
      auto scope = checker.scope(ex.id, seed);
      if (!scope.ok()) break;  // reported by validation's own checks
      for (const auto* t : texts)
        for (const auto& s : t->slots) {
          if (!s.assertion) continue;
          auto v = evaluate(*s.expr, scope.value());
          const std::string cond = s.source.substr(7);
          if (!v.ok()) reports.add(s.line, "in {{" + s.source + "}}: " + v.error().message, seed);
          else if (!v.value().is_boolean()) reports.add(s.line, "{{" + s.source + "}} must be a true/false condition", seed);
          else if (!v.value().boolean())
            reports.add(s.line, "the text here assumes " + cond + ", which is false in this variant: make the text true in every variant", seed);
        }
    }
  }
  return reports.take();
}

std::vector<Error> feedback_warnings(const Notebook& nb, const Checker& checker, int variants) {
  Reports reports(nb);
  for (const auto& ex : nb.exercises) {
    // Choices whose right option stands out by its length.
    for (const auto& p : ex.parts) {
      if (p.choices.empty()) continue;
      std::size_t right = 0, wrong = 0;
      for (const auto& c : p.choices) (c.correct ? right : wrong) = std::max(c.correct ? right : wrong, code_points(c.text));
      if (wrong > 0 && static_cast<double>(right) >= kLongestRatio * static_cast<double>(wrong) && right >= wrong + kLongestMargin)
        reports.add(p.line,
                    "the right option of " + p.id + " is the longest by far (" + std::to_string(right) + " characters, the longest wrong one " +
                        std::to_string(wrong) + "): learners can pick it by its length",
                    0);
    }
    // Options that state a numeric part's reference; author mistakes the tolerance cannot tell apart.
    for (std::uint64_t seed = 0; seed <= static_cast<std::uint64_t>(variants); ++seed) {
      for (const auto& q : ex.parts) {
        if (!q.answer || q.kind == AnswerKind::Expression || q.kind == AnswerKind::Choice) continue;
        auto ref = checker.reference(q.id, seed);
        auto tol = checker.tolerance(q.id, seed);
        if (!ref.ok() || !tol.ok()) continue;
        const auto rs = numbers(ref.value());
        for (const auto& p : ex.parts)
          for (const auto& c : p.choices)
            for (const auto& [token, prec] : numbers_in(c.text)) {
              const double x = std::strtod(token.c_str(), nullptr);
              for (double r : rs)
                if (r != 0 && std::fabs(x - r) <= prec.half_unit * (1 + 1e-9))
                  reports.add(c.line, "an option of " + p.id + " states " + token + ", the answer of " + q.id + " rounded: it gives that answer away",
                              seed);
            }
        auto mistakes = checker.author_mistakes(q.id, seed);
        if (!mistakes.ok()) continue;
        for (std::size_t k = 0; k < mistakes.value().size(); ++k) {
          const auto& m = mistakes.value()[k];
          if (!same_shape(m.value, ref.value())) continue;
          const auto ms = numbers(m.value);
          bool apart = false;
          for (std::size_t i = 0; i < rs.size() && !apart; ++i) apart = std::fabs(ms[i] - rs[i]) > tol.value().radius[i];
          if (!apart && !(ms == rs)) {
            const int index = std::atoi(m.id.c_str() + 7) - 1;
            const int line = index >= 0 && static_cast<std::size_t>(index) < q.mistakes.size() ? q.mistakes[static_cast<std::size_t>(index)].line : q.line;
            const std::string source = index >= 0 && static_cast<std::size_t>(index) < q.mistakes.size() ? q.mistakes[static_cast<std::size_t>(index)].source : m.expression;
            reports.add(line, "the mistake '" + source + "' is within the tolerance of the reference here, so a learner who makes it is told 'correct'",
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
