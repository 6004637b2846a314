// Input checks of unit_scaling's cross_entropy (unit_scaling 0.3.5, confirmed
// by running it under torch 1.13.1): the library's own first, in its order
// and with its messages, then F.cross_entropy's:
//   1. docs._validate: a non-default weight / label_smoothing   ValueError
//   2. the input's rank (assert len(input.shape) in (1, 2))      AssertionError
//   3. vocab_size / (vocab_size - 1) ** 0.5: V = 1 divides by 0  ZeroDivisionError;
//      V = 0 takes the square root of -1, a Python complex       TypeError
//   4. F.cross_entropy(..., reduction="sum")                     PyTorch's errors
//   5. assert reduction == "sum" after the mean branch           AssertionError (empty message)
//   6. 1 / batch_size with batch_size = 0 under mean             ZeroDivisionError
#pragma once

#include <cstdint>
#include <vector>

#include "checks/inputs.hpp"

namespace lossoracle::checks {

struct UnitScaledArgs {
  ClassLayout layout;
  Reduction reduction = Reduction::mean;  // sum or mean
  std::int64_t ignore_index = -100;
  bool probabilities = false;   // target has the input's shape (F.cross_entropy's rule)
  std::vector<std::int64_t> y;  // class indices, when !probabilities
};

UnitScaledArgs unit_scaled_cross_entropy_args(const LossCase& c);

}  // namespace lossoracle::checks
