// Reductions as PyTorch defines them (checks/reduction.hpp parses them), and
// the per-position cotangent that the backward pass needs: for `none` the caller's grad_output (ones by default),
// for `sum` the scalar grad_output, for `mean`/`batchmean` grad_output / D.
#pragma once

#include <string>
#include <vector>

#include "checks/reduction.hpp"
#include "core/tensor.hpp"

namespace lossoracle::reference {

using checks::parse_reduction;
using checks::reduced_shape;
using checks::Reduction;

template <class T>
struct Reduced {
  Shape shape;               // () unless reduction is none
  std::vector<T> loss;
  std::vector<T> cotangent;  // d(loss seen by grad_output) / d(per-position value)
};

// grad_output, when given, has the reduced loss's shape (checked by the caller).
template <class T>
Reduced<T> reduce(const std::vector<T>& per_position, const Shape& position_shape, Reduction r,
                  const T& denominator, const std::vector<T>* grad_output) {
  Reduced<T> out;
  if (r == Reduction::none) {
    out.shape = position_shape;
    out.loss = per_position;
    out.cotangent = grad_output ? *grad_output : std::vector<T>(per_position.size(), T(1.0));
    return out;
  }
  T total(0.0);
  for (const T& v : per_position) total += v;
  const T g = grad_output ? (*grad_output)[0] : T(1.0);
  if (r == Reduction::sum) {
    out.loss = {total};
    out.cotangent.assign(per_position.size(), g);
  } else {
    out.loss = {total / denominator};
    out.cotangent.assign(per_position.size(), g / denominator);
  }
  return out;
}

}  // namespace lossoracle::reference
