// Fuzzes the notebook parser, the cell graph, plots and validation: any text must give a notebook
// plus a list of author errors with lines, never a crash or a hang. Every input is parsed and its
// cells and plots run (each a unit of work with its budget); a notebook that parses without errors
// is then validated in its textbook variant, and one of its parts is checked and viewed. (Checking
// in depth is fuzz_check's: keeping this target light lets a run reach millions of notebooks.)
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "kl/check.hpp"
#include "kl/expr.hpp"
#include "kl/notebook.hpp"
#include "kl/session.hpp"

// Every unit of work gets a small budget (the budget's logic is the same at any limit): an input
// built to exhaust it then costs milliseconds, not seconds, under the sanitizers and the fuzzer's
// comparison tracing (which makes every per-element loop ten times slower). The seed notebooks'
// cells need well under this; heavier cells and plots are refused, which is fuzzed too.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  kl::set_default_work_limit(200000);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const kl::ParseReport report = kl::parse_notebook(text, "fuzz.md");
  for (const auto& e : report.errors)
    if (e.message.empty() || e.line < 0) std::abort();
  kl::Runtime rt(report.notebook);
  for (const auto& r : rt.run_all())
    if (r.status == kl::CellResult::Status::Error && r.error.message.empty()) std::abort();
  for (const auto& c : report.notebook.cells)
    if (c.type == kl::Cell::Type::Plot) {
      auto p = rt.plot(c.id);
      if (!p.ok() && p.error().message.empty()) std::abort();
    }
  if (!report.errors.empty()) return 0;
  const auto errors = kl::validate(report, 0);
  for (const auto& e : errors)
    if (e.message.empty()) std::abort();
  auto checker = kl::Checker::create(report.notebook);
  if (!checker.ok()) return 0;
  // One part, chosen by the input, is checked and viewed (fuzz_check covers checking in depth).
  std::vector<std::string> parts;
  for (const auto& ex : report.notebook.exercises)
    for (const auto& p : ex.parts) parts.push_back(p.id);
  if (parts.empty()) return 0;
  const std::string& part = parts[size % parts.size()];
  (void)checker.value().check(part, "1", 1);
  (void)checker.value().view(part, 1);
  return 0;
}
