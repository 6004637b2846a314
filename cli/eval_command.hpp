#pragma once

#include <iosfwd>

#include "reference/oracle.hpp"

namespace lossoracle::cli {

enum class EvalFormat { jsonl, table };

// Answers each JSON line of `in` on `out` (docs/protocol.md). Returns the
// number of lines answered with an error.
int run_eval(std::istream& in, std::ostream& out, const reference::OracleOptions& options, EvalFormat format);

}  // namespace lossoracle::cli
