// The one text form of golden JSON files: objects one key a line, arrays of
// scalars on one line. Reviewers read vector files in diffs, where a tensor
// spread one value a line would drown the change; and the match test compares
// files byte for byte, so the form must not depend on the JSON library's
// defaults.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace lossoracle::golden {

std::string to_text(const nlohmann::ordered_json& value);  // ends without a newline

}  // namespace lossoracle::golden
