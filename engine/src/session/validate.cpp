// Author validation: every error of a notebook over its variants (parse errors, failing cells, graph
// errors, parameters, references, mistakes, texts). Sits above check: it runs the checker.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "check/derivation_internal.hpp"
#include "check/lint.hpp"
#include "kl/check.hpp"
#include "kl/session.hpp"
#include "notebook/variants_internal.hpp"

namespace kl {

namespace {

bool all_finite(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Number: return std::isfinite(v.number());
    case Value::Kind::Vector: return v.vector().allFinite();
    case Value::Kind::Matrix: return v.matrix().allFinite();
    default: return true;
  }
}

class Validator {
 public:
  Validator(const ParseReport& report, int variants) : report_(report), nb_(report.notebook), variants_(variants) {}

  std::vector<Error> run() {
    for (const auto& e : report_.errors) add(e);
    Runtime rt(nb_);
    for (const auto& e : rt.graph_errors()) add(e);
    if (!rt.graph_errors().empty()) return out_;
    results_ = rt.run_all();
    for (const auto& r : results_) {
      const Cell* c = nb_.cell(r.cell);
      if (r.status == CellResult::Status::Error && c) {
        Error e = r.error;
        const int line = c->type == Cell::Type::Code ? c->line + std::max(1, e.line) : c->line;
        add(detail::at_line(nb_, e, line, c->type == Cell::Type::Plot ? "plot" : ""));
      }
    }
    auto checker = Checker::create(nb_);
    if (!checker.ok()) return out_;
    for (const auto& ex : nb_.exercises) exercise(checker.value(), ex);
    giveaways(checker.value());
    return out_;
  }

 private:
  // "variant 7: message" -> "message".
  static std::string without_variant(const std::string& m) {
    if (m.rfind("variant ", 0) != 0) return m;
    const std::size_t colon = m.find(": ");
    return colon == std::string::npos ? m : m.substr(colon + 2);
  }

  void add(Error e) {
    e.file = nb_.file;
    const std::string base = without_variant(e.message);
    for (const auto& o : out_) {
      if (o.line != e.line) continue;
      // The same problem in another variant, or a variant problem already reported on this line.
      if (without_variant(o.message) == base) return;
      if (e.message.rfind("variant ", 0) == 0 && o.message.rfind("variant ", 0) == 0) return;
    }
    out_.push_back(std::move(e));
  }

  void at(int line, const std::string& message, std::uint64_t seed) {
    Error e = make_error(ErrorCode::Notebook, seed == 0 ? message : "variant " + std::to_string(seed) + ": " + message);
    e.line = line;
    add(e);
  }

  void text(const TextTemplate& t, const Environment& env, const std::string& what, std::uint64_t seed) {
    auto v = slot_values(t, env);
    if (!v.ok()) at(t.line, what + ": " + v.error().message, seed);
  }

  void exercise(const Checker& checker, const Exercise& ex) {
    for (std::uint64_t seed = 0; seed <= static_cast<std::uint64_t>(variants_); ++seed) {
      auto params = detail::params_scope(nb_, checker.base(), ex, seed);
      if (!params.ok()) {
        Error e = params.error();
        if (seed > 0 && e.message.rfind("variant", 0) != 0) e.message = "variant " + std::to_string(seed) + ": " + e.message;
        add(e);
        return;
      }
      Environment env = params.value();
      text(ex.intro, env, "intro", seed);
      current_ = &ex;
      shown_text(ex.intro, env, seed);
      for (std::size_t i = 0; i < ex.parts.size(); ++i) {
        const Part& p = ex.parts[i];
        if (!part(checker, p, env, seed)) return;
        if (!p.name.empty() && p.answer) {
          auto v = evaluate(*p.answer, env);
          if (v.ok()) env[p.name] = v.value();
        }
      }
    }
  }

  // Returns false when later parts cannot be checked (the reference failed).
  bool part(const Checker& checker, const Part& p, const Environment& env, std::uint64_t seed) {
    if (seed == 0 && p.solution.empty()) at(p.line, "the part '" + p.id + "' has no solution:", seed);
    // Texts may name the part's own answer ({{pT}} in ex8a's solution), as the checker's view does.
    Environment texts_env = env;
    Result<Value> ref = make_error(ErrorCode::Type, "a choice part has no reference value");
    if (p.kind != AnswerKind::Choice && p.answer) {
      ref = evaluate(*p.answer, env);
      if (ref.ok() && !p.name.empty() && p.kind != AnswerKind::Expression) texts_env[p.name] = ref.value();
    }
    text(p.prompt, texts_env, "prompt", seed);
    shown_text(p.prompt, texts_env, seed);
    for (const auto& h : p.hints) text(h, texts_env, "hint", seed);
    text(p.solution, texts_env, "solution", seed);
    for (const auto& c : p.choices) text(c.feedback, texts_env, "choice feedback", seed);
    claims(p, texts_env, seed);
    if (p.kind == AnswerKind::Choice) return true;
    if (p.kind == AnswerKind::Derivation) {
      derivation(checker, p, texts_env, seed);
      return true;
    }
    if (!p.answer) return false;
    if (p.kind == AnswerKind::Expression) {
      // The reference must be defined at the sample points and accepted by its own check.
      auto v = checker.check(p.id, to_string(*p.answer), seed);
      if (v.kind != VerdictKind::Correct)
        at(p.line, "the reference expression of " + p.id + " is not accepted by its own check: " + v.feedback, seed);
      for (const auto& m : p.mistakes) {
        text(m.feedback, texts_env, "mistake feedback", seed);
        if (seed == 0 && checker.check(p.id, to_string(*m.expr), seed).kind == VerdictKind::Correct)
          at(m.line, "the mistake '" + m.source + "' is equivalent to the reference answer, so it could never be recognised", seed);
      }
      return true;
    }
    if (!ref.ok()) {
      at(p.line, "the answer of " + p.id + " fails: " + ref.error().message, seed);
      return false;
    }
    const Value& r = ref.value();
    if (p.kind != AnswerKind::Expression && !all_finite(r)) {
      at(p.line, "the answer of " + p.id + " is not finite (" + format_value_short(r, 6) + ")", seed);
      return false;
    }
    std::string wanted;
    switch (p.kind) {
      case AnswerKind::Number:
        if (!p.kind_given && !r.is_number()) wanted = "";
        else if (!r.is_number()) wanted = "a number";
        break;
      case AnswerKind::Vector:
        if (!r.is_vector()) wanted = "a vector";
        break;
      case AnswerKind::Probability:
        if (!r.is_vector()) wanted = "a probability vector";
        else if (!check_distribution(r.vector(), "the answer").ok()) wanted = "a probability vector (non-negative, summing to 1)";
        break;
      case AnswerKind::Matrix:
        if (!r.is_matrix()) wanted = "a matrix";
        break;
      default: break;
    }
    if (!wanted.empty())
      at(p.line, "the part is of kind " + std::string(answer_kind_name(p.kind)) + " but its answer is " + describe(r) + ", not " + wanted,
         seed);
    for (std::size_t k = 0; k < p.mistakes.size(); ++k) {
      const AuthorMistake& m = p.mistakes[k];
      text(m.feedback, texts_env, "mistake feedback", seed);
      auto mv = evaluate(*m.expr, env);
      if (!mv.ok()) {
        if (seed == 0) at(m.line, "the mistake '" + m.source + "' fails to evaluate: " + mv.error().message, seed);
        continue;
      }
      if (seed == 0 && same_value(mv.value(), r))
        at(m.line, "the mistake '" + m.source + "' gives exactly the reference answer, so it could never be recognised", seed);
    }
    if (p.tolerance.mode == Tolerance::Mode::StdErr && p.tolerance.stderr_expr) {
      auto se = evaluate(*p.tolerance.stderr_expr, env);
      if (!se.ok() || !se.value().is_number() || !(se.value().number() > 0))
        at(p.line, "tolerance: the standard error must evaluate to a positive number", seed);
    }
    if (p.shown.empty() && !whole_numbers(r)) references_.push_back({seed, current_, &p, r});
    return true;
  }

  // ---- claims: what a text says about the variant's numbers must hold in every variant ------------

  void claims(const Part& p, const Environment& env, std::uint64_t seed) {
    for (const auto& c : p.claims) {
      auto v = evaluate(*c.condition, env);
      if (!v.ok()) at(c.line, "claim: " + v.error().message, seed);
      else if (!v.value().is_boolean()) at(c.line, "claim: write a true/false condition, e.g. claim: klf < klr", seed);
      else if (!v.value().boolean())
        at(c.line, "the claim '" + c.source + "' is false in this variant, so the text that relies on it says something untrue here", seed);
    }
  }

  // ---- derivations --------------------------------------------------------------------------------

  void derivation(const Checker& checker, const Part& p, const Environment& env, std::uint64_t seed) {
    for (const auto& st : p.steps) {
      text(st.prompt, env, "step prompt", seed);
      for (const auto& h : st.hints) text(h, env, "step hint", seed);
      for (const auto& m : st.mistakes) text(m.feedback, env, "mistake feedback", seed);
    }
    // A step without an answer, or no steps at all, is a parse error already reported.
    if (p.steps.empty() || std::any_of(p.steps.begin(), p.steps.end(), [](const DerivationStep& st) { return !st.answer; })) return;
    // Like a part's mistakes, a step's are checked against the textbook variant: in another one a
    // mistake may coincide with the answer (and is then simply accepted).
    const auto problems = detail::derivation_problems(p, env, seed == 0);
    for (const auto& [line, message] : problems) at(line, message, seed);
    auto ref = checker.reference_expression(p.id);
    if (!ref.ok() || !problems.empty()) return;  // reported above
    const Verdict v = checker.check(p.id, ref.value(), seed);
    if (v.kind != VerdictKind::Correct)
      at(p.line, "the reference steps of " + p.id + " are not accepted by its own check: " + v.feedback, seed);
  }

  // ---- nothing given away: a number on the page that the checker would accept as a part's answer ----
  //
  // What is on the page before a learner asks for anything: prose, code cells (source and output),
  // plot and slider texts, choice options (as in variant 0, the pre-rendered page), and the
  // intros and prompts of the learner's own variant. Hints, solutions and feedback are shown on
  // request, so they may use the answer. Whole-number answers (0, 1, [-2, 2]) are not checked: a
  // page is full of small integers.

  struct Shown {
    int line = 0;
    std::string text;  // as a learner would type it
    Value value;
    bool computed = false;  // computed (a cell's output, a slot's value), not text an author typed
    std::string where;
    const Exercise* exercise = nullptr;  // an exercise's own text: compared with its own answers only
  };

  struct Reference {
    std::uint64_t seed;
    const Exercise* exercise;
    const Part* part;
    Value value;
  };

  static bool whole_numbers(const Value& v) {
    // Within rounding of a whole number: 1.9999999999999998 computed in log space is 2.
    auto whole = [](double x) {
      return std::isfinite(x) && std::fabs(x) < 1e6 && std::fabs(x - std::round(x)) <= 1e-9 * std::max(1.0, std::fabs(x));
    };
    if (v.is_number()) return whole(v.number());
    if (v.is_vector()) {
      for (Eigen::Index i = 0; i < v.vector().size(); ++i)
        if (!whole(v.vector()[i])) return false;
      return true;
    }
    return false;
  }

  // Numbers and tuples "(0.4, 0.3)" / "[0.4, 0.3]" typed in a text, with their lines.
  static void scan(const std::string& t, int first_line, const std::string& where, std::vector<Shown>& out) {
    auto is_word = [](unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; };
    auto minus_before = [&](std::size_t i) {
      if (i >= 1 && t[i - 1] == '-') return std::size_t{1};
      if (i >= 3 && t.compare(i - 3, 3, "\xE2\x88\x92") == 0) return std::size_t{3};  // U+2212
      return std::size_t{0};
    };
    // A number literal starting at i (digits, '.', digits, exponent); its end, or i when none.
    auto literal = [&](std::size_t i) {
      std::size_t j = i;
      while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
      if (j == i) return i;
      if (j + 1 < t.size() && t[j] == '.' && std::isdigit(static_cast<unsigned char>(t[j + 1]))) {
        ++j;
        while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
      }
      if (j + 1 < t.size() && (t[j] == 'e' || t[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < t.size() && (t[k] == '-' || t[k] == '+')) ++k;
        if (k < t.size() && std::isdigit(static_cast<unsigned char>(t[k]))) {
          while (k < t.size() && std::isdigit(static_cast<unsigned char>(t[k]))) ++k;
          j = k;
        }
      }
      if (j < t.size() && (std::isalpha(static_cast<unsigned char>(t[j])) || t[j] == '_')) return i;  // "3D", "5th", "x2a"
      return j;
    };
    int line = first_line;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '\n') {
        ++line;
        continue;
      }
      if (t[i] == '(' || t[i] == '[') {
        // A tuple of numbers: (a, b, ...) or [a, b, ...].
        std::size_t j = i + 1;
        std::vector<double> xs;
        std::string text = "[";
        bool ok = true;
        while (ok) {
          while (j < t.size() && t[j] == ' ') ++j;
          std::string sign;
          if (j < t.size() && t[j] == '-') {
            sign = "-";
            ++j;
          } else if (j + 2 < t.size() && t.compare(j, 3, "\xE2\x88\x92") == 0) {
            sign = "-";
            j += 3;
          }
          const std::size_t end = literal(j);
          if (end == j) {
            ok = false;
            break;
          }
          const std::string num = sign + t.substr(j, end - j);
          xs.push_back(std::strtod(num.c_str(), nullptr));
          text += (xs.size() > 1 ? ", " : "") + num;
          j = end;
          while (j < t.size() && t[j] == ' ') ++j;
          if (j < t.size() && t[j] == ',') {
            ++j;
            continue;
          }
          ok = j < t.size() && (t[j] == ')' || t[j] == ']') && xs.size() >= 2;
          break;
        }
        if (ok) {
          Vec v(static_cast<Eigen::Index>(xs.size()));
          for (std::size_t k = 0; k < xs.size(); ++k) v[static_cast<Eigen::Index>(k)] = xs[k];
          out.push_back({line, text + "]", Value(v), false, where});
        }
        continue;
      }
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) continue;
      const std::size_t m = minus_before(i);
      const std::size_t start = i - m;
      if (start > 0 && (is_word(static_cast<unsigned char>(t[start - 1])) || t[start - 1] == '.')) {
        while (i + 1 < t.size() && (std::isdigit(static_cast<unsigned char>(t[i + 1])) || t[i + 1] == '.')) ++i;
        continue;
      }
      const std::size_t end = literal(i);
      if (end == i) {
        while (i + 1 < t.size() && std::isalnum(static_cast<unsigned char>(t[i + 1]))) ++i;
        continue;
      }
      const std::string num = (m ? "-" : "") + t.substr(i, end - i);
      out.push_back({line, num, Value(std::strtod(num.c_str(), nullptr)), false, where});
      i = end - 1;
    }
  }

  // An intro's or prompt's slots in a variant: a slot that computes the answer gives it away; a
  // typed number that merely rounds to it is a coincidence, so slot values count only when equal.
  // Only against the same exercise's answers, and only slots that compute something: {{p}} or
  // {{P[1]}} shows what the exercise gives, and an answer that happens to equal a given is a
  // coincidence of the draw (a part whose answer IS a given says so with shown:).
  void shown_text(const TextTemplate& t, const Environment& env, std::uint64_t seed) {
    for (const auto& slot : t.slots) {
      const Node& e = *slot.expr;
      const bool given = e.type == Node::Type::Name || (e.type == Node::Type::Index && !e.children.empty() &&
                                                        e.children[0]->type == Node::Type::Name && literal_indices(e));
      if (given) continue;
      auto v = evaluate(e, env);
      if (v.ok() && (v.value().is_number() || v.value().is_vector()))
        variant_texts_[seed].push_back(
            {t.line, format_value(v.value()), v.value(), true, "an exercise's text ({{" + slot.source + "}})", current_});
    }
  }

  static bool literal_indices(const Node& index) {
    for (std::size_t i = 1; i < index.children.size(); ++i)
      if (index.children[i]->type != Node::Type::Number) return false;
    return true;
  }

  // A statement that only writes down numbers (x = 0.8, p = [0.4, 0.6]) is typed, not computed.
  static bool literal(const Node& n) {
    if (n.type == Node::Type::Number) return true;
    if (n.type == Node::Type::Unary && n.children.size() == 1) return literal(*n.children[0]);
    if (n.type == Node::Type::VectorLit) {
      for (const auto& c : n.children)
        if (!literal(*c)) return false;
      return true;
    }
    return false;
  }

  void giveaways(const Checker& checker) {
    std::vector<Shown> fixed;  // the page as pre-rendered (variant 0)
    for (const auto& c : nb_.cells) {
      switch (c.type) {
        case Cell::Type::Prose: scan(c.source, c.line, "the prose", fixed); break;
        case Cell::Type::Code: scan(c.source, c.line + 1, "a code cell's source", fixed); break;
        case Cell::Type::Slider: scan(c.slider.label, c.line, "a slider", fixed); break;
        case Cell::Type::Plot: {
          scan(c.plot.title + "\n" + c.plot.xlabel + " " + c.plot.ylabel, c.line, "a plot's text", fixed);
          for (const auto& sr : c.plot.series) scan(sr.label, c.line, "a plot's legend", fixed);
          break;
        }
        case Cell::Type::Exercise: {
          const Exercise& ex = nb_.exercises[static_cast<std::size_t>(c.exercise)];
          scan(ex.title, ex.line, "an exercise's title", fixed);
          for (const auto& p : ex.parts)
            for (const auto& ch : p.choices) scan(ch.text, ch.line, "a choice option", fixed);
          break;
        }
      }
    }
    // Cell outputs: computed, so a match is no coincidence whatever the variant.
    std::vector<Shown> outputs;
    for (const auto& r : results_) {
      const Cell* c = nb_.cell(r.cell);
      if (!c || c->type != Cell::Type::Code) continue;
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        const Value& v = r.values[i].second;
        if (!v.is_number() && !v.is_vector()) continue;
        const int line = c->line + (i < c->statements.size() ? c->statements[i].line : 1);
        const bool typed = i < c->statements.size() && c->statements[i].expr && literal(*c->statements[i].expr);
        (typed ? fixed : outputs).push_back({line, format_value(v), v, !typed, "a code cell's output"});
      }
    }
    for (const auto& ref : references_) {
      auto look = [&](const std::vector<Shown>& list) {
        for (const auto& s : list)
          if ((!s.exercise || s.exercise == ref.exercise) && matches(checker, ref, s)) return;
      };
      // The pre-rendered page is the textbook variant: what it shows is compared with variant 0.
      if (ref.seed == 0) {
        look(fixed);
        look(outputs);
      }
      auto it = variant_texts_.find(ref.seed);
      if (it != variant_texts_.end()) look(it->second);
    }
  }

  // "0.0872" -> 3, "-1.5e-3" -> 2, "120" -> 3.
  static int significant_digits(const std::string& text) {
    std::string digits;
    for (char c : text) {
      if (c == 'e' || c == 'E') break;
      if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    const std::size_t first = digits.find_first_not_of('0');
    return first == std::string::npos ? 0 : static_cast<int>(digits.size() - first);
  }

  static bool near(const Value& a, const Value& b, double rel) {
    if (a.is_number() && b.is_number()) return std::fabs(a.number() - b.number()) <= rel * std::fabs(b.number()) + 1e-12;
    if (a.is_vector() && b.is_vector() && a.vector().size() == b.vector().size()) {
      for (Eigen::Index i = 0; i < a.vector().size(); ++i)
        if (std::fabs(a.vector()[i] - b.vector()[i]) > rel * std::fabs(b.vector()[i]) + 1e-12) return false;
      return true;
    }
    return false;
  }

  // Reports `s` when the checker would accept it (or one entry of it) as the part's answer.
  bool matches(const Checker& checker, const Reference& ref, const Shown& s) {
    std::vector<std::pair<std::string, Value>> tries;
    if (ref.value.is_vector() && s.value.is_vector()) tries.emplace_back(s.text, s.value);
    if (ref.value.is_number() && s.value.is_number()) tries.emplace_back(s.text, s.value);
    if (ref.value.is_number() && s.value.is_vector()) {
      // One entry of a shown vector: as typed (an author's tuple), or in full (a cell's output).
      std::vector<std::string> entries;
      if (!s.computed) {
        std::string inner = s.text.substr(1, s.text.size() - 2);
        std::size_t pos = 0;
        while (pos <= inner.size()) {
          std::size_t comma = inner.find(',', pos);
          if (comma == std::string::npos) comma = inner.size();
          std::string e = inner.substr(pos, comma - pos);
          const std::size_t a = e.find_first_not_of(' ');
          entries.push_back(a == std::string::npos ? e : e.substr(a));
          pos = comma + 1;
        }
      }
      for (Eigen::Index i = 0; i < s.value.vector().size(); ++i) {
        const double x = s.value.vector()[i];
        tries.emplace_back(s.computed ? format_number(x) : entries[static_cast<std::size_t>(i)], Value(x));
      }
    }
    for (const auto& [text, value] : tries) {
      // Computed values count when equal (not when a wide tolerance happens to take them); typed
      // ones when equal, or when the checker would accept them and they have 3 significant digits
      // or more (a page is full of 2-digit numbers that round to something). near() is also a cheap filter.
      if (!near(value, ref.value, s.computed ? 1e-6 : 0.5)) continue;
      if (!s.computed && !near(value, ref.value, 1e-9) && significant_digits(text) < 3) continue;
      if (checker.check(ref.part->id, text, ref.seed).kind != VerdictKind::Correct) continue;
      at(s.line,
         ref.part->id + "'s answer (" + format_value_short(ref.value, 6) + ") is on the page before the learner asks for it: " + text +
             " in " + s.where + ". Restructure it, or mark the part 'shown: REASON' if it is a deliberate worked example",
         ref.seed);
      return true;
    }
    return false;
  }

  const ParseReport& report_;
  const Notebook& nb_;
  int variants_;
  std::vector<Error> out_;
  std::vector<CellResult> results_;                            // the cells as authored
  std::vector<Reference> references_;                          // numeric answers, per variant
  std::map<std::uint64_t, std::vector<Shown>> variant_texts_;  // intros and prompts, per variant
  const Exercise* current_ = nullptr;                          // the exercise being validated
};

}  // namespace

std::vector<Error> validation_warnings(const ParseReport& report, int variants) {
  if (!report.errors.empty()) return {};
  auto checker = Checker::create(report.notebook);
  if (!checker.ok()) return {};
  auto warnings = detail::checker_warnings(report.notebook, checker.value(), variants);
  std::stable_sort(warnings.begin(), warnings.end(), [](const Error& a, const Error& b) { return a.line < b.line; });
  return warnings;
}

std::vector<Error> validate(const ParseReport& report, int variants) {
  auto errors = Validator(report, variants).run();
  std::stable_sort(errors.begin(), errors.end(), [](const Error& a, const Error& b) { return a.line < b.line; });
  return errors;
}

}  // namespace kl
