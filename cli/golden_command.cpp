#include "cli/golden_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <vector>

#include "golden/generator.hpp"
#include "golden/source_case.hpp"

namespace lossoracle::cli {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_vector_file(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string suffix = "_test.json";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int run_golden(const GoldenOptions& options, std::ostream& out, std::ostream& err) {
  golden::GoldenFiles files;
  try {
    files = golden::generate(options.sources, options.oracle, options.half_formats);
  } catch (const golden::SourceError& e) {
    err << "lossoracle golden: " << e.what() << "\n";
    return 1;
  }
  const fs::path dir = options.out;
  std::error_code ec;
  if (!options.check) fs::create_directories(dir, ec);
  if (ec) {
    err << "lossoracle golden: cannot create " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  int differing = 0;
  for (const auto& [name, text] : files) {
    const fs::path path = dir / name;
    const bool same = fs::exists(path) && read_file(path) == text;
    const auto tests = nlohmann::json::parse(text).at("numberOfTests").get<std::size_t>();
    std::string state = same ? "unchanged" : options.check ? "differs" : "written";
    if (!same && !options.check) {
      std::ofstream file(path, std::ios::binary | std::ios::trunc);
      file << text;
      if (!file) {
        err << "lossoracle golden: cannot write " << path.string() << "\n";
        return 1;
      }
    }
    differing += same ? 0 : 1;
    out << name << "  " << tests << " tests  " << state << "\n";
  }
  // A vector file whose loss has no source line left would otherwise linger
  // and keep being trusted.
  std::vector<fs::path> stale;
  if (fs::is_directory(dir))
    for (const auto& entry : fs::directory_iterator(dir))
      if (is_vector_file(entry.path()) && !files.count(entry.path().filename().string())) stale.push_back(entry.path());
  std::sort(stale.begin(), stale.end());
  for (const fs::path& path : stale) {
    ++differing;
    if (options.check) {
      out << path.filename().string() << "  stale (no source produces it)\n";
    } else {
      fs::remove(path);
      out << path.filename().string() << "  removed (no source produces it)\n";
    }
  }
  return options.check && differing ? 1 : 0;
}

}  // namespace lossoracle::cli
