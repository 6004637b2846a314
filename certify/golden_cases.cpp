#include "certify/golden_cases.hpp"

#include <fstream>

#include "certify/suite.hpp"

namespace lossoracle::certify {

std::vector<GoldenTest> read_golden(const std::filesystem::path& dir, const std::string& loss) {
  const std::filesystem::path file = dir / (loss + "_test.json");
  std::ifstream in(file);
  if (!in)
    throw SuiteError("no golden vectors for " + loss + " (" + file.string() +
                     "): every suite starts from them; add golden/sources/" + loss +
                     ".jsonl and run lossoracle golden (docs/golden-format.md)");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw SuiteError(file.string() + ": not JSON: " + e.what());
  }
  if (!doc.is_object() || doc.value("algorithm", "") != loss || !doc.contains("testGroups"))
    throw SuiteError(file.string() + ": not a golden vector file of " + loss);
  std::vector<GoldenTest> tests;
  for (const auto& group : doc.at("testGroups"))
    for (const auto& t : group.at("tests"))
      tests.push_back({t.at("tcId").get<std::int64_t>(), t.value("comment", ""), t.value("result", "valid"),
                       t.value("flags", std::vector<std::string>{}), group.value("params", nlohmann::json::object()),
                       t.at("inputs")});
  return tests;
}

}  // namespace lossoracle::certify
