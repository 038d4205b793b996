// The checker: one notebook's authored environment, per-(part, seed) caches, and the dispatch of a
// check to its pipeline (numeric stages, expressions, choices). The stages live in their own files
// (check/internal.hpp lists them).
#include "kl/check.hpp"

#include <algorithm>
#include <cmath>

#include "check/derivation_internal.hpp"  // [derivation]
#include "check/internal.hpp"
#include "check/mistakes_internal.hpp"
#include "notebook/variants_internal.hpp"

namespace kl {

using detail::PartContext;

Result<Checker> Checker::create(const Notebook& nb) {
  KL_TRY(Environment base, authored_environment(nb));
  return Checker(nb, std::move(base));
}

Result<Environment> Checker::scope(const std::string& exercise, std::uint64_t seed) const {
  KL_TRY(const Exercise* ex, nb_.find_exercise(exercise));
  return exercise_scope(nb_, base_, *ex, seed);
}

// ---- caches --------------------------------------------------------------------------------

struct Checker::Cache {
  using Key = std::pair<std::string, std::uint64_t>;
  static constexpr std::size_t kMaxEntries = 512;
  std::map<Key, std::shared_ptr<const detail::ExerciseScope>> scopes;  // (exercise, seed)
  std::map<Key, std::shared_ptr<const PartContext>> contexts;          // (part, seed)
  std::map<Key, std::shared_ptr<const std::vector<AppliedMistake>>> mistakes;
  std::map<Key, std::shared_ptr<const std::vector<detail::AuthorValue>>> authored;
  std::map<Key, std::shared_ptr<const Result<detail::DerivationBasis>>> derivations;
  std::map<Key, std::shared_ptr<const Value>> references;  // (part, seed)

  Result<std::shared_ptr<const detail::ExerciseScope>> scope(const Notebook& nb, const Environment& base, const Exercise& ex,
                                                             std::uint64_t seed) {
    const Key key{ex.id, seed};
    auto it = scopes.find(key);
    if (it != scopes.end()) return it->second;
    KL_TRY(detail::ExerciseScope s, detail::exercise_scope_of(nb, base, ex, seed));
    if (scopes.size() >= kMaxEntries) scopes.clear();
    auto shared = std::make_shared<const detail::ExerciseScope>(std::move(s));
    scopes[key] = shared;
    return std::shared_ptr<const detail::ExerciseScope>(shared);
  }

  Result<std::shared_ptr<const PartContext>> context(const Notebook& nb, const Environment& base, const std::string& part,
                                                     std::uint64_t seed) {
    const Key key{part, seed};
    auto it = contexts.find(key);
    if (it != contexts.end()) return it->second;
    KL_TRY(auto found, nb.find_part(part));
    KL_TRY(auto s, scope(nb, base, *found.first, seed));
    KL_TRY(PartContext c, detail::context(*s, *found.second));
    if (contexts.size() >= kMaxEntries) contexts.clear();  // bounded: a learner visits few variants
    auto shared = std::make_shared<const PartContext>(std::move(c));
    contexts[key] = shared;
    return std::shared_ptr<const PartContext>(shared);
  }

  // A part's reference value in a variant: a pure function of (part, seed), and it may be a Monte
  // Carlo estimate (vae-elbo's ex6f2 took 80% of its check time re-evaluating one). Errors are not
  // cached: they are rare and cheap to reproduce.
  Result<Value> reference(const PartContext& c, std::uint64_t seed) {
    const Key key{c.part->id, seed};
    auto it = references.find(key);
    if (it != references.end()) return *it->second;
    KL_TRY(Value v, evaluate(*c.part->answer, c.env));
    if (references.size() >= kMaxEntries) references.clear();
    auto shared = std::make_shared<const Value>(std::move(v));
    references[key] = shared;
    return *shared;
  }

  const std::vector<AppliedMistake>& applied(const PartContext& c, const Value& ref, std::uint64_t seed) {
    const Key key{c.part->id, seed};
    auto it = mistakes.find(key);
    if (it != mistakes.end()) return *it->second;
    if (mistakes.size() >= kMaxEntries) mistakes.clear();
    auto shared = std::make_shared<const std::vector<AppliedMistake>>(detail::applied_mistakes(c, ref));
    mistakes[key] = shared;
    return *shared;
  }

  const Result<detail::DerivationBasis>& derivation(const PartContext& c, std::uint64_t seed) {
    const Key key{c.part->id, seed};
    auto it = derivations.find(key);
    if (it != derivations.end()) return *it->second;
    if (derivations.size() >= kMaxEntries) derivations.clear();
    auto shared = std::make_shared<const Result<detail::DerivationBasis>>(detail::derivation_basis(*c.ex, *c.part, c.params, c.env));
    derivations[key] = shared;
    return *shared;
  }

  const std::vector<detail::AuthorValue>& author(const PartContext& c, const Value& ref, std::uint64_t seed) {
    const Key key{c.part->id, seed};
    auto it = authored.find(key);
    if (it != authored.end()) return *it->second;
    if (authored.size() >= kMaxEntries) authored.clear();
    auto shared = std::make_shared<const std::vector<detail::AuthorValue>>(detail::author_values(c, ref));
    authored[key] = shared;
    return *shared;
  }
};

Checker::Checker(Notebook nb, Environment base) : nb_(std::move(nb)), base_(std::move(base)), cache_(std::make_shared<Cache>()) {}

Result<Value> Checker::reference(const std::string& part, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (!c.part->answer)
    return make_error(ErrorCode::Type, part + " is a " + answer_kind_name(c.part->kind) + " part: it has no single reference value");
  return cache_->reference(c, seed);
}

Result<std::vector<AppliedMistake>> Checker::author_mistakes(const std::string& part, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (c.part->kind == AnswerKind::Derivation) return detail::derivation_mistakes(*c.part);  // [derivation] per step
  std::vector<AppliedMistake> out;
  for (std::size_t k = 0; k < c.part->mistakes.size(); ++k) {
    const AuthorMistake& m = c.part->mistakes[k];
    if (c.part->kind == AnswerKind::Expression) {
      out.push_back({"author:" + std::to_string(k + 1), "", to_string(*m.expr), Value(), m.expr, m.feedback.text});
      continue;
    }
    auto v = evaluate(*m.expr, c.env);
    if (v.ok()) out.push_back({"author:" + std::to_string(k + 1), "", to_string(*m.expr), v.value(), m.expr, m.feedback.text});
  }
  return out;
}

Result<std::string> Checker::reference_expression(const std::string& part) const {
  KL_TRY(auto found, nb_.find_part(part));
  // [derivation] the steps, separated by "; "
  if (found.second->kind == AnswerKind::Derivation) return detail::derivation_reference_text(*found.second);
  if (!found.second->answer) return make_error(ErrorCode::Type, part + " is a choice part");
  std::map<std::string, NodePtr> defs;
  for (const auto& q : found.first->parts) {
    if (&q == found.second) break;
    if (!q.name.empty() && q.answer && q.kind != AnswerKind::Expression) defs[q.name] = q.answer;
  }
  return to_string(*detail::inline_parts(found.second->answer, defs));
}

Result<std::vector<AppliedMistake>> Checker::library_mistakes(const std::string& part, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (!c.part->answer || c.part->kind == AnswerKind::Expression) return std::vector<AppliedMistake>{};
  KL_TRY(Value ref, cache_->reference(c, seed));
  std::vector<AppliedMistake> out = cache_->applied(c, ref, seed);
  for (auto& m : out) m.expression = to_string(*m.tree);
  return out;
}

namespace {

// A numeric part's comparator and radii in a variant: the declared tolerance (or the default, made
// tighter where an anticipated mistake needs it), the close radius ending before every mistake.
struct Radii {
  detail::Comparator cmp;
  detail::Bands bands;
};

Radii radii_of(const PartContext& c, const Value& ref, const std::vector<AppliedMistake>& library,
               const std::vector<detail::AuthorValue>& authored) {
  using namespace detail;
  std::vector<Value> anticipated;
  for (const auto& a : authored) anticipated.push_back(a.value);
  for (const auto& l : library) anticipated.push_back(l.value);
  const Comparator cmp = effective_comparator(Comparator(c.part->tolerance, stderr_of(*c.part, c.env)), ref, anticipated);
  return {cmp, bands_around(cmp, ref, anticipated)};
}

}  // namespace

Result<AnswerPreview> Checker::preview(const std::string& part, const std::string& answer, std::uint64_t seed) const {
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (!c.part->answer || c.part->kind == AnswerKind::Expression) return detail::preview_answer(c, answer, nullptr, 0);
  KL_TRY(Value ref, cache_->reference(c, seed));
  int digits = 0;
  if (c.part->tolerance.mode == Tolerance::Mode::Auto || c.part->tolerance.mode == Tolerance::Mode::SigFigs) {
    auto info = tolerance(part, seed);
    if (info.ok()) digits = info.value().digits;
  }
  return detail::preview_answer(c, answer, &ref, digits);
}

Result<ToleranceInfo> Checker::tolerance(const std::string& part, std::uint64_t seed) const {
  using namespace detail;
  KL_TRY(auto cp, cache_->context(nb_, base_, part, seed));
  const PartContext& c = *cp;
  if (!c.part->answer || c.part->kind == AnswerKind::Expression)
    return make_error(ErrorCode::Type, part + " is not a numeric part: it has no tolerance");
  KL_TRY(Value ref, cache_->reference(c, seed));
  const Radii r = radii_of(c, ref, cache_->applied(c, ref, seed), cache_->author(c, ref, seed));
  ToleranceInfo out;
  switch (r.cmp.tolerance().mode) {
    case Tolerance::Mode::Relative: out.mode = "rel"; break;
    case Tolerance::Mode::Absolute: out.mode = "abs"; break;
    case Tolerance::Mode::StdErr: out.mode = "stderr"; break;
    default: out.mode = "sigfigs"; break;
  }
  out.digits = 1;
  for (double x : numbers(ref)) out.digits = std::max(out.digits, r.cmp.digits_needed(x));
  out.radius = r.bands.correct;
  out.close_ratio = r.bands.close_ratio;
  out.standard_error = r.cmp.standard_error();
  out.text = tolerance_text(r.cmp, ref);
  return out;
}

Verdict Checker::check(const std::string& part_id, const std::string& answer, std::uint64_t seed,
                       const std::map<std::string, std::string>& earlier) const {
  using namespace detail;
  auto ctx = cache_->context(nb_, base_, part_id, seed);
  if (!ctx.ok()) return invalid(ctx.error().message);
  const PartContext& c = *ctx.value();
  const Part& p = *c.part;
  if (answer.size() > kMaxAnswerLength)
    return invalid("the answer is too long: the limit is " + std::to_string(kMaxAnswerLength) + " characters");
  if (p.kind == AnswerKind::Choice) return check_choice(p, answer, c.env);
  // [derivation] step-by-step checking lives in derivation.cpp
  if (p.kind == AnswerKind::Derivation) return detail::check_derivation(*c.ex, p, c.env, cache_->derivation(c, seed), answer);
  if (trim(answer).empty()) return invalid("the answer is empty");
  auto parsed = parse_expression(answer);
  if (!parsed.ok()) return invalid(parsed.error().message, parsed.error().column);
  if (p.kind == AnswerKind::Expression) return check_expression(p, parsed.value(), learner_scope(*c.ex, c.params), p.forbidden, p.id);

  EvalOptions opts;
  opts.forbidden = &p.forbidden;
  auto learner = evaluate(*parsed.value(), learner_scope(*c.ex, c.params), opts);
  if (!learner.ok()) {
    const Error& e = learner.error();
    return invalid(e.code == ErrorCode::UnknownName ? e.message + " (answers may use numbers and the exercise's parameters)" : e.message,
                   e.column);
  }
  auto ref = cache_->reference(c, seed);
  if (!ref.ok()) return invalid("this part's reference could not be computed: " + ref.error().message);
  if (auto v = stage_shape(learner.value(), ref.value())) return *v;

  const Value& x = learner.value();
  NumericCheck k{c,
                 answer,
                 earlier,
                 x,
                 ref.value(),
                 precisions_of(answer, x),
                 Comparator(p.tolerance, stderr_of(p, c.env)),
                 ValueMatch{},
                 nullptr,
                 nullptr,
                 VerdictKind::Incorrect};
  // Within the tightest radius the tolerance can come to, the answer is right whatever mistakes the
  // part anticipates: no need to compute them (most checks of a class's right answers stop here).
  if (p.tolerance.mode == Tolerance::Mode::Auto) k.cmp = Comparator::sigfigs(kMaxAutoSigFigs);
  k.m = compare_values(k.cmp, k.x, k.ref);
  if (k.m.overall == Match::Within) return *stage_correct(k);
  const auto& library = cache_->applied(c, k.ref, seed);
  const auto& authored = cache_->author(c, k.ref, seed);
  const Radii radii = radii_of(c, k.ref, library, authored);
  k.cmp = radii.cmp;
  k.library = &library;
  k.authored = &authored;
  k.m = compare_values(k.cmp, k.x, k.ref, &radii.bands);
  for (auto stage : {stage_correct, stage_error_carried_forward})
    if (auto v = stage(k)) return *v;
  k.kind = k.m.overall == Match::Close ? VerdictKind::Close : VerdictKind::Incorrect;
  for (auto stage :
       {stage_author_mistakes, stage_library_mistakes, stage_not_distribution, stage_negative_divergence, stage_too_few_digits})
    if (auto v = stage(k)) return *v;
  return stage_close_or_incorrect(k);
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
  if (p.kind == AnswerKind::Choice) out.choice_order = detail::choice_order(nb_, p, seed);
  return out;
}

Result<ExerciseSlots> Checker::exercise_slots(const std::string& exercise, std::uint64_t seed) const {
  KL_TRY(const Exercise* ex, nb_.find_exercise(exercise));
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
    if (p.kind == AnswerKind::Choice) ps.order = detail::choice_order(nb_, p, seed);
    out.parts.emplace_back(p.id, std::move(ps));
    env = std::move(texts);
  }
  return out;
}

}  // namespace kl
