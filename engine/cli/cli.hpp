// Private to the CLI: what its command files share.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "kl/session.hpp"

namespace klcli {

inline bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

inline bool parse_uint(const char* s, std::uint64_t& out) {
  if (*s == '\0' || *s == '-') return false;
  char* end = nullptr;
  out = std::strtoull(s, &end, 10);
  return *end == '\0';
}

int usage();
std::string error_line(const kl::Error& e);
/// "file:line: message".
std::string located(const kl::Error& e);
/// A usable session for a notebook file, or nothing (the reasons on stderr unless quiet).
std::optional<kl::Session> open_session(const std::string& path, bool quiet);
/// kllab grade.
int cmd_grade(int argc, char** argv);

}  // namespace klcli
