#pragma once

#include <iosfwd>

#include "certify/suite.hpp"

namespace lossoracle::cli {

// `lossoracle cases`: writes the suite of one loss as JSON Lines in the eval
// case format (docs/protocol.md), one case a line with its id, so any
// program can replay exactly what `certify` runs. 0, or 2 for a usage error.
int run_cases_command(const std::string& loss, const certify::SuiteOptions& options, std::ostream& out,
                      std::ostream& err);

}  // namespace lossoracle::cli
