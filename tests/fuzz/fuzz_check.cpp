// Fuzzes the answer checker: random answers against every part of every notebook, in random
// variants, with random earlier answers. Every call must return a well-formed verdict: feedback in
// valid UTF-8, a score in [0, 1], correct => 1, invalid => 0; hostile answers (chains past the
// height cap, heavy work, stray bytes) are seeds of the corpus.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../utf8_oracle.hpp"
#include "kl/check.hpp"
#include "kl/expr.hpp"

namespace {

struct Loaded {
  std::vector<std::unique_ptr<kl::Checker>> checkers;
  std::vector<std::pair<std::size_t, std::string>> parts;  // (checker index, part id)
};

Loaded load() {
  Loaded out;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(KL_SOURCE_DIR) + "/site/notebooks"))
    if (e.path().extension() == ".md") files.push_back(e.path().string());
  files.push_back(std::string(KL_SOURCE_DIR) + "/tests/fixtures/notebooks/checker.md");
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto report = kl::parse_notebook(ss.str(), f);
    if (!report.errors.empty()) continue;
    auto c = kl::Checker::create(report.notebook);
    if (!c.ok()) continue;
    out.checkers.push_back(std::make_unique<kl::Checker>(std::move(c).value()));
    for (const auto& ex : report.notebook.exercises)
      for (const auto& p : ex.parts) out.parts.emplace_back(out.checkers.size() - 1, p.id);
  }
  return out;
}

}  // namespace

// Every unit of work gets a small budget (the budget's logic is the same at any limit): an input
// built to exhaust it then costs milliseconds, not seconds, under the sanitizers. The course
// notebooks' cells and checks need well under this.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  kl::set_default_work_limit(2000000);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Loaded loaded = load();
  if (loaded.parts.empty() || size < 3) return 0;
  const auto& [ci, part] = loaded.parts[data[0] % loaded.parts.size()];
  const std::uint64_t seed = data[1] % 8;
  std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
  // An optional earlier answer: "EARLIER_PART\x01ANSWER\x02" prefix.
  std::map<std::string, std::string> earlier;
  const std::size_t sep = rest.find('\x01'), end = rest.find('\x02');
  if (sep != std::string::npos && end != std::string::npos && sep < end) {
    earlier[rest.substr(0, sep)] = rest.substr(sep + 1, end - sep - 1);
    rest = rest.substr(end + 1);
  }
  const kl::Verdict v = loaded.checkers[ci]->check(part, rest, seed, earlier);
  if (!(v.score >= 0.0 && v.score <= 1.0)) std::abort();
  if (v.feedback.empty()) std::abort();
  // The input is checked as text before anything reads it, so feedback, which may quote it, is text.
  if (!kltest::valid_utf8(v.feedback)) std::abort();
  if (v.kind == kl::VerdictKind::Correct && v.score != 1.0) std::abort();
  if (v.kind == kl::VerdictKind::Invalid && v.score != 0.0) std::abort();
  (void)kl::verdict_json(v);
  return 0;
}
