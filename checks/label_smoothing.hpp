// Input checks of the label-smoothing family, each in its source's order
// with its messages: the torch ops the source calls (scatter_add_, gather,
// nll_loss) and Python's own errors (ZeroDivisionError, IndexError) where
// the source divides by C or indexes a shape.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "checks/inputs.hpp"

namespace lossoracle::checks {

// nll_loss's default ignore_index, which both fastai's and issue #11959's
// losses inherit without exposing it.
constexpr std::int64_t kNllDefaultIgnoreIndex = -100;

// smooth_labels(target, num_classes, eps): target.shape[0], then
// eps / num_classes, then torch.full((N, C)), then scatter_add_'s checks.
struct SmoothLabelsArgs {
  std::int64_t classes = 0;
  std::vector<std::int64_t> y;  // (N), each in [0, C)
};
SmoothLabelsArgs smooth_labels_args(const LossCase& c);

// fastai's and issue #11959's LabelSmoothingCrossEntropy: class dimension 1,
// targets in [0, C) or -100.
struct ClassIndexArgs {
  ClassLayout layout;
  Reduction reduction = Reduction::mean;
  std::vector<std::int64_t> y;
};
ClassIndexArgs fastai_label_smoothing_args(const LossCase& c);
ClassIndexArgs issue11959_label_smoothing_args(const LossCase& c);

// fairseq's label_smoothed_nll_loss: classes last, target (...) or (..., 1)
// as gather sees it, then epsilon / (C - 1).
struct FairseqArgs {
  ClassLayout layout;
  std::vector<std::int64_t> y;
  std::optional<std::int64_t> ignore_index;
  bool reduce_sum = true;
};
FairseqArgs label_smoothed_nll_loss_args(const LossCase& c);

}  // namespace lossoracle::checks
