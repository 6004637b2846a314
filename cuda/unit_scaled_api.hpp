// Internal to the host API (cuda/api.cpp): enqueueing unit_scaled_cross_entropy.
#pragma once

#include "cuda/api.hpp"

namespace lossoracle::cuda {

// Row kernel (class indices, or probabilities and the second pass for
// grad_target), then the loss's reduction: S, or S / B for mean.
// rp and rt as enqueue prepared them.
void enqueue_unit_scaled(const Problem& p, Dtype d, const DeviceTensors& t, const launch::Workspace& w,
                         launch::RowProblem rp, launch::RowTensors rt, cudaStream_t stream);

}  // namespace lossoracle::cuda
