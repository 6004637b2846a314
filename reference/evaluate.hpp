// What every evaluator of the reference tier shares: reading a resolved case,
// checking its inputs as the source library does, and the typed input values.
// Evaluators are templates on the number type T so the oracle (T = Real), the
// gradient checks (autodiff and high-precision MPFR) and the property suite
// all run the same code through the one loss list (core/loss_list.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checks/inputs.hpp"
#include "core/loss_case.hpp"
#include "reference/layout.hpp"
#include "reference/reduction.hpp"
#include "reference/result.hpp"

namespace lossoracle::reference {

// Every tensor of a case as numbers of type T, by input name.
template <class T>
using Inputs = std::map<std::string, std::vector<T>>;

template <class T>
using EvalFn = LossResult<T> (*)(const LossCase&, const Inputs<T>&);

template <class T>
Inputs<T> inputs_as(const LossCase& c) {
  Inputs<T> v;
  for (const auto& [name, tensor] : c.inputs) v[name] = std::vector<T>(tensor.values.begin(), tensor.values.end());
  return v;
}

template <class T>
const std::vector<T>* optional_values(const Inputs<T>& v, const std::string& name) {
  auto it = v.find(name);
  return it == v.end() ? nullptr : &it->second;
}

// The input checks (checks/inputs.hpp) under the reference tier's names.
using checks::check_class_indices;
using checks::check_class_weights;
using checks::check_grad_output;
using checks::class_indices;
using checks::required;

}  // namespace lossoracle::reference
