// Label-smoothing conventions, each to the letter of its source:
//   smooth_labels(y, C, eps)          the PyTorch issue #11959 / torchvision
//                                     helper: eps/C everywhere, 1 - eps added
//                                     at the target (a transform of integer
//                                     targets: no gradient)
//   fastai_label_smoothing_cross_entropy   fastai 2.8 losses.py LabelSmoothingCrossEntropy
//   issue11959_label_smoothing_cross_entropy   the LabelSmoothingCrossEntropy
//                                     written in PyTorch issue #11959 (seed 004)
//   label_smoothed_nll_loss           fairseq's, eps/(C-1) on the other classes
// Gradients follow PyTorch's autograd through each expression; derivations
// above the code. docs/spec-parts/label_smoothing.md is the specification.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "checks/label_smoothing.hpp"
#include "reference/cross_entropy.hpp"
#include "reference/soft_label.hpp"

namespace lossoracle::reference {

// torch.full((N, C), eps/C).scatter_add_(1, y[:, None], full((N, 1), 1 - eps)):
//   out[n, c] = eps/C + (1 - eps) [c == y_n]
template <class T>
LossResult<T> smooth_labels(const std::vector<std::int64_t>& y, std::int64_t classes, double eps) {
  LossResult<T> r;
  r.has_per_position = false;
  r.has_grad_input = false;
  const std::int64_t N = static_cast<std::int64_t>(y.size());
  r.loss_shape = {N, classes};
  const T spread = T(eps) / T(static_cast<double>(classes));
  const T keep = T(1.0) - T(eps);
  r.loss.assign(static_cast<std::size_t>(N * classes), spread);
  for (std::int64_t n = 0; n < N; ++n) r.loss[n * classes + y[n]] = spread + keep;
  return r;
}

using checks::kNllDefaultIgnoreIndex;  // fastai's and issue #11959's, inherited from nll_loss

// fastai LabelSmoothingCrossEntropy (fastai 2.8.12, losses.py), class dim 1:
//   logp = log_softmax(x, 1),  c = C
//   sum:  S = -sum(logp)              none: S_n = -sum_c logp_nc     mean: S = mean_n S_n
//   out = S * eps / c + (1 - eps) * nll_loss(logp, y, weight, reduction)
// The smoothing term is unweighted and counts every position (also one whose
// target is -100, which nll_loss ignores); only the nll term sees weights and
// its mean divides by sum_n w[y_n]. Both terms are always formed (no eps > 0 test).
// Autograd, with g the cotangent of out (g_n for none):
//   on each logp_nc: -(((g / c) * eps) / P)  for mean (P positions), without / P
//     for sum and none;
//   on logp_{n,y_n}: w[y_n] * -(((1 - eps) g) / W) for mean (W = sum of w[y_n]
//     over non-ignored n), w[y_n] * -((1 - eps) g) otherwise; nothing if ignored;
//   then the log_softmax backward.
template <class T>
LossResult<T> fastai_label_smoothing_cross_entropy(Reduction reduction, const ClassLayout& L, const std::vector<T>& x,
                                                   const std::vector<std::int64_t>& y, const std::vector<T>* weight,
                                                   double eps, const std::vector<T>* grad_output) {
  const std::int64_t P = L.positions();
  const T e(eps), keep = T(1.0) - T(eps), c(static_cast<double>(L.classes)), count(static_cast<double>(P));
  std::vector<std::vector<T>> logps(P), probs(P);
  std::vector<T> smooth(P, T(0.0)), nll(P, T(0.0));
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    for (std::int64_t k = 0; k < L.classes; ++k) smooth[pos] += logps[pos][k];
    smooth[pos] = -smooth[pos];
    if (y[pos] != kNllDefaultIgnoreIndex) nll[pos] = -(class_weight(weight, y[pos]) * logps[pos][y[pos]]);
  }
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.resize(P);
  for (std::int64_t pos = 0; pos < P; ++pos) r.per_position[pos] = smooth[pos] * e / c + keep * nll[pos];
  const T W = index_target_denominator(y, weight, kNllDefaultIgnoreIndex);
  if (reduction == Reduction::none) {
    r.loss_shape = r.position_shape;
    r.loss = r.per_position;
  } else {
    T s(0.0), n(0.0);
    for (std::int64_t pos = 0; pos < P; ++pos) {
      s += smooth[pos];
      n += nll[pos];
    }
    if (reduction == Reduction::mean) {
      s = s / count;
      n = n / W;
    }
    r.loss = {s * e / c + keep * n};
  }
  r.grad_input.assign(x.size(), T(0.0));
  std::vector<T> G(L.classes);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    const T g = grad_output ? (*grad_output)[reduction == Reduction::none ? pos : 0] : T(1.0);
    const T g_smooth = reduction == Reduction::mean ? T((g / c) * e / count) : T((g / c) * e);
    const T g_nll = reduction == Reduction::mean ? T(-((keep * g) / W)) : T(-(keep * g));
    for (std::int64_t k = 0; k < L.classes; ++k) G[k] = -g_smooth;
    if (y[pos] != kNllDefaultIgnoreIndex) G[y[pos]] += class_weight(weight, y[pos]) * g_nll;
    log_softmax_backward(L, x, pos, probs[pos], G, r.grad_input);
  }
  return r;
}

// LabelSmoothingCrossEntropy of PyTorch issue #11959 (seed 004), for (C) or (N, C):
//   logp = log_softmax(x, -1)
//   l_n  = (1 - eps) * nll_loss(logp, y) - eps * logp_n.mean(-1)
// nll_loss there is the batch MEAN (its default reduction, ignore_index -100),
// a scalar broadcast to every row, so `none` does not give per-row cross
// entropies; `mean` and `sum` then reduce l. With h_n the cotangent of l_n:
//   on each logp_nc: ((-h_n) * eps) / C
//   on logp_{n,y_n}: -(((1 - eps) * sum_m h_m) / W),  W = #non-ignored  (the
//     broadcast scalar collects every row's cotangent)
//   then the log_softmax backward.
template <class T>
LossResult<T> issue11959_label_smoothing_cross_entropy(Reduction reduction, const ClassLayout& L,
                                                       const std::vector<T>& x, const std::vector<std::int64_t>& y,
                                                       double eps, const std::vector<T>* grad_output) {
  const std::int64_t P = L.positions();
  const T e(eps), keep = T(1.0) - T(eps), c(static_cast<double>(L.classes));
  std::vector<std::vector<T>> logps(P), probs(P);
  T nll_sum(0.0);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    if (y[pos] != kNllDefaultIgnoreIndex) nll_sum += -logps[pos][y[pos]];
  }
  const T W = index_target_denominator<T>(y, nullptr, kNllDefaultIgnoreIndex);
  const T nll = nll_sum / W;
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.resize(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    T mean(0.0);
    for (std::int64_t k = 0; k < L.classes; ++k) mean += logps[pos][k];
    r.per_position[pos] = keep * nll - e * (mean / c);
  }
  const Reduced<T> red =
      reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(P)), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  T h_total(0.0);
  for (const T& h : red.cotangent) h_total += h;
  const T g_nll = -((keep * h_total) / W);
  r.grad_input.assign(x.size(), T(0.0));
  std::vector<T> G(L.classes);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    for (std::int64_t k = 0; k < L.classes; ++k) G[k] = (-red.cotangent[pos] * e) / c;
    if (y[pos] != kNllDefaultIgnoreIndex) G[y[pos]] += g_nll;
    log_softmax_backward(L, x, pos, probs[pos], G, r.grad_input);
  }
  return r;
}

// fairseq label_smoothed_nll_loss(lprobs, target, epsilon, ignore_index=None, reduce=True),
// classes last, lprobs taken as given (log-probabilities, not checked):
//   nll_n = -lprobs[n, y_n],  smooth_n = -sum_c lprobs[n, c]   (both 0 where y_n == ignore_index)
//   eps_i = epsilon / (C - 1)
//   loss  = (1 - epsilon - eps_i) * nll + eps_i * smooth   on the sums when reduce, per position otherwise
// so the target class gets weight 1 - epsilon and every other class eps_i.
// The second output, nll_loss, is nll (summed when reduce). With ignore_index
// given, the unreduced outputs keep a trailing dimension of size 1.
// Autograd, s the cotangent reaching position n's loss (masked_fill stops it
// at ignored positions, which get exact zeros):
//   d/d lprobs[n, c] = -(s * eps_i) + [c == y_n] * -(s * (1 - epsilon - eps_i)).
template <class T>
LossResult<T> label_smoothed_nll_loss(const ClassLayout& L, const std::vector<T>& lprobs,
                                      const std::vector<std::int64_t>& y, double epsilon,
                                      std::optional<std::int64_t> ignore_index, bool reduce_sum,
                                      const std::vector<T>* grad_output) {
  const std::int64_t P = L.positions();
  const T eps_i = T(epsilon) / T(static_cast<double>(L.classes - 1));
  const T a = T(1.0) - T(epsilon) - eps_i;
  auto padded = [&](std::int64_t pos) { return ignore_index && y[pos] == *ignore_index; };
  std::vector<T> nll(P, T(0.0)), smooth(P, T(0.0));
  for (std::int64_t pos = 0; pos < P; ++pos) {
    if (padded(pos)) continue;
    nll[pos] = -lprobs[L.at(pos, y[pos])];
    T s(0.0);
    for (std::int64_t k = 0; k < L.classes; ++k) s += lprobs[L.at(pos, k)];
    smooth[pos] = -s;
  }
  LossResult<T> r;
  r.position_shape = L.position_shape;
  if (ignore_index) r.position_shape.push_back(1);
  r.per_position.resize(P);
  for (std::int64_t pos = 0; pos < P; ++pos) r.per_position[pos] = a * nll[pos] + eps_i * smooth[pos];
  typename LossResult<T>::Extra nll_out{"nll_loss", {}, {}};
  if (reduce_sum) {
    T nll_total(0.0), smooth_total(0.0);
    for (std::int64_t pos = 0; pos < P; ++pos) {
      nll_total += nll[pos];
      smooth_total += smooth[pos];
    }
    r.loss = {a * nll_total + eps_i * smooth_total};
    nll_out.values = {nll_total};
  } else {
    r.loss_shape = r.position_shape;
    r.loss = r.per_position;
    nll_out.shape = r.position_shape;
    nll_out.values = nll;
  }
  r.extra.push_back(std::move(nll_out));
  r.grad_input.assign(lprobs.size(), T(0.0));
  for (std::int64_t pos = 0; pos < P; ++pos) {
    if (padded(pos)) continue;
    const T s = grad_output ? (*grad_output)[reduce_sum ? 0 : pos] : T(1.0);
    for (std::int64_t k = 0; k < L.classes; ++k) r.grad_input[L.at(pos, k)] = -(s * eps_i);
    r.grad_input[L.at(pos, y[pos])] += -(s * a);
  }
  return r;
}

}  // namespace lossoracle::reference
