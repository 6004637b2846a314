// What the registry says about a loss: its name, family, parameters with
// defaults, inputs, and which tiers implement it.
#pragma once

#include <string>
#include <vector>

#include "core/params.hpp"
#include "reference/oracle.hpp"

namespace lossoracle {

struct ParamSpec {
  std::string name;
  ParamType type;
  ParamValue default_value;
  std::vector<std::string> choices;  // allowed strings for a text parameter; empty = any
  std::string doc;
};

struct InputSpec {
  std::string name;
  bool required;
  std::string doc;
};

struct LossInfo {
  std::string name;
  std::string family;  // the header in reference/ (and later optimized/, cuda/) that holds it
  std::string summary;
  std::string source;  // the library whose semantics it follows
  std::vector<ParamSpec> params;
  std::vector<InputSpec> inputs;
  reference::OracleFn oracle = nullptr;  // always present: the reference tier
  bool optimized = false;
  bool cuda = false;
};

}  // namespace lossoracle
