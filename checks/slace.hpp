// Input checks of dlordinal's SLACELoss, in the order its forward meets them,
// with PyTorch's messages where dlordinal raises one and our own where
// dlordinal silently computes something else (negative targets, a weight of
// the wrong length). batch_layout and row_targets serve the paper's other
// ordinal losses too (checks/ordinal.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "checks/inputs.hpp"

namespace lossoracle::checks {

// Input (N, C): dlordinal's SLACELoss and the paper's losses are written for
// a batch of rows only. softmax_first: the loss's first step is
// F.softmax(input, dim=1), whose words a 1-d input meets.
ClassLayout batch_layout(const LossCase& c, const Tensor& in, bool softmax_first);

// Integral class indices, one per row; `column` also accepts (N, 1) as
// dlordinal does (target.view(-1)).
std::vector<std::int64_t> row_targets(const LossCase& c, const Tensor& target, std::int64_t N, bool column);

// grad_output of a per-row loss: (N) for reduction none, () otherwise.
void check_row_grad_output(const LossCase& c, Reduction r, std::int64_t N);

// A slace case that passed every check.
struct SlaceArgs {
  Reduction reduction = Reduction::mean;
  double alpha = 0, epsilon = 0;
  bool use_logits = true;
  ClassLayout layout;   // (N, C)
  std::int64_t classes = 0;  // num_classes, -1 resolved to the width
  std::vector<std::int64_t> y;  // 0 <= y < C
};

SlaceArgs slace_args(const LossCase& c);

}  // namespace lossoracle::checks
