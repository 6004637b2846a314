// Internal to checks/: class-index targets as integers, with the words for
// a value that is not one (inputs.cpp and slace.cpp share it).
#pragma once

#include <cstdint>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::checks {

// Every value of `target` finite, integral and within 9e15; InputError naming
// the first that is not.
std::vector<std::int64_t> integer_class_indices(const LossCase& c, const Tensor& target);

}  // namespace lossoracle::checks
