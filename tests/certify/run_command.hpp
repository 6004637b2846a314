// Runs the lossoracle binary (or any shell command) and captures what it
// printed, for the tests of the certify and cases commands.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lossoracle::test {

struct CommandResult {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline CommandResult run_command(const std::string& command) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(std::rand());
  const auto out = dir / ("lossoracle-test-out-" + tag), err = dir / ("lossoracle-test-err-" + tag);
  const int raw = std::system((command + " >" + out.string() + " 2>" + err.string()).c_str());
  CommandResult r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

inline std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The binary with the golden vectors of this checkout, whatever the current directory.
inline std::string lossoracle() { return quoted(LOSSORACLE_BINARY); }
inline std::string golden_dir() { return std::string(LOSSORACLE_SOURCE_DIR) + "/golden/vectors"; }

}  // namespace lossoracle::test
