// Input checking and packing shared by the oracle's evaluators
// (reference/evaluate_*.cpp): each reads a resolved case, checks its inputs as
// the source library does, and evaluates a loss template with Real.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "reference/layout.hpp"
#include "reference/oracle.hpp"
#include "reference/reduction.hpp"
#include "reference/result.hpp"

namespace lossoracle::reference {

std::vector<Real> reals(const Tensor& t);

// The named input, with its data checked against its shape; InputError if absent.
const Tensor& required(const LossCase& c, const std::string& name);

// Optional class weights of shape (C), PyTorch's message when the length is wrong.
std::optional<std::vector<Real>> class_weights(const LossCase& c, const ClassLayout& L);

// Optional cotangent, which must have the output's shape.
std::optional<std::vector<Real>> grad_output(const LossCase& c, const Shape& expected);

inline const std::vector<Real>* ptr(const std::optional<std::vector<Real>>& v) { return v ? &*v : nullptr; }

inline Shape reduced_shape(Reduction r, const Shape& per_position) {
  return r == Reduction::none ? per_position : Shape{};
}

// Class-index targets: shape (N, d1..dk) or () unbatched, integral values.
std::vector<std::int64_t> class_indices(const LossCase& c, const Tensor& target, const ClassLayout& L,
                                        const Shape& input_shape);

// loss, per_position (when the loss has a reduction), grad_input, grad_target (when defined).
Evaluation pack(const LossResult<Real>& r, const Shape& input_shape, const Shape* target_shape, bool per_position);

}  // namespace lossoracle::reference
