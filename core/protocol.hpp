// The JSON Lines protocol of `lossoracle eval` (docs/protocol.md): one case a
// line in, one answer or one error a line out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/loss_case.hpp"
#include "reference/oracle.hpp"

namespace lossoracle {

// Parses the case object of one request line. Throws InputError naming the
// field (e.g. "inputs.target[2][1]").
LossCase case_from_json(const nlohmann::json& j);
Tensor tensor_from_json(const nlohmann::json& j, const std::string& field);
nlohmann::json tensor_to_json(const Tensor& t);  // {"shape": [...], "data": [hex64...]}

nlohmann::json answer_to_json(const reference::OracleAnswer& a);

// JSON integers beyond the 64-bit range reach the parser's caller already
// rounded to binary64; this rejects, on the raw text, any that were not
// exactly a binary64 (InputError("json") quoting the literal).
void check_integer_literals(const std::string& line);

}  // namespace lossoracle
