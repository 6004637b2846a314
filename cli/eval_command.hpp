#pragma once

#include <iosfwd>

#include "reference/oracle.hpp"

namespace lossoracle::cli {

enum class EvalFormat { jsonl, table };

// Answers each JSON line of `in` on `out` (docs/protocol.md). Returns the
// number of lines answered with an error. `half_formats` adds each value's
// bfloat16 and binary16 roundings (answer_to_json in core/protocol.hpp).
int run_eval(std::istream& in, std::ostream& out, const reference::OracleOptions& options, EvalFormat format,
             bool half_formats = false);

}  // namespace lossoracle::cli
