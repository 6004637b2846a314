// Internal to the host API (cuda/api.cpp): enqueueing the label-smoothing family.
#pragma once

#include "cuda/api.hpp"

namespace lossoracle::cuda {

// smooth_labels: one elementwise kernel. fastai: the class-index pre-pass
// (W, checks), the row kernel, for mean a second row pass for the shares,
// the reduction. fairseq: the row kernel, the nll kernel for its second
// output, their reductions. rp and rt as enqueue prepared them.
void enqueue_label_smoothing(const Problem& p, Dtype d, const DeviceTensors& t, const launch::Workspace& w,
                             launch::RowProblem rp, launch::RowTensors rt, cudaStream_t stream);

}  // namespace lossoracle::cuda
