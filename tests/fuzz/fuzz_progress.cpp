// Fuzzes the progress-record loader: stored records are hostile input (another tab, an old version,
// a hand-edited export). Any bytes give a record or a Storage error; a record re-serialises to text
// that loads back to the same record.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "kl/progress.hpp"

namespace {

kl::Notebook load() {
  std::ifstream in(std::string(KL_SOURCE_DIR) + "/site/notebooks/distillation.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return kl::parse_notebook(ss.str(), "distillation.md").notebook;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const kl::Notebook nb = load();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = kl::load_progress(text, nb);
  if (!r.ok()) {
    if (r.error().code != kl::ErrorCode::Storage || r.error().message.empty()) std::abort();
    return 0;
  }
  const std::string again = kl::progress_json(r.value().progress);
  auto r2 = kl::load_progress(again, nb);
  if (!r2.ok()) std::abort();
  if (kl::progress_json(r2.value().progress) != again) std::abort();
  return 0;
}
