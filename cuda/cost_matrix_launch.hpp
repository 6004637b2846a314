// What cuda/cost_matrix.cu exports to the host API (cuda/api.cpp): plain C++.
#pragma once

#include "cuda/launch.hpp"

namespace lossoracle::cuda::launch {

// The misclass losses over p.rows rows of p.classes (p.kind: cuda::Kind):
// t.target int64 class indices in [-C, C) (others flagged in the error
// word, their row NaN), t.aux the (C, C) cost matrix, t.grad_output per
// element (reduction none) or scalar; p.divisor: N C for mean. The elements'
// losses go to t.per_position and, when p.reduce, the workspace.
cudaError_t misclass(Storage s, const RowProblem& p, double clamp_min, const RowTensors& t, const Workspace& w,
                     cudaStream_t stream);

}  // namespace lossoracle::cuda::launch
