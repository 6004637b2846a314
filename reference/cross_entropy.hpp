// nll_loss and cross_entropy (class-index and probability targets), PyTorch
// semantics: weight, ignore_index, label_smoothing, none|sum|mean, K-dim and
// unbatched inputs. Derivations of each gradient sit above its code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checks/inputs.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

struct IndexTargetOptions {
  std::string loss;  // for error messages
  Reduction reduction = Reduction::mean;
  std::int64_t ignore_index = -100;
};

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
  checks::check_class_indices(o.loss, L, y, o.ignore_index);
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

// cross_entropy with class indices (PyTorch's cross_entropy_loss and
// cross_entropy_loss_label_smoothing):
//   nll_n = w[y_n] (-logp_{n,y_n}),  smooth_n = sum_c w_c (-logp_{n,c}),  both 0 if ignored,
//   none: (1-eps) nll_n + (eps/C) smooth_n
//   sum:  (1-eps) sum nll + (eps/C) sum smooth
//   mean: (1-eps) (sum nll / W) + (eps/C) (sum smooth / W),  W = sum_{n not ignored} w[y_n]
// The two means are divided separately, as PyTorch does: it matters when W = 0.
// eps <= 0 (or NaN) is no smoothing: PyTorch skips the term, and so do we.
// Gradient, with G the cotangent on logp of a non-ignored position:
//   G_c = -(1-eps) g_n w[y] delta_cy - (eps/C) g_n w_c,  g_n = grad_output (/ W for mean),
// then the log_softmax backward. An ignored position has G = 0, whose backward
// is 0 - p * 0: NaN for a NaN row, as in PyTorch.
template <class T>
LossResult<T> cross_entropy_index(const IndexTargetOptions& o, const ClassLayout& L, const std::vector<T>& x,
                                  const std::vector<std::int64_t>& y, const std::vector<T>* weight, double eps,
                                  const std::vector<T>* grad_output) {
  checks::check_class_indices(o.loss, L, y, o.ignore_index);
  const bool smoothing = eps > 0.0;
  const T keep = smoothing ? T(T(1.0) - T(eps)) : T(1.0);
  const T spread = smoothing ? T(T(eps) / T(static_cast<double>(L.classes))) : T(0.0);
  const std::int64_t P = L.positions();

  std::vector<T> nll(P, T(0.0)), smooth(P, T(0.0));
  std::vector<std::vector<T>> logps(P), probs(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    if (y[pos] == o.ignore_index) continue;
    nll[pos] = -(class_weight(weight, y[pos]) * logps[pos][y[pos]]);
    if (smoothing)
      for (std::int64_t c = 0; c < L.classes; ++c) smooth[pos] += -(logps[pos][c] * class_weight(weight, c));
  }

  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.resize(P);
  for (std::int64_t pos = 0; pos < P; ++pos)
    r.per_position[pos] = smoothing ? T(keep * nll[pos] + spread * smooth[pos]) : nll[pos];

  const T W = index_target_denominator(y, weight, o.ignore_index);
  const T g_all = grad_output && o.reduction != Reduction::none ? (*grad_output)[0] : T(1.0);
  if (o.reduction == Reduction::none) {
    r.loss_shape = r.position_shape;
    r.loss = r.per_position;
  } else {
    T nll_total(0.0), smooth_total(0.0);
    for (std::int64_t pos = 0; pos < P; ++pos) {
      nll_total += nll[pos];
      smooth_total += smooth[pos];
    }
    if (o.reduction == Reduction::mean) {
      nll_total = nll_total / W;
      smooth_total = smooth_total / W;
    }
    r.loss = {smoothing ? T(keep * nll_total + spread * smooth_total) : nll_total};
  }

  r.grad_input.assign(x.size(), T(0.0));
  std::vector<T> G(L.classes);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    const T g = o.reduction == Reduction::none ? (grad_output ? (*grad_output)[pos] : T(1.0)) : g_all;
    // PyTorch scales the cotangent by (1-eps) and eps/C before dividing by W.
    const T g_nll = o.reduction == Reduction::mean ? T((g * keep) / W) : T(g * keep);
    const T g_smooth = o.reduction == Reduction::mean ? T((g * spread) / W) : T(g * spread);
    for (std::int64_t c = 0; c < L.classes; ++c) G[c] = T(0.0);
    if (y[pos] != o.ignore_index) {
      G[y[pos]] = -(class_weight(weight, y[pos]) * g_nll);
      if (smoothing)
        for (std::int64_t c = 0; c < L.classes; ++c) G[c] += -(g_smooth * class_weight(weight, c));
    }
    log_softmax_backward(L, x, pos, probs[pos], G, r.grad_input);
  }
  return r;
}

// cross_entropy with class probabilities t (same shape as the input):
//   t~ = t (1-eps) + eps/C when eps > 0,  l_n = -sum_c (logp_c t~_c) w_c,
//   `mean` divides by the number of positions; an input with no elements
//   (C = 0 included) gives NaN, as PyTorch special-cases it.
// Gradient: G_c = -g_n t~_c w_c on logp, then the log_softmax backward;
//   d l / d t_c = -(1-eps) g_n w_c logp_c.
template <class T>
LossResult<T> cross_entropy_probs(Reduction reduction, const ClassLayout& L, const std::vector<T>& x,
                                  const std::vector<T>& t, const std::vector<T>* weight, double eps,
                                  const std::vector<T>* grad_output) {
  const bool smoothing = eps > 0.0;
  const T keep = smoothing ? T(T(1.0) - T(eps)) : T(1.0);
  const T spread = smoothing ? T(T(eps) / T(static_cast<double>(L.classes))) : T(0.0);
  auto smoothed = [&](std::int64_t k) { return smoothing ? T(t[k] * keep + spread) : t[k]; };
  const std::int64_t P = L.positions();

  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(P, T(0.0));
  std::vector<std::vector<T>> logps(P), probs(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    T l(0.0);
    // PyTorch forms (logp * t) * w: a -inf logp with t = 0 is NaN there too.
    for (std::int64_t c = 0; c < L.classes; ++c) l += logps[pos][c] * smoothed(L.at(pos, c)) * class_weight(weight, c);
    r.per_position[pos] = -l;
  }
  const double count = x.empty() ? 0.0 : static_cast<double>(P);
  const Reduced<T> red = reduce(r.per_position, r.position_shape, reduction, T(count), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  r.grad_target.assign(x.size(), T(0.0));
  r.has_grad_target = true;
  std::vector<T> G(L.classes);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    const T& g = red.cotangent[pos];
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      G[c] = -(g * smoothed(k) * class_weight(weight, c));
      r.grad_target[k] = -(g * class_weight(weight, c) * logps[pos][c] * keep);
    }
    log_softmax_backward(L, x, pos, probs[pos], G, r.grad_input);
  }
  return r;
}

}  // namespace lossoracle::reference
