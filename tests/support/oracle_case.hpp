// Cases written as eval-protocol JSON, resolved against the registry, and run
// through the oracle; the way family tests state inputs and read answers.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::testing_support {

// A case as `lossoracle eval` would read it, with the registry's defaults.
inline LossCase resolved_case(const nlohmann::json& j) {
  LossCase c = case_from_json(j);
  resolve_case(find_loss(c.loss), c);
  return c;
}

inline reference::OracleAnswer oracle_answer(const LossCase& c) {
  return reference::evaluate_correctly_rounded(find_loss(c.loss).oracle, c);
}

inline const reference::CertifiedOutput& output_named(const reference::OracleAnswer& a, const std::string& name) {
  for (const auto& o : a.outputs)
    if (o.name == name) return o;
  throw std::invalid_argument("no output named " + name);
}

inline bool has_output(const reference::OracleAnswer& a, const std::string& name) {
  for (const auto& o : a.outputs)
    if (o.name == name) return true;
  return false;
}

// The InputError a case raises (resolving included), or a failure if none.
struct RaisedError {
  bool raised = false;
  std::string field, message;
};

inline RaisedError error_of(const nlohmann::json& j) {
  try {
    const LossCase c = resolved_case(j);
    oracle_answer(c);
  } catch (const InputError& e) {
    return {true, e.field(), e.what()};
  }
  return {};
}

inline bool settled(const reference::RoundedValue& v) {
  return v.status == reference::ProofStatus::exact || v.status == reference::ProofStatus::proved ||
         v.status == reference::ProofStatus::tie;
}

// True when `exact` (a decimal string or number) rounds to `printed` at the
// printed number of digits: "%.{d}f" for "0.0784", "%.{d}e" for "9.2457e-01";
// a leading "." (".9") is read as "0.9".
inline bool rounds_to_printed(double exact, std::string printed) {
  if (!printed.empty() && printed[0] == '.') printed = "0" + printed;
  if (printed.find_first_not_of("-0") == std::string::npos || printed == "0") return exact == 0.0;
  const auto e = printed.find_first_of("eE");
  const std::string mantissa = printed.substr(0, e);
  const auto dot = mantissa.find('.');
  const int digits = dot == std::string::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, e == std::string::npos ? "%.*f" : "%.*e", digits, exact);
  return printed == buffer;
}

}  // namespace lossoracle::testing_support
