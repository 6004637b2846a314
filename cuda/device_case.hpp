// A registry case run through the kernels: the inputs rounded to the dtype
// and copied to the device, one run() of the host API, the outputs copied
// back and named as the oracle names them. Used by `lossoracle certify
// --impl cuda` and the device tests. Needs a device (device_available()).
#pragma once

#include <vector>

#include "core/loss_case.hpp"
#include "cuda/api.hpp"
#include "cuda/host_tier.hpp"

namespace lossoracle::cuda {

// dtype float32 or float64 (the dtypes the oracle certifies); bfloat16 and
// float16 round through binary32 on the host.
std::vector<HostOutput> evaluate_on_device(const LossCase& c, Dtype dtype, bool grad_in_place = false);
// The same with the Problem given: the case's tensors are uploaded as they
// are, unchecked (tests give class indices the checks would have refused,
// to see the device find them).
std::vector<HostOutput> evaluate_on_device(const Problem& p, const LossCase& c, Dtype dtype, bool grad_in_place = false);

// v rounded to nearest-even in the storage dtype (what a tensor of that dtype holds).
double round_to_storage(double v, Dtype dtype);

}  // namespace lossoracle::cuda
