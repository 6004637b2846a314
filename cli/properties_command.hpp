#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace lossoracle::cli {

struct PropertiesOptions {
  bool table = false;         // write docs/properties.md
  std::string impl;           // run on an implementation instead (certify's --impl spelling)
  std::vector<std::string> losses;  // with --impl: the losses it implements (default: all)
  std::uint64_t seed = 20261123;
  int cases = 0;              // 0: the default count (or long mode's)
  bool long_mode = false;     // --properties-long, or LOSSORACLE_PROPERTIES_LONG
};

// `lossoracle properties`: the property x loss table (--table), or every
// property on one implementation (--impl). 0; 1 when a property fails on the
// implementation where it holds on the reference tier; 2 for a usage error.
int run_properties_command(const PropertiesOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lossoracle::cli
