#pragma once

#include <string>
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
  bool has_grad_input = true;     // false for a label transform of integer targets
  bool has_grad_target = false;

  // Further outputs a loss defines beyond these (e.g. unit_scaling's scaled
  // backward), emitted after them in this order.
  struct Extra {
    std::string name;
    Shape shape;
    std::vector<T> values;
  };
  std::vector<Extra> extra;
};

}  // namespace lossoracle::reference
