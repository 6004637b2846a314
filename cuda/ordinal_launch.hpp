// What cuda/ordinal.cu exports to the host API (cuda/api.cpp): plain C++.
#pragma once

#include "cuda/launch.hpp"

namespace lossoracle::cuda::launch {

struct OrdinalParams {
  double alpha = 1.0;
  bool use_logits = true;
  double ln_base = 0.0;              // 0: natural logarithm
  const double* distance = nullptr;  // (C, C) binary64 on the device; null: |i - y|
  const std::int32_t* groups = nullptr;  // acc_loss, slace_prox: cuda/ordinal_groups.hpp's table on the device
  const double* labels = nullptr;        // slace_prox: its labels on the device
};

// sord, one block per row (p.rows rows of p.classes; t.target: int64 class
// indices; t.grad_output: per row or scalar; p.divisor: N for mean). A
// target outside [0, C) is flagged in the error word and its row is NaN.
// Per-row losses go to t.per_position and, when p.reduce, the workspace.
cudaError_t sord_rows(Storage s, const RowProblem& p, const OrdinalParams& params, const RowTensors& t,
                      const Workspace& w, cudaStream_t stream);
// oll, the same way.
cudaError_t oll_rows(Storage s, const RowProblem& p, const OrdinalParams& params, const RowTensors& t,
                     const Workspace& w, cudaStream_t stream);
// acc_loss and slace_prox (groups from params.groups, or |i - y|'s where
// null; labels from params.labels, or 1 where null), the same way.
cudaError_t accumulating_rows(Storage s, const RowProblem& p, const OrdinalParams& params, const RowTensors& t,
                              const Workspace& w, cudaStream_t stream);

}  // namespace lossoracle::cuda::launch
