// nll_loss and cross_entropy (class-index and probability targets), PyTorch
// semantics: weight, ignore_index, label_smoothing, none|sum|mean, K-dim and
// unbatched inputs. Derivations of each gradient sit above its code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reference/softmax.hpp"

namespace lossoracle::reference {

struct IndexTargetOptions {
  std::string loss;  // for error messages
  Reduction reduction = Reduction::mean;
  std::int64_t ignore_index = -100;
};

// Validates class indices as PyTorch's nll_loss does, naming the position.
inline void check_class_indices(const IndexTargetOptions& o, const ClassLayout& L,
                                const std::vector<std::int64_t>& y) {
  for (std::int64_t pos = 0; pos < static_cast<std::int64_t>(y.size()); ++pos) {
    const std::int64_t t = y[pos];
    if (t == o.ignore_index) continue;
    if (t < 0 || t >= L.classes)
      throw InputError("inputs.target", o.loss + ": Target " + std::to_string(t) + " is out of bounds. (target" +
                                            index_text(L.position_shape, pos) + "; valid class indices are 0.." +
                                            std::to_string(L.classes - 1) + ", or ignore_index " +
                                            std::to_string(o.ignore_index) + ")");
  }
}

template <class T>
T class_weight(const std::vector<T>* weight, std::int64_t c) {
  return weight ? (*weight)[c] : T(1.0);
}

// Denominator of `mean` for class-index targets: sum of w[y_n] over positions
// that are not ignored (their count without weight). Zero gives NaN, as in PyTorch.
template <class T>
T index_target_denominator(const std::vector<std::int64_t>& y, const std::vector<T>* weight,
                           std::int64_t ignore_index) {
  T d(0.0);
  for (std::int64_t t : y)
    if (t != ignore_index) d += class_weight(weight, t);
  return d;
}

// nll_loss: input holds log-probabilities. l_n = -w[y_n] x[n, y_n];
// d l_n / d x[n, j] = -w[y_n] delta_{j y_n}.
template <class T>
LossResult<T> nll_loss(const IndexTargetOptions& o, const ClassLayout& L, const std::vector<T>& x,
                       const std::vector<std::int64_t>& y, const std::vector<T>* weight,
                       const std::vector<T>* grad_output) {
  check_class_indices(o, L, y);
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(L.positions(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    if (y[pos] != o.ignore_index) r.per_position[pos] = -(class_weight(weight, y[pos]) * x[L.at(pos, y[pos])]);
  const Reduced<T> red = reduce(r.per_position, r.position_shape, o.reduction,
                                index_target_denominator(y, weight, o.ignore_index), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    if (y[pos] != o.ignore_index) r.grad_input[L.at(pos, y[pos])] = -(red.cotangent[pos] * class_weight(weight, y[pos]));
  return r;
}

// cross_entropy with class indices and label smoothing eps (PyTorch):
//   l_n = (1-eps) w[y] (-logp_y) + (eps/C) sum_c w_c (-logp_c), 0 if ignored,
// both terms divided under `mean` by sum_{n not ignored} w[y_n].
// With d(-logp_c)/dx_j = p_j - delta_cj:
//   d l_n / d x_j = (1-eps) w[y] (p_j - delta_jy) + (eps/C) (p_j sum_c w_c - w_j).
// eps <= 0 is no smoothing (PyTorch skips the term; eps < 0 is not an error).
template <class T>
LossResult<T> cross_entropy_index(const IndexTargetOptions& o, const ClassLayout& L, const std::vector<T>& x,
                                  const std::vector<std::int64_t>& y, const std::vector<T>* weight, double eps,
                                  const std::vector<T>* grad_output) {
  check_class_indices(o, L, y);
  const bool smoothing = eps > 0.0;
  const T e(smoothing ? eps : 0.0);
  const T keep = T(1.0) - e;
  const T spread = e / T(static_cast<double>(L.classes));
  T weight_total(0.0);
  for (std::int64_t c = 0; c < L.classes; ++c) weight_total += class_weight(weight, c);

  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(L.positions(), T(0.0));
  std::vector<std::vector<T>> probs(L.positions());
  std::vector<T> logp;
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    if (y[pos] == o.ignore_index) continue;
    softmax_position(L, x, pos, logp, probs[pos]);
    const T nll = -(class_weight(weight, y[pos]) * logp[y[pos]]);
    if (!smoothing) {
      r.per_position[pos] = nll;
      continue;
    }
    T smooth(0.0);
    for (std::int64_t c = 0; c < L.classes; ++c) smooth += -(logp[c] * class_weight(weight, c));
    r.per_position[pos] = keep * nll + spread * smooth;
  }
  const Reduced<T> red = reduce(r.per_position, r.position_shape, o.reduction,
                                index_target_denominator(y, weight, o.ignore_index), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    if (y[pos] == o.ignore_index) continue;
    const std::vector<T>& p = probs[pos];
    const T gw = red.cotangent[pos] * class_weight(weight, y[pos]);
    for (std::int64_t j = 0; j < L.classes; ++j) {
      T g = gw * (j == y[pos] ? p[j] - T(1.0) : p[j]);
      if (smoothing) g = keep * g + red.cotangent[pos] * spread * (p[j] * weight_total - class_weight(weight, j));
      r.grad_input[L.at(pos, j)] = g;
    }
  }
  return r;
}

// cross_entropy with class probabilities t (same shape as the input):
//   t~ = t (1-eps) + eps/C when eps > 0,  l_n = -sum_c w_c t~_c logp_c,
//   `mean` divides by the number of positions (not by weights).
//   d l_n / d x_j = p_j sum_c w_c t~_c - w_j t~_j
//   d l_n / d t_c = -(1-eps) w_c logp_c
template <class T>
LossResult<T> cross_entropy_probs(Reduction reduction, const ClassLayout& L, const std::vector<T>& x,
                                  const std::vector<T>& t, const std::vector<T>* weight, double eps,
                                  const std::vector<T>* grad_output) {
  const bool smoothing = eps > 0.0;
  const T keep = smoothing ? T(1.0) - T(eps) : T(1.0);
  const T spread = smoothing ? T(eps) / T(static_cast<double>(L.classes)) : T(0.0);
  auto smoothed = [&](std::int64_t k) { return smoothing ? t[k] * keep + spread : t[k]; };

  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(L.positions(), T(0.0));
  std::vector<std::vector<T>> logps(L.positions()), probs(L.positions());
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    T l(0.0);
    // PyTorch forms (logp * t) * w: a -inf logp with t = 0 is NaN there too.
    for (std::int64_t c = 0; c < L.classes; ++c) l += logps[pos][c] * smoothed(L.at(pos, c)) * class_weight(weight, c);
    r.per_position[pos] = -l;
  }
  const Reduced<T> red =
      reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(L.positions())), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  r.grad_target.assign(x.size(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    T mass(0.0);
    for (std::int64_t c = 0; c < L.classes; ++c) mass += class_weight(weight, c) * smoothed(L.at(pos, c));
    for (std::int64_t j = 0; j < L.classes; ++j) {
      const std::int64_t k = L.at(pos, j);
      r.grad_input[k] = red.cotangent[pos] * (probs[pos][j] * mass - class_weight(weight, j) * smoothed(k));
      r.grad_target[k] = -(red.cotangent[pos] * keep * class_weight(weight, j) * logps[pos][j]);
    }
  }
  return r;
}

}  // namespace lossoracle::reference
