// The checker: parses a learner's answer (an expression, never JavaScript), compares it with the
// variant's reference under the part's tolerance, recognises the author's and the library's
// mistakes, and carries an earlier wrong answer forward.
#include "kl/check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "notebook/variants_internal.hpp"
#include "check/derivation_internal.hpp"
#include "check/mistakes_internal.hpp"

namespace kl {

const char* verdict_name(VerdictKind k) {
  switch (k) {
    case VerdictKind::Correct: return "correct";
    case VerdictKind::CorrectGivenEarlier: return "correct_given_earlier";
    case VerdictKind::Close: return "close";
    case VerdictKind::Incorrect: return "incorrect";
    case VerdictKind::Invalid: return "invalid";
  }
  return "invalid";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string verdict_json(const Verdict& v) {
  std::string out = "{\"verdict\": " + json_string(verdict_name(v.kind));
  out += ", \"score\": " + format_number(v.score, 6);
  out += ", \"feedback\": " + json_string(v.feedback);
  out += ", \"mistake\": " + (v.mistake.empty() ? std::string("null") : json_string(v.mistake));
  out += ", \"mistake_name\": " + (v.mistake_name.empty() ? std::string("null") : json_string(v.mistake_name));
  out += ", \"column\": " + std::to_string(v.column);
  out += ", \"wrong_components\": [";
  for (std::size_t i = 0; i < v.wrong_components.size(); ++i) out += (i ? ", " : "") + std::to_string(v.wrong_components[i]);
  out += "], \"answer\": " + json_string(v.answer_text) + "}";
  return out;
}

namespace {

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

// ---- precision of typed numbers ---------------------------------------------------------------

struct Precision {
  bool typed = false;     // a plain number literal: its digits say how precise it is
  double half_unit = 0;   // half a unit in its last digit
  int sigfigs = 0;
};

// "-0.0872", "1.37e-9", "5": significant figures and the place of the last digit.
bool literal_precision(const std::string& text, Precision& p) {
  std::string s = trim(text);
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s = trim(s.substr(1));
  if (s.rfind("\xE2\x88\x92", 0) == 0) s = trim(s.substr(3));  // U+2212
  std::size_t epos = s.find_first_of("eE");
  std::string mant = s.substr(0, epos);
  long exponent = 0;
  if (epos != std::string::npos) {
    std::string ex = s.substr(epos + 1);
    if (ex.empty()) return false;
    std::size_t k = (ex[0] == '-' || ex[0] == '+') ? 1 : 0;
    if (k >= ex.size()) return false;
    for (std::size_t i = k; i < ex.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(ex[i]))) return false;
    if (ex.size() > 6) return false;
    exponent = std::atol(ex.c_str());
  }
  if (mant.empty()) return false;
  int dots = 0, decimals = 0;
  std::string digits;
  for (char c : mant) {
    if (c == '.') {
      if (++dots > 1) return false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
      if (dots) ++decimals;
    } else {
      return false;
    }
  }
  if (digits.empty()) return false;
  const std::size_t first = digits.find_first_not_of('0');
  p.typed = true;
  if (first == std::string::npos) {
    // A typed zero means zero, not "something that rounds to 0".
    p.sigfigs = 99;
    p.half_unit = 0.0;
    return true;
  }
  p.sigfigs = static_cast<int>(digits.size() - first);
  p.half_unit = 0.5 * std::pow(10.0, static_cast<double>(exponent - decimals));
  return true;
}

// "[0.876, 0.118, 0.006]": the precision of each typed entry; false when not a plain literal.
bool vector_precisions(const std::string& text, std::vector<Precision>& out) {
  std::string s = trim(text);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
  s = s.substr(1, s.size() - 2);
  if (s.find('[') != std::string::npos) return false;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    Precision p;
    if (!literal_precision(s.substr(pos, comma - pos), p)) return false;
    out.push_back(p);
    pos = comma + 1;
  }
  return true;
}

// ---- comparing numbers ------------------------------------------------------------------------

enum class Match { Within, TooFewDigits, Close, Off };

class Comparator {
 public:
  Comparator(const Tolerance& tol, double stderr_value) : tol_(tol), se_(stderr_value) {}

  Match compare(double x, double ref, const Precision& p) const {
    if (x == ref) return Match::Within;
    if (!std::isfinite(x) || !std::isfinite(ref)) return Match::Off;
    const double d = std::fabs(x - ref);
    const double a = std::fabs(ref);
    auto by = [&](double allowed, double close) {
      if (d <= allowed) return Match::Within;
      return d <= close ? Match::Close : Match::Off;
    };
    switch (tol_.mode) {
      case Tolerance::Mode::Relative: return by(tol_.value * a + 1e-300, 10 * tol_.value * a);
      case Tolerance::Mode::Absolute: return by(tol_.value, 10 * tol_.value);
      case Tolerance::Mode::StdErr: return by(tol_.value * se_, 2 * tol_.value * se_);
      case Tolerance::Mode::SigFigs:
      case Tolerance::Mode::Auto: {
        const int min_sf = tol_.mode == Tolerance::Mode::SigFigs ? static_cast<int>(tol_.value) : 2;
        if (!p.typed) return by(1e-6 * a + 1e-12, 1e-3 * a);
        const double allowed = p.half_unit * (1 + 1e-9) + 1e-12 * a;
        if (d <= allowed) return p.sigfigs >= min_sf ? Match::Within : Match::TooFewDigits;
        // Close: off by a few units in the last digit typed, and by less than a tenth of the value.
        return d <= 10 * allowed && d <= 0.1 * a ? Match::Close : Match::Off;
      }
    }
    return Match::Off;
  }

  int min_sigfigs() const { return tol_.mode == Tolerance::Mode::SigFigs ? static_cast<int>(tol_.value) : 2; }

 private:
  Tolerance tol_;
  double se_;
};

// Flattens a numeric value.
std::vector<double> numbers(const Value& v) {
  if (v.is_number()) return {v.number()};
  if (v.is_vector()) return std::vector<double>(v.vector().data(), v.vector().data() + v.vector().size());
  if (v.is_matrix()) {
    std::vector<double> out;
    for (Eigen::Index r = 0; r < v.matrix().rows(); ++r)
      for (Eigen::Index c = 0; c < v.matrix().cols(); ++c) out.push_back(v.matrix()(r, c));
    return out;
  }
  return {};
}

bool same_shape(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  if (a.is_vector()) return a.vector().size() == b.vector().size();
  if (a.is_matrix()) return a.matrix().rows() == b.matrix().rows() && a.matrix().cols() == b.matrix().cols();
  return a.is_number();
}

struct ValueMatch {
  Match overall = Match::Off;
  std::vector<int> off;  // 1-based components not within
};

ValueMatch compare_values(const Comparator& cmp, const Value& x, const Value& ref, const std::vector<Precision>& prec) {
  ValueMatch m;
  if (!same_shape(x, ref)) return m;
  const auto xs = numbers(x), rs = numbers(ref);
  // In a typed vector the digits of the largest entries count: [0.876, 0.118, 0.006] gives three
  // decimals throughout, and its small last entry is not "too few significant figures".
  int most_sigfigs = 0;
  for (const auto& p : prec) most_sigfigs = std::max(most_sigfigs, p.sigfigs);
  bool all_within = true, any_few = false, all_close = true;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Precision p = i < prec.size() ? prec[i] : Precision{};
    Match r = cmp.compare(xs[i], rs[i], p);
    if (r == Match::TooFewDigits && xs.size() > 1 && most_sigfigs >= cmp.min_sigfigs()) r = Match::Within;
    if (r != Match::Within) {
      if (r != Match::TooFewDigits) m.off.push_back(static_cast<int>(i) + 1);
      all_within = all_within && r == Match::TooFewDigits;
      any_few = any_few || r == Match::TooFewDigits;
      all_close = all_close && (r == Match::Close || r == Match::TooFewDigits);
    }
  }
  if (all_within) m.overall = any_few ? Match::TooFewDigits : Match::Within;
  else if (all_close) m.overall = Match::Close;
  else m.overall = Match::Off;
  return m;
}

bool matches(const Comparator& cmp, const Value& x, const Value& target, const std::vector<Precision>& prec) {
  const Match m = compare_values(cmp, x, target, prec).overall;
  return m == Match::Within || m == Match::TooFewDigits;
}

std::string components_text(const std::vector<int>& off) {
  std::string s;
  for (std::size_t i = 0; i < off.size(); ++i) {
    if (i) s += i + 1 == off.size() ? " and " : ", ";
    s += std::to_string(off[i]);
  }
  return s;
}

// Author feedback with the variant's numbers: the rendered text and its slot values (for pages that
// pre-render the template); the template as written if a slot cannot be computed.
void give_feedback(Verdict& v, const TextTemplate& t, const Environment& env) {
  auto slots = slot_values(t, env);
  auto text = render(t, env);
  if (slots.ok()) v.slots = slots.value();
  v.feedback = text.ok() ? text.value() : t.text;
}

Verdict invalid(std::string message, int column = 0) {
  Verdict v;
  v.kind = VerdictKind::Invalid;
  v.feedback = std::move(message);
  v.column = column;
  return v;
}

std::string ordinal(int n) {
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

// Replaces names of earlier parts with their reference expressions, so the mistake library can see
// e.g. the softmax calls inside kl(pT, pS).
NodePtr inline_parts(const NodePtr& n, const std::map<std::string, NodePtr>& defs, int depth = 0) {
  if (depth > 8) return n;
  if (n->type == Node::Type::Name) {
    auto it = defs.find(n->text);
    if (it != defs.end()) return inline_parts(it->second, defs, depth + 1);
    return n;
  }
  auto copy = std::make_shared<Node>(*n);
  for (auto& c : copy->children) c = inline_parts(c, defs, depth);
  return copy;
}

}  // namespace

// ---- the Checker ------------------------------------------------------------------------------

namespace detail {
struct PartContext;
}

Result<Checker> Checker::create(const Notebook& nb) {
  KL_TRY(Environment base, authored_environment(nb));
  return Checker(nb, std::move(base));
}

Result<Environment> Checker::scope(const std::string& exercise, std::uint64_t seed) const {
  const Exercise* ex = nb_.exercise(exercise);
  if (!ex) return make_error(ErrorCode::UnknownName, "there is no exercise '" + exercise + "' in " + nb_.id);
  return exercise_scope(nb_, base_, *ex, seed);
}

namespace {

// The names a learner's answer may use: the exercise's parameters, not code-cell names (a scratch
// cell that defines an answer's name must not let the learner type that name).
Environment learner_scope(const Exercise& ex, const Environment& params) {
  Environment env;
  for (const auto& p : ex.params) {
    auto it = params.find(p.name);
    if (it != params.end()) env[p.name] = it->second;
  }
  return env;
}

}  // namespace

namespace detail {

struct PartContext {
  const Exercise* ex = nullptr;
  const Part* part = nullptr;
  std::size_t index = 0;
  Environment params;  // base + parameters
  Environment env;     // params + named answers of earlier parts (reference values)
};

Result<PartContext> context(const Notebook& nb, const Environment& base, const std::string& part_id, std::uint64_t seed) {
  PartContext c;
  auto found = nb.part(part_id);
  if (!found.second) {
    std::vector<std::string> ids;
    for (const auto& ex : nb.exercises)
      for (const auto& p : ex.parts) ids.push_back(p.id);
    std::string near = nearest_name(part_id, ids);
    return make_error(ErrorCode::UnknownName, "there is no part '" + part_id + "' in " + nb.id + (near.empty() ? "" : ": did you mean '" + near + "'?"));
  }
  c.ex = found.first;
  c.part = found.second;
  c.index = static_cast<std::size_t>(c.part - c.ex->parts.data());
  KL_TRY(c.params, detail::params_scope(nb, base, *c.ex, seed));
  KL_TRY(c.env, detail::bind_parts(*c.ex, c.params, {}, c.index));
  return c;
}

}  // namespace detail

namespace {

using detail::PartContext;

double stderr_of(const Part& p, const Environment& env) {
  if (p.tolerance.mode != Tolerance::Mode::StdErr || !p.tolerance.stderr_expr) return 0.0;
  auto se = evaluate(*p.tolerance.stderr_expr, env);
  return se.ok() && se.value().is_number() ? se.value().number() : 0.0;
}

std::vector<AppliedMistake> applied_mistakes(const PartContext& c, const Value& ref) {
  std::map<std::string, NodePtr> defs;
  for (std::size_t i = 0; i < c.index; ++i)
    if (!c.ex->parts[i].name.empty() && c.ex->parts[i].answer) defs[c.ex->parts[i].name] = c.ex->parts[i].answer;
  std::vector<detail::Rewrite> rewrites = detail::library_rewrites(c.part->answer, c.env);
  const NodePtr inlined = inline_parts(c.part->answer, defs);
  if (!same_tree(*inlined, *c.part->answer))
    for (auto& r : detail::library_rewrites(inlined, c.env)) rewrites.push_back(std::move(r));
  std::vector<AppliedMistake> out;
  Tolerance exact;
  exact.mode = Tolerance::Mode::Relative;
  exact.value = 1e-9;
  const Comparator tight(exact, 0);
  const Comparator own(c.part->tolerance, stderr_of(*c.part, c.env));
  for (const auto& r : rewrites) {
    auto v = evaluate(*r.expr, c.env);
    if (!v.ok() || !same_shape(v.value(), ref)) continue;
    const auto xs = numbers(v.value());
    if (!std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); })) continue;
    // Indistinguishable from the answer here: the part's own tolerance would accept it.
    if (matches(tight, v.value(), ref, {}) || matches(own, v.value(), ref, {})) continue;
    bool accepted = false;
    for (const auto& a : c.part->accept) {
      auto av = evaluate(*a, c.env);
      if (av.ok() && same_shape(av.value(), v.value()) && matches(tight, v.value(), av.value(), {})) accepted = true;
    }
    if (accepted) continue;  // another correct form of the answer
    bool seen = false;
    for (const auto& o : out)
      if (matches(tight, v.value(), o.value, {})) seen = true;
    if (seen) continue;
    out.push_back({r.id, r.name, "", v.value(), r.expr});
  }
  return out;
}

std::string library_feedback(const std::string& id) {
  // The texts live with the rewrites; look one up by building the library on a trivial tree.
  static const std::map<std::string, std::string> texts = [] {
    std::map<std::string, std::string> m;
    auto add_all = [&](const std::string& expr, const Environment& scope) {
      auto tree = parse_expression(expr);
      if (!tree.ok()) return;
      for (const auto& r : detail::library_rewrites(tree.value(), scope)) m.emplace(r.id, r.feedback);
    };
    Environment names;
    names["abar"] = Value(1.0);
    names["alpha"] = Value(1.0);
    add_all("kl(softmax(a, t), softmax(b, t)) + cross_entropy(p, q) + kl_gauss(m, v, n, w) + alpha_bar(b) + q_posterior_var(b, 1) + sum(x) + abar", names);
    add_all("bits(x)", names);
    add_all("t^2 * kl(softmax(a, t), softmax(b, t))", names);
    return m;
  }();
  auto it = texts.find(id);
  return it == texts.end() ? "" : it->second;
}

}  // namespace

// ---- caches --------------------------------------------------------------------------------

struct Checker::Cache {
  using Key = std::pair<std::string, std::uint64_t>;
  static constexpr std::size_t kMaxEntries = 512;
  std::map<Key, std::shared_ptr<const PartContext>> contexts;
  std::map<Key, std::shared_ptr<const std::vector<AppliedMistake>>> mistakes;

  Result<std::shared_ptr<const PartContext>> context(const Notebook& nb, const Environment& base, const std::string& part,
                                                     std::uint64_t seed) {
    const Key key{part, seed};
    auto it = contexts.find(key);
    if (it != contexts.end()) return it->second;
    KL_TRY(PartContext c, detail::context(nb, base, part, seed));
    if (contexts.size() >= kMaxEntries) contexts.clear();  // bounded: a learner visits few variants
    auto shared = std::make_shared<const PartContext>(std::move(c));
    contexts[key] = shared;
    return std::shared_ptr<const PartContext>(shared);
  }

  const std::vector<AppliedMistake>& applied(const PartContext& c, const Value& ref, std::uint64_t seed) {
    const Key key{c.part->id, seed};
    auto it = mistakes.find(key);
    if (it != mistakes.end()) return *it->second;
    if (mistakes.size() >= kMaxEntries) mistakes.clear();
    auto shared = std::make_shared<const std::vector<AppliedMistake>>(applied_mistakes(c, ref));
    mistakes[key] = shared;
    return *shared;
  }
};

Checker::Checker(Notebook nb, Environment base)
    : nb_(std::move(nb)), base_(std::move(base)), cache_(std::make_shared<Cache>()) {}

Result<Value> Checker::reference(const std::string& part, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (!c.part->answer) return make_error(ErrorCode::Type, part + " is a " + answer_kind_name(c.part->kind) + " part: it has no single reference value");
  return evaluate(*c.part->answer, c.env);
}

Result<std::vector<AppliedMistake>> Checker::author_mistakes(const std::string& part, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (c.part->kind == AnswerKind::Derivation) return detail::derivation_mistakes(*c.part);  // [derivation] per step
  std::vector<AppliedMistake> out;
  for (std::size_t k = 0; k < c.part->mistakes.size(); ++k) {
    const AuthorMistake& m = c.part->mistakes[k];
    if (c.part->kind == AnswerKind::Expression) {
      out.push_back({"author:" + std::to_string(k + 1), "", to_string(*m.expr), Value(), m.expr});
      continue;
    }
    auto v = evaluate(*m.expr, c.env);
    if (v.ok()) out.push_back({"author:" + std::to_string(k + 1), "", to_string(*m.expr), v.value(), m.expr});
  }
  return out;
}

Result<std::string> Checker::reference_expression(const std::string& part) const {
  auto found = nb_.part(part);
  if (!found.second) return make_error(ErrorCode::UnknownName, "there is no part '" + part + "'");
  // [derivation] the steps, separated by "; "
  if (found.second->kind == AnswerKind::Derivation) return detail::derivation_reference_text(*found.second);
  if (!found.second->answer) return make_error(ErrorCode::Type, part + " is a choice part");
  std::map<std::string, NodePtr> defs;
  for (const auto& q : found.first->parts) {
    if (&q == found.second) break;
    if (!q.name.empty() && q.answer && q.kind != AnswerKind::Expression) defs[q.name] = q.answer;
  }
  return to_string(*inline_parts(found.second->answer, defs));
}

Result<std::vector<AppliedMistake>> Checker::library_mistakes(const std::string& part, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (!c.part->answer || c.part->kind == AnswerKind::Expression) return std::vector<AppliedMistake>{};
  KL_TRY(Value ref, evaluate(*c.part->answer, c.env));
  std::vector<AppliedMistake> out = cache_->applied(c, ref, seed);
  for (auto& m : out) m.expression = to_string(*m.tree);
  return out;
}

namespace {

Verdict check_choice(const Part& p, const std::string& answer, const Environment& env) {
  const std::string a = trim(answer);
  if (a.empty()) return invalid("choose one of the options");
  int pick = -1;
  bool numeric = a.find_first_not_of("0123456789") == std::string::npos && a.size() < 4;
  if (numeric) pick = std::atoi(a.c_str()) - 1;
  if (!numeric || pick < 0 || pick >= static_cast<int>(p.choices.size())) {
    pick = -1;
    auto lower = [](std::string s) {
      for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return s;
    };
    for (std::size_t i = 0; i < p.choices.size(); ++i)
      if (lower(trim(p.choices[i].text)) == lower(a)) pick = static_cast<int>(i);
  }
  if (pick < 0) return invalid("choose one of the " + std::to_string(p.choices.size()) + " options (by its number, 1 to " + std::to_string(p.choices.size()) + ", or its text)");
  const Choice& c = p.choices[static_cast<std::size_t>(pick)];
  Verdict v;
  v.answer_text = c.text;
  if (!c.feedback.empty()) give_feedback(v, c.feedback, env);
  if (c.correct) {
    v.kind = VerdictKind::Correct;
    v.score = 1.0;
    if (v.feedback.empty()) v.feedback = "Correct.";
  } else {
    v.kind = VerdictKind::Incorrect;
    v.mistake = "choice:" + std::to_string(pick + 1);
    if (v.feedback.empty()) v.feedback = "That is not the right option.";
  }
  return v;
}

Verdict check_expression(const Part& p, const NodePtr& learner, const Environment& env, const std::set<std::string>& forbidden,
                         const std::string& part_id) {
  // Names must be the declared variables or names of the exercise.
  for (const auto& n : free_names(*learner)) {
    bool ok = env.count(n) > 0;
    for (const auto& var : p.variables) ok = ok || var.name == n;
    if (!ok) {
      std::string vars;
      for (const auto& var : p.variables) vars += (vars.empty() ? "" : ", ") + var.name;
      return invalid("unknown name '" + n + "': this answer is an expression in " + vars, 0);
    }
  }
  Rng rng(variant_rng_seed("expression", part_id, 0));
  EvalOptions opts;
  opts.forbidden = &forbidden;
  struct Point {
    Environment env;
    double ref;
  };
  std::vector<Point> points;
  for (int k = 0; k < 40 && points.size() < 16; ++k) {
    Environment e = env;
    for (const auto& var : p.variables) e[var.name] = Value(var.lo + (var.hi - var.lo) * rng.uniform());
    auto r = evaluate(*p.answer, e);
    if (!r.ok() || !r.value().is_number() || !std::isfinite(r.value().number())) continue;
    points.push_back({std::move(e), r.value().number()});
  }
  if (points.size() < 4) return invalid("this part's reference could not be evaluated at enough points");
  auto describe_point = [&](const Point& pt) {
    std::string s;
    for (const auto& var : p.variables) s += (s.empty() ? "" : ", ") + var.name + " = " + format_number(pt.env.at(var.name).number(), 4);
    return s;
  };
  // Evaluates a candidate at every point; returns false (with a message) when it fails somewhere.
  auto values_of = [&](const Node& expr, std::vector<double>& out, std::string* why, const EvalOptions& o) {
    out.clear();
    for (const auto& pt : points) {
      auto v = evaluate(expr, pt.env, o);
      if (!v.ok()) {
        if (why) *why = v.error().message + " at " + describe_point(pt);
        return false;
      }
      if (!v.value().is_number()) {
        if (why) *why = "the expression must give a number, but gives " + describe(v.value());
        return false;
      }
      out.push_back(v.value().number());
    }
    return true;
  };
  auto same = [&](const std::vector<double>& a, const std::vector<double>& b) {
    const double shift = p.up_to_constant ? a[0] - b[0] : 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return false;
      if (std::fabs(a[i] - shift - b[i]) > 1e-6 * (std::fabs(b[i]) + std::fabs(shift)) + 1e-9) return false;
    }
    return true;
  };
  std::vector<double> mine, ref;
  for (const auto& pt : points) ref.push_back(pt.ref);
  std::string why;
  if (!values_of(*learner, mine, &why, opts)) {
    Verdict v = invalid("your expression cannot be evaluated: " + why);
    return v;
  }
  Verdict v;
  v.answer_text = to_string(*learner);
  if (same(mine, ref)) {
    v.kind = VerdictKind::Correct;
    v.score = 1.0;
    v.feedback = p.up_to_constant ? "Correct (equal up to an additive constant, which does not depend on the variables)." : "Correct: your expression agrees with the answer everywhere it was tested.";
    return v;
  }
  EvalOptions plain;
  std::vector<double> vals;
  for (std::size_t k = 0; k < p.mistakes.size(); ++k) {
    if (!values_of(*p.mistakes[k].expr, vals, nullptr, plain) || same(vals, ref) || !same(mine, vals)) continue;
    v.kind = VerdictKind::Incorrect;
    v.mistake = "author:" + std::to_string(k + 1);
    give_feedback(v, p.mistakes[k].feedback, points[0].env);
    return v;
  }
  for (const auto& r : detail::library_rewrites(p.answer, env)) {
    if (r.id == "log_base_10" || r.id == "temperature_missing") continue;
    if (!values_of(*r.expr, vals, nullptr, plain) || same(vals, ref) || !same(mine, vals)) continue;
    v.kind = VerdictKind::Incorrect;
    v.mistake = r.id;
    v.mistake_name = r.name;
    v.feedback = r.feedback;
    return v;
  }
  v.kind = VerdictKind::Incorrect;
  // Show one point where it differs, as a lead.
  std::size_t at = 0;
  for (std::size_t i = 0; i < mine.size(); ++i)
    if (std::fabs(mine[i] - ref[i]) > 1e-6 * std::fabs(ref[i]) + 1e-9) {
      at = i;
      break;
    }
  v.feedback = p.up_to_constant ? "Not equal to the answer, even up to an additive constant: its shape as a function is different."
                                : "Not equal to the answer: at " + describe_point(points[at]) + " your expression gives " +
                                      format_number(mine[at], 6) + ".";
  return v;
}

}  // namespace

Verdict Checker::check(const std::string& part_id, const std::string& answer, std::uint64_t seed,
                       const std::map<std::string, std::string>& earlier) const {
  auto ctx = cache_->context(nb_, base_, part_id, seed);
  if (!ctx.ok()) return invalid(ctx.error().message);
  const PartContext& c = *ctx.value();
  const Part& p = *c.part;
  if (answer.size() > kMaxAnswerLength)
    return invalid("the answer is too long (" + std::to_string(answer.size()) + " characters; at most " + std::to_string(kMaxAnswerLength) + ")");
  if (p.kind == AnswerKind::Choice) return check_choice(p, answer, c.env);
  // [derivation] step-by-step checking lives in derivation.cpp
  if (p.kind == AnswerKind::Derivation) return detail::check_derivation(*c.ex, p, c.params, c.env, answer);
  if (trim(answer).empty()) return invalid("the answer is empty");
  auto parsed = parse_expression(answer);
  if (!parsed.ok()) return invalid(parsed.error().message, parsed.error().column);
  if (p.kind == AnswerKind::Expression) return check_expression(p, parsed.value(), learner_scope(*c.ex, c.params), p.forbidden, p.id);

  EvalOptions opts;
  opts.forbidden = &p.forbidden;
  auto learner = evaluate(*parsed.value(), learner_scope(*c.ex, c.params), opts);
  if (!learner.ok()) {
    const Error& e = learner.error();
    return invalid(e.code == ErrorCode::UnknownName ? e.message + " (answers may use numbers and the exercise's parameters)" : e.message, e.column);
  }
  const Value& x = learner.value();
  auto ref_r = evaluate(*p.answer, c.env);
  if (!ref_r.ok()) return invalid("this part's reference could not be computed: " + ref_r.error().message);
  const Value& ref = ref_r.value();

  // The right kind and shape of answer.
  if (ref.is_number() && !x.is_number()) return invalid("this part asks for a single number; you gave " + describe(x));
  if (ref.is_vector()) {
    if (!x.is_vector()) return invalid("this part asks for a vector of " + std::to_string(ref.vector().size()) + " entries, like [a, b, ...]; you gave " + describe(x));
    if (x.vector().size() != ref.vector().size())
      return invalid("this part asks for " + std::to_string(ref.vector().size()) + " entries; your vector has " + std::to_string(x.vector().size()));
  }
  if (ref.is_matrix() && !same_shape(x, ref)) return invalid("this part asks for " + describe(ref) + "; you gave " + describe(x));
  if (!ref.is_number() && !ref.is_vector() && !ref.is_matrix()) {
    Verdict v;
    v.kind = same_value(x, ref) ? VerdictKind::Correct : VerdictKind::Incorrect;
    v.score = v.kind == VerdictKind::Correct ? 1.0 : 0.0;
    v.feedback = v.kind == VerdictKind::Correct ? "Correct." : "Not correct.";
    return v;
  }

  std::vector<Precision> prec;
  Precision one;
  if (x.is_number() && literal_precision(answer, one)) prec.push_back(one);
  else if (x.is_vector() && !vector_precisions(answer, prec)) prec.clear();
  const Comparator cmp(p.tolerance, stderr_of(p, c.env));

  Verdict v;
  v.answer_text = format_value_short(x, 10);
  const ValueMatch m = compare_values(cmp, x, ref, prec);
  auto accepted = [&](const Value& target) { return matches(cmp, x, target, prec); };
  bool alt = false;
  for (const auto& a : p.accept) {
    auto av = evaluate(*a, c.env);
    if (av.ok() && same_shape(av.value(), x) && accepted(av.value())) alt = true;
  }
  if (m.overall == Match::Within || alt) {
    v.kind = VerdictKind::Correct;
    v.score = 1.0;
    v.feedback = "Correct. The exact value is " + format_value_short(ref, 7) + ".";
    return v;
  }
  // Error carried forward: the same method applied to the learner's own earlier answers.
  {
    std::map<std::string, Value> overrides;
    std::vector<std::string> used;
    const auto names = free_names(*p.answer);
    for (std::size_t i = 0; i < c.index; ++i) {
      const Part& q = c.ex->parts[i];
      if (q.name.empty() || !names.count(q.name)) continue;
      auto it = earlier.find(q.id);
      if (it == earlier.end()) continue;
      auto qp = parse_expression(it->second);
      if (!qp.ok()) continue;
      auto qv = evaluate(*qp.value(), learner_scope(*c.ex, c.params));
      auto qref = c.env.find(q.name);
      if (!qv.ok() || qref == c.env.end() || !same_shape(qv.value(), qref->second)) continue;
      std::vector<Precision> qprec;
      Precision qone;
      if (qv.value().is_number() && literal_precision(it->second, qone)) qprec.push_back(qone);
      else if (qv.value().is_vector() && !vector_precisions(it->second, qprec)) qprec.clear();
      const Comparator qcmp(q.tolerance, stderr_of(q, c.env));
      if (compare_values(qcmp, qv.value(), qref->second, qprec).overall == Match::Within) continue;  // that answer was right
      overrides[q.name] = qv.value();
      used.push_back(q.id);
    }
    if (!overrides.empty()) {
      auto env2 = detail::bind_parts(*c.ex, c.params, overrides, c.index);
      if (env2.ok()) {
        auto ecf = evaluate(*p.answer, env2.value());
        if (ecf.ok() && same_shape(ecf.value(), x) && accepted(ecf.value())) {
          v.kind = VerdictKind::CorrectGivenEarlier;
          v.score = 0.75;
          std::string parts;
          for (std::size_t i = 0; i < used.size(); ++i) parts += (i ? (i + 1 == used.size() ? " and " : ", ") : "") + used[i];
          v.feedback = "Correct given your earlier answer to " + parts + ": your method here is right, and the difference comes from that earlier value. "
                       "Fix " + parts + " and this follows.";
          return v;
        }
      }
    }
  }

  // Anticipated mistakes: the author's first, then the library's; within each, the closest match.
  // A match needs the learner's full digits: "0.05" is too coarse to tell 0.047 from 0.052.
  auto fully = [&](const Value& target) { return compare_values(cmp, x, target, prec).overall == Match::Within; };
  auto distance = [&](const Value& target) {
    const auto a = numbers(x), b = numbers(target);
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
  };
  {
    int best = -1;
    double best_d = 0;
    Value best_value;
    for (std::size_t k = 0; k < p.mistakes.size(); ++k) {
      auto mv = evaluate(*p.mistakes[k].expr, c.env);
      if (!mv.ok() || !same_shape(mv.value(), x) || !fully(mv.value())) continue;
      if (matches(Comparator(Tolerance{Tolerance::Mode::Relative, 1e-9, nullptr}, 0), mv.value(), ref, {})) continue;
      const double d = distance(mv.value());
      if (best < 0 || d < best_d) {
        best = static_cast<int>(k);
        best_d = d;
      }
    }
    if (best >= 0) {
      const AuthorMistake& am = p.mistakes[static_cast<std::size_t>(best)];
      v.kind = VerdictKind::Incorrect;
      v.mistake = "author:" + std::to_string(best + 1);
      give_feedback(v, am.feedback, c.env);
      return v;
    }
  }
  {
    const AppliedMistake* best = nullptr;
    double best_d = 0;
    const auto& library = cache_->applied(c, ref, seed);
    for (const auto& am : library) {
      if (!fully(am.value)) continue;
      const double d = distance(am.value);
      if (!best || d < best_d) {
        best = &am;
        best_d = d;
      }
    }
    if (best) {
      v.kind = VerdictKind::Incorrect;
      v.mistake = best->id;
      v.mistake_name = best->name;
      v.feedback = library_feedback(best->id);
      return v;
    }
  }
  if (m.overall == Match::TooFewDigits) {
    v.kind = VerdictKind::Close;
    v.score = 0.5;
    v.mistake = "too_few_digits";
    v.mistake_name = "too few significant figures";
    v.feedback = "Right idea, but give at least " + std::to_string(cmp.min_sigfigs()) + " significant figures: " + trim(answer) + " is too coarse to check.";
    return v;
  }

  // Checks on the answer itself.
  if (p.kind == AnswerKind::Probability && x.is_vector()) {
    const Vec& xv = x.vector();
    double slack = 1e-9;
    for (const auto& pr : prec) slack += pr.half_unit;
    if ((xv.array() < 0).any() || std::fabs(xv.sum() - 1) > std::max(slack, kProbTolerance)) {
      v.kind = VerdictKind::Incorrect;
      v.mistake = "not_distribution";
      v.mistake_name = "not a probability distribution";
      v.feedback = (xv.array() < 0).any() ? std::string("Not a probability distribution: an entry is negative. Probabilities are never below 0 (if these are logits, apply a softmax).")
                                         : "Not a probability distribution: the entries sum to " + format_number(xv.sum(), 6) + ", not 1.";
      v.wrong_components = m.off;
      return v;
    }
  }
  if (x.is_number() && x.number() < 0 && detail::is_divergence(*inline_parts(p.answer, [&] {
        std::map<std::string, NodePtr> defs;
        for (std::size_t i = 0; i < c.index; ++i)
          if (!c.ex->parts[i].name.empty() && c.ex->parts[i].answer) defs[c.ex->parts[i].name] = c.ex->parts[i].answer;
        return defs;
      }()))) {
    v.kind = VerdictKind::Incorrect;
    v.mistake = "negative_divergence";
    v.mistake_name = "a divergence below zero";
    v.feedback = "A divergence is never negative (Gibbs' inequality: KL(p ‖ q) ≥ 0, with 0 only when p = q). Check the signs of your log terms, and which distribution each log is of.";
    return v;
  }
  if (!x.is_number()) v.wrong_components = m.off;
  if (m.overall == Match::Close) {
    v.kind = VerdictKind::Close;
    v.score = 0.5;
    v.mistake = "rounding";
    v.mistake_name = "rounding too early";
    if (x.is_number()) {
      // Which significant digit first differs.
      const double a = std::fabs(ref.number());
      const double d = std::fabs(x.number() - ref.number());
      const int digit = a > 0 && d > 0 ? std::max(1, static_cast<int>(std::floor(std::log10(a)) - std::floor(std::log10(d))) + 1) : 1;
      v.feedback = "Close, but not within the tolerance: your answer differs from the exact value in the " + ordinal(digit) +
                   " significant digit. Rounding intermediate results too early does this: keep full precision until the end.";
    } else {
      v.feedback = std::string(m.off.size() == 1 ? "Close, but entry " : "Close, but entries ") + components_text(m.off) +
                   (m.off.size() == 1 ? " is" : " are") + " not within the tolerance. Rounding intermediate results too early does this.";
    }
    return v;
  }
  v.kind = VerdictKind::Incorrect;
  if (x.is_vector() || x.is_matrix()) {
    v.feedback = m.off.size() == numbers(x).size() ? "Not correct: none of the entries match."
                 : m.off.size() == 1            ? "Not correct: entry " + components_text(m.off) + " is off (the others are right)."
                                                : "Not correct: entries " + components_text(m.off) + " are off (the others are right).";
  } else {
    v.feedback = "Not correct.";
  }
  if (!p.hints.empty()) v.feedback += " A hint is available.";
  return v;
}

Result<PartView> Checker::view(const std::string& part_id, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part_id, seed));
  const PartContext& c = *cp;
  const Part& p = *c.part;
  PartView out;
  if (p.answer) {
    if (p.kind == AnswerKind::Expression) {
      out.reference_text = to_string(*p.answer);
    } else {
      KL_TRY(Value ref, evaluate(*p.answer, c.env));
      out.reference_text = format_value_short(ref, 7);
    }
  } else if (p.kind == AnswerKind::Derivation) {  // [derivation]
    KL_TRY(out.reference_text, detail::derivation_reference_text(p));
  } else {
    for (const auto& ch : p.choices)
      if (ch.correct) out.reference_text = ch.text;
  }
  // Texts may name this part's own answer ({{pT}} in ex8a's solution).
  Environment env = c.env;
  if (!p.name.empty() && p.answer && p.kind != AnswerKind::Expression) {
    auto v = evaluate(*p.answer, env);
    if (v.ok()) env[p.name] = v.value();
  }
  KL_TRY(out.prompt, render(p.prompt, env));
  KL_TRY(out.prompt_slots, slot_values(p.prompt, env));
  for (const auto& h : p.hints) {
    KL_TRY(std::string text, render(h, env));
    KL_TRY(std::vector<std::string> slots, slot_values(h, env));
    out.hints.push_back(text);
    out.hint_slots.push_back(slots);
  }
  KL_TRY(out.solution, render(p.solution, env));
  KL_TRY(out.solution_slots, slot_values(p.solution, env));
  KL_TRY(bool steps_rendered, detail::derivation_texts(p, env, &out, nullptr));  // [derivation] step prompts, hints
  (void)steps_rendered;
  return out;
}

Result<ExerciseSlots> Checker::exercise_slots(const std::string& exercise, std::uint64_t seed) const {
  const Exercise* ex = nb_.exercise(exercise);
  if (!ex) return make_error(ErrorCode::UnknownName, "there is no exercise '" + exercise + "' in " + nb_.id);
  KL_TRY(Environment env, detail::params_scope(nb_, base_, *ex, seed));
  ExerciseSlots out;
  KL_TRY(out.intro, slot_values(ex->intro, env));
  for (const Part& p : ex->parts) {
    // Like view(): a part's texts may use its own answer's name.
    Environment texts = env;
    if (!p.name.empty() && p.answer && p.kind != AnswerKind::Expression) {
      KL_TRY(Value v, evaluate(*p.answer, env));
      texts[p.name] = v;
    }
    PartSlots ps;
    KL_TRY(ps.prompt, slot_values(p.prompt, texts));
    for (const auto& h : p.hints) {
      KL_TRY(std::vector<std::string> v, slot_values(h, texts));
      ps.hints.push_back(std::move(v));
    }
    KL_TRY(ps.solution, slot_values(p.solution, texts));
    for (const auto& m : p.mistakes) {
      KL_TRY(std::vector<std::string> v, slot_values(m.feedback, texts));
      ps.mistakes.push_back(std::move(v));
    }
    for (const auto& c : p.choices) {
      KL_TRY(std::vector<std::string> v, slot_values(c.feedback, texts));
      ps.choices.push_back(std::move(v));
    }
    KL_TRY(bool steps_filled, detail::derivation_texts(p, texts, nullptr, &ps));  // [derivation] step texts
    (void)steps_filled;
    out.parts.emplace_back(p.id, std::move(ps));
    env = std::move(texts);
  }
  return out;
}

}  // namespace kl
