// Records and export files (kl/record.hpp): the strict loaders (any stored text is hostile), the
// schema 1 migration, the writer, merging two tabs' records, and the notebook hash.
#include "kl/record.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "io/json.hpp"
#include "kl/check.hpp"
#include "kl/json.hpp"

namespace kl {

namespace {

using JV = json::Value;
using JT = json::Value::Type;

constexpr double kMaxSafeInteger = 9007199254740991.0;

Error storage(std::string message) { return make_error(ErrorCode::Storage, std::move(message)); }

bool known_verdict(const std::string& v) {
  for (const auto& info : verdict_kinds())
    if (v == info.name) return true;
  return false;
}

bool whole(const JV& v, double lo, double hi) {
  return v.type == JT::Number && v.number == std::floor(v.number) && v.number >= lo && v.number <= hi;
}

// A seed as a variant key: canonical decimal digits.
bool seed_key(const std::string& s, std::uint64_t& out) {
  if (s.empty() || s.size() > 16 || (s.size() > 1 && s[0] == '0')) return false;
  std::uint64_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (static_cast<double>(x) > kMaxSafeInteger) return false;
  out = x;
  return true;
}

// Reads the fields shared by every text of a record.
Result<std::string> text_field(const JV& v, const std::string& where, std::size_t max) {
  if (v.type != JT::String) return storage(where + " must be text");
  if (v.string.size() > max)
    return storage(where + " is too long (" + std::to_string(v.string.size()) + " bytes; at most " + std::to_string(max) + ")");
  return v.string;
}

Result<Learner> read_learner(const JV* v, const std::string& where) {
  Learner l;
  if (v == nullptr || v->type == JT::Null) return l;
  if (v->type != JT::Object) return storage(where + " must be an object or null");
  for (const auto& [k, x] : v->object) {
    if (k == "id") {
      KL_TRY(l.id, text_field(x, where + ".id", kMaxLearnerText));
    } else if (k == "name") {
      KL_TRY(l.name, text_field(x, where + ".name", kMaxLearnerText));
    }
  }
  return l;
}

int clamp_hints(double n, const Part& p) { return static_cast<int>(std::min<double>(n, static_cast<double>(hint_count(p)))); }

class RecordReader {
 public:
  RecordReader(const Notebook& nb, LoadedRecord& out) : nb_(nb), out_(out) {}

  Result<bool> schema2(const JV& root) {
    Record& r = out_.record;
    for (const auto& [key, v] : root.object) {
      if (key == "kind" || key == "schema" || key == "notebook") continue;
      if (key == "notebookHash") {
        KL_TRY(r.notebook_hash, text_field(v, "notebookHash", 64));
      } else if (key == "updated") {
        if (v.type == JT::Null) continue;
        KL_TRY(r.updated, text_field(v, "updated", kMaxTimeText));
      } else if (key == "learner") {
        KL_TRY(r.learner, read_learner(&v, "learner"));
      } else if (key == "exercises") {
        if (v.type != JT::Object) return storage("'exercises' must be an object");
        for (const auto& [id, ex] : v.object) {
          KL_TRY(bool ok, exercise(id, ex));
          (void)ok;
        }
      } else {
        out_.warnings.push_back("'" + key + "' is not part of the record format; ignored");
      }
    }
    return true;
  }

  // Schema 1, as the page wrote it: {"schema": 1, "notebook", "updated", "exercises": {EX: {"seed"}},
  // "parts": {PART: {"answer", "checked", "verdict", "score", "hints", "solution"}}}.
  Result<bool> schema1(const JV& root) {
    Record& r = out_.record;
    if (const JV* updated = root.get("updated"); updated && updated->type != JT::Null) {
      KL_TRY(r.updated, text_field(*updated, "updated", kMaxTimeText));
    }
    std::map<std::string, std::uint64_t> seeds;
    if (const JV* exercises = root.get("exercises")) {
      if (exercises->type != JT::Object) return storage("'exercises' must be an object");
      for (const auto& [id, ex] : exercises->object) {
        if (ex.type != JT::Object) return storage("exercises." + id + " must be an object");
        if (!nb_.exercise(id)) {
          out_.warnings.push_back("exercise " + id + " is no longer in this notebook; dropped");
          continue;
        }
        std::uint64_t seed = 0;
        if (const JV* s = ex.get("seed")) {
          if (!whole(*s, 0, kMaxSafeInteger)) return storage("exercises." + id + ".seed must be a whole number from 0 to 2^53 - 1");
          seed = static_cast<std::uint64_t>(s->number);
        }
        seeds[id] = seed;
        r.exercises[id].seed = seed;
      }
    }
    if (const JV* parts = root.get("parts")) {
      if (parts->type != JT::Object) return storage("'parts' must be an object");
      for (const auto& [id, item] : parts->object) {
        if (item.type != JT::Object) return storage("parts." + id + " must be an object");
        auto found = nb_.part(id);
        if (!found.second) {
          drop_part(id);
          continue;
        }
        const std::string& ex = found.first->id;
        const std::uint64_t seed = seeds.count(ex) ? seeds[ex] : 0;
        r.exercises[ex].seed = seed;
        PartRecord& pr = r.exercises[ex].variants[seed].parts[id];
        Attempt a;
        a.time = r.updated;
        std::string checked;
        for (const auto& [key, v] : item.object) {
          const std::string where = "parts." + id + "." + key;
          if (key == "answer") {
            KL_TRY(pr.draft, text_field(v, where, kMaxAnswerLength));
          } else if (key == "checked") {
            KL_TRY(checked, text_field(v, where, kMaxAnswerLength));
          } else if (key == "verdict") {
            if (v.type == JT::Null) continue;
            if (v.type != JT::String || !known_verdict(v.string)) return storage(where + " is not a verdict");
            a.verdict = v.string;
          } else if (key == "score") {
            if (v.type != JT::Number || !(v.number >= 0 && v.number <= 1)) return storage(where + " must be between 0 and 1");
            a.score = v.number;
            a.has_score = true;
          } else if (key == "hints") {
            if (!whole(v, 0, kMaxSafeInteger)) return storage(where + " must be a whole number");
            pr.hints = clamp_hints(v.number, *found.second);
          } else if (key == "solution") {
            if (v.type != JT::Bool) return storage(where + " must be true or false");
            pr.solution = v.boolean;
          } else {
            out_.warnings.push_back(where + " is not part of the record format; ignored");
          }
        }
        if (!checked.empty()) {
          a.answer = checked;
          a.hints = pr.hints;
          a.solution = pr.solution;
          pr.attempts.push_back(a);
        }
      }
    }
    for (const auto& [key, v] : root.object) {
      (void)v;
      if (key != "schema" && key != "notebook" && key != "updated" && key != "exercises" && key != "parts")
        out_.warnings.push_back("'" + key + "' is not part of the record format; ignored");
    }
    out_.warnings.push_back("converted from an older progress format (schema 1); its checks keep their time but were never re-checked");
    return true;
  }

 private:
  void drop_part(const std::string& id) {
    out_.dropped_parts.push_back(id);
    out_.warnings.push_back("part " + id + " is no longer in this notebook; dropped");
  }

  Result<bool> exercise(const std::string& id, const JV& ex) {
    if (ex.type != JT::Object) return storage("exercises." + id + " must be an object");
    const Exercise* e = nb_.exercise(id);
    if (!e) {
      out_.warnings.push_back("exercise " + id + " is no longer in this notebook; dropped");
      if (const JV* vs = ex.get("variants"); vs && vs->type == JT::Object)
        for (const auto& [k, v] : vs->object) {
          (void)k;
          if (const JV* ps = v.get("parts"); ps && ps->type == JT::Object)
            for (const auto& [pid, pv] : ps->object) {
              (void)pv;
              out_.dropped_parts.push_back(pid);
            }
        }
      return true;
    }
    ExerciseRecord& er = out_.record.exercises[id];
    for (const auto& [key, v] : ex.object) {
      const std::string where = "exercises." + id + "." + key;
      if (key == "seed") {
        if (!whole(v, 0, kMaxSafeInteger)) return storage(where + " must be a whole number from 0 to 2^53 - 1");
        er.seed = static_cast<std::uint64_t>(v.number);
      } else if (key == "variants") {
        if (v.type != JT::Object) return storage(where + " must be an object");
        if (v.object.size() > kMaxVariants) return storage(where + " has more than " + std::to_string(kMaxVariants) + " variants");
        for (const auto& [sk, variant] : v.object) {
          std::uint64_t seed = 0;
          if (!seed_key(sk, seed)) return storage(where + ": '" + sk.substr(0, 20) + "' is not a variant number");
          KL_TRY(bool ok, read_variant(*e, er.variants[seed], variant, where + "." + sk));
          (void)ok;
        }
      } else {
        out_.warnings.push_back(where + " is not part of the record format; ignored");
      }
    }
    return true;
  }

  Result<bool> read_variant(const Exercise& e, VariantRecord& vr, const JV& v, const std::string& where) {
    if (v.type != JT::Object) return storage(where + " must be an object");
    for (const auto& [key, x] : v.object) {
      if (key != "parts") {
        out_.warnings.push_back(where + "." + key + " is not part of the record format; ignored");
        continue;
      }
      if (x.type != JT::Object) return storage(where + ".parts must be an object");
      for (const auto& [pid, pv] : x.object) {
        const Part* part = nullptr;
        for (const auto& p : e.parts)
          if (p.id == pid) part = &p;
        if (!part) {
          drop_part(pid);
          continue;
        }
        KL_TRY(bool ok, read_part(*part, vr.parts[pid], pv, where + ".parts." + pid));
        (void)ok;
      }
    }
    return true;
  }

  Result<bool> read_part(const Part& part, PartRecord& pr, const JV& v, const std::string& where) {
    if (v.type != JT::Object) return storage(where + " must be an object");
    for (const auto& [key, x] : v.object) {
      const std::string w = where + "." + key;
      if (key == "draft") {
        KL_TRY(pr.draft, text_field(x, w, kMaxAnswerLength));
      } else if (key == "hints") {
        if (!whole(x, 0, kMaxSafeInteger)) return storage(w + " must be a whole number");
        pr.hints = clamp_hints(x.number, part);
      } else if (key == "solution") {
        if (x.type != JT::Bool) return storage(w + " must be true or false");
        pr.solution = x.boolean;
      } else if (key == "attempts") {
        if (x.type != JT::Array) return storage(w + " must be a list");
        if (x.array.size() > kMaxAttempts) return storage(w + " has more than " + std::to_string(kMaxAttempts) + " attempts");
        for (std::size_t i = 0; i < x.array.size(); ++i) {
          KL_TRY(Attempt a, read_attempt(part, x.array[i], w + "[" + std::to_string(i) + "]"));
          pr.attempts.push_back(std::move(a));
        }
      } else {
        out_.warnings.push_back(w + " is not part of the record format; ignored");
      }
    }
    return true;
  }

  Result<Attempt> read_attempt(const Part& part, const JV& v, const std::string& where) {
    if (v.type != JT::Object) return storage(where + " must be an object");
    Attempt a;
    bool has_answer = false;
    for (const auto& [key, x] : v.object) {
      const std::string w = where + "." + key;
      if (key == "answer") {
        KL_TRY(a.answer, text_field(x, w, kMaxAnswerLength));
        has_answer = true;
      } else if (key == "time") {
        KL_TRY(a.time, text_field(x, w, kMaxTimeText));
      } else if (key == "verdict") {
        if (x.type == JT::Null) continue;
        if (x.type != JT::String || !known_verdict(x.string)) return storage(w + " is not a verdict");
        a.verdict = x.string;
      } else if (key == "score") {
        if (x.type == JT::Null) continue;
        if (x.type != JT::Number || !(x.number >= 0 && x.number <= 1)) return storage(w + " must be between 0 and 1");
        a.score = x.number;
        a.has_score = true;
      } else if (key == "hints") {
        if (!whole(x, 0, kMaxSafeInteger)) return storage(w + " must be a whole number");
        a.hints = clamp_hints(x.number, part);
      } else if (key == "solution") {
        if (x.type != JT::Bool) return storage(w + " must be true or false");
        a.solution = x.boolean;
      } else {
        out_.warnings.push_back(w + " is not part of the record format; ignored");
      }
    }
    if (!has_answer) return storage(where + " has no answer");
    return a;
  }

  const Notebook& nb_;
  LoadedRecord& out_;
};

// Reads one record object (already parsed) for `nb`.
Result<LoadedRecord> load_record_value(const JV& root, const Notebook& nb) {
  if (root.type != JT::Object) return storage("not a KL Lab progress record (not a JSON object)");
  const JV* notebook = root.get("notebook");
  if (!notebook || notebook->type != JT::String) return storage("not a KL Lab progress record (no notebook id)");
  if (notebook->string != nb.id)
    return storage("this record belongs to the notebook '" + notebook->string.substr(0, 80) + "', not '" + nb.id + "'");
  const JV* schema = root.get("schema");
  if (!schema) return storage("not a KL Lab progress record (no schema version)");
  if (!whole(*schema, -kMaxSafeInteger, kMaxSafeInteger)) return storage("the record's schema must be a whole number");
  if (schema->number > kRecordSchema)
    return storage("this record was written by a newer KL Lab (schema " + format_number(schema->number, 6) +
                   "); this engine reads up to schema " + std::to_string(kRecordSchema));
  LoadedRecord out;
  out.record = empty_record(nb);
  out.record.notebook_hash.clear();
  RecordReader reader(nb, out);
  if (schema->number == 1) {
    out.schema = 1;
    KL_TRY(bool ok, reader.schema1(root));
    (void)ok;
    return out;
  }
  if (schema->number != 2) return storage("unknown record schema " + format_number(schema->number, 6));
  const JV* kind = root.get("kind");
  if (!kind || kind->type != JT::String || kind->string != "kllab-progress")
    return storage("not a KL Lab progress record (its kind is not \"kllab-progress\")");
  KL_TRY(bool ok, reader.schema2(root));
  (void)ok;
  return out;
}

void write_attempt(json::Writer& w, const Attempt& a) {
  w.begin_object();
  w.member("answer", a.answer).member("time", a.time);
  w.key("verdict").string_or_null(a.verdict);
  w.key("score");
  if (a.has_score) w.value(a.score);
  else w.null();
  w.member("hints", a.hints).member("solution", a.solution);
  w.end_object();
}

void write_learner(json::Writer& w, const Learner& l) {
  if (l.id.empty() && l.name.empty()) {
    w.null();
    return;
  }
  w.begin_object().member("id", l.id).member("name", l.name).end_object();
}

void write_record(json::Writer& w, const Record& r) {
  w.begin_object();
  w.member("kind", "kllab-progress").member("schema", kRecordSchema).member("notebook", r.notebook);
  w.member("notebookHash", r.notebook_hash);
  w.key("updated").string_or_null(r.updated);
  w.key("learner");
  write_learner(w, r.learner);
  w.key("exercises").begin_object();
  for (const auto& [id, ex] : r.exercises) {
    w.key(id).begin_object().member("seed", ex.seed);
    w.key("variants").begin_object();
    for (const auto& [seed, v] : ex.variants) {
      w.key(std::to_string(seed)).begin_object().key("parts").begin_object();
      for (const auto& [pid, p] : v.parts) {
        w.key(pid).begin_object().member("draft", p.draft).member("hints", p.hints).member("solution", p.solution);
        w.key("attempts").begin_array();
        for (const auto& a : p.attempts) write_attempt(w, a);
        w.end_array().end_object();
      }
      w.end_object().end_object();
    }
    w.end_object().end_object();
  }
  w.end_object().end_object();
}

bool same_attempt(const Attempt& a, const Attempt& b) {
  return a.answer == b.answer && a.time == b.time && a.verdict == b.verdict && a.has_score == b.has_score &&
         (!a.has_score || a.score == b.score) && a.hints == b.hints && a.solution == b.solution;
}

void fnv(std::uint64_t& h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= 0xFF;  // field separator
  h *= 1099511628211ull;
}

}  // namespace

int hint_count(const Part& part) {
  std::size_t n = part.hints.size();
  for (const auto& st : part.steps) n += st.hints.size();
  return static_cast<int>(n);
}

std::uint64_t learner_seed(const std::string& id) {
  std::uint32_t h = 0x811c9dc5u;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x01000193u;
  }
  return 1 + h % kMaxLearnerSeed;
}

std::string notebook_hash(const Notebook& nb) {
  std::uint64_t h = 1469598103934665603ull;
  fnv(h, nb.id);
  for (const auto& ex : nb.exercises) {
    fnv(h, "exercise " + ex.id);
    for (const auto& p : ex.params) {
      fnv(h, p.name);
      fnv(h, p.base ? to_string(*p.base) : "");
      fnv(h, p.vary ? to_string(*p.vary) : "");
    }
    for (const auto& [req, line] : ex.requires_) {
      (void)line;
      fnv(h, to_string(*req));
    }
    for (const auto& p : ex.parts) {
      fnv(h, "part " + p.id + " " + answer_kind_name(p.kind) + " " + p.name);
      fnv(h, p.answer ? to_string(*p.answer) : "");
      for (const auto& a : p.accept) fnv(h, to_string(*a));
      fnv(h, std::to_string(static_cast<int>(p.tolerance.mode)) + " " + format_number(p.tolerance.value, 17) + " " +
                 (p.tolerance.stderr_expr ? to_string(*p.tolerance.stderr_expr) : ""));
      for (const auto& v : p.variables) fnv(h, v.name + " " + format_number(v.lo, 17) + " " + format_number(v.hi, 17));
      fnv(h, p.up_to_constant ? "+c" : "");
      for (const auto& c : p.choices) fnv(h, (c.correct ? "* " : "- ") + c.text);
      for (const auto& f : p.forbidden) fnv(h, "forbid " + f);
    }
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Record empty_record(const Notebook& nb) {
  Record r;
  r.notebook = nb.id;
  r.notebook_hash = notebook_hash(nb);
  return r;
}

Result<LoadedRecord> load_record(std::string_view text, const Notebook& nb) {
  if (text.size() > kMaxRecordBytes)
    return storage("the progress record is too large (" + std::to_string(text.size()) + " bytes; at most " +
                   std::to_string(kMaxRecordBytes) + ")");
  KL_TRY(JV root, json::parse(text));
  return load_record_value(root, nb);
}

std::string record_json(const Record& r) {
  json::Writer w;
  write_record(w, r);
  return w.take();
}

Record merge_records(const Record& mine, const Record& theirs) {
  Record out = mine;
  if (out.learner.id.empty() && out.learner.name.empty()) out.learner = theirs.learner;
  if (out.notebook_hash.empty()) out.notebook_hash = theirs.notebook_hash;
  if (theirs.updated > out.updated) out.updated = theirs.updated;
  for (const auto& [id, tex] : theirs.exercises) {
    auto [it, fresh] = out.exercises.emplace(id, tex);
    if (fresh) continue;
    ExerciseRecord& ex = it->second;
    for (const auto& [seed, tv] : tex.variants) {
      auto [vit, vfresh] = ex.variants.emplace(seed, tv);
      if (vfresh) continue;
      for (const auto& [pid, tp] : tv.parts) {
        auto [pit, pfresh] = vit->second.parts.emplace(pid, tp);
        if (pfresh) continue;
        PartRecord& p = pit->second;
        if (p.draft.empty()) p.draft = tp.draft;
        p.hints = std::max(p.hints, tp.hints);
        p.solution = p.solution || tp.solution;
        for (const auto& a : tp.attempts)
          if (std::none_of(p.attempts.begin(), p.attempts.end(), [&](const Attempt& b) { return same_attempt(a, b); }))
            p.attempts.push_back(a);
        std::stable_sort(p.attempts.begin(), p.attempts.end(), [](const Attempt& a, const Attempt& b) { return a.time < b.time; });
        while (p.attempts.size() > kMaxAttempts) p.attempts.erase(p.attempts.begin() + 1);
      }
    }
    while (ex.variants.size() > kMaxVariants) {
      // Keep the variant shown now; drop the oldest other one.
      auto drop = ex.variants.begin();
      if (drop->first == ex.seed) ++drop;
      ex.variants.erase(drop);
    }
  }
  return out;
}

Result<ExportContents> load_export(std::string_view text, const std::function<const Notebook*(const std::string&)>& notebook_of) {
  if (text.size() > kMaxExportBytes)
    return storage("the file is too large to be a KL Lab export (" + std::to_string(text.size()) + " bytes; at most " +
                   std::to_string(kMaxExportBytes) + ")");
  KL_TRY(JV root, json::parse(text));
  if (root.type != JT::Object) return storage("not a KL Lab export (not a JSON object)");
  ExportContents out;
  const JV* kind = root.get("kind");
  const std::string k = kind && kind->type == JT::String ? kind->string : "";
  std::vector<const JV*> records;
  if (k == "kllab-export") {
    const JV* schema = root.get("schema");
    if (!schema || !whole(*schema, 2, 2))
      return storage("this export has schema " +
                     (schema && schema->type == JT::Number ? format_number(schema->number, 6) : std::string("?")) +
                     "; this engine reads schema 2");
    if (const JV* e = root.get("exported"); e && e->type != JT::Null) {
      KL_TRY(out.exported, text_field(*e, "exported", kMaxTimeText));
    }
    KL_TRY(out.learner, read_learner(root.get("learner"), "learner"));
    const JV* rs = root.get("records");
    if (!rs || rs->type != JT::Array) return storage("the export has no list of records");
    for (const auto& r : rs->array) records.push_back(&r);
  } else if (k == "kllab-progress" && root.get("progress")) {
    // Schema 1 export: {"kind": "kllab-progress", "schema": 1, "notebook", "exported", "progress": RECORD}.
    if (const JV* e = root.get("exported"); e && e->type == JT::String && e->string.size() <= kMaxTimeText) out.exported = e->string;
    records.push_back(root.get("progress"));
  } else if (root.get("notebook")) {
    records.push_back(&root);  // a bare record
  } else {
    return storage("not a KL Lab export (no records)");
  }
  for (const JV* r : records) {
    const JV* id = r->type == JT::Object ? r->get("notebook") : nullptr;
    const std::string nbid = id && id->type == JT::String ? id->string.substr(0, 200) : "";
    const Notebook* nb = nbid.empty() ? nullptr : notebook_of(nbid);
    if (!nb) {
      out.unreadable.emplace_back(nbid, nbid.empty() ? "a record without a notebook id" : "no notebook '" + nbid + "' is known here");
      continue;
    }
    auto loaded = load_record_value(*r, *nb);
    if (!loaded.ok()) {
      out.unreadable.emplace_back(nbid, loaded.error().message);
      continue;
    }
    LoadedRecord lr = std::move(loaded).value();
    if (lr.record.learner.id.empty() && lr.record.learner.name.empty()) lr.record.learner = out.learner;
    out.records.push_back(std::move(lr));
  }
  if (out.learner.id.empty() && !out.records.empty()) out.learner = out.records.front().record.learner;
  return out;
}

std::string export_json(const std::vector<Record>& records, const Learner& learner, const std::string& exported) {
  json::Writer w;
  w.begin_object().member("kind", "kllab-export").member("schema", kRecordSchema);
  w.key("exported").string_or_null(exported);
  w.key("learner");
  write_learner(w, learner);
  w.key("records").begin_array();
  for (const auto& r : records) write_record(w, r);
  w.end_array().end_object();
  return w.take();
}

}  // namespace kl
