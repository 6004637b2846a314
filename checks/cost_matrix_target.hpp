// The words for a misclass target outside [-rows, rows) (PyTorch's D[targ]
// bounds), apart from checks/cost_matrix.hpp so that the CUDA tier, whose
// kernels find such a target on the device, reports it as misclass_args does.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.hpp"

namespace lossoracle::checks {

// The message for target value y at flat position k against a cost matrix
// of `rows` rows; empty when -rows <= y < rows.
std::string cost_target_message(const std::string& loss, const Shape& target_shape, std::int64_t k, std::int64_t y,
                                std::int64_t rows);

}  // namespace lossoracle::checks
