// Graphcore unit_scaling's cross entropy (unit_scaling 0.3.5,
// unit_scaling/functional.py, cross_entropy), which is, for input (V) or (B, V):
//
//   x1   = scale_bwd(x, V / sqrt(V - 1))    identity forward, backward times V/sqrt(V-1)
//   z    = scale_fwd(x1, mult)              forward times mult, backward identity
//   S    = F.cross_entropy(z, target, ignore_index=..., reduction="sum")
//   loss = scale_fwd(S, 1 / B)  for mean   forward times 1/B, backward identity
//          S                    for sum
//
// B = input.shape[0] (1 for (V)) counts ignored rows too. The target is
// anything F.cross_entropy takes: class indices, or probabilities shaped like
// the input. Two gradients are produced:
//   grad_input              the derivative of the loss:  d/dx = mult (1/B) dS/dz   (sum: mult dS/dz)
//   grad_input_unit_scaled  what the library's backward returns:  V/sqrt(V-1) dS/dz,
//                           no 1/B and no mult (scale_fwd passes the cotangent through).
// Both at z = mult x, with the cotangent g of the loss in dS/dz. For
// probability targets, likewise grad_target = (1/B) dS/dt and
// grad_target_unit_scaled = dS/dt (the target passes through no scaling).
#pragma once

#include <cstdint>
#include <vector>

#include "reference/cross_entropy.hpp"

namespace lossoracle::reference {

struct UnitScaledOptions {
  Reduction reduction = Reduction::mean;  // mean or sum (the evaluator rejects none, as the library does)
  std::int64_t ignore_index = -100;
  double mult = 1.0;
};

// Exactly one of y (class indices) and t (probabilities) is given.
template <class T>
LossResult<T> unit_scaled_cross_entropy(const UnitScaledOptions& o, const ClassLayout& L, const Shape& input_shape,
                                        const std::vector<T>& x, const std::vector<std::int64_t>* y, const std::vector<T>* t,
                                        const std::vector<T>* grad_output) {
  const T mult(o.mult);
  std::vector<T> z(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) z[k] = mult * x[k];
  // The library's backward hands the loss's cotangent g unchanged to S (scale_fwd's
  // backward is the identity), so S is differentiated with cotangent g.
  const std::vector<T> g{grad_output ? (*grad_output)[0] : T(1.0)};
  const std::vector<T>* no_weight = nullptr;
  const IndexTargetOptions sum{"unit_scaled_cross_entropy", Reduction::sum, o.ignore_index};
  const LossResult<T> s = y ? cross_entropy_index(sum, L, z, *y, no_weight, 0.0, &g)
                            : cross_entropy_probs(Reduction::sum, L, z, *t, no_weight, 0.0, &g);
  const T batch(static_cast<double>(L.outer));  // input.shape[0]; 1 for an unbatched (V) input
  const bool mean = o.reduction == Reduction::mean;

  LossResult<T> r;
  r.position_shape = s.position_shape;
  r.per_position = s.per_position;  // the terms of S: F.cross_entropy(z, target, reduction='none')
  r.loss_shape = {};
  r.loss = {mean ? T(s.loss[0] / batch) : s.loss[0]};

  const T V(static_cast<double>(L.classes));
  const T unit_scale = V / sqrt(V - T(1.0));
  r.grad_input.resize(x.size());
  typename LossResult<T>::Extra scaled{"grad_input_unit_scaled", input_shape, std::vector<T>(x.size())};
  for (std::size_t k = 0; k < x.size(); ++k) {
    r.grad_input[k] = mean ? T((mult * s.grad_input[k]) / batch) : T(mult * s.grad_input[k]);
    scaled.values[k] = unit_scale * s.grad_input[k];
  }
  r.extra.push_back(std::move(scaled));
  if (t) {
    r.has_grad_target = true;
    r.grad_target.resize(x.size());
    typename LossResult<T>::Extra scaled_t{"grad_target_unit_scaled", input_shape, s.grad_target};
    for (std::size_t k = 0; k < x.size(); ++k) r.grad_target[k] = mean ? T(s.grad_target[k] / batch) : s.grad_target[k];
    r.extra.push_back(std::move(scaled_t));
  }
  return r;
}

}  // namespace lossoracle::reference
