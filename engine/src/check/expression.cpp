// Expression answers: a formula in the part's free variables, compared with the reference at sample
// points (up to an additive constant where the part allows one), with the author's and the library's
// mistakes recognised the same way, and rounded numbers found: when changing only some numbers the
// learner typed makes the formula agree everywhere, the feedback names them.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "check/internal.hpp"
#include "check/mistakes_internal.hpp"

namespace kl {
namespace detail {

namespace {

/// The most numbers of one answer the rounding search corrects at once.
constexpr std::size_t kMaxLiterals = 8;

// The number nodes of a tree that could be rounded constants, in pre-order (at most `limit`): not
// exponents (the 2 of phi^2 is structure, and a non-integer power of a negative base is undefined)
// and not indices.
void collect_numbers(const NodePtr& n, std::vector<const Node*>& out, std::size_t limit) {
  if (out.size() >= limit) return;
  if (n->type == Node::Type::Number) out.push_back(n.get());
  const bool power = n->type == Node::Type::Binary && n->text == "^";
  const bool index = n->type == Node::Type::Index;
  for (std::size_t i = 0; i < n->children.size(); ++i) {
    if ((power && i == 1) || (index && i > 0)) continue;
    collect_numbers(n->children[i], out, limit);
  }
}

// The tree with some number nodes given new values.
NodePtr with_numbers(const NodePtr& n, const std::map<const Node*, double>& values) {
  if (n->type == Node::Type::Number) {
    auto it = values.find(n.get());
    return it == values.end() ? n : make_number(it->second, n->column);
  }
  if (n->children.empty()) return n;
  auto copy = std::make_shared<Node>(*n);
  for (auto& c : copy->children) c = with_numbers(c, values);
  return copy;
}

}  // namespace

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
  // One budget for the whole check: sample points, mistakes and the rounding search.
  Budget budget;
  Rng rng(variant_rng_seed("expression", part_id, 0));
  EvalOptions opts;
  opts.forbidden = &forbidden;
  opts.budget = &budget;
  EvalOptions plain;
  plain.budget = &budget;
  struct Point {
    Environment env;
    double ref;
  };
  std::vector<Point> points;
  for (int k = 0; k < 40 && points.size() < 16; ++k) {
    Environment e = env;
    for (const auto& var : p.variables) e[var.name] = Value(var.lo + (var.hi - var.lo) * rng.uniform());
    auto r = evaluate(*p.answer, e, plain);
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
  Verdict v = make_verdict(VerdictKind::Incorrect);
  v.answer_text = to_string(*learner);
  if (same(mine, ref)) {
    v = make_verdict(VerdictKind::Correct);
    v.answer_text = to_string(*learner);
    v.feedback = p.up_to_constant ? "Correct (equal up to an additive constant, which does not depend on the variables)."
                                  : "Correct: your expression agrees with the answer everywhere it was tested.";
    return v;
  }
  std::vector<double> vals;
  for (std::size_t k = 0; k < p.mistakes.size(); ++k) {
    if (!values_of(*p.mistakes[k].expr, vals, nullptr, plain) || same(vals, ref) || !same(mine, vals)) continue;
    v.mistake = "author:" + std::to_string(k + 1);
    give_feedback(v, p.mistakes[k].feedback, points[0].env);
    return v;
  }
  const Quantity quantity = quantity_of(*p.answer);
  for (const auto& r : library_rewrites(p.answer, env)) {
    const std::string id = r.spec->id;
    if (id == "log_base_10" || id == "temperature_missing") continue;
    if (!values_of(*r.expr, vals, nullptr, plain) || same(vals, ref) || !same(mine, vals)) continue;
    v.mistake = r.spec->id;
    v.mistake_name = r.spec->name;
    v.feedback = feedback_for(*r.spec, quantity);
    return v;
  }

  // Numbers off: find the fewest of the learner's numbers whose correction makes the formula agree.
  // Linear in each number for sums and coefficients (the usual case), so a least-squares step on
  // finite differences finds the correction; a few Gauss-Newton steps handle a number inside ln or
  // exp. Every candidate is verified by evaluating the corrected formula at all points.
  std::vector<const Node*> lits;
  collect_numbers(learner, lits, kMaxLiterals + 1);
  if (!lits.empty() && lits.size() <= kMaxLiterals) {
    const std::size_t n = points.size(), m = lits.size();
    auto residual = [&](const std::vector<double>& f) {
      Eigen::VectorXd r(static_cast<Eigen::Index>(n));
      for (std::size_t i = 0; i < n; ++i) r[static_cast<Eigen::Index>(i)] = f[i] - ref[i];
      return r;
    };
    // Solves for corrections of the numbers in `use` (plus a constant when the part allows one).
    auto solve = [&](const std::vector<std::size_t>& use, std::map<const Node*, double>& fixed) {
      std::map<const Node*, double> cur;
      for (std::size_t j : use) cur[lits[j]] = lits[j]->number;
      std::vector<double> f = mine;
      for (int iter = 0; iter < 4; ++iter) {
        const Eigen::VectorXd r = residual(f);
        const Eigen::Index cols = static_cast<Eigen::Index>(use.size() + (p.up_to_constant ? 1 : 0));
        Eigen::MatrixXd J(static_cast<Eigen::Index>(n), cols);
        for (std::size_t c = 0; c < use.size(); ++c) {
          const Node* lit = lits[use[c]];
          const double h = 1e-6 * std::max(std::fabs(cur[lit]), 1e-3);
          auto nudged = cur;
          nudged[lit] += h;
          if (!values_of(*with_numbers(learner, nudged), vals, nullptr, opts)) return false;
          for (std::size_t i = 0; i < n; ++i) J(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = (vals[i] - f[i]) / h;
        }
        if (p.up_to_constant) J.col(cols - 1).setOnes();
        const Eigen::VectorXd delta = J.completeOrthogonalDecomposition().solve(-r);
        if (!delta.allFinite()) return false;
        for (std::size_t c = 0; c < use.size(); ++c) cur[lits[use[c]]] += delta[static_cast<Eigen::Index>(c)];
        if (!values_of(*with_numbers(learner, cur), f, nullptr, opts)) return false;
        if (same(f, ref)) {
          fixed = cur;
          return true;
        }
      }
      return false;
    };
    std::map<const Node*, double> fixed;
    bool found = false;
    for (std::size_t j = 0; j < m && !found && !budget.exhausted(); ++j) found = solve({j}, fixed);
    if (!found && m > 1 && !budget.exhausted()) {
      std::vector<std::size_t> all(m);
      for (std::size_t j = 0; j < m; ++j) all[j] = j;
      found = solve(all, fixed);
    }
    if (found) {
      // The numbers that changed, each judged by the part's tolerance against its corrected value.
      const Comparator cmp(p.tolerance, 0);
      std::vector<std::string> said;
      bool all_close = true, all_rounded = true;
      for (const Node* lit : lits) {
        auto it = fixed.find(lit);
        if (it == fixed.end()) continue;
        const double typed = lit->number, right = it->second;
        if (std::fabs(typed - right) <= 1e-9 * std::max(std::fabs(right), 1e-300)) continue;
        const Match mt = cmp.bands(Value(right)).classify(std::fabs(typed - right) / cmp.radius(right));
        all_close = all_close && mt != Match::Off;
        const std::string text = shortest_number(typed);
        Precision prec;
        const int place = literal_precision(text, prec) ? prec.place : decimal_exponent(std::max(std::fabs(typed), 1e-300)) - 5;
        const int digit = first_differing_digit(typed, right, place);
        all_rounded = all_rounded && digit == 0 && prec.half_unit > 0 && std::fabs(typed - right) <= prec.half_unit * (1 + 1e-9);
        said.push_back(digit > 0 ? "the number " + text + " (off in its " + ordinal(digit) + " significant digit)"
                                 : "the number " + text + " (right to the digits given, but rounded)");
      }
      if (!said.empty()) {
        std::string list;
        for (std::size_t i = 0; i < said.size(); ++i) list += (i ? (i + 1 == said.size() ? " and " : ", ") : "") + said[i];
        const bool one = said.size() == 1;
        if (all_close) {
          v = make_verdict(VerdictKind::Close);
          v.mistake = "rounded_number";
          v.mistake_name = "a rounded number in a formula";
          v.feedback = "Close: your formula is right except for " + list + ": with " + (one ? "that number" : "those numbers") +
                       " exact it agrees with the answer everywhere it was tested. " +
                       (all_rounded ? "A formula must be exact: write such a number as an expression, or give all its digits."
                                    : "Keep full precision: write such a number as an expression, or give all its digits.");
        } else {
          v.mistake = "wrong_number";
          v.mistake_name = "a wrong number in a formula";
          v.feedback = "Not correct, but only " + list + (one ? " is" : " are") + " wrong: changing " + (one ? "it" : "them") +
                       " alone would make your formula agree with the answer everywhere it was tested. Check how you got " +
                       (one ? "it." : "them.");
        }
        v.answer_text = to_string(*learner);
        return v;
      }
    }
  }

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

}  // namespace detail
}  // namespace kl
