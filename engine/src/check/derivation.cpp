// Derivation parts: a chain of steps, each an expression in the part's variables. A learner's step
// is right when it agrees with the author's step at sampled values of the variables (up to an
// additive constant or a constant factor when the step says so). A step the author wrote in terms
// of earlier steps (`prev`, `step1`, ..., `at(E, x, V)`) is re-evaluated with the learner's own
// earlier steps substituted: a wrong step followed by the right transformation of it earns
// "correct given your earlier step" (error carried forward), as for parts.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "check/derivation_internal.hpp"
#include "check/mistakes_internal.hpp"

namespace kl {
namespace detail {

namespace {

constexpr std::size_t kPoints = 16;  // sample points per check (as for expression answers)
constexpr int kDraws = 64;           // draws tried to find them
constexpr long kMaxNodes = 200000;   // substituting steps into steps copies trees: bounded
constexpr int kMaxDepth = 1000;      // an expanded tree stays shallow enough for the evaluator's stack

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

// "step3" -> 3; 0 when the name is not a step name.
std::size_t step_number(const std::string& name) {
  if (name.size() <= 4 || name.compare(0, 4, "step") != 0 || name.find_first_not_of("0123456789", 4) != std::string::npos) return 0;
  return static_cast<std::size_t>(std::atol(name.c_str() + 4));
}

// The earlier steps a step may name: prev and step1..stepk.
std::map<std::string, NodePtr> step_names(const std::vector<NodePtr>& trees, std::size_t k) {
  std::map<std::string, NodePtr> m;
  if (k > 0 && trees[k - 1]) m["prev"] = trees[k - 1];
  for (std::size_t j = 0; j < k && j < trees.size(); ++j)
    if (trees[j]) m["step" + std::to_string(j + 1)] = trees[j];
  return m;
}

// The 0-based indices of the earlier steps an expression names.
std::vector<std::size_t> named_steps(const Node& n, std::size_t k) {
  std::vector<std::size_t> out;
  for (const auto& name : free_names(n)) {
    if (name == "prev" && k > 0) out.push_back(k - 1);
    const std::size_t s = step_number(name);
    if (s >= 1 && s <= k) out.push_back(s - 1);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Substitutes earlier steps for their names and expands at(E, x, V) into E with x replaced by V.
class Expander {
 public:
  explicit Expander(const std::map<std::string, NodePtr>& subs) : subs_(subs) {}

  Result<NodePtr> run(const NodePtr& n) {
    KL_TRY(NodePtr out, expand(n));
    std::unordered_map<const Node*, int> memo;
    if (depth(*out, memo) > kMaxDepth) return too_large();
    return out;
  }

 private:
  Result<NodePtr> expand(const NodePtr& n) {
    if (++nodes_ > kMaxNodes) return too_large();
    if (n->type == Node::Type::Name) {
      auto it = subs_.find(n->text);
      return it != subs_.end() ? it->second : n;
    }
    if (n->type == Node::Type::Call && n->text == "at" && n->children.size() == 3 && n->children[1]->type == Node::Type::Name) {
      KL_TRY(NodePtr body, expand(n->children[0]));
      KL_TRY(NodePtr value, expand(n->children[2]));
      return replace(body, n->children[1]->text, value);
    }
    if (n->children.empty()) return n;
    auto copy = std::make_shared<Node>(*n);
    for (auto& c : copy->children) {
      KL_TRY(NodePtr e, expand(c));
      c = e;
    }
    return NodePtr(copy);
  }

  Result<NodePtr> replace(const NodePtr& n, const std::string& name, const NodePtr& value) {
    if (++nodes_ > kMaxNodes) return too_large();
    if (n->type == Node::Type::Name && n->text == name) return value;
    if (n->children.empty()) return n;
    auto copy = std::make_shared<Node>(*n);
    for (auto& c : copy->children) {
      KL_TRY(NodePtr e, replace(c, name, value));
      c = e;
    }
    return NodePtr(copy);
  }

  // Subtrees are shared after substitution: memoised by node, so a DAG costs its size, not its unfolding.
  static int depth(const Node& n, std::unordered_map<const Node*, int>& memo) {
    auto it = memo.find(&n);
    if (it != memo.end()) return it->second;
    int d = 0;
    for (const auto& c : n.children) d = std::max(d, depth(*c, memo));
    if (d > kMaxDepth) d = kMaxDepth;  // no need to go on counting
    return memo[&n] = d + 1;
  }

  static Error too_large() {
    return make_error(ErrorCode::TooLarge, "the derivation's expressions grow too large when the steps are substituted into each other");
  }

  const std::map<std::string, NodePtr>& subs_;
  long nodes_ = 0;
};

// The author's steps with the earlier steps they name substituted (so each is a plain formula).
Result<std::vector<NodePtr>> reference_trees(const Part& p) {
  std::vector<NodePtr> refs;
  for (std::size_t k = 0; k < p.steps.size(); ++k) {
    if (!p.steps[k].answer) return make_error(ErrorCode::Notebook, "step " + std::to_string(k + 1) + " has no answer");
    const auto subs = step_names(refs, k);
    KL_TRY(NodePtr t, Expander(subs).run(p.steps[k].answer));
    refs.push_back(t);
  }
  return refs;
}

bool numeric(const Value& v) {
  if (v.is_number()) return std::isfinite(v.number());
  if (v.is_vector()) return v.vector().allFinite();
  return false;
}

std::vector<double> flat(const Value& v) {
  if (v.is_number()) return {v.number()};
  return std::vector<double>(v.vector().data(), v.vector().data() + v.vector().size());
}

bool same_shape(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return true;
  return a.is_vector() && b.is_vector() && a.vector().size() == b.vector().size();
}

using Constant = DerivationStep::Constant;

// Equal at every point, or up to one additive constant / one nonzero factor common to all points.
bool equivalent(const std::vector<Value>& a, const std::vector<Value>& b, Constant c) {
  if (a.size() != b.size() || a.empty()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!numeric(a[i]) || !numeric(b[i]) || !same_shape(a[i], b[i])) return false;
  const std::size_t width = flat(a[0]).size();
  std::vector<double> shift(width, 0.0);
  double ratio = 1.0;
  if (c == Constant::Additive) {
    const auto x0 = flat(a[0]), y0 = flat(b[0]);
    for (std::size_t j = 0; j < width; ++j) shift[j] = x0[j] - y0[j];
  } else if (c == Constant::Factor) {
    bool found = false;
    for (std::size_t i = 0; i < a.size() && !found; ++i) {
      const auto x = flat(a[i]), y = flat(b[i]);
      for (std::size_t j = 0; j < width && !found; ++j)
        if (std::fabs(y[j]) > 1e-12) {
          ratio = x[j] / y[j];
          found = true;
        }
    }
    if (!std::isfinite(ratio) || ratio == 0.0) return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = flat(a[i]), y = flat(b[i]);
    for (std::size_t j = 0; j < width; ++j) {
      const double target = ratio * y[j] + shift[j];
      if (std::fabs(x[j] - target) > 1e-6 * (std::fabs(x[j]) + std::fabs(target) + std::fabs(shift[j])) + 1e-9) return false;
    }
  }
  return true;
}

// The sample points of a check: the variables drawn from their ranges (deterministically), kept
// where every step of the author's chain is finite. Without variables one point is enough.
struct Points {
  std::vector<Environment> author;   // env + variables
  std::vector<Environment> learner;  // the exercise's parameters + variables
  std::vector<std::string> where;    // "x = 0.3, v = 1.2" for messages
};

Result<Points> sample(const Part& p, const Exercise* ex, const Environment& params, const Environment& env,
                      const std::vector<NodePtr>& refs, Budget& budget) {
  Points pts;
  Environment learner_base;
  if (ex) {
    for (const auto& prm : ex->params) {
      auto it = params.find(prm.name);
      if (it != params.end()) learner_base[prm.name] = it->second;
    }
  }
  Rng rng(variant_rng_seed("derivation", p.id, 0));
  EvalOptions o;
  o.budget = &budget;
  const int draws = p.variables.empty() ? 1 : kDraws;
  std::string failure;
  for (int d = 0; d < draws && pts.author.size() < kPoints; ++d) {
    Environment a = env, l = learner_base;
    std::string where;
    for (const auto& var : p.variables) {
      const double x = var.lo + (var.hi - var.lo) * rng.uniform();
      a[var.name] = Value(x);
      l[var.name] = Value(x);
      where += (where.empty() ? "" : ", ") + var.name + " = " + format_number(x, 4);
    }
    bool ok = true;
    for (std::size_t k = 0; k < refs.size() && ok; ++k) {
      auto v = evaluate(*refs[k], a, o);
      if (!v.ok() || !numeric(v.value())) {
        ok = false;
        if (failure.empty())
          failure = "step " + std::to_string(k + 1) + (v.ok() ? " is not a finite number or vector" : ": " + v.error().message) +
                    (where.empty() ? "" : " at " + where);
      }
    }
    if (!ok) continue;
    pts.author.push_back(std::move(a));
    pts.learner.push_back(std::move(l));
    pts.where.push_back(where);
  }
  const std::size_t needed = p.variables.empty() ? 1 : 4;
  if (pts.author.size() < needed)
    return make_error(ErrorCode::Domain, "the steps cannot be evaluated at enough values of the variables" + (failure.empty() ? "" : " (" + failure + ")"));
  return pts;
}

// A tree's values at every point, or the first error (with the point where it happened).
Result<std::vector<Value>> values_at(const Node& tree, const std::vector<Environment>& envs, const std::vector<std::string>& where,
                                     const EvalOptions& o) {
  std::vector<Value> out;
  for (std::size_t i = 0; i < envs.size(); ++i) {
    auto v = evaluate(tree, envs[i], o);
    if (!v.ok()) {
      Error e = v.error();
      if (!where[i].empty()) e.message += " at " + where[i];
      return e;
    }
    out.push_back(v.value());
  }
  return out;
}

Verdict invalid(std::string message, int column = 0) {
  Verdict v;
  v.kind = VerdictKind::Invalid;
  v.feedback = std::move(message);
  v.column = column;
  return v;
}

void author_feedback(Verdict& v, const TextTemplate& t, const Environment& env) {
  auto slots = slot_values(t, env);
  auto text = render(t, env);
  if (slots.ok()) v.slots = slots.value();
  v.feedback = text.ok() ? text.value() : t.text;
}

// A step typed as a plain number or vector of numbers ("0.5108", "[0.3, -0.1]"): the half unit of each
// entry's last digit and its significant digits, so a number rounded by hand can be judged by the
// digits given. False when the text is anything else.
struct Typed {
  double half_unit = 0;
  int sigfigs = 0;
};

bool typed_number(std::string t, Typed& out) {
  t = trim(t);
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t = trim(t.substr(1));
  else if (t.rfind("\xE2\x88\x92", 0) == 0) t = trim(t.substr(3));
  const std::size_t epos = t.find_first_of("eE");
  long exponent = 0;
  if (epos != std::string::npos) {
    const std::string ex = t.substr(epos + 1);
    std::size_t k = (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) ? 1 : 0;
    if (k >= ex.size() || ex.size() > 6 || ex.find_first_not_of("0123456789", k) != std::string::npos) return false;
    exponent = std::atol(ex.c_str());
  }
  const std::string mant = t.substr(0, epos);
  int dots = 0, decimals = 0;
  std::string digits;
  for (char c : mant) {
    if (c == '.') {
      if (++dots > 1) return false;
    } else if (c >= '0' && c <= '9') {
      digits += c;
      if (dots) ++decimals;
    } else {
      return false;
    }
  }
  if (digits.empty()) return false;
  const std::size_t first = digits.find_first_not_of('0');
  out.sigfigs = first == std::string::npos ? 99 : static_cast<int>(digits.size() - first);  // a typed 0 is exact
  out.half_unit = first == std::string::npos ? 0.0 : 0.5 * std::pow(10.0, static_cast<double>(exponent - decimals));
  return true;
}

bool typed_values(const std::string& text, std::vector<Typed>& out) {
  std::string t = trim(text);
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
    t = t.substr(1, t.size() - 2);
    if (t.find('[') != std::string::npos) return false;
    std::size_t pos = 0;
    while (pos <= t.size()) {
      std::size_t comma = t.find(',', pos);
      if (comma == std::string::npos) comma = t.size();
      Typed one;
      if (!typed_number(t.substr(pos, comma - pos), one)) return false;
      out.push_back(one);
      pos = comma + 1;
    }
    return true;
  }
  Typed one;
  if (!typed_number(t, one)) return false;
  out.push_back(one);
  return true;
}

// A typed number (or vector) against a step whose value does not depend on the variables: right when
// each entry equals the reference rounded to the digits given, with at least 3 significant digits.
bool rounded_match(const std::vector<Typed>& typed, const Value& mine, const std::vector<Value>& ref) {
  for (const auto& v : ref)
    if (!equivalent({v}, {ref[0]}, Constant::None)) return false;  // varies: a number cannot be it
  const auto x = flat(mine), y = flat(ref[0]);
  if (x.size() != typed.size() || y.size() != x.size()) return false;
  for (std::size_t j = 0; j < x.size(); ++j) {
    const double d = std::fabs(x[j] - y[j]);
    if (d <= 1e-12 * std::fabs(y[j])) continue;
    if (typed[j].sigfigs < 3 || d > typed[j].half_unit * (1 + 1e-9)) return false;
  }
  return true;
}

std::string step_list(const std::vector<std::size_t>& steps) {
  std::string s;
  for (std::size_t i = 0; i < steps.size(); ++i)
    s += (i ? (i + 1 == steps.size() ? " and " : ", ") : "") + std::to_string(steps[i] + 1);
  return s;
}

std::string shape_text(const Value& v) {
  return v.is_vector() ? "a vector of " + std::to_string(v.vector().size()) + " entries" : "a single number";
}

}  // namespace

std::vector<std::string> derivation_lines(const std::string& answer) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : answer) {
    if (c == '\n' || c == ';') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

Result<std::string> derivation_reference_text(const Part& p) {
  KL_TRY(std::vector<NodePtr> refs, reference_trees(p));
  std::string out;
  for (std::size_t k = 0; k < refs.size(); ++k) out += (k ? "; " : "") + to_string(*refs[k]);
  return out;
}

Result<std::vector<AppliedMistake>> derivation_mistakes(const Part& p) {
  KL_TRY(std::vector<NodePtr> refs, reference_trees(p));
  std::vector<AppliedMistake> out;
  for (std::size_t k = 0; k < p.steps.size(); ++k) {
    const auto subs = step_names(refs, k);
    for (std::size_t m = 0; m < p.steps[k].mistakes.size(); ++m) {
      KL_TRY(NodePtr t, Expander(subs).run(p.steps[k].mistakes[m].expr));
      out.push_back({"step" + std::to_string(k + 1) + ":author:" + std::to_string(m + 1), "", to_string(*t), Value(), t});
    }
  }
  return out;
}

Verdict check_derivation(const Exercise& ex, const Part& p, const Environment& params, const Environment& env,
                         const std::string& answer) {
  const std::size_t n = p.steps.size();
  const auto lines = derivation_lines(answer);
  if (lines.empty()) return invalid("the answer is empty: write the derivation's " + std::to_string(n) + " steps, one per line");
  if (lines.size() > n)
    return invalid("this derivation has " + std::to_string(n) + " step" + (n == 1 ? "" : "s") + " but your answer has " +
                   std::to_string(lines.size()) + " (one step per line, or separated by ';')");
  // One budget for the whole check: every step, point, mistake and rewrite charges it.
  Budget budget;
  EvalOptions author;
  author.budget = &budget;
  EvalOptions learner = author;
  learner.forbidden = &p.forbidden;

  auto refs_r = reference_trees(p);
  if (!refs_r.ok()) return invalid("this part's reference could not be built: " + refs_r.error().message);
  const std::vector<NodePtr>& refs = refs_r.value();
  auto pts_r = sample(p, &ex, params, env, refs, budget);
  if (!pts_r.ok()) return invalid("this part's reference could not be computed: " + pts_r.error().message);
  const Points& pts = pts_r.value();

  std::vector<std::vector<Value>> ref_values;
  for (const auto& r : refs) {
    auto v = values_at(*r, pts.author, pts.where, author);
    if (!v.ok()) return invalid("this part's reference could not be computed: " + v.error().message);
    ref_values.push_back(v.value());
  }

  // The names a learner's step may use: the exercise's parameters and the part's variables.
  std::set<std::string> allowed;
  for (const auto& prm : ex.params) allowed.insert(prm.name);
  for (const auto& var : p.variables) allowed.insert(var.name);
  std::string vars;
  for (const auto& var : p.variables) vars += (vars.empty() ? "" : ", ") + var.name;

  std::vector<NodePtr> mine(n);  // the learner's valid steps (null when empty or unreadable)
  std::vector<Verdict> steps(n);
  std::vector<bool> answered(n, false);
  for (std::size_t k = 0; k < n; ++k) {
    Verdict& s = steps[k];
    const DerivationStep& st = p.steps[k];
    const std::string text = k < lines.size() ? lines[k] : "";
    if (text.empty()) {
      s = invalid("not answered yet");
      continue;
    }
    answered[k] = true;
    auto parsed = parse_expression(text);
    if (!parsed.ok()) {
      s = invalid(parsed.error().message, parsed.error().column);
      continue;
    }
    const NodePtr tree = parsed.value();
    bool names_ok = true;
    for (const auto& name : free_names(*tree)) {
      if (allowed.count(name)) continue;
      s = invalid("unknown name '" + name + "': " + (vars.empty() ? std::string("this step is a number or vector (it may use the exercise's names)")
                                                                    : "this step is an expression in " + vars + " (and the exercise's names)"));
      names_ok = false;
      break;
    }
    if (!names_ok) continue;
    auto mv = values_at(*tree, pts.learner, pts.where, learner);
    if (!mv.ok()) {
      const Error& e = mv.error();
      s = invalid(e.code == ErrorCode::Forbidden ? e.message : "this step cannot be evaluated: " + e.message, e.column);
      continue;
    }
    const std::vector<Value>& my = mv.value();
    if (!numeric(my[0])) {
      s = invalid("this step must give a number or a vector, but gives " + describe(my[0]));
      continue;
    }
    mine[k] = tree;
    s.answer_text = to_string(*tree);
    const std::vector<Value>& ref = ref_values[k];
    if (!same_shape(my[0], ref[0])) {
      s.kind = VerdictKind::Incorrect;
      s.feedback = "This step should give " + shape_text(ref[0]) + "; yours gives " + shape_text(my[0]) + ".";
      continue;
    }
    if (equivalent(my, ref, st.constant)) {
      s.kind = VerdictKind::Correct;
      s.score = 1.0;
      s.feedback = st.constant == Constant::Additive ? "Correct (up to an additive constant, which this step allows)."
                   : st.constant == Constant::Factor ? "Correct (up to a constant factor, which this step allows)."
                                                     : "Correct.";
      continue;
    }
    std::vector<Typed> typed;
    if (st.constant == Constant::None && typed_values(text, typed) && rounded_match(typed, my[0], ref)) {
      s.kind = VerdictKind::Correct;
      s.score = 1.0;
      s.feedback = "Correct to the digits you gave.";
      continue;
    }
    // The author's step in terms of the learner's own earlier steps.
    std::map<std::string, NodePtr> own_subs;
    std::vector<NodePtr> own_chain = refs;
    bool earlier_wrong = false;
    for (std::size_t j = 0; j < k; ++j) {
      if (!mine[j]) continue;
      own_chain[j] = mine[j];
      earlier_wrong = earlier_wrong || steps[j].kind != VerdictKind::Correct;
    }
    own_subs = step_names(own_chain, k);
    const NodePtr rule = st.from ? st.from : (named_steps(*st.answer, k).empty() ? nullptr : st.answer);
    if (rule) {
      // Also when the earlier steps were right "up to a constant": the method is then right too.
      std::vector<std::size_t> carried;
      bool own = false;
      for (std::size_t j : named_steps(*rule, k)) {
        own = own || mine[j] != nullptr;
        if (mine[j] && steps[j].kind != VerdictKind::Correct) carried.push_back(j);
      }
      auto t = own ? Expander(own_subs).run(rule) : Result<NodePtr>(make_error(ErrorCode::Internal, ""));
      if (t.ok()) {
        auto ev = values_at(*t.value(), pts.author, pts.where, author);
        if (ev.ok() && equivalent(my, ev.value(), st.constant) && carried.empty()) {
          s.kind = VerdictKind::Correct;
          s.score = 1.0;
          s.feedback = "Correct: the right step from what you had before.";
          continue;
        }
        if (ev.ok() && equivalent(my, ev.value(), st.constant)) {
          s.kind = VerdictKind::CorrectGivenEarlier;
          s.score = 0.75;
          const std::string which = step_list(carried);
          s.feedback = "Correct given your step " + which + ": this step does the right thing to what you had. The difference comes from step " +
                       which + "; fix it and this follows.";
          continue;
        }
      }
    }
    // The step's own anticipated mistakes (also applied to the learner's earlier steps), then the library's.
    bool named = false;
    for (std::size_t m = 0; m < st.mistakes.size() && !named; ++m) {
      for (int pass = 0; pass < (earlier_wrong ? 2 : 1) && !named; ++pass) {
        auto t = Expander(pass == 0 ? step_names(refs, k) : own_subs).run(st.mistakes[m].expr);
        if (!t.ok()) continue;
        auto wv = values_at(*t.value(), pts.author, pts.where, author);
        if (!wv.ok() || equivalent(wv.value(), ref, st.constant) || !equivalent(my, wv.value(), st.constant)) continue;
        s.kind = VerdictKind::Incorrect;
        s.mistake = "author:" + std::to_string(m + 1);
        author_feedback(s, st.mistakes[m].feedback, env);
        named = true;
      }
    }
    if (named) continue;
    for (const auto& rw : library_rewrites(refs[k], env)) {
      if (std::string(rw.spec->id) == "log_base_10" || std::string(rw.spec->id) == "temperature_missing") continue;
      auto wv = values_at(*rw.expr, pts.author, pts.where, author);
      if (!wv.ok() || equivalent(wv.value(), ref, st.constant) || !equivalent(my, wv.value(), st.constant)) continue;
      s.kind = VerdictKind::Incorrect;
      s.mistake = rw.spec->id;
      s.mistake_name = rw.spec->name;
      s.feedback = rw.spec->feedback;
      named = true;
      break;
    }
    if (named) continue;
    s.kind = VerdictKind::Incorrect;
    // A lead: where it differs (the learner's own value only; the reference stays hidden).
    std::size_t at = 0;
    for (std::size_t i = 0; i < my.size(); ++i)
      if (!equivalent({my[i]}, {ref[i]}, Constant::None)) {
        at = i;
        break;
      }
    if (my[0].is_vector()) {
      const auto x = flat(my[at]), y = flat(ref[at]);
      for (std::size_t j = 0; j < x.size(); ++j) {
        const bool rounded_right = j < typed.size() && typed[j].sigfigs >= 3 && std::fabs(x[j] - y[j]) <= typed[j].half_unit * (1 + 1e-9);
        if (!rounded_right && !equivalent({Value(x[j])}, {Value(y[j])}, Constant::None)) s.wrong_components.push_back(static_cast<int>(j) + 1);
      }
    }
    bool ref_constant = true;
    for (const auto& v : ref) ref_constant = ref_constant && equivalent({v}, {ref[0]}, Constant::None);
    bool too_coarse = !typed.empty() && ref_constant;
    if (too_coarse) {
      const auto x = flat(my[0]), y = flat(ref[0]);
      for (std::size_t j = 0; j < x.size() && j < typed.size(); ++j)
        too_coarse = too_coarse && std::fabs(x[j] - y[j]) <= typed[j].half_unit * (1 + 1e-9);
    }
    if (too_coarse) {
      s.feedback = "Too few digits to check: give this step with at least 3 significant figures.";
    } else if (st.constant != Constant::None) {
      s.feedback = std::string("Not equal to this step, even up to ") + (st.constant == Constant::Additive ? "an additive constant" : "a constant factor") +
                   ": it depends on the variables differently.";
    } else if (p.variables.empty() || pts.where[at].empty() || ref_constant) {
      s.feedback = my[0].is_vector() && !s.wrong_components.empty()
                       ? "Not what this step gives: entr" + std::string(s.wrong_components.size() == 1 ? "y " : "ies ") +
                             [&] {
                               std::string c;
                               for (std::size_t i = 0; i < s.wrong_components.size(); ++i)
                                 c += (i ? (i + 1 == s.wrong_components.size() ? " and " : ", ") : "") + std::to_string(s.wrong_components[i]);
                               return c;
                             }() + (s.wrong_components.size() == 1 ? " is" : " are") + " off."
                       : "Not what this step gives.";
    } else {
      s.feedback = "Not equal to this step: at " + pts.where[at] + " your expression gives " + format_value_short(my[at], 6) + ".";
    }
    if (!st.hints.empty()) s.feedback += " A hint is available for this step.";
  }

  // The part's verdict, from its steps.
  Verdict v;
  v.steps = steps;
  std::string texts;
  for (std::size_t k = 0; k < n; ++k) texts += (k ? "; " : "") + (mine[k] ? steps[k].answer_text : std::string(k < lines.size() ? lines[k] : ""));
  while (texts.size() >= 2 && texts.compare(texts.size() - 2, 2, "; ") == 0) texts.resize(texts.size() - 2);
  v.answer_text = texts;
  double total = 0;
  std::size_t correct = 0, unanswered = 0;
  int first_unreadable = -1, first_wrong = -1, first_carried = -1;
  for (std::size_t k = 0; k < n; ++k) {
    total += steps[k].score;
    if (!answered[k]) ++unanswered;
    else if (steps[k].kind == VerdictKind::Invalid && first_unreadable < 0) first_unreadable = static_cast<int>(k);
    else if (steps[k].kind == VerdictKind::Incorrect && first_wrong < 0) first_wrong = static_cast<int>(k);
    else if (steps[k].kind == VerdictKind::CorrectGivenEarlier && first_carried < 0) first_carried = static_cast<int>(k);
    if (steps[k].kind == VerdictKind::Correct) ++correct;
  }
  const std::string of_n = " of " + std::to_string(n);
  if (first_unreadable >= 0) {
    // Like any unreadable answer, it costs nothing: fix the step and check again.
    const Verdict& s = steps[static_cast<std::size_t>(first_unreadable)];
    v.kind = VerdictKind::Invalid;
    v.feedback = "Step " + std::to_string(first_unreadable + 1) + " could not be read: " + s.feedback;
    v.column = s.column;
    return v;
  }
  v.score = total / static_cast<double>(n);
  if (correct == n) {
    v.kind = VerdictKind::Correct;
    v.score = 1.0;
    v.feedback = "Correct: all " + std::to_string(n) + " steps.";
    return v;
  }
  if (first_wrong < 0 && first_carried < 0) {
    // Every step given so far is right; the rest are still empty. Not a wrong answer.
    v.kind = VerdictKind::Invalid;
    v.score = 0.0;
    v.feedback = "Steps so far are right (" + std::to_string(correct) + of_n + "); " + std::to_string(unanswered) + " still to write.";
    return v;
  }
  const int focus = first_wrong >= 0 ? first_wrong : first_carried;
  const Verdict& s = steps[static_cast<std::size_t>(focus)];
  v.feedback = std::to_string(correct) + of_n + " steps correct. Step " + std::to_string(focus + 1) + ": " + s.feedback;
  if (unanswered) v.feedback += " (" + std::to_string(unanswered) + " step" + (unanswered == 1 ? "" : "s") + " not answered yet.)";
  if (first_wrong < 0 && unanswered == 0) {
    v.kind = VerdictKind::CorrectGivenEarlier;
  } else {
    v.kind = VerdictKind::Incorrect;
    if (!s.mistake.empty()) {
      v.mistake = "step" + std::to_string(focus + 1) + ":" + s.mistake;
      v.mistake_name = s.mistake_name;
    }
    v.wrong_components = s.wrong_components;
  }
  return v;
}

std::vector<std::pair<int, std::string>> derivation_problems(const Part& p, const Environment& env, bool mistakes) {
  std::vector<std::pair<int, std::string>> out;
  auto refs_r = reference_trees(p);
  if (!refs_r.ok()) {
    out.emplace_back(p.line, "the derivation " + p.id + " cannot be built: " + refs_r.error().message);
    return out;
  }
  const std::vector<NodePtr>& refs = refs_r.value();
  Budget budget;
  EvalOptions o;
  o.budget = &budget;
  auto pts_r = sample(p, nullptr, env, env, refs, budget);
  if (!pts_r.ok()) {
    out.emplace_back(p.line, "the derivation " + p.id + ": " + pts_r.error().message);
    return out;
  }
  const Points& pts = pts_r.value();
  std::vector<std::vector<Value>> ref_values;
  for (const auto& r : refs) {
    auto v = values_at(*r, pts.author, pts.where, o);
    if (!v.ok()) {
      out.emplace_back(p.line, "the derivation " + p.id + ": " + v.error().message);
      return out;
    }
    ref_values.push_back(v.value());
  }
  for (std::size_t k = 0; k < p.steps.size(); ++k) {
    const DerivationStep& st = p.steps[k];
    const std::string which = "step " + std::to_string(k + 1) + " of " + p.id;
    if (st.constant != Constant::None) {
      bool varies = false;
      for (const auto& v : ref_values[k]) varies = varies || !equivalent({v}, {ref_values[k][0]}, Constant::None);
      if (!varies)
        out.emplace_back(st.line, "constant: " + which + " does not depend on the variables, so any " +
                                      (st.constant == Constant::Additive ? "shifted" : "rescaled") + " number would be accepted");
    }
    const auto subs = step_names(refs, k);
    if (st.from) {
      auto t = Expander(subs).run(st.from);
      auto fv = t.ok() ? values_at(*t.value(), pts.author, pts.where, o) : Result<std::vector<Value>>(t.error());
      if (!fv.ok()) out.emplace_back(st.from_line, "from: " + fv.error().message);
      else if (!equivalent(fv.value(), ref_values[k], st.constant))
        out.emplace_back(st.from_line, "from: applied to the earlier steps, this rule does not give " + which +
                                           "'s answer, so error-carried-forward would judge the wrong thing");
    }
    for (const auto& m : st.mistakes) {
      if (!mistakes) break;
      auto t = Expander(subs).run(m.expr);
      auto mv = t.ok() ? values_at(*t.value(), pts.author, pts.where, o) : Result<std::vector<Value>>(t.error());
      if (!mv.ok()) out.emplace_back(m.line, "the mistake '" + m.source + "' fails to evaluate: " + mv.error().message);
      else if (equivalent(mv.value(), ref_values[k], st.constant))
        out.emplace_back(m.line, "the mistake '" + m.source + "' is equivalent to " + which + "'s answer, so it could never be recognised");
    }
  }
  return out;
}

Result<bool> derivation_texts(const Part& p, const Environment& env, PartView* view, PartSlots* slots) {
  for (const auto& st : p.steps) {
    if (view) {
      KL_TRY(std::string prompt, render(st.prompt, env));
      view->step_prompts.push_back(prompt);
      std::vector<std::string> hints;
      for (const auto& h : st.hints) {
        KL_TRY(std::string text, render(h, env));
        hints.push_back(text);
      }
      view->step_hints.push_back(hints);
    }
    if (slots) {
      PartSlots::Step s;
      KL_TRY(s.prompt, slot_values(st.prompt, env));
      for (const auto& h : st.hints) {
        KL_TRY(std::vector<std::string> v, slot_values(h, env));
        s.hints.push_back(std::move(v));
      }
      for (const auto& m : st.mistakes) {
        KL_TRY(std::vector<std::string> v, slot_values(m.feedback, env));
        s.mistakes.push_back(std::move(v));
      }
      slots->steps.push_back(std::move(s));
    }
  }
  return true;
}

}  // namespace detail
}  // namespace kl
