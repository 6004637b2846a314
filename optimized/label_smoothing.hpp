// The row of the label-smoothing cross entropies that smooth over log_softmax
// (fastai's and PyTorch issue #11959's): the unweighted smoothing sum and the
// target's -log p of one row, forward and backward fused as in
// cross_entropy.hpp (the logits row read once from memory, the gradient row
// written once). Semantics: reference/label_smoothing.hpp, docs/spec.md.
//
//   smooth = -sum_c log p_c = sum_c (m - x_c) + C log S    (terms of one sign)
//   nll    = -log p_y = (m - x_y) + log S                  (y < 0: not formed)
// Cotangent on log p: G_c = -a_smooth - a_nll [c = y], sum G = -C a_smooth - a_nll;
// gradient G_j - p_j sum G, at the target -a_nll (S - e_y)/S - a_smooth (1 - C p_y).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "optimized/kernels.hpp"
#include "optimized/row_ops.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

template <class F>
double smoothed_ce_row(const F* x, std::int64_t C, std::int64_t y, double a_smooth, double a_nll, F* grad,
                       double* nll_out) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const bool has_y = y >= 0;
  const RowMax r = row_max(x, C);
  if (!r.defined) {
    fill(grad, C, nan);
    *nll_out = has_y ? nan : 0.0;
    return nan;
  }
  // e_y is left out of the sum so that 1 - p_y = others / S; with no target
  // the first class at the max plays its part (e = 1: log S = log1p(others)).
  const std::int64_t k = has_y ? y : first_at(x, C, r.m);
  const double ek = exp_row(x[k], r.m);
  // The e_j are kept in binary64 for the last pass: the non-target gradient
  // p_j (C a_smooth + a_nll) - a_smooth cancels where p_j is near 1/C, and
  // e_j rounded to float there cost float rows 20 ulp (cross_entropy.hpp
  // keeps them in the gradient row; this row needs the extra precision).
  double* e = nullptr;
  if (grad) {
    if constexpr (sizeof(F) == 8) {
      e = grad;
    } else {
      thread_local std::vector<double> scratch;
      if (static_cast<std::int64_t>(scratch.size()) < C) scratch.resize(static_cast<std::size_t>(C));
      e = scratch.data();
    }
  }
  const double others = e ? exp_sum_except<true>(x, C, r.m, k, e) : exp_sum_except<false>(x, C, r.m, k, e);
  const double S = others + ek;
  const bool k_top = static_cast<double>(x[k]) == r.m;
  const double logS = k_top ? std::log1p(others) : std::log(S);
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += r.m - static_cast<double>(x[i + l]);
  for (int l = 0; i < C; ++i, ++l) acc[l] += r.m - static_cast<double>(x[i]);
  const double smooth = combine(acc) + static_cast<double>(C) * logS;
  *nll_out = has_y ? (k_top ? logS : (r.m - static_cast<double>(x[y])) + logS) : 0.0;
  if (!grad) return smooth;
  const double a_n = has_y ? a_nll : 0.0;
  const double total = -(static_cast<double>(C) * a_smooth) - a_n;  // sum G
  if (!(std::isfinite(a_smooth) && std::isfinite(a_n))) {
    // Infinite or NaN cotangents (mean over W = 0): PyTorch's two stages, G
    // formed first and then G_j - p_j sum G, give its NaN patterns.
    for (std::int64_t j = 0; j < C; ++j) {
      const double G = -a_smooth - (j == y ? a_n : 0.0);
      grad[j] = static_cast<F>(G - (e[j] / S) * total);
    }
    return smooth;
  }
  const double scale = -total / S;
  for (std::int64_t j = 0; j < C; ++j) grad[j] = static_cast<F>(e[j] * scale - a_smooth);
  if (has_y) {
    // 1 - p_y = others / S: no subtraction.
    const double py = ek / S;
    grad[y] = static_cast<F>(-a_n * (others / S) - a_smooth * (1.0 - static_cast<double>(C) * py));
  }
  return smooth;
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
