// kllab: the engine on the command line, for authors, graders, tests and anyone auto-checking answers.
// Every command is a thin layer over kl::Session (a loaded notebook); grading is in grade.cpp.
//   kllab eval ['EXPR']                          evaluate (stdin: one line in, one line out)
//   kllab validate [--variants N] NOTEBOOK...    every author error as file:line: message
//   kllab check NOTEBOOK PART ANSWER [--seed N] [--earlier PART=ANSWER]...   the verdict as JSON
//   kllab solve NOTEBOOK PART [--seed N]         prompt, hints, worked solution and answer
//   kllab run NOTEBOOK [--seed N]                every cell's values and every part's answer
//   kllab grade [...] EXPORT...                  a class's exports, re-checked, as CSV
//   kllab vocabulary                             verdict kinds, error codes, limits, verdict schema (JSON)
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli.hpp"
#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/record.hpp"
#include "kl/session.hpp"

namespace klcli {

int usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  kllab eval 'EXPR'                       evaluate one expression and print its value\n"
               "  kllab eval                              evaluate stdin, one expression or assignment per line\n"
               "  kllab validate [--variants N] NOTEBOOK...\n"
               "                                          report every author error in variants 0..N (default 50;\n"
               "                                          personal variants go up to 999999); exit 1 if any\n"
               "  kllab check NOTEBOOK PART ANSWER [--seed N] [--earlier PART=ANSWER]...\n"
               "                                          check an answer; prints the verdict as JSON\n"
               "  kllab solve NOTEBOOK PART [--seed N]    the worked solution and the reference answer\n"
               "  kllab run NOTEBOOK [--seed N]           run every cell and print each result\n"
               "  kllab grade [--notebooks DIR] [--policy best|last|first] [--hint-penalty X]\n"
               "              [--solution-penalty X] [--weights FILE] [--jobs N] [--shard I/N]\n"
               "              [--feedback DIR] [--files-from FILE|-] [--no-header] EXPORT...\n"
               "                                          grade learners' exports by re-checking; CSV on stdout\n"
               "  kllab vocabulary                        verdict kinds, error codes, limits and schemas (JSON)\n");
  return 2;
}

std::string error_line(const kl::Error& e) {
  std::string out = "error: " + e.message;
  if (e.column > 0) out += " (column " + std::to_string(e.column) + ")";
  return out;
}

std::string located(const kl::Error& e) {
  return (e.file.empty() ? std::string("") : e.file + ":") + (e.line > 0 ? std::to_string(e.line) + ": " : "") + e.message;
}

std::optional<kl::Session> open_session(const std::string& path, bool quiet) {
  std::string text;
  if (!read_file(path, text)) {
    if (!quiet) std::fprintf(stderr, "%s: cannot read the file\n", path.c_str());
    return std::nullopt;
  }
  kl::Session s(text, path);
  if (!s.errors().empty()) {
    if (!quiet)
      for (const auto& e : s.errors()) std::fprintf(stderr, "%s\n", located(e).c_str());
    return std::nullopt;
  }
  return s;
}

}  // namespace klcli

namespace {

using namespace klcli;

int cmd_eval(int argc, char** argv) {
  kl::Environment env;
  if (argc == 1) {
    auto r = kl::evaluate_text(argv[0], env);
    if (!r.ok()) {
      std::printf("%s\n", error_line(r.error()).c_str());
      return 1;
    }
    std::printf("%s\n", kl::format_value(r.value()).c_str());
    return 0;
  }
  if (argc > 1) return usage();
  std::string line;
  while (std::getline(std::cin, line)) {
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') {
      std::printf("\n");  // exactly one output line per input line
      continue;
    }
    auto r = kl::evaluate_text(line, env);
    std::printf("%s\n", r.ok() ? kl::format_value(r.value()).c_str() : error_line(r.error()).c_str());
    std::fflush(stdout);
  }
  return 0;
}

struct Options {
  std::uint64_t seed = 0;
  std::map<std::string, std::string> earlier;
  std::vector<std::string> positional;
  bool ok = true;
};

Options options(int argc, char** argv) {
  Options o;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc) {
      if (!parse_uint(argv[++i], o.seed)) o.ok = false;
    } else if (a == "--earlier" && i + 1 < argc) {
      std::string kv = argv[++i];
      const std::size_t eq = kv.find('=');
      if (eq == std::string::npos) o.ok = false;
      else o.earlier[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      o.positional.push_back(a);
    }
  }
  return o;
}

int cmd_validate(int argc, char** argv) {
  // Variants 0..50 by default; --variants N for more (a course that gives each learner their own
  // variant uses seeds up to kl::kMaxLearnerSeed).
  long variants = 50;
  std::vector<const char*> files;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--variants") {
      char* end = nullptr;
      variants = i + 1 < argc ? std::strtol(argv[i + 1], &end, 10) : -1;
      if (i + 1 >= argc || *end != '\0' || variants < 0 || variants > static_cast<long>(kl::kMaxLearnerSeed)) {
        std::fprintf(stderr, "kllab validate: --variants takes a whole number from 0 to %llu\n",
                     static_cast<unsigned long long>(kl::kMaxLearnerSeed));
        return 2;
      }
      ++i;
    } else {
      files.push_back(argv[i]);
    }
  }
  if (files.empty()) return usage();
  const int n_files = static_cast<int>(files.size());
  int total = 0, warnings = 0;
  for (const char* file : files) {
    std::string text;
    if (!read_file(file, text)) {
      std::printf("%s: cannot read the file\n", file);
      ++total;
      continue;
    }
    const kl::Session session(text, file);
    const auto errors = session.validate(static_cast<int>(variants));
    for (const auto& e : errors) std::printf("%s\n", located(e).c_str());
    total += static_cast<int>(errors.size());
    // Warnings are printed but do not fail the run.
    for (auto w : session.warnings(static_cast<int>(variants))) {
      w.message = "warning: " + w.message;
      std::printf("%s\n", located(w).c_str());
      ++warnings;
    }
  }
  std::printf("%d notebook%s checked, %d error%s", n_files, n_files == 1 ? "" : "s", total, total == 1 ? "" : "s");
  if (warnings) std::printf(", %d warning%s", warnings, warnings == 1 ? "" : "s");
  std::printf("\n");
  return total == 0 ? 0 : 1;
}

int cmd_check(int argc, char** argv) {
  Options o = options(argc, argv);
  if (!o.ok || o.positional.size() != 3) return usage();
  auto s = open_session(o.positional[0], false);
  if (!s) return 2;
  auto v = s->check(o.positional[1], o.positional[2], o.seed, o.earlier);
  if (!v.ok()) {
    std::printf("%s\n", kl::failure_json(v.error()).c_str());
    return 1;
  }
  std::printf("%s\n", kl::verdict_json(v.value()).c_str());
  return 0;
}

int cmd_solve(int argc, char** argv) {
  Options o = options(argc, argv);
  if (!o.ok || o.positional.size() != 2) return usage();
  auto s = open_session(o.positional[0], false);
  if (!s) return 2;
  auto view = s->view(o.positional[1], o.seed);
  if (!view.ok()) {
    std::printf("%s\n", error_line(view.error()).c_str());
    return 1;
  }
  const kl::PartView& pv = view.value();
  std::printf("%s %s\n\n", o.positional[1].c_str(), pv.prompt.c_str());
  for (std::size_t i = 0; i < pv.hints.size(); ++i) std::printf("hint %zu: %s\n", i + 1, pv.hints[i].c_str());
  if (!pv.hints.empty()) std::printf("\n");
  std::printf("solution:\n%s\n\nanswer: %s\n", pv.solution.c_str(), pv.reference_text.c_str());
  return 0;
}

int cmd_run(int argc, char** argv) {
  Options o = options(argc, argv);
  if (!o.ok || o.positional.size() != 1) return usage();
  std::string text;
  if (!read_file(o.positional[0], text)) {
    std::fprintf(stderr, "%s: cannot read the file\n", o.positional[0].c_str());
    return 2;
  }
  kl::Session s(text, o.positional[0]);
  if (!s.report().errors.empty()) {
    for (const auto& e : s.report().errors) std::fprintf(stderr, "%s\n", located(e).c_str());
    return 2;
  }
  const kl::Notebook& nb = s.notebook();
  int failures = 0;
  for (const auto& e : s.errors()) {
    std::printf("%s\n", located(e).c_str());
    ++failures;
  }
  for (const auto& r : s.run_all()) {
    const kl::Cell* cell = nb.cell(r.cell);
    if (r.status == kl::CellResult::Status::Blocked) {
      std::printf("[%s] blocked: '%s' is not available\n", r.cell.c_str(), r.blocked_by.c_str());
      ++failures;
      continue;
    }
    if (r.status == kl::CellResult::Status::Error) {
      std::printf("[%s] %s\n", r.cell.c_str(), error_line(r.error).c_str());
      ++failures;
      continue;
    }
    if (cell && cell->type == kl::Cell::Type::Plot) {
      auto data = s.plot(r.cell);
      if (data.ok()) {
        std::printf("[%s] plot: %zu points", r.cell.c_str(), static_cast<std::size_t>(data.value().x.size()));
        for (const auto& [label, ys] : data.value().series) std::printf("; %s", label.c_str());
        std::printf("\n");
      }
      continue;
    }
    for (const auto& [name, value] : r.values)
      std::printf("[%s] %s%s\n", r.cell.c_str(), name.empty() ? "" : (name + " = ").c_str(), kl::format_value_short(value, 10).c_str());
  }
  if (!s.usable()) return 1;
  for (const auto& ex : nb.exercises) {
    for (const auto& p : ex.parts) {
      auto view = s.view(p.id, o.seed);
      if (!view.ok()) {
        std::printf("%s: %s\n", p.id.c_str(), error_line(view.error()).c_str());
        ++failures;
      } else {
        std::printf("%s = %s\n", p.id.c_str(), view.value().reference_text.c_str());
      }
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "eval") return cmd_eval(argc - 2, argv + 2);
  if (cmd == "validate") return cmd_validate(argc - 2, argv + 2);
  if (cmd == "check") return cmd_check(argc - 2, argv + 2);
  if (cmd == "solve") return cmd_solve(argc - 2, argv + 2);
  if (cmd == "run") return cmd_run(argc - 2, argv + 2);
  if (cmd == "grade") return klcli::cmd_grade(argc - 2, argv + 2);
  if (cmd == "vocabulary" && argc == 2) {
    std::printf("%s\n", kl::vocabulary_json().c_str());
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage();
    return 0;
  }
  return usage();
}
