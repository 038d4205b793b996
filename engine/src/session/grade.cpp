// Grading a record: every attempt re-checked with the learner's seed and their own earlier answers
// (error-carried-forward grades as it did on the page), the policy and penalties applied, and stored
// verdicts used for nothing but flagging the ones that disagree with the re-check.
#include <algorithm>
#include <cmath>

#include "kl/session.hpp"

namespace kl {

namespace {

struct Candidate {
  std::uint64_t seed;
  std::size_t order;  // position among the part's attempts in file order (a tie-breaker)
  const Attempt* attempt;
};

// The learner's answers of the parts before `part` as they stood when `at` was checked: the last
// attempt of each earlier part in the same variant no later than `at` (by time when both have one).
std::map<std::string, std::string> earlier_at(const Exercise& ex, const Part& part, const VariantRecord& v, const Attempt& at) {
  std::map<std::string, std::string> out;
  for (const auto& q : ex.parts) {
    if (&q == &part) break;
    auto it = v.parts.find(q.id);
    if (it == v.parts.end() || it->second.attempts.empty()) continue;
    const Attempt* chosen = nullptr;
    for (const auto& a : it->second.attempts)
      if (at.time.empty() || a.time.empty() || a.time <= at.time) chosen = &a;
    if (chosen) out[q.id] = chosen->answer;
  }
  return out;
}

double penalised(double score, const Attempt& a, const GradeOptions& o) {
  const double factor = 1.0 - o.hint_penalty * a.hints - (a.solution ? o.solution_penalty : 0.0);
  return score * std::max(0.0, std::min(1.0, factor));
}

}  // namespace

GradeRow grade_record(const Checker& checker, const LoadedRecord& loaded, const GradeOptions& o) {
  const Notebook& nb = checker.notebook();
  const Record& r = loaded.record;
  GradeRow row;
  row.learner = r.learner;
  row.notebook = nb.id;
  for (const auto& id : loaded.dropped_parts) row.flags.push_back("unknown-part:" + id);
  if (!r.notebook_hash.empty() && r.notebook_hash != notebook_hash(nb)) row.flags.push_back("notebook-changed");
  for (const auto& ex : nb.exercises) {
    const ExerciseRecord* er = nullptr;
    if (auto it = r.exercises.find(ex.id); it != r.exercises.end()) er = &it->second;
    for (const auto& p : ex.parts) {
      PartGrade g;
      g.part = p.id;
      if (auto w = o.weights.find(p.id); w != o.weights.end()) g.weight = w->second;
      std::vector<Candidate> candidates;
      std::size_t order = 0;
      if (er)
        for (const auto& [seed, v] : er->variants)
          if (auto pr = v.parts.find(p.id); pr != v.parts.end())
            for (const auto& a : pr->second.attempts) candidates.push_back({seed, order++, &a});
      std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.attempt->time.empty() || b.attempt->time.empty()) return false;
        return a.attempt->time < b.attempt->time;
      });
      bool chosen = false;
      double best = -1;
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        const Candidate& c = candidates[i];
        const Attempt& a = *c.attempt;
        const VariantRecord& v = er->variants.at(c.seed);
        const Verdict verdict = checker.check(p.id, a.answer, c.seed, earlier_at(ex, p, v, a));
        if ((!a.verdict.empty() && a.verdict != verdict_name(verdict.kind)) || (a.has_score && std::fabs(a.score - verdict.score) > 1e-9))
          g.tampered = true;
        const double credit = penalised(verdict.score, a, o);
        const bool take = o.policy == GradePolicy::First  ? i == 0
                          : o.policy == GradePolicy::Last ? i + 1 == candidates.size()
                                                          : credit > best;
        if (!take) continue;
        best = credit;
        chosen = true;
        g.credit = credit;
        g.seed = c.seed;
        g.answer = a.answer;
        g.verdict = verdict;
        g.hints = a.hints;
        g.solution = a.solution;
      }
      g.attempted = chosen;
      if (g.tampered) row.flags.push_back("tampered:" + p.id);
      row.score += g.weight * g.credit;
      row.max += g.weight;
      row.parts.push_back(std::move(g));
    }
  }
  return row;
}

}  // namespace kl
