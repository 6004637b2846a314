// cross_entropy rows (class indices and class probabilities), forward and
// backward fused: pass 1 reads the logits row for its max, pass 2 reads it
// again (from cache) to form e_j = exp(x_j - m), kept in the gradient row,
// and the row's sums; pass 3 turns that row into the gradient in place. The
// logits row is read from memory once and the gradient row written once.
// Semantics: reference/cross_entropy.hpp and docs/spec.md.
//
// With -log p_c = (m - x_c) + log S, every sum below is of terms of one sign
// for non-negative weights and targets, so no loss value is formed by
// cancellation; the one gradient entry that is (1 - p_y at the target) is
// taken from the sum of the other classes' e_c instead of 1 - p_y.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "optimized/kernels.hpp"
#include "optimized/row_ops.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

// Loss of one position:
//   nll = w_y (-log p_y),  smooth = sum_c w_c (-log p_c) = sum_c w_c (m - x_c) + W log S,
//   l = keep nll + spread smooth  (ignored: 0).
// Cotangent on log p: G_c = -g_nll w_y [c = y] - g_smooth w_c, sum G = -g_nll w_y - g_smooth W;
// gradient G_j - p_j sum G, at the target -g_nll w_y (S - e_y)/S - g_smooth (w_y - p_y W).
template <class F>
double ce_index_row(const F* x, const F* w, std::int64_t C, const CeIndexRow& a, F* grad, double* nll_out,
                    double* smooth_out) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const bool ignored = a.y < 0;
  const bool smoothing = a.spread != 0.0;
  const RowMax r = row_max(x, C);
  double smooth_sink;
  if (!smooth_out) smooth_out = &smooth_sink;
  *smooth_out = 0.0;
  if (!r.defined) {
    fill(grad, C, nan);
    *nll_out = ignored ? 0.0 : nan;
    if (smoothing) *smooth_out = *nll_out;
    return *nll_out;
  }
  const double ey = ignored ? 0.0 : exp_row(x[a.y], r.m);
  // e_j: in the gradient row, or for long rows in a scratch row (kStreamClasses).
  const bool stream = grad && C >= kStreamClasses;
  F* e = stream ? scratch_row<F>(C) : grad;
  // Long rows: the next row (contiguous in the drivers' and the benchmark's
  // (N, C) inputs) is prefetched during the exp pass (row_ops.hpp).
  const F* next = C >= kStreamClasses ? x + C : nullptr;
  const double others =
      grad ? exp_sum_except<true>(x, C, r.m, a.y, e, next) : exp_sum_except<false>(x, C, r.m, a.y, e, next);
  const double S = others + ey;
  double gap = 0.0;  // sum_c w_c (m - x_c)
  if (smoothing && !ignored) {
    // The 8 lanes as vectors, as ce_probs_row's A and B (same bits).
    constexpr int parts = kLanes / kVecDoubles;
    VecD v[parts] = {};
    const VecD ones = splat(1.0);
    std::int64_t i = 0;
    for (; i + kLanes <= C; i += kLanes)
      for (int q = 0; q < parts; ++q) {
        const std::int64_t k = i + q * kVecDoubles;
        v[q] += (w ? load_vec(w + k) : ones) * (r.m - load_vec(x + k));
      }
    double acc[kLanes];
    for (int l = 0; l < kLanes; ++l) acc[l] = v[l / kVecDoubles][l % kVecDoubles];
    for (int l = 0; i < C; ++i, ++l) acc[l] += (w ? static_cast<double>(w[i]) : 1.0) * (r.m - static_cast<double>(x[i]));
    gap = combine(acc);
  }
  // -log p_y = log1p(others / e_y) when y holds the max (e_y = 1): a loss
  // near 0 keeps its relative accuracy. Elsewhere (m - x_y) + log S, S >= 1 + e_y.
  const bool y_top = !ignored && static_cast<double>(x[a.y]) == r.m;
  const double logS = y_top ? std::log1p(others) : std::log(S);
  double loss = 0.0;
  *nll_out = 0.0;
  const double wy = ignored ? 0.0 : (w ? static_cast<double>(w[a.y]) : 1.0);
  if (!ignored) {
    const double nll = wy * (y_top ? logS : (r.m - static_cast<double>(x[a.y])) + logS);
    *nll_out = nll;
    if (smoothing) *smooth_out = gap + a.weight_total * logS;
    loss = smoothing ? a.keep * nll + a.spread * *smooth_out : nll;
  }
  if (!grad) return loss;
  if (!ignored && !(std::isfinite(a.g_nll) && std::isfinite(a.g_smooth))) {
    // Infinite cotangents (mean with W = 0): PyTorch's two stages, G formed
    // first and then G_j - p_j sum G, give its NaN patterns; so do we.
    double total = 0.0;
    for (std::int64_t c = 0; c < C; ++c)
      total += (c == a.y ? -(wy * a.g_nll) : 0.0) +
               (smoothing ? -(a.g_smooth * (w ? static_cast<double>(w[c]) : 1.0)) : 0.0);
    for (std::int64_t j = 0; j < C; ++j) {
      const double G = (j == a.y ? -(wy * a.g_nll) : 0.0) +
                       (smoothing ? -(a.g_smooth * (w ? static_cast<double>(w[j]) : 1.0)) : 0.0);
      grad[j] = static_cast<F>(G - (static_cast<double>(e[j]) / S) * total);
    }
    return loss;
  }
  const double sumG = ignored ? 0.0 : -a.g_nll * wy - (smoothing ? a.g_smooth * a.weight_total : 0.0);
  const double scale = -sumG / S;
  if (stream) {
    stream_scaled_row(grad, e, smoothing && !ignored ? w : nullptr, C, scale, smoothing && !ignored ? a.g_smooth : 0.0);
  } else if (smoothing && !ignored) {
    for (std::int64_t j = 0; j < C; ++j)
      grad[j] = static_cast<F>(static_cast<double>(grad[j]) * scale - a.g_smooth * (w ? static_cast<double>(w[j]) : 1.0));
  } else {
    for (std::int64_t j = 0; j < C; ++j) grad[j] = static_cast<F>(static_cast<double>(grad[j]) * scale);
  }
  if (!ignored) {
    // 1 - p_y = others / S: no subtraction.
    const double py = ey / S;
    grad[a.y] = static_cast<F>(-a.g_nll * wy * (others / S) - (smoothing ? a.g_smooth * (wy - py * a.weight_total) : 0.0));
  }
  return loss;
}

// Probability targets, t~ = t keep + spread, a_c = t~_c w_c:
//   l = sum_c a_c (m - x_c) + (sum_c a_c) log S
//   d l / d x_j = g (p_j sum_c a_c - a_j),  d l / d t_j = g w_j keep ((m - x_j) + log S).
template <class F>
double ce_probs_row(const F* x, const F* t, const F* w, std::int64_t C, double keep, double spread, double g,
                    F* grad_input, F* grad_target) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const RowMax r = row_max(x, C);
  if (!r.defined) {
    fill(grad_input, C, nan);
    fill(grad_target, C, nan);
    return nan;
  }
  // A and B in the 8 lanes of row_ops.hpp, spelled as vectors (GCC kept
  // the lane loop's float -> double conversions as 2-lane ones): the same
  // bits, and the soft row in L2 at 1.16 instead of 1.75 ns/element
  // forward, 1.39 instead of 1.97 with the gradient (1 thread, load 6).
  constexpr int parts = kLanes / kVecDoubles;
  VecD vA[parts] = {}, vB[parts] = {};
  const VecD ones = splat(1.0);
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int q = 0; q < parts; ++q) {
      const std::int64_t k = i + q * kVecDoubles;
      const VecD ak = (load_vec(t + k) * keep + spread) * (w ? load_vec(w + k) : ones);
      vA[q] += ak;
      vB[q] += ak * (r.m - load_vec(x + k));
    }
  double accA[kLanes], accB[kLanes];
  for (int l = 0; l < kLanes; ++l) accA[l] = vA[l / kVecDoubles][l % kVecDoubles], accB[l] = vB[l / kVecDoubles][l % kVecDoubles];
  for (int l = 0; i < C; ++i, ++l) {
    const double ak = (static_cast<double>(t[i]) * keep + spread) * (w ? static_cast<double>(w[i]) : 1.0);
    accA[l] += ak;
    accB[l] += ak * (r.m - static_cast<double>(x[i]));
  }
  const double A = combine(accA), B = combine(accB);
  const std::int64_t top = first_at(x, C, r.m);  // e = 1 there: log S = log1p(S - 1) as in log_softmax_row
  // e_j: in grad_input, or for long rows in a scratch row (kStreamClasses).
  const bool stream = grad_input && C >= kStreamClasses;
  F* e = stream ? scratch_row<F>(C) : grad_input;
  // As in ce_index_row, with the next row of targets too.
  const F* next = C >= kStreamClasses ? x + C : nullptr;
  const F* next_t = C >= kStreamClasses ? t + C : nullptr;
  const double rest = grad_input ? exp_sum_except<true>(x, C, r.m, top, e, next, next_t)
                                 : exp_sum_except<false>(x, C, r.m, top, e, next, next_t);
  const double S = 1.0 + rest, logS = std::log1p(rest);
  if (stream) {
    const double scale = g * A / S;
    const VecD ones = splat(1.0);
    stream_row(
        grad_input, C,
        [&](std::int64_t k) {
          return load_vec(e + k) * scale - g * ((load_vec(t + k) * keep + spread) * (w ? load_vec(w + k) : ones));
        },
        [&](std::int64_t j) {
          const double aj = (static_cast<double>(t[j]) * keep + spread) * (w ? static_cast<double>(w[j]) : 1.0);
          return static_cast<double>(e[j]) * scale - g * aj;
        });
  } else if (grad_input) {
    const double scale = g * A / S;
    for (std::int64_t j = 0; j < C; ++j) {
      const double aj = (static_cast<double>(t[j]) * keep + spread) * (w ? static_cast<double>(w[j]) : 1.0);
      grad_input[j] = static_cast<F>(static_cast<double>(grad_input[j]) * scale - g * aj);
    }
  }
  if (grad_target)
    for (std::int64_t j = 0; j < C; ++j)
      grad_target[j] = static_cast<F>(g * (w ? static_cast<double>(w[j]) : 1.0) * keep *
                                      ((r.m - static_cast<double>(x[j])) + logS));
  return B + A * logS;
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
