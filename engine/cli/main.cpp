// kllab: the engine on the command line, for authors, tests and anyone auto-checking answers.
//   kllab eval 'EXPR'          print the value (exit 1 if it fails)
//   kllab eval                 one expression or assignment per stdin line, one output line each
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "kl/expr.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  kllab eval 'EXPR'      evaluate one expression and print its value\n"
               "  kllab eval             evaluate stdin, one expression or assignment per line\n");
  return 2;
}

std::string error_line(const kl::Error& e) {
  std::string out = "error: " + e.message;
  if (e.column > 0) out += " (column " + std::to_string(e.column) + ")";
  return out;
}

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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "eval") return cmd_eval(argc - 2, argv + 2);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage();
    return 0;
  }
  return usage();
}
