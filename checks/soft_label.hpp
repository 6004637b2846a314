// Input checks of the soft-label family: incendio 0.14.0's
// smooth_soft_labels, soft_label_cross_entropy_with_logits and
// soft_label_cross_entropy, and seed 001's classification_mae_with_logits.
// Classes last. Order: alpha first (incendio's smooth_soft_labels runs
// before anything touches the tensors), then the input's rank, the target's
// shape, the reduction, grad_output (docs/spec.md S5).
#pragma once

#include <cstddef>

#include "checks/inputs.hpp"

namespace lossoracle::checks {

// smooth_soft_labels(labels, alpha), the labels as "input".
struct SmoothSoftLabelsArgs {
  double alpha = 0;
  ClassLayout layout;
};
SmoothSoftLabelsArgs smooth_soft_labels_args(const LossCase& c);

// The losses of (input, target): sum and mean reduce the per-position tensor
// along one dimension only, incendio's dimension 0 for the cross entropies
// and the notebook's last (-1) for the MAE; a 0-dim per-position tensor
// (input (C)) reduces to itself.
struct SoftLabelArgs {
  double alpha = 0;  // the MAE does not smooth: 0
  ClassLayout layout;
  Reduction reduction = Reduction::mean;
  std::size_t axis = 0;  // of the per-position tensor, for sum and mean
  Shape loss_shape;      // the loss's, and grad_output's
};
// soft_label_cross_entropy_with_logits and soft_label_cross_entropy.
SoftLabelArgs soft_label_cross_entropy_args(const LossCase& c);
SoftLabelArgs classification_mae_with_logits_args(const LossCase& c);

}  // namespace lossoracle::checks
