// INTERIM (until checks/ lands on main): the soft-label family's checks.
#pragma once

#include <string>

#include "core/loss_case.hpp"
#include "optimized/validate.hpp"

namespace lossoracle::optimized {

inline double soft_label_alpha(const LossCase& c) {
  const double a = c.params.real("alpha");
  if (a < 0.0) throw InputError("params.alpha", c.loss + ": Alpha must be non-negative.");
  return a;
}

inline ClassLayout last_axis_layout(const std::string& loss, const Shape& shape) {
  if (shape.empty())
    throw InputError("inputs.input", loss + ": input must have at least 1 dimension (classes last), got shape ()");
  ClassLayout L;
  L.unbatched = shape.size() == 1;
  L.classes = shape.back();
  L.position_shape.assign(shape.begin(), shape.end() - 1);
  L.outer = element_count(L.position_shape);
  return L;
}

inline void check_soft_label_target_shape(const LossCase& c, const Tensor& input, const Tensor& target) {
  if (target.shape != input.shape)
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                          " must equal input shape " + shape_text(input.shape) +
                                          " (the oracle does not broadcast)");
}

}  // namespace lossoracle::optimized
