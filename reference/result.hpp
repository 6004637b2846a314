#pragma once

#include <vector>

#include "core/tensor.hpp"

namespace lossoracle::reference {

// Everything a loss evaluation produces, in the number type T.
template <class T>
struct LossResult {
  Shape loss_shape;            // () unless reduction is none
  std::vector<T> loss;
  Shape position_shape;
  std::vector<T> per_position;  // the reduction='none' values
  std::vector<T> grad_input;    // d loss / d input, shaped like the input
  std::vector<T> grad_target;   // d loss / d target where the library defines one
  bool has_per_position = true;  // false for softmax/log_softmax, which have no reduction
  bool has_grad_target = false;
};

}  // namespace lossoracle::reference
