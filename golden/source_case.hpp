// The golden source files (golden/sources/*.jsonl): one case a line, in the
// `lossoracle eval` case format plus the metadata a test vector carries
// (docs/golden-format.md). This file only reads and checks their structure;
// what a case evaluates to is the generator's business.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lossoracle::golden {

// A problem in the sources, located as "file:line: ..." so the author can
// find the line; the generator stops on the first one.
class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourceCase {
  std::string where;  // "cross_entropy.jsonl:12", for messages
  std::int64_t tc_id = 0;
  std::string loss;
  std::optional<std::string> retired;  // a retired tcId: reserved, never generated
  std::string comment;
  std::vector<std::string> flags;
  std::string result = "valid";  // valid | invalid | acceptable
  nlohmann::json printed;        // {output: "digits" | ["digits" | null, ...]} or null
  nlohmann::json source;         // {document, location, recovered?} or null
  nlohmann::json request;        // {"loss", "params"?, "inputs"}: what `lossoracle eval` reads
};

// Reads every *.jsonl file of `dir` in name order. Throws SourceError.
std::vector<SourceCase> read_sources(const std::filesystem::path& dir);

// Parses one line (exposed for tests). `where` prefixes error messages.
SourceCase parse_source_line(const std::string& line, const std::string& where);

}  // namespace lossoracle::golden
