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

// The answer's outputs in binary64 and binary32 (`f64`, `f32`); with
// `half_formats` also in bfloat16 and binary16 (`bf16`, `f16`), and then an
// element that is a midpoint of either of those is reported `tie` as well
// (docs/protocol.md, "Answer").
nlohmann::json answer_to_json(const reference::OracleAnswer& a, bool half_formats = false);
// The status as an answer reports it: `tie` speaks of the formats the answer
// carries, so a midpoint of bfloat16 or binary16 alone is `exact` in an
// answer without them (reference/rounding.hpp, ProofStatus::tie).
const char* reported_status(const reference::RoundedValue& v, bool half_formats);

// JSON integers beyond the 64-bit range reach the parser's caller already
// rounded to binary64; this rejects, on the raw text, any that were not
// exactly a binary64 (InputError("json") quoting the literal).
void check_integer_literals(const std::string& line);

}  // namespace lossoracle
