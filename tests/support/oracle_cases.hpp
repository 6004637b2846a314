// Building loss cases in C++ (not from JSON, as tests/support/oracle_case.hpp
// does) and asking the oracle about them through the registry, as
// `lossoracle eval` does: resolve_case (defaults, names), then
// evaluate_correctly_rounded. Names differ from oracle_case.hpp's so that a
// test may include both.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hexfloat.hpp"
#include "core/loss_list.hpp"
#include "core/registry.hpp"

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

using OracleOutputs = std::map<std::string, std::vector<reference::RoundedValue>>;

inline OracleOutputs oracle_outputs(const LossCase& raw) {
  const LossCase c = resolved(raw);
  const reference::OracleAnswer a = reference::evaluate_correctly_rounded(find_loss(c.loss).oracle, c);
  OracleOutputs out;
  for (const auto& o : a.outputs) out[o.name] = o.values;
  return out;
}

// Whether an output entry's roundings are certain: exact, proved, tie, or
// zero (an enclosure within 2^-1075 of 0, which every format rounds to 0).
inline testing::AssertionResult is_settled(const reference::RoundedValue& v) {
  using reference::ProofStatus;
  if (v.status == ProofStatus::exact || v.status == ProofStatus::proved || v.status == ProofStatus::tie ||
      v.status == ProofStatus::zero)
    return testing::AssertionSuccess();
  return testing::AssertionFailure() << "status " << reference::status_name(v.status);
}

struct CaughtError {
  std::string field, message;
};

// The InputError that resolving and evaluating the case raises; empty if none.
inline CaughtError error_of(const LossCase& raw) {
  try {
    const LossCase c = resolved(raw);
    (void)find_loss(c.loss).oracle(c, reference::inputs_as<reference::Real>(c));
  } catch (const InputError& e) {
    return {e.field(), e.what()};
  }
  return {};
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
