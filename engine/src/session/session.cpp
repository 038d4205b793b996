// kl::Session: one loaded notebook (parse report, live cell graph, checker, merged errors) and one
// learner's record of work on it. The JS API and the CLI are thin layers over this object.
#include "kl/session.hpp"

#include <algorithm>

namespace kl {

struct Session::Impl {
  ParseReport report;
  Runtime runtime;
  std::unique_ptr<Checker> checker;
  std::vector<Error> errors;
  Record record;
  std::uint64_t first_seed = 0;  // the variant an untouched exercise starts in

  Impl(std::string_view text, std::string file) : report(parse_notebook(text, file)), runtime(report.notebook) {
    errors = report.errors;
    for (const auto& e : runtime.graph_errors()) errors.push_back(e);
    if (report.errors.empty()) {
      auto c = Checker::create(report.notebook);
      if (c.ok()) {
        checker = std::make_unique<Checker>(std::move(c).value());
      } else {
        // The checker's load error repeats a graph error when there is one.
        const Error& e = c.error();
        const bool repeated =
            std::any_of(errors.begin(), errors.end(), [&](const Error& o) { return o.line == e.line && o.message == e.message; });
        if (!repeated) errors.push_back(e);
      }
    }
    record = empty_record(report.notebook);
  }

  const Notebook& nb() const { return report.notebook; }

  Result<const Checker*> usable_checker() const {
    if (checker) return checker.get();
    return make_error(ErrorCode::Notebook, errors.empty()
                                               ? std::string("this notebook cannot check answers")
                                               : "this notebook has author errors and cannot check answers: " + errors.front().message);
  }

  Result<std::pair<const Exercise*, const Part*>> find(const std::string& part) const { return nb().find_part(part); }

  std::uint64_t seed_of(const std::string& exercise) const {
    auto it = record.exercises.find(exercise);
    return it == record.exercises.end() ? first_seed : it->second.seed;
  }

  // An exercise's record, created in the variant it starts in.
  ExerciseRecord& exercise_record(const std::string& id) {
    auto [it, fresh] = record.exercises.try_emplace(id);
    if (fresh) it->second.seed = first_seed;
    return it->second;
  }

  // The part's record in its exercise's current variant (created on demand).
  PartRecord& part_record(const Exercise& ex, const std::string& part) {
    ExerciseRecord& er = exercise_record(ex.id);
    return er.variants[er.seed].parts[part];
  }
  const PartRecord* peek(const Exercise& ex, const std::string& part) const {
    auto e = record.exercises.find(ex.id);
    if (e == record.exercises.end()) return nullptr;
    auto v = e->second.variants.find(e->second.seed);
    if (v == e->second.variants.end()) return nullptr;
    auto p = v->second.parts.find(part);
    return p == v->second.parts.end() ? nullptr : &p->second;
  }

  // The learner's last checked answers of the parts before `part` in its exercise's current variant.
  std::map<std::string, std::string> earlier(const Exercise& ex, const Part& part) const {
    std::map<std::string, std::string> out;
    for (const auto& q : ex.parts) {
      if (&q == &part) break;
      const PartRecord* pr = peek(ex, q.id);
      if (pr && !pr->attempts.empty()) out[q.id] = pr->attempts.back().answer;
    }
    return out;
  }
};

Session::Session(std::string_view text, std::string file) : impl_(std::make_unique<Impl>(text, std::move(file))) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const Notebook& Session::notebook() const { return impl_->nb(); }
const ParseReport& Session::report() const { return impl_->report; }
const std::vector<Error>& Session::errors() const { return impl_->errors; }
bool Session::usable() const { return impl_->checker != nullptr; }
const Checker* Session::checker() const { return impl_->checker.get(); }
std::vector<Error> Session::validate(int variants) const { return kl::validate(impl_->report, variants); }

std::vector<Error> Session::warnings(int variants) const { return kl::validation_warnings(impl_->report, variants); }

std::vector<CellResult> Session::run_all() { return impl_->runtime.run_all(); }
Result<std::vector<CellResult>> Session::edit_cell(const std::string& cell, const std::string& source) {
  return impl_->runtime.edit(cell, source);
}
Result<std::vector<CellResult>> Session::set_slider(const std::string& name, double value) {
  return impl_->runtime.set_slider(name, value);
}
Result<PlotData> Session::plot(const std::string& cell) const { return impl_->runtime.plot(cell); }

Result<Verdict> Session::check(const std::string& part, const std::string& answer, std::uint64_t seed,
                               const std::map<std::string, std::string>& earlier) const {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(auto found, impl_->find(part));
  (void)found;
  return c->check(part, answer, seed, earlier);
}

Result<PartView> Session::view(const std::string& part, std::uint64_t seed) const {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(auto found, impl_->find(part));
  (void)found;
  return c->view(part, seed);
}

Result<AnswerPreview> Session::preview(const std::string& part, const std::string& answer, std::uint64_t seed) const {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(auto found, impl_->find(part));
  (void)found;
  return c->preview(part, answer, seed);
}

Result<ExerciseSlots> Session::exercise_slots(const std::string& exercise, std::uint64_t seed) const {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(const Exercise* ex, notebook().find_exercise(exercise));
  (void)ex;
  return c->exercise_slots(exercise, seed);
}

// ---- the record ---------------------------------------------------------------------------------

Result<std::vector<std::string>> Session::load_record(std::string_view json) {
  KL_TRY(LoadedRecord loaded, kl::load_record(json, notebook()));
  const std::string hash = notebook_hash(notebook());
  if (!loaded.record.notebook_hash.empty() && loaded.record.notebook_hash != hash)
    loaded.warnings.push_back(
        "the notebook's exercises changed since this record was saved; answers are re-checked against the current version");
  loaded.record.notebook_hash = hash;
  impl_->record = std::move(loaded.record);
  return loaded.warnings;
}

const Record& Session::record() const { return impl_->record; }
std::string Session::record_json() const { return kl::record_json(impl_->record); }

void Session::reset_record() {
  Learner learner = impl_->record.learner;
  impl_->record = empty_record(notebook());
  impl_->record.learner = std::move(learner);
}

Result<bool> Session::set_learner(const Learner& learner, bool personal_variants) {
  if (learner.id.size() > kMaxLearnerText || learner.name.size() > kMaxLearnerText)
    return make_error(ErrorCode::TooLarge, "a learner id or name is at most " + std::to_string(kMaxLearnerText) + " characters");
  Learner& current = impl_->record.learner;
  if (!current.id.empty() && current.id != learner.id) {
    bool any = false;
    for (const auto& [id, ex] : impl_->record.exercises)
      for (const auto& [seed, v] : ex.variants)
        for (const auto& [pid, p] : v.parts) any = any || !p.attempts.empty();
    if (any)
      return make_error(ErrorCode::Storage, "this record holds the work of learner '" + current.id + "', not of '" + learner.id + "'");
  }
  const bool other = current.id != learner.id;
  current.id = learner.id;
  if (other || !learner.name.empty()) current.name = learner.name;
  impl_->first_seed = personal_variants && !learner.id.empty() ? learner_seed(learner.id) : 0;
  return true;
}

Result<std::vector<std::string>> Session::merge_record(std::string_view json) {
  KL_TRY(LoadedRecord loaded, kl::load_record(json, notebook()));
  impl_->record = merge_records(impl_->record, loaded.record);
  impl_->record.notebook_hash = notebook_hash(notebook());
  return loaded.warnings;
}

std::vector<ExerciseState> Session::state() const {
  std::vector<ExerciseState> out;
  for (const auto& ex : notebook().exercises) {
    ExerciseState es;
    es.id = ex.id;
    es.seed = impl_->seed_of(ex.id);
    for (const auto& p : ex.parts) {
      PartState ps;
      ps.id = p.id;
      if (const PartRecord* pr = impl_->peek(ex, p.id)) {
        ps.draft = pr->draft;
        ps.hints = pr->hints;
        ps.solution = pr->solution;
        ps.attempts = static_cast<int>(pr->attempts.size());
        if (!pr->attempts.empty()) ps.checked = pr->attempts.back().answer;
      }
      es.parts.push_back(std::move(ps));
    }
    out.push_back(std::move(es));
  }
  return out;
}

Result<ExerciseState> Session::set_variant(const std::string& exercise, std::uint64_t seed) {
  KL_TRY(const Exercise* ex, notebook().find_exercise(exercise));
  (void)ex;
  if (static_cast<double>(seed) > 9007199254740991.0) return make_error(ErrorCode::Domain, "a variant is a whole number below 2^53");
  ExerciseRecord& er = impl_->exercise_record(exercise);
  if (!er.variants.count(seed) && er.variants.size() >= kMaxVariants) {
    // Make room: drop the oldest variant other than the one shown now.
    auto drop = er.variants.begin();
    if (drop->first == er.seed) ++drop;
    er.variants.erase(drop);
  }
  er.seed = seed;
  for (auto& es : state())
    if (es.id == exercise) return es;
  return make_error(ErrorCode::Internal, "the exercise vanished");
}

Result<bool> Session::set_draft(const std::string& part, const std::string& text) {
  KL_TRY(auto found, impl_->find(part));
  if (text.size() > kMaxAnswerLength)
    return make_error(ErrorCode::TooLarge, "the answer is too long to keep (" + std::to_string(text.size()) + " characters; at most " +
                                               std::to_string(kMaxAnswerLength) + ")");
  impl_->part_record(*found.first, part).draft = text;
  return true;
}

Result<Verdict> Session::submit(const std::string& part, const std::string& answer, const std::string& time) {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(auto found, impl_->find(part));
  if (time.size() > kMaxTimeText)
    return make_error(ErrorCode::TooLarge, "the time of a check is at most " + std::to_string(kMaxTimeText) + " characters");
  const Exercise& ex = *found.first;
  Verdict v = c->check(part, answer, impl_->seed_of(ex.id), impl_->earlier(ex, *found.second));
  // An answer over the length cap is not evaluated and not kept (it could never be re-checked).
  if (answer.size() > kMaxAnswerLength) return v;
  PartRecord& pr = impl_->part_record(ex, part);
  Attempt a;
  a.answer = answer;
  a.time = time;
  a.verdict = verdict_name(v.kind);
  a.score = v.score;
  a.has_score = true;
  a.hints = pr.hints;
  a.solution = pr.solution;
  pr.attempts.push_back(std::move(a));
  if (pr.attempts.size() > kMaxAttempts) pr.attempts.erase(pr.attempts.begin() + 1);  // keep the first
  pr.draft = answer;
  if (!time.empty()) impl_->record.updated = time;
  return v;
}

Result<Verdict> Session::recheck(const std::string& part) const {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(auto found, impl_->find(part));
  const Exercise& ex = *found.first;
  const PartRecord* pr = impl_->peek(ex, part);
  if (!pr || pr->attempts.empty()) return make_error(ErrorCode::UnknownName, "part " + part + " has not been checked in this variant");
  return c->check(part, pr->attempts.back().answer, impl_->seed_of(ex.id), impl_->earlier(ex, *found.second));
}

Result<std::pair<int, std::string>> Session::reveal_hint(const std::string& part) {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(auto found, impl_->find(part));
  const Exercise& ex = *found.first;
  const Part& p = *found.second;
  const int total = hint_count(p);
  if (total == 0) return make_error(ErrorCode::UnknownName, "part " + part + " has no hints");
  KL_TRY(PartView view, c->view(part, impl_->seed_of(ex.id)));
  // The part's own hints, then a derivation's step hints, in that order (hint_count).
  std::vector<std::string> texts = view.hints;
  for (const auto& step : view.step_hints) texts.insert(texts.end(), step.begin(), step.end());
  PartRecord& pr = impl_->part_record(ex, part);
  if (pr.hints < total) ++pr.hints;
  const int index = pr.hints - 1;
  return std::make_pair(index, texts[static_cast<std::size_t>(index)]);
}

Result<bool> Session::drop_part(const std::string& part) {
  KL_TRY(auto found, impl_->find(part));
  const Exercise& ex = *found.first;
  auto e = impl_->record.exercises.find(ex.id);
  if (e == impl_->record.exercises.end()) return false;
  auto v = e->second.variants.find(e->second.seed);
  if (v == e->second.variants.end()) return false;
  return v->second.parts.erase(part) > 0;
}

Result<std::string> Session::reveal_solution(const std::string& part) {
  KL_TRY(const Checker* c, impl_->usable_checker());
  KL_TRY(auto found, impl_->find(part));
  const Exercise& ex = *found.first;
  KL_TRY(PartView view, c->view(part, impl_->seed_of(ex.id)));
  impl_->part_record(ex, part).solution = true;
  return view.solution;
}

std::string Session::export_json(const std::string& exported) const {
  return kl::export_json({impl_->record}, impl_->record.learner, exported);
}

namespace {

// The one record of this notebook in an export file (or a bare record).
Result<LoadedRecord> record_in(std::string_view json, const Notebook& nb, ExportContents& contents) {
  KL_TRY(contents, load_export(json, [&](const std::string& id) { return id == nb.id ? &nb : nullptr; }));
  for (auto& r : contents.records)
    if (r.record.notebook == nb.id) return std::move(r);
  for (const auto& [id, why] : contents.unreadable)
    if (id == nb.id) return make_error(ErrorCode::Storage, why);
  return make_error(ErrorCode::Storage, "the file holds no progress for the notebook '" + nb.id + "'");
}

bool same_part_work(const PartRecord& a, const PartRecord& b) {
  if (a.hints != b.hints || a.solution != b.solution || a.attempts.size() != b.attempts.size()) return false;
  for (std::size_t i = 0; i < a.attempts.size(); ++i)
    if (a.attempts[i].answer != b.attempts[i].answer || a.attempts[i].time != b.attempts[i].time) return false;
  return true;
}

}  // namespace

Result<ImportPreview> Session::preview_import(std::string_view json) const {
  ExportContents contents;
  KL_TRY(LoadedRecord loaded, record_in(json, notebook(), contents));
  ImportPreview out;
  out.learner = loaded.record.learner;
  out.exported = contents.exported;
  out.warnings = loaded.warnings;
  const Learner& mine = impl_->record.learner;
  out.other_learner = !mine.id.empty() && !out.learner.id.empty() && mine.id != out.learner.id;
  for (const auto& [exid, ex] : loaded.record.exercises) {
    for (const auto& [seed, v] : ex.variants) {
      for (const auto& [pid, p] : v.parts) {
        if (p.attempts.empty() && p.draft.empty() && p.hints == 0 && !p.solution) continue;
        ++out.parts_in_file;
        const PartRecord* here = nullptr;
        if (auto e = impl_->record.exercises.find(exid); e != impl_->record.exercises.end())
          if (auto vv = e->second.variants.find(seed); vv != e->second.variants.end())
            if (auto pp = vv->second.parts.find(pid); pp != vv->second.parts.end()) here = &pp->second;
        if (!here) {
          ++out.parts_new;
          out.attempts_new += static_cast<int>(p.attempts.size());
          continue;
        }
        if (!same_part_work(*here, p)) ++out.parts_changed;
        for (const auto& a : p.attempts)
          if (std::none_of(here->attempts.begin(), here->attempts.end(),
                           [&](const Attempt& b) { return b.answer == a.answer && b.time == a.time; }))
            ++out.attempts_new;
      }
    }
  }
  return out;
}

Result<std::string> Session::apply_import(std::string_view json, bool merge) {
  ExportContents contents;
  KL_TRY(LoadedRecord loaded, record_in(json, notebook(), contents));
  std::string previous = record_json();
  if (merge) impl_->record = merge_records(impl_->record, loaded.record);
  else impl_->record = std::move(loaded.record);
  impl_->record.notebook_hash = notebook_hash(notebook());
  return previous;
}

}  // namespace kl
