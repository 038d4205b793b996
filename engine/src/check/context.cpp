// The part context a check runs in (exercise, variant scopes, earlier parts) and the helpers every
// stage shares.
#include <algorithm>
#include <cmath>

#include "check/internal.hpp"
#include "check/mistakes_internal.hpp"
#include "notebook/variants_internal.hpp"

namespace kl {
namespace detail {

std::string components_text(const std::vector<int>& off) {
  std::string s;
  for (std::size_t i = 0; i < off.size(); ++i) {
    if (i) s += i + 1 == off.size() ? " and " : ", ";
    s += std::to_string(off[i]);
  }
  return s;
}

std::string ordinal(int n) {
  const char* suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
  return std::to_string(n) + suffix;
}

void give_feedback(Verdict& v, const TextTemplate& t, const Environment& env) {
  auto slots = slot_values(t, env);
  auto text = render(t, env);
  if (slots.ok()) v.slots = slots.value();
  v.feedback = text.ok() ? text.value() : t.text;
}

Verdict invalid(std::string message, int column) {
  Verdict v = make_verdict(VerdictKind::Invalid, std::move(message));
  v.column = column;
  return v;
}

// Replaces names of earlier parts with their reference expressions, so the mistake library can see
// e.g. the softmax calls inside kl(pT, pS).
NodePtr inline_parts(const NodePtr& n, const std::map<std::string, NodePtr>& defs, int depth) {
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

Environment learner_scope(const Exercise& ex, const Environment& params) {
  Environment env;
  for (const auto& p : ex.params) {
    auto it = params.find(p.name);
    if (it != params.end()) env[p.name] = it->second;
  }
  return env;
}

double stderr_of(const Part& p, const Environment& env) {
  if (p.tolerance.mode != Tolerance::Mode::StdErr || !p.tolerance.stderr_expr) return 0.0;
  auto se = evaluate(*p.tolerance.stderr_expr, env);
  return se.ok() && se.value().is_number() ? se.value().number() : 0.0;
}

std::map<std::string, NodePtr> PartContext::earlier_defs() const {
  std::map<std::string, NodePtr> defs;
  for (std::size_t i = 0; i < index; ++i)
    if (!ex->parts[i].name.empty() && ex->parts[i].answer) defs[ex->parts[i].name] = ex->parts[i].answer;
  return defs;
}

Result<ExerciseScope> exercise_scope_of(const Notebook& nb, const Environment& base, const Exercise& ex, std::uint64_t seed) {
  ExerciseScope s;
  s.ex = &ex;
  KL_TRY(s.params, params_scope(nb, base, ex, seed));
  auto all = bind_parts(ex, s.params, {}, ex.parts.size(), &s.named);
  if (all.ok()) {
    s.bound = ex.parts.size();
  } else {
    s.error = all.error();
    s.bound = 0;
    while (s.bound < ex.parts.size() && ex.parts[s.bound].line != s.error.line) ++s.bound;
  }
  return s;
}

Result<PartContext> context(const ExerciseScope& s, const Part& part) {
  PartContext c;
  c.ex = s.ex;
  c.part = &part;
  c.index = static_cast<std::size_t>(&part - s.ex->parts.data());
  if (c.index > s.bound) return s.error;
  c.params = s.params;
  c.env = s.params;
  for (const auto& [i, v] : s.named) {
    if (i >= c.index) break;
    c.env[s.ex->parts[i].name] = v;
  }
  return c;
}

std::vector<AppliedMistake> applied_mistakes(const PartContext& c, const Value& ref) {
  std::vector<Rewrite> rewrites = library_rewrites(c.part->answer, c.env);
  const NodePtr inlined = inline_parts(c.part->answer, c.earlier_defs());
  if (!same_tree(*inlined, *c.part->answer))
    for (auto& r : library_rewrites(inlined, c.env)) rewrites.push_back(std::move(r));
  const Quantity quantity = quantity_of(*inlined);
  std::vector<AppliedMistake> out;
  const Comparator tight = Comparator::exact();
  // Indistinguishable from the answer: within the tightest radius the part's tolerance can come to.
  const Comparator own = c.part->tolerance.mode == Tolerance::Mode::Auto ? Comparator::sigfigs(kMaxAutoSigFigs)
                                                                         : Comparator(c.part->tolerance, stderr_of(*c.part, c.env));
  for (const auto& r : rewrites) {
    auto v = evaluate(*r.expr, c.env);
    if (!v.ok() || !same_shape(v.value(), ref)) continue;
    const auto xs = numbers(v.value());
    if (!std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); })) continue;
    // Indistinguishable from the answer here: the part's own tolerance would accept it.
    if (matches(tight, v.value(), ref) || matches(own, v.value(), ref)) continue;
    bool accepted = false;
    for (const auto& a : c.part->accept) {
      auto av = evaluate(*a, c.env);
      if (av.ok() && same_shape(av.value(), v.value()) && matches(own, v.value(), av.value())) accepted = true;
    }
    if (accepted) continue;  // another correct form of the answer
    bool seen = false;
    for (const auto& o : out)
      if (matches(tight, v.value(), o.value)) seen = true;
    if (seen) continue;
    out.push_back({r.spec->id, r.spec->name, "", v.value(), r.expr, feedback_for(*r.spec, quantity)});
  }
  return out;
}

std::vector<AuthorValue> author_values(const PartContext& c, const Value& ref) {
  std::vector<AuthorValue> out;
  for (std::size_t i = 0; i < c.part->mistakes.size(); ++i) {
    auto mv = evaluate(*c.part->mistakes[i].expr, c.env);
    if (!mv.ok() || !same_shape(mv.value(), ref)) continue;
    if (matches(Comparator::exact(), mv.value(), ref)) continue;  // the reference itself in this variant
    out.push_back({i, mv.value()});
  }
  return out;
}

}  // namespace detail
}  // namespace kl
