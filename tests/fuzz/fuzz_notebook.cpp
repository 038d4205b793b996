// Fuzzes the notebook parser, the cell graph and validation: any text must give a notebook plus a
// list of author errors with lines, never a crash or a hang.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kl/check.hpp"
#include "kl/notebook.hpp"
#include "kl/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const kl::ParseReport report = kl::parse_notebook(text, "fuzz.md");
  for (const auto& e : report.errors)
    if (e.message.empty() || e.line < 0) std::abort();
  kl::Runtime rt(report.notebook);
  rt.run_all();
  for (const auto& c : report.notebook.cells)
    if (c.type == kl::Cell::Type::Plot) (void)rt.plot(c.id);
  if (!report.errors.empty()) return 0;
  const auto errors = kl::validate(report, 2);
  for (const auto& e : errors)
    if (e.message.empty()) std::abort();
  auto checker = kl::Checker::create(report.notebook);
  if (!checker.ok()) return 0;
  for (const auto& ex : report.notebook.exercises)
    for (const auto& p : ex.parts) {
      (void)checker.value().check(p.id, "1", 1);
      (void)checker.value().view(p.id, 1);
    }
  return 0;
}
