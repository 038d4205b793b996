// Derivation parts: a chain of steps, each an expression in the part's variables. A learner's step
// is right when it agrees with the author's step at sampled values of the variables (up to an
// additive constant or a constant factor when the step says so). A step the author wrote in terms
// of earlier steps (`prev`, `step1`, ..., `at(E, x, V)`) is re-evaluated with the learner's own
// earlier steps substituted: a wrong step followed by the right transformation of it earns
// "correct given your earlier step" (error carried forward), as for parts.
#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>

#include "check/derivation_internal.hpp"
#include "check/internal.hpp"
#include "check/mistakes_internal.hpp"

namespace kl {
namespace detail {

namespace {

constexpr std::size_t kPoints = 16;  // sample points per check (as for expression answers)
constexpr int kDraws = 64;           // draws tried to find them
constexpr long kMaxNodes = 200000;   // substituting steps into steps copies trees: bounded
constexpr int kMaxDepth = 1000;      // an expanded tree stays shallow enough for the evaluator's stack

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

using Constant = DerivationStep::Constant;

// Equal at every point, or up to one additive constant / one nonzero factor common to all points.
bool equivalent(const std::vector<Value>& a, const std::vector<Value>& b, Constant c) {
  if (a.size() != b.size() || a.empty()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!numeric(a[i]) || !numeric(b[i]) || !same_shape(a[i], b[i])) return false;
  const std::size_t width = numbers(a[0]).size();
  std::vector<double> shift(width, 0.0);
  double ratio = 1.0;
  if (c == Constant::Additive) {
    const auto x0 = numbers(a[0]), y0 = numbers(b[0]);
    for (std::size_t j = 0; j < width; ++j) shift[j] = x0[j] - y0[j];
  } else if (c == Constant::Factor) {
    bool found = false;
    for (std::size_t i = 0; i < a.size() && !found; ++i) {
      const auto x = numbers(a[i]), y = numbers(b[i]);
      for (std::size_t j = 0; j < width && !found; ++j)
        if (std::fabs(y[j]) > 1e-12) {
          ratio = x[j] / y[j];
          found = true;
        }
    }
    if (!std::isfinite(ratio) || ratio == 0.0) return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = numbers(a[i]), y = numbers(b[i]);
    for (std::size_t j = 0; j < width; ++j) {
      const double target = ratio * y[j] + shift[j];
      if (std::fabs(x[j] - target) > 1e-6 * (std::fabs(x[j]) + std::fabs(target) + std::fabs(shift[j])) + 1e-9) return false;
    }
  }
  return true;
}

// The sample points of a check: the variables drawn from their ranges (deterministically), kept
// where every step of the author's chain is finite. Without variables one point is enough.

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
    return make_error(ErrorCode::Domain,
                      "the steps cannot be evaluated at enough values of the variables" + (failure.empty() ? "" : " (" + failure + ")"));
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

// A step typed as a plain number or vector of numbers ("0.5108", "[0.3, -0.1]"): the precision of
// each entry, for the feedback only ("too few digits"); the verdict's kind never depends on it.
bool typed_values(const std::string& text, std::vector<Precision>& out) {
  Precision one;
  if (literal_precision(text, one)) {
    out.push_back(one);
    return true;
  }
  return vector_precisions(text, out);
}

// The same value at every sample point: a number or vector, not a formula in the variables.
bool constant_over(const std::vector<Value>& vs) {
  if (vs.empty()) return false;
  for (const auto& v : vs)
    if (!equivalent({v}, {vs[0]}, Constant::None)) return false;
  return true;
}

// The comparator for a step whose value does not depend on the variables, so that it may be typed as
// a number: the part's tolerance (a derivation declares none: 3 significant figures), tightened where
// one of the step's anticipated mistakes would otherwise fall within it, as for a numeric part.
Comparator step_comparator(const Part& p, const DerivationStep& st, const std::vector<NodePtr>& refs, std::size_t k,
                           const std::vector<Value>& ref, const Points& pts, const Environment& env, const EvalOptions& o) {
  std::vector<Value> anticipated;
  auto add = [&](const Result<std::vector<Value>>& wv) {
    if (wv.ok() && constant_over(wv.value()) && same_shape(wv.value()[0], ref[0]) && !equivalent(wv.value(), ref, Constant::None))
      anticipated.push_back(wv.value()[0]);
  };
  const auto subs = step_names(refs, k);
  for (const auto& m : st.mistakes) {
    auto t = Expander(subs).run(m.expr);
    if (t.ok()) add(values_at(*t.value(), pts.author, pts.where, o));
  }
  for (const auto& rw : library_rewrites(refs[k], env)) add(values_at(*rw.expr, pts.author, pts.where, o));
  return effective_comparator(Comparator(p.tolerance, 0), ref[0], anticipated);
}

// The radii around a constant step's value (or another number a typed step is compared with): the
// comparator's, never narrower than what `equivalent` accepts (a relative 1e-6), so the numbers judged
// right form one box around the target and a closer number is never judged worse than a farther one.
Bands step_bands(const Comparator& cmp, const Value& target) {
  Bands b = cmp.bands(target);
  const auto ts = numbers(target);
  for (std::size_t i = 0; i < ts.size(); ++i) b.correct[i] = std::max(b.correct[i], (2e-6 * std::fabs(ts[i]) + 1e-9) / (1 - 1e-6));
  return b;
}

// A learner's step against a target's values at the sample points: equal as formulas, or, when both
// are the same number (or vector) at every point, within the radii of the one tolerance model.
bool same_step(const std::vector<Value>& mine, const std::vector<Value>& target, Constant c, const Comparator* cmp) {
  if (equivalent(mine, target, c)) return true;
  if (!cmp || c != Constant::None || !constant_over(mine) || !constant_over(target) || !same_shape(mine[0], target[0])) return false;
  const Bands b = step_bands(*cmp, target[0]);
  return compare_values(*cmp, mine[0], target[0], &b).overall == Match::Within;
}

std::string step_list(const std::vector<std::size_t>& steps) {
  std::string s;
  for (std::size_t i = 0; i < steps.size(); ++i) s += (i ? (i + 1 == steps.size() ? " and " : ", ") : "") + std::to_string(steps[i] + 1);
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

Result<DerivationBasis> derivation_basis(const Exercise& ex, const Part& p, const Environment& params, const Environment& env) {
  // The author's side of every check in this variant, charged to a budget of its own.
  Budget budget;
  EvalOptions o;
  o.budget = &budget;
  DerivationBasis b;
  auto refs_r = reference_trees(p);
  if (!refs_r.ok()) return make_error(refs_r.error().code, "this part's reference could not be built: " + refs_r.error().message);
  b.refs = std::move(refs_r).value();
  auto pts_r = sample(p, &ex, params, env, b.refs, budget);
  if (!pts_r.ok()) return make_error(pts_r.error().code, "this part's reference could not be computed: " + pts_r.error().message);
  b.pts = std::move(pts_r).value();
  for (const auto& r : b.refs) {
    auto v = values_at(*r, b.pts.author, b.pts.where, o);
    if (!v.ok()) return make_error(v.error().code, "this part's reference could not be computed: " + v.error().message);
    b.ref_values.push_back(std::move(v).value());
  }
  for (std::size_t k = 0; k < b.refs.size(); ++k) {
    const bool by_number = constant_over(b.ref_values[k]) && p.steps[k].constant == Constant::None;
    b.comparators.push_back(by_number ? std::optional<Comparator>(step_comparator(p, p.steps[k], b.refs, k, b.ref_values[k], b.pts, env, o))
                                      : std::nullopt);
  }
  return b;
}

Verdict check_derivation(const Exercise& ex, const Part& p, const Environment& env, const Result<DerivationBasis>& basis,
                         const std::string& answer) {
  const std::size_t n = p.steps.size();
  const auto lines = derivation_lines(answer);
  if (lines.empty()) return invalid("the answer is empty: write the derivation's " + std::to_string(n) + " steps, one per line");
  if (lines.size() > n)
    return invalid("this derivation has " + std::to_string(n) + " step" + (n == 1 ? "" : "s") + " but your answer has " +
                   std::to_string(lines.size()) + " (one step per line, or separated by ';')");
  if (!basis.ok()) return invalid(basis.error().message);
  // One budget for the learner's side of the check: every step, point, mistake and rewrite charges it.
  Budget budget;
  EvalOptions author;
  author.budget = &budget;
  EvalOptions learner = author;
  learner.forbidden = &p.forbidden;
  const std::vector<NodePtr>& refs = basis.value().refs;
  const Points& pts = basis.value().pts;
  const std::vector<std::vector<Value>>& ref_values = basis.value().ref_values;

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
      s = invalid("unknown name '" + name + "': " +
                  (vars.empty() ? std::string("this step is a number or vector (it may use the exercise's names)")
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
      s = make_verdict(VerdictKind::Correct,
                       st.constant == Constant::Additive ? "Correct (up to an additive constant, which this step allows)."
                       : st.constant == Constant::Factor ? "Correct (up to a constant factor, which this step allows)."
                                                         : "Correct.");
      s.answer_text = to_string(*tree);
      continue;
    }
    // A step that is a number (or vector) for this variant may be typed rounded: it is judged by the
    // distance alone, in the radii of the one tolerance model, never by how many digits were typed.
    const bool ref_constant = constant_over(ref);
    const auto& cmp = basis.value().comparators[k];
    const Comparator* numeric_cmp = cmp ? &*cmp : nullptr;
    if (same_step(my, ref, st.constant, numeric_cmp)) {
      s = make_verdict(VerdictKind::Correct, "Correct to the digits you gave.");
      s.answer_text = to_string(*tree);
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
        const bool follows = ev.ok() && same_step(my, ev.value(), st.constant, numeric_cmp);
        if (follows && carried.empty()) {
          s = make_verdict(VerdictKind::Correct, "Correct: the right step from what you had before.");
          s.answer_text = to_string(*tree);
          continue;
        }
        if (follows) {
          const std::string which = step_list(carried);
          s = make_verdict(VerdictKind::CorrectGivenEarlier,
                           "Correct given your step " + which +
                               ": this step does the right thing to what you had. The difference comes from step " + which +
                               "; fix it and this follows.");
          s.answer_text = to_string(*tree);
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
        if (!wv.ok() || equivalent(wv.value(), ref, st.constant) || !same_step(my, wv.value(), st.constant, numeric_cmp)) continue;
        s.kind = VerdictKind::Incorrect;
        s.mistake = "author:" + std::to_string(m + 1);
        give_feedback(s, st.mistakes[m].feedback, env);
        named = true;
      }
    }
    if (named) continue;
    for (const auto& rw : library_rewrites(refs[k], env)) {
      if (std::string(rw.spec->id) == "log_base_10" || std::string(rw.spec->id) == "temperature_missing") continue;
      auto wv = values_at(*rw.expr, pts.author, pts.where, author);
      if (!wv.ok() || equivalent(wv.value(), ref, st.constant) || !same_step(my, wv.value(), st.constant, numeric_cmp)) continue;
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
    const bool numeric_step = numeric_cmp && constant_over(my);
    if (my[0].is_vector()) {
      if (numeric_step) {
        const Bands b = step_bands(*numeric_cmp, ref[0]);
        s.wrong_components = compare_values(*numeric_cmp, my[0], ref[0], &b).off;
      } else {
        const auto x = numbers(my[at]), y = numbers(ref[at]);
        for (std::size_t j = 0; j < x.size(); ++j)
          if (!equivalent({Value(x[j])}, {Value(y[j])}, Constant::None)) s.wrong_components.push_back(static_cast<int>(j) + 1);
      }
    }
    // Feedback only (the kind is settled): a typed number that is right as far as its digits go.
    std::vector<Precision> typed;
    bool too_coarse = numeric_step && typed_values(text, typed);
    if (too_coarse) {
      const auto x = numbers(my[0]), y = numbers(ref[0]);
      too_coarse = typed.size() == x.size();
      for (std::size_t j = 0; j < x.size() && too_coarse; ++j) too_coarse = std::fabs(x[j] - y[j]) <= typed[j].half_unit * (1 + 1e-9);
    }
    if (too_coarse) {
      int digits = 1;
      for (double r : numbers(ref[0])) digits = std::max(digits, numeric_cmp->digits_needed(r));
      s.feedback = "Too few digits to check: give this step with at least " + std::to_string(digits) + " significant figures.";
    } else if (st.constant != Constant::None) {
      s.feedback = std::string("Not equal to this step, even up to ") +
                   (st.constant == Constant::Additive ? "an additive constant" : "a constant factor") +
                   ": it depends on the variables differently.";
    } else if (p.variables.empty() || pts.where[at].empty() || ref_constant) {
      s.feedback =
          my[0].is_vector() && !s.wrong_components.empty()
              ? "Not what this step gives: entr" + std::string(s.wrong_components.size() == 1 ? "y " : "ies ") +
                    [&] {
                      std::string c;
                      for (std::size_t i = 0; i < s.wrong_components.size(); ++i)
                        c += (i ? (i + 1 == s.wrong_components.size() ? " and " : ", ") : "") + std::to_string(s.wrong_components[i]);
                      return c;
                    }() +
                    (s.wrong_components.size() == 1 ? " is" : " are") + " off."
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
  for (std::size_t k = 0; k < n; ++k)
    texts += (k ? "; " : "") + (mine[k] ? steps[k].answer_text : std::string(k < lines.size() ? lines[k] : ""));
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
    v.score = verdict_info(VerdictKind::Invalid).score;
    return v;
  }
  // A derivation's score is the mean of its steps' (the verdict table's scores for each step's kind).
  v.score = total / static_cast<double>(n);
  if (correct == n) {
    Verdict all = make_verdict(VerdictKind::Correct, "Correct: all " + std::to_string(n) + " steps.");
    all.steps = std::move(v.steps);
    all.answer_text = v.answer_text;
    return all;
  }
  if (first_wrong < 0 && first_carried < 0) {
    // Every step given so far is right; the rest are still empty. Not a wrong answer.
    v.kind = VerdictKind::Invalid;
    v.score = verdict_info(VerdictKind::Invalid).score;
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
