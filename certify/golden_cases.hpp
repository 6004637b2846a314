// The golden vectors of a loss (golden/vectors/<loss>_test.json,
// docs/golden-format.md) read back as cases: each suite starts from them, and
// its corner and random cases are drawn from the valid ones.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lossoracle::certify {

struct GoldenTest {
  std::int64_t tc_id = 0;
  std::string comment;
  std::string result;  // valid | invalid | acceptable
  std::vector<std::string> flags;
  nlohmann::json params;  // the group's: every parameter, defaults filled in
  nlohmann::json inputs;  // as the file holds them
};

// Throws SuiteError when the file is missing or is not a vector file of `loss`.
std::vector<GoldenTest> read_golden(const std::filesystem::path& dir, const std::string& loss);

}  // namespace lossoracle::certify
