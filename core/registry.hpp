// The one list of losses. Everything that enumerates losses (the CLI, the
// property suite, case suites, golden generation, benchmarks) reads it, so a
// new loss is added here and in its tier headers, nowhere else.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/loss_case.hpp"
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
  reference::OracleFn oracle;  // always present: the reference tier
  bool optimized = false;
  bool cuda = false;
};

const std::vector<LossInfo>& loss_registry();
const LossInfo& find_loss(const std::string& name);  // InputError("loss") listing the known names

// Checks parameter names, types and choices and input names against the
// registry, then fills in defaults. Errors name the offending field.
void resolve_case(const LossInfo& info, LossCase& c);

}  // namespace lossoracle
