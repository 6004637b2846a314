// The words for an ordinal loss's target outside [0, C), apart from
// checks/ordinal.hpp so that the CUDA tier, whose kernels find such a target
// on the device, reports it as ordinal_args does.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.hpp"

namespace lossoracle::checks {

// The message for target value y at flat position k of a target of shape
// target_shape against C classes; empty when 0 <= y < C.
std::string ordinal_target_message(const std::string& loss, const Shape& target_shape, std::int64_t k, std::int64_t y,
                                   std::int64_t C);

}  // namespace lossoracle::checks
