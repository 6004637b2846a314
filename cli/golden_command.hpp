#pragma once

#include <iosfwd>
#include <string>

#include "reference/oracle.hpp"

namespace lossoracle::cli {

struct GoldenOptions {
  std::string sources = "golden/sources";
  std::string out = "golden/vectors";
  bool check = false;  // compare with the files in `out` instead of writing them
  bool half_formats = false;  // outputs also in bfloat16 and binary16 (docs/golden-format.md)
  reference::OracleOptions oracle;
};

// `lossoracle golden`: regenerates every vector file of `out` from `sources`
// (docs/golden-format.md), removing vector files no source produces any more.
// Returns 0, or 1 for a problem in the sources or, with `check`, a file that
// is not what the sources give.
int run_golden(const GoldenOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lossoracle::cli
