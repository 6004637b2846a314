// The CUDA tier as an implementation under test (`--impl cuda`): each case
// runs through the kernels (cuda/device_case.hpp) in the certified dtype.
// Where the tier was not compiled, or no device is present, making it fails
// with an ImplementationError that says which, so the command refuses
// clearly instead of certifying nothing.
#pragma once

#include <memory>

#include "certify/implementation.hpp"

namespace lossoracle::certify {

std::unique_ptr<Implementation> make_cuda_implementation();

}  // namespace lossoracle::certify
