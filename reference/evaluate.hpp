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

// The named input, with its data checked against its shape; InputError if absent.
const Tensor& required(const LossCase& c, const std::string& name);

// Optional class weights must have shape (C): PyTorch's message otherwise.
void check_class_weights(const LossCase& c, const ClassLayout& L);

// An optional grad_output must have the output's shape.
void check_grad_output(const LossCase& c, const Shape& expected);

inline Shape reduced_shape(Reduction r, const Shape& per_position) {
  return r == Reduction::none ? per_position : Shape{};
}

// Class-index targets: shape (N, d1..dk) or () unbatched, integral values.
std::vector<std::int64_t> class_indices(const LossCase& c, const Tensor& target, const ClassLayout& L,
                                        const Shape& input_shape);

}  // namespace lossoracle::reference
