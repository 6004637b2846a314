// Turns golden/sources into golden/vectors: evaluates every source case with
// the oracle and writes one Wycheproof-style file per loss
// (docs/golden-format.md). Pure: it returns the files' text, so the command
// writes them and the match test compares them without touching the disk.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "reference/oracle.hpp"

namespace lossoracle::golden {

inline constexpr const char* kSchemaName = "loss_test_schema_v1.json";
// Changes whenever the generator would write different files from the same
// sources and oracle, so a consumer can tell format revisions apart.
inline constexpr const char* kGeneratorVersion = "lossoracle-golden 1";
inline constexpr const char* kFlagsFile = "flags.json";

// File name ("cross_entropy_test.json") -> its full text, newline-terminated.
using GoldenFiles = std::map<std::string, std::string>;

// Throws SourceError naming the source line for anything wrong in the
// sources: bad structure, duplicate or reused tcIds, unknown flags, a case
// whose declared result the oracle contradicts, printed digits that match no
// output element.
// With `half_formats` every output also carries bf16 and f16 (docs/golden-format.md).
GoldenFiles generate(const std::filesystem::path& sources_dir, const reference::OracleOptions& options = {},
                     bool half_formats = false);

std::string vector_file_name(const std::string& loss);  // "<loss>_test.json"

}  // namespace lossoracle::golden
