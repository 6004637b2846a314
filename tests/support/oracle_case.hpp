// Running one case through the oracle as `lossoracle eval` would: build the
// case (from JSON, or in C++ with make_case), resolve it against the registry
// (defaults, checks), evaluate correctly rounded, and look outputs up by name.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/loss_list.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::testing_support {

using ParamList = std::vector<std::pair<std::string, ParamValue>>;
using InputList = std::vector<std::pair<std::string, Tensor>>;

inline LossCase make_case(const std::string& loss, const ParamList& params, const InputList& inputs) {
  LossCase c;
  c.loss = loss;
  for (const auto& [name, value] : params) c.params.set(name, value);
  for (const auto& [name, tensor] : inputs) c.inputs[name] = tensor;
  return c;
}

// The case with the registry's defaults filled in.
inline LossCase resolved(LossCase c) {
  resolve_case(find_loss(c.loss), c);
  return c;
}

inline LossCase resolved_case(const nlohmann::json& j) { return resolved(case_from_json(j)); }

inline LossCase resolved_case(const std::string& json_text) { return resolved_case(nlohmann::json::parse(json_text)); }

inline reference::OracleAnswer oracle(const LossCase& c) {
  return reference::evaluate_correctly_rounded(find_loss(c.loss).oracle, c);
}

inline const reference::CertifiedOutput& output(const reference::OracleAnswer& a, const std::string& name) {
  for (const auto& o : a.outputs)
    if (o.name == name) return o;
  throw std::invalid_argument("no output named " + name);
}

inline bool has_output(const reference::OracleAnswer& a, const std::string& name) {
  for (const auto& o : a.outputs)
    if (o.name == name) return true;
  return false;
}

using OracleOutputs = std::map<std::string, std::vector<reference::RoundedValue>>;

// Every output of the resolved case, by name.
inline OracleOutputs oracle_outputs(const LossCase& raw) {
  OracleOutputs out;
  for (const auto& o : oracle(resolved(raw)).outputs) out[o.name] = o.values;
  return out;
}

// Whether the oracle claims a correctly rounded binary64 for this value:
// exact, proved, tie, or zero (an enclosure within 2^-1075 of 0, which every
// format rounds to 0; the sign is not certified).
inline testing::AssertionResult settled(const reference::RoundedValue& v) {
  using reference::ProofStatus;
  if (v.status == ProofStatus::exact || v.status == ProofStatus::proved || v.status == ProofStatus::tie ||
      v.status == ProofStatus::zero)
    return testing::AssertionSuccess();
  return testing::AssertionFailure() << "status " << reference::status_name(v.status);
}

// The InputError that resolving and evaluating a case raises (raised false if none).
struct RaisedError {
  bool raised = false;
  std::string field, message;
};

inline RaisedError error_of(const LossCase& raw) {
  try {
    const LossCase c = resolved(raw);
    (void)find_loss(c.loss).oracle(c, reference::inputs_as<reference::Real>(c));
  } catch (const InputError& e) {
    return {true, e.field(), e.what()};
  }
  return {};
}

inline RaisedError error_of(const nlohmann::json& j) {
  LossCase c;
  try {
    c = case_from_json(j);
  } catch (const InputError& e) {
    return {true, e.field(), e.what()};
  }
  return error_of(c);
}

// True when `value` rounds to `printed` at the printed number of digits:
// "%.{d}f" for "0.0784", "%.{d}e" for "9.2457e-01"; ".9" is read as "0.9"
// and "0" asks for an exact zero.
inline bool rounds_to_printed(double value, std::string printed) {
  if (!printed.empty() && printed[0] == '.') printed = "0" + printed;
  if (printed.find_first_not_of("-0") == std::string::npos) return value == 0.0;
  const auto e = printed.find_first_of("eE");
  const std::string mantissa = printed.substr(0, e);
  const auto dot = mantissa.find('.');
  const int digits = dot == std::string::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, e == std::string::npos ? "%.*f" : "%.*e", digits, value);
  return printed == buffer;
}

// The loss list's evaluator for number type T (any values of T, not only
// binary ones, may then be fed to it).
template <class T>
reference::EvalFn<T> evaluator_for(const std::string& loss) {
  static const std::vector<LossDefinition<T>> defs = loss_definitions<T>();
  for (const auto& d : defs)
    if (d.info.name == loss) return d.evaluate;
  throw std::invalid_argument("no loss named " + loss);
}

}  // namespace lossoracle::testing_support
