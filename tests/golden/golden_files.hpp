// What the golden suites read: the committed vector files and the paths of
// the golden folder in the source tree.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace golden_test {

inline const std::filesystem::path kGolden = std::filesystem::path(LOSSORACLE_SOURCE_DIR) / "golden";
inline const std::filesystem::path kSources = kGolden / "sources";
inline const std::filesystem::path kVectors = kGolden / "vectors";

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(read_text(path)); }

// (file name, parsed file) for every golden/vectors/*_test.json, by name.
inline std::vector<std::pair<std::string, nlohmann::json>> committed_vectors() {
  std::vector<std::pair<std::string, nlohmann::json>> files;
  for (const auto& entry : std::filesystem::directory_iterator(kVectors))
    if (entry.path().extension() == ".json")
      files.emplace_back(entry.path().filename().string(), read_json(entry.path()));
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return files;
}

// Calls f(file name, file, group, test) for every test of every committed file.
template <class F>
void for_each_test(const std::vector<std::pair<std::string, nlohmann::json>>& files, F&& f) {
  for (const auto& [name, file] : files)
    for (const auto& group : file.at("testGroups"))
      for (const auto& test : group.at("tests")) f(name, file, group, test);
}

}  // namespace golden_test
