// The input checks every tier applies before it computes anything: which
// cases a loss accepts, and for the others an InputError naming the field
// with the source library's words (PyTorch's where PyTorch raises one).
// The checks define the domain, not the loss: they hold no loss mathematics,
// so sharing them keeps the oracle independent of the tiers it judges
// (docs/spec.md, "Input checks"), and the golden bad-input vectors judge them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checks/layout.hpp"
#include "checks/reduction.hpp"
#include "core/error.hpp"
#include "core/loss_case.hpp"

namespace lossoracle::checks {

// The named input, with its data checked against its shape; InputError if absent.
const Tensor& required(const LossCase& c, const std::string& name);

// Optional class weights must have shape (C): PyTorch's message otherwise.
void check_class_weights(const LossCase& c, const ClassLayout& L);

// An optional grad_output must have the output's shape.
void check_grad_output(const LossCase& c, const Shape& expected);

// Class-index targets: shape (N, d1..dk) or () unbatched, integral values.
std::vector<std::int64_t> class_indices(const LossCase& c, const Tensor& target, const ClassLayout& L,
                                        const Shape& input_shape);

// nll_loss's words for a class index outside [0, C) that is not ignore_index
// at `position` (tiers that find it late, on a device, report the same).
std::string target_out_of_range_message(const std::string& loss, const ClassLayout& L, std::int64_t position,
                                        std::int64_t target, std::int64_t ignore_index);

// Every index in [0, C) or equal to ignore_index.
void check_class_indices(const std::string& loss, const ClassLayout& L, const std::vector<std::int64_t>& y,
                         std::int64_t ignore_index);

}  // namespace lossoracle::checks
