// Fuzzes the record and export-file loaders: stored records and handed-in exports are hostile input
// (another tab, an old version, a hand-edited file). Any bytes give a record (or an export's records)
// or a Storage error; a loaded record re-serialises to text that loads back to the same record; an
// export's readable records do too.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "kl/record.hpp"

namespace {

kl::Notebook load() {
  std::ifstream in(std::string(KL_SOURCE_DIR) + "/site/notebooks/distillation.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return kl::parse_notebook(ss.str(), "distillation.md").notebook;
}

void round_trip(const kl::Record& r, const kl::Notebook& nb) {
  const std::string again = kl::record_json(r);
  auto r2 = kl::load_record(again, nb);
  if (!r2.ok()) std::abort();
  if (kl::record_json(r2.value().record) != again) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const kl::Notebook nb = load();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = kl::load_record(text, nb);
  if (r.ok()) {
    round_trip(r.value().record, nb);
  } else if (r.error().code != kl::ErrorCode::Storage || r.error().message.empty()) {
    std::abort();
  }
  auto e = kl::load_export(text, [&](const std::string& id) { return id == nb.id ? &nb : nullptr; });
  if (!e.ok()) {
    if (e.error().code != kl::ErrorCode::Storage || e.error().message.empty()) std::abort();
    return 0;
  }
  for (const auto& lr : e.value().records) round_trip(lr.record, nb);
  for (const auto& [id, why] : e.value().unreadable)
    if (why.empty()) std::abort();
  return 0;
}
