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

// per_pair_weighted_ce: one block per row of (p.rows, p.classes) logits
// t.x, t.aux the (N, C) target probabilities, t.weight the (C, C) cost
// matrix; t.grad_output per row (reduction none) or scalar; p.divisor: N
// for mean. Writes t.grad, t.grad_target, per-row losses as misclass does.
cudaError_t per_pair_weighted_ce(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w,
                                 cudaStream_t stream);

}  // namespace lossoracle::cuda::launch
