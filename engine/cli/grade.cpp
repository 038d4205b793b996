// kllab grade: a class's export files, every answer re-checked by the engine (kl::grade_record), as
// CSV on stdout: one row per (learner, notebook), in input order, whatever --jobs is. A bad file is a
// row with a flag and a message on stderr, never the end of the run. Files are read by worker threads
// (one set of sessions each: a checker's caches are not shared between threads) through a bounded
// window, so memory stays flat for any number of files.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cli.hpp"

namespace klcli {

namespace {

struct GradeArgs {
  std::string notebooks = "site/notebooks";
  kl::GradeOptions options;
  std::string weights_file;
  unsigned jobs = 0;
  std::uint64_t shard = 0, shards = 1;
  std::string feedback_dir;
  std::string files_from;
  bool header = true;
  std::vector<std::string> inputs;
};

bool parse_double(const std::string& s, double& out) {
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && std::isfinite(out);
}

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The files of a directory whose names end in `suffix`, sorted.
std::vector<std::string> list_dir(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A CSV field: quoted when needed, and never read as a formula by a spreadsheet.
std::string csv(const std::string& s) {
  std::string v = s;
  if (!v.empty() && std::string("=+-@\t\r").find(v[0]) != std::string::npos) v = "'" + v;
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", std::fabs(x) < 5e-11 ? 0.0 : x);
  return buf;
}

// Which shard a file belongs to: FNV-1a of its path as given, so every machine of an array job
// agrees without sharing a list.
std::uint64_t shard_of(const std::string& path, std::uint64_t shards) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : path) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h % shards;
}

// Markdown text with its special characters escaped; code spans for answers.
std::string md(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string("\\`*_[]<>#|").find(c) != std::string::npos) out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}
std::string md_code(const std::string& s) {
  std::string t;
  for (char c : s) t += c == '\n' ? ' ' : c;
  std::size_t run = 0, longest = 0;
  for (char c : t) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  return fence + " " + t + " " + fence;
}

std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
  if (out.empty() || out[0] == '.') out = "_" + out;
  return out.substr(0, 120);
}

struct Notebooks {
  std::vector<kl::Session> sessions;  // in notebook order
  const kl::Session* find(const std::string& id) const {
    for (const auto& s : sessions)
      if (s.notebook().id == id) return &s;
    return nullptr;
  }
};

bool load_notebooks(const std::string& dir, Notebooks& out, bool quiet) {
  for (const auto& path : list_dir(dir, ".md")) {
    auto s = open_session(path, quiet);
    if (!s) return false;
    out.sessions.push_back(std::move(*s));
  }
  std::stable_sort(out.sessions.begin(), out.sessions.end(),
                   [](const kl::Session& a, const kl::Session& b) { return a.notebook().order < b.notebook().order; });
  return !out.sessions.empty();
}

// What grading one file produced.
struct FileResult {
  std::string rows;                                           // CSV lines
  std::string messages;                                       // for stderr
  std::vector<std::pair<std::string, std::string>> feedback;  // (learner key, Markdown section)
};

class Grader {
 public:
  Grader(const GradeArgs& a, const std::vector<std::string>& part_columns) : args_(a), columns_(part_columns) {}

  FileResult grade_file(const std::string& path, const Notebooks& nbs) const {
    FileResult out;
    std::string text;
    if (!read_file(path, text)) {
      out.rows = row_unreadable(path, "", "cannot read the file", out);
      return out;
    }
    auto contents = kl::load_export(text, [&](const std::string& id) -> const kl::Notebook* {
      const kl::Session* s = nbs.find(id);
      return s ? &s->notebook() : nullptr;
    });
    if (!contents.ok()) {
      out.rows = row_unreadable(path, "", contents.error().message, out);
      return out;
    }
    const kl::ExportContents& c = contents.value();
    for (const auto& [nbid, why] : c.unreadable) {
      const bool unknown = !nbid.empty() && !nbs.find(nbid);
      out.messages += path + ": " + (nbid.empty() ? "" : nbid + ": ") + why + "\n";
      out.rows += csv(c.learner.id) + "," + csv(nbid) + ",,," + std::string(columns_.size(), ',') +
                  (unknown ? "unknown-notebook" : "unreadable") + "\n";
    }
    for (const auto& lr : c.records) {
      const kl::Session* s = nbs.find(lr.record.notebook);
      const kl::GradeRow row = kl::grade_record(*s->checker(), lr, args_.options);
      out.rows += csv_row(row);
      if (!args_.feedback_dir.empty()) {
        const std::string key = row.learner.id.empty() ? "file-" + path.substr(path.find_last_of('/') + 1) : row.learner.id;
        out.feedback.emplace_back(key, feedback_section(row, s->notebook()));
      }
    }
    return out;
  }

  std::string header() const {
    std::string h = "learner,notebook,score,max";
    for (const auto& c : columns_) h += "," + csv(c);
    return h + ",flags\n";
  }

 private:
  std::string row_unreadable(const std::string& path, const std::string& nbid, const std::string& why, FileResult& out) const {
    out.messages += path + ": " + why + "\n";
    return "," + csv(nbid) + ",,," + std::string(columns_.size(), ',') + "unreadable\n";
  }

  std::string csv_row(const kl::GradeRow& row) const {
    std::map<std::string, const kl::PartGrade*> by_part;
    for (const auto& g : row.parts) by_part[g.part] = &g;
    std::string line = csv(row.learner.id) + "," + csv(row.notebook) + "," + num(row.score) + "," + num(row.max);
    for (const auto& c : columns_) {
      auto it = by_part.find(c);
      line += "," + (it == by_part.end() ? std::string() : num(it->second->credit));
    }
    std::string flags;
    for (const auto& f : row.flags) flags += (flags.empty() ? "" : ";") + f;
    return line + "," + csv(flags) + "\n";
  }

  std::string feedback_section(const kl::GradeRow& row, const kl::Notebook& nb) const {
    std::string s = "## " + md(nb.title.empty() ? nb.id : nb.title) + "\n\nScore: " + num(row.score) + " of " + num(row.max) + "\n\n";
    for (const auto& g : row.parts) {
      s += "- **" + md(g.part) + "**: ";
      if (!g.attempted) {
        s += "not attempted\n";
        continue;
      }
      s += md_code(g.answer) + ", " + kl::verdict_info(g.verdict.kind).label + " (credit " + num(g.credit) + ")";
      if (!g.verdict.mistake_name.empty()) s += ". Recognised mistake: " + md(g.verdict.mistake_name);
      if (!g.verdict.feedback.empty()) s += ". " + md(g.verdict.feedback);
      if (g.hints > 0 || g.solution)
        s += " (" + (g.hints > 0 ? std::to_string(g.hints) + " hint" + (g.hints == 1 ? "" : "s") : "") +
             (g.hints > 0 && g.solution ? ", " : "") + (g.solution ? "solution shown" : "") + " before this answer)";
      s += "\n";
    }
    if (!row.flags.empty()) {
      s += "\nNotes:";
      for (const auto& f : row.flags) s += " " + md(f);
      s += "\n";
    }
    return s + "\n";
  }

  const GradeArgs& args_;
  const std::vector<std::string>& columns_;
};

bool parse_args(int argc, char** argv, GradeArgs& a, std::string& why) {
  for (int i = 0; i < argc; ++i) {
    const std::string o = argv[i];
    auto next = [&](std::string& v) {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    std::string v;
    if (o == "--notebooks") {
      if (!next(a.notebooks)) return false;
    } else if (o == "--policy") {
      if (!next(v)) return false;
      if (v == "best") a.options.policy = kl::GradePolicy::Best;
      else if (v == "last") a.options.policy = kl::GradePolicy::Last;
      else if (v == "first") a.options.policy = kl::GradePolicy::First;
      else return (why = "--policy is best, last or first"), false;
    } else if (o == "--hint-penalty" || o == "--solution-penalty") {
      double x = 0;
      if (!next(v) || !parse_double(v, x) || x < 0 || x > 1) return (why = o + " takes a number from 0 to 1"), false;
      (o == "--hint-penalty" ? a.options.hint_penalty : a.options.solution_penalty) = x;
    } else if (o == "--weights") {
      if (!next(a.weights_file)) return false;
    } else if (o == "--jobs") {
      std::uint64_t n = 0;
      if (!next(v) || !parse_uint(v.c_str(), n) || n == 0 || n > 256) return (why = "--jobs takes a number from 1 to 256"), false;
      a.jobs = static_cast<unsigned>(n);
    } else if (o == "--shard") {
      if (!next(v)) return false;
      const std::size_t slash = v.find('/');
      if (slash == std::string::npos || !parse_uint(v.substr(0, slash).c_str(), a.shard) ||
          !parse_uint(v.substr(slash + 1).c_str(), a.shards) || a.shards == 0 || a.shard >= a.shards)
        return (why = "--shard is I/N with 0 <= I < N"), false;
    } else if (o == "--feedback") {
      if (!next(a.feedback_dir)) return false;
    } else if (o == "--files-from") {
      if (!next(a.files_from)) return false;
    } else if (o == "--no-header") {
      a.header = false;
    } else if (o.size() > 1 && o[0] == '-' && o[1] == '-') {
      return (why = "unknown option " + o), false;
    } else {
      a.inputs.push_back(o);
    }
  }
  return true;
}

// "part weight" or "part,weight" per line; # comments.
bool read_weights(const std::string& path, const Notebooks& nbs, kl::GradeOptions& o, std::string& why) {
  std::string text;
  if (!read_file(path, text)) return (why = path + ": cannot read the file"), false;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    for (char& c : line)
      if (c == ',' || c == '\t' || c == '\r') c = ' ';
    std::istringstream fields(line);
    std::string part, weight;
    if (!(fields >> part)) continue;
    double w = 0;
    if (!(fields >> weight) || !parse_double(weight, w) || w < 0)
      return (why = path + ":" + std::to_string(n) + ": expected a part id and a weight >= 0"), false;
    bool known = false;
    for (const auto& s : nbs.sessions) known = known || s.notebook().part(part).second != nullptr;
    if (!known) return (why = path + ":" + std::to_string(n) + ": there is no part '" + part + "' in the notebooks"), false;
    o.weights[part] = w;
  }
  return true;
}

}  // namespace

int cmd_grade(int argc, char** argv) {
  GradeArgs a;
  std::string why;
  if (!parse_args(argc, argv, a, why)) {
    if (!why.empty()) std::fprintf(stderr, "kllab grade: %s\n", why.c_str());
    return usage();
  }
  if (!a.files_from.empty()) {
    std::string list;
    if (a.files_from == "-") {
      std::ostringstream ss;
      ss << std::cin.rdbuf();
      list = ss.str();
    } else if (!read_file(a.files_from, list)) {
      std::fprintf(stderr, "kllab grade: %s: cannot read the file\n", a.files_from.c_str());
      return 2;
    }
    std::istringstream in(list);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) a.inputs.push_back(line);
  }
  std::vector<std::string> files;
  for (const auto& in : a.inputs) {
    if (is_directory(in)) {
      for (auto& f : list_dir(in, ".json")) files.push_back(std::move(f));
    } else {
      files.push_back(in);
    }
  }
  if (a.inputs.empty()) return usage();
  if (a.shards > 1) {
    std::vector<std::string> mine;
    for (auto& f : files)
      if (shard_of(f, a.shards) == a.shard) mine.push_back(std::move(f));
    files.swap(mine);
  }

  Notebooks first;
  if (!load_notebooks(a.notebooks, first, false)) {
    std::fprintf(stderr, "kllab grade: no usable notebooks in %s (--notebooks DIR)\n", a.notebooks.c_str());
    return 2;
  }
  if (!a.weights_file.empty() && !read_weights(a.weights_file, first, a.options, why)) {
    std::fprintf(stderr, "kllab grade: %s\n", why.c_str());
    return 2;
  }
  std::vector<std::string> columns;
  for (const auto& s : first.sessions)
    for (const auto& ex : s.notebook().exercises)
      for (const auto& p : ex.parts) columns.push_back(p.id);
  if (!a.feedback_dir.empty()) {
    mkdir(a.feedback_dir.c_str(), 0755);
    if (!is_directory(a.feedback_dir)) {
      std::fprintf(stderr, "kllab grade: cannot create the folder %s\n", a.feedback_dir.c_str());
      return 2;
    }
  }

  const Grader grader(a, columns);
  if (a.header) std::fputs(grader.header().c_str(), stdout);
  unsigned jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(1, files.size())));

  // Workers take files in order; the main thread prints results in order. At most `window` results
  // wait to be printed, so memory does not grow with the number of files.
  const std::size_t window = 64 * jobs;
  std::mutex mu;
  std::condition_variable cv;
  std::size_t next_file = 0, printed = 0;
  std::map<std::size_t, FileResult> done;
  std::vector<std::thread> workers;
  std::atomic<bool> load_failed{false};
  for (unsigned j = 0; j < jobs; ++j) {
    workers.emplace_back([&, j] {
      Notebooks own;
      const Notebooks* nbs = &first;
      if (j > 0) {  // the first worker uses the sessions loaded above; the others load their own
        if (!load_notebooks(a.notebooks, own, true)) {
          load_failed = true;
          return;
        }
        nbs = &own;
      }
      while (true) {
        std::size_t i;
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return next_file >= files.size() || next_file < printed + window; });
          if (next_file >= files.size()) return;
          i = next_file++;
        }
        FileResult r = grader.grade_file(files[i], *nbs);
        {
          std::lock_guard<std::mutex> lock(mu);
          done.emplace(i, std::move(r));
        }
        cv.notify_all();
      }
    });
  }
  std::map<std::string, std::string> feedback;  // learner key -> Markdown
  int unreadable = 0;
  {
    std::unique_lock<std::mutex> lock(mu);
    while (printed < files.size()) {
      cv.wait(lock, [&] { return done.count(printed) > 0 || load_failed; });
      if (!done.count(printed)) break;
      FileResult r = std::move(done.at(printed));
      done.erase(printed);
      ++printed;
      lock.unlock();
      cv.notify_all();
      std::fputs(r.rows.c_str(), stdout);
      if (!r.messages.empty()) {
        ++unreadable;
        std::fputs(r.messages.c_str(), stderr);
      }
      for (auto& [key, text] : r.feedback) feedback[key] += text;
      lock.lock();
    }
  }
  cv.notify_all();
  for (auto& w : workers) w.join();
  if (load_failed) {
    std::fprintf(stderr, "kllab grade: a worker could not load the notebooks\n");
    return 2;
  }
  for (const auto& [key, text] : feedback) {
    const std::string path = a.feedback_dir + "/" + safe_name(key) + ".md";
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
      std::fprintf(f, "# Feedback for %s\n\n%s", md(key).c_str(), text.c_str());
      std::fclose(f);
    } else {
      std::fprintf(stderr, "kllab grade: cannot write %s\n", path.c_str());
    }
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace klcli
