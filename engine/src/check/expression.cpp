// Expression answers: a formula in the part's free variables, compared with the reference at sample
// points (up to an additive constant where the part allows one), with the author's and the library's
// mistakes recognised the same way.
#include <cmath>

#include "check/internal.hpp"
#include "check/mistakes_internal.hpp"

namespace kl {
namespace detail {

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
  Verdict v = make_verdict(VerdictKind::Incorrect);
  v.answer_text = to_string(*learner);
  if (same(mine, ref)) {
    v = make_verdict(VerdictKind::Correct);
    v.answer_text = to_string(*learner);
    v.feedback = p.up_to_constant ? "Correct (equal up to an additive constant, which does not depend on the variables)." : "Correct: your expression agrees with the answer everywhere it was tested.";
    return v;
  }
  EvalOptions plain;
  std::vector<double> vals;
  for (std::size_t k = 0; k < p.mistakes.size(); ++k) {
    if (!values_of(*p.mistakes[k].expr, vals, nullptr, plain) || same(vals, ref) || !same(mine, vals)) continue;
    v.mistake = "author:" + std::to_string(k + 1);
    give_feedback(v, p.mistakes[k].feedback, points[0].env);
    return v;
  }
  for (const auto& r : library_rewrites(p.answer, env)) {
    const std::string id = r.spec->id;
    if (id == "log_base_10" || id == "temperature_missing") continue;
    if (!values_of(*r.expr, vals, nullptr, plain) || same(vals, ref) || !same(mine, vals)) continue;
    v.mistake = r.spec->id;
    v.mistake_name = r.spec->name;
    v.feedback = r.spec->feedback;
    return v;
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
