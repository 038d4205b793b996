// Files the suite reads: a whole file as text, and the course's notebooks (site/notebooks/*.md, sorted),
// which are the suite's fixtures. KL_SOURCE_DIR is set by CMakeLists.txt.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kltest {

/// The file's bytes (empty when it cannot be read: the test that needs it then fails on its content).
inline std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// site/notebooks/*.md, sorted by path.
inline std::vector<std::string> course_notebooks() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(KL_SOURCE_DIR) + "/site/notebooks"))
    if (entry.path().extension() == ".md") out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// The checker's own fixture notebook (tests/fixtures/notebooks/checker.md).
inline std::string checker_fixture() { return std::string(KL_SOURCE_DIR) + "/tests/fixtures/notebooks/checker.md"; }

}  // namespace kltest
