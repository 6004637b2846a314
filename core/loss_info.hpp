// What the registry says about a loss: its name, family, parameters with
// defaults, inputs, and which tiers implement it.
#pragma once

#include <string>
#include <vector>

#include "core/params.hpp"
#include "reference/oracle.hpp"

namespace lossoracle {

// What an absent parameter means. Most take default_value; some source
// functions have no default (required), and some default to Python's None,
// which no ParamValue spells: such a parameter stays absent and the
// evaluator asks Params::has(). default_value is unused for those two.
enum class ParamPresence { defaulted, required, optional };

struct ParamSpec {
  std::string name;
  ParamType type;
  ParamValue default_value;
  std::vector<std::string> choices;  // allowed strings for a text parameter; empty = any
  std::string doc;
  ParamPresence presence = ParamPresence::defaulted;
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
