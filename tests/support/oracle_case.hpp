// Running one case through the oracle as `lossoracle eval` would: parse the
// JSON case, resolve it against the registry (defaults, checks), evaluate
// correctly rounded, and look outputs up by name.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::testing_support {

inline LossCase resolved_case(const nlohmann::json& j) {
  LossCase c = case_from_json(j);
  resolve_case(find_loss(c.loss), c);
  return c;
}

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

// Whether the oracle claims a correctly rounded binary64 for this value
// (status zero: it rounds to 0, sign not certified).
inline bool settled(const reference::RoundedValue& v) {
  using reference::ProofStatus;
  return v.status == ProofStatus::exact || v.status == ProofStatus::proved || v.status == ProofStatus::tie ||
         v.status == ProofStatus::zero;
}

// The message of the InputError that evaluating (or resolving) the case raises, "" if none.
inline std::string error_of(const nlohmann::json& j) {
  try {
    const LossCase c = resolved_case(j);
    (void)find_loss(c.loss).oracle(c, reference::inputs_as<reference::Real>(c));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

inline std::string error_field_of(const nlohmann::json& j) {
  try {
    const LossCase c = resolved_case(j);
    (void)find_loss(c.loss).oracle(c, reference::inputs_as<reference::Real>(c));
  } catch (const InputError& e) {
    return e.field();
  }
  return "";
}

// Both the field and the message of the InputError a case raises.
struct RaisedError {
  bool raised = false;
  std::string field, message;
};

inline RaisedError raised_error_of(const nlohmann::json& j) {
  try {
    const LossCase c = resolved_case(j);
    (void)find_loss(c.loss).oracle(c, reference::inputs_as<reference::Real>(c));
  } catch (const InputError& e) {
    return {true, e.field(), e.what()};
  }
  return {};
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

}  // namespace lossoracle::testing_support
