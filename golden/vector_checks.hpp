// The rules of a golden vector file that a JSON Schema cannot say: counts
// that must agree, tcIds unique in the file, every flag explained in notes,
// parallel arrays as long as the shape says, and each expected value
// consistent with itself (f64, f32 and the 40-digit decimal name the same
// number; a proof status that fits the values). The schema
// (golden/schema/loss_test_schema_v1.json) checks the structure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lossoracle::golden {

// Returns one message per broken rule ("tcId 7: outputs.loss: ..."); empty
// when the file keeps them all.
std::vector<std::string> check_vector_file(const nlohmann::json& file, const std::string& file_name);

}  // namespace lossoracle::golden
