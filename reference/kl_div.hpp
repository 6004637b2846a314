// kl_div(input, target) with input = log q, PyTorch semantics:
//   log_target = false: l = xlogy(t, t) - t x   (xlogy(0, .) = 0, t < 0 gives NaN)
//   log_target = true:  l = exp(t) (t - x)
// Elementwise; reductions none | sum | mean (over all elements) | batchmean
// (sum / input.size(0); a 0-dim input's batchmean is its sum).
// Gradients: d l / d x = -t (or -exp(t)). d l / d t follows PyTorch's
// autograd of xlogy(t, t) - t x term by term:
//   xlogy(g, t) (0 where t = 0 or g = 0)  +  g t / t  -  g x,
// so it is log t + 1 - x for t > 0, NaN at t = 0 (0/0) and at t = +inf, and
// 0 for a zero cotangent even at t < 0. For log targets: g exp(t) (t - x + 1).
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "reference/number.hpp"
#include "reference/reduction.hpp"
#include "reference/result.hpp"

namespace lossoracle::reference {

template <class T>
LossResult<T> kl_div(Reduction reduction, bool log_target, const Shape& shape, const std::vector<T>& x,
                     const std::vector<T>& t, const std::vector<T>* grad_output) {
  const T nan(std::numeric_limits<double>::quiet_NaN());
  LossResult<T> r;
  r.position_shape = shape;
  r.per_position.assign(x.size(), T(0.0));
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (log_target) {
      r.per_position[k] = exp(t[k]) * (t[k] - x[k]);
    } else {
      const double tv = value_of(t[k]);
      const T xlogy = std::isnan(tv) ? nan : tv == 0.0 ? T(0.0) : T(t[k] * log(t[k]));
      r.per_position[k] = xlogy - t[k] * x[k];
    }
  }
  double count = static_cast<double>(x.size());
  if (reduction == Reduction::batchmean) count = shape.empty() ? 1.0 : static_cast<double>(shape[0]);
  const Reduced<T> red = reduce(r.per_position, r.position_shape, reduction, T(count), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.resize(x.size());
  r.grad_target.resize(x.size());
  r.has_grad_target = true;
  for (std::size_t k = 0; k < x.size(); ++k) {
    const T& g = red.cotangent[k];
    if (log_target) {
      const T et = exp(t[k]);
      r.grad_input[k] = -(g * et);
      r.grad_target[k] = g * (et * (t[k] - x[k] + T(1.0)));
    } else {
      r.grad_input[k] = -(g * t[k]);
      const double tv = value_of(t[k]);
      // xlogy(g, t) is 0 for a zero cotangent: decided on the exact grad_output,
      // never on the computed quotient g, which may underflow in binary64.
      const bool g_zero = grad_output && value_of((*grad_output)[reduction == Reduction::none ? k : 0]) == 0.0;
      const T xlogy_self = std::isnan(tv) ? nan : (tv == 0.0 || g_zero) ? T(0.0) : T(g * log(t[k]));
      r.grad_target[k] = xlogy_self + g * t[k] / t[k] - g * x[k];
    }
  }
  return r;
}

}  // namespace lossoracle::reference
