// Running one case through the oracle as `lossoracle eval` would: parse the
// JSON case, resolve it against the registry (defaults, checks), evaluate
// correctly rounded, and look outputs up by name.
#pragma once

#include <gtest/gtest.h>

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

}  // namespace lossoracle::testing_support
