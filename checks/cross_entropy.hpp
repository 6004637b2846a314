// Input checks of the cross-entropy family (log_softmax, softmax, entropy,
// nll_loss, cross_entropy, kl_div), in PyTorch's order and with its words.
// Class indices outside [0, C) are found where the index is read
// (check_class_indices), as PyTorch's kernels find them.
#pragma once

#include <cstdint>
#include <vector>

#include "checks/inputs.hpp"

namespace lossoracle::checks {

// log_softmax / softmax over dimension 1 (0 unbatched); grad_output has the input's shape.
ClassLayout softmax_args(const LossCase& c);

struct EntropyArgs {
  ClassLayout layout;
  Reduction reduction = Reduction::mean;
};
EntropyArgs entropy_args(const LossCase& c);

struct CrossEntropyArgs {
  ClassLayout layout;
  Reduction reduction = Reduction::mean;
  std::int64_t ignore_index = -100;
  double label_smoothing = 0;   // cross_entropy only
  bool probabilities = false;   // target has the input's shape (PyTorch's rule; cross_entropy only)
  std::vector<std::int64_t> y;  // class indices, when !probabilities (range unchecked)
};
CrossEntropyArgs nll_loss_args(const LossCase& c);
CrossEntropyArgs cross_entropy_args(const LossCase& c);

struct KlDivArgs {
  Reduction reduction = Reduction::mean;
  bool log_target = false;
};
// Elementwise: the target has the input's shape (no broadcasting).
KlDivArgs kl_div_args(const LossCase& c);

}  // namespace lossoracle::checks
