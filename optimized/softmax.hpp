// log_softmax, softmax and entropy rows, fused forward and backward: one
// pass finds the row's max, one computes e_j = exp(x_j - m) (kept in the
// output row, which stays in cache) and its sums, one writes the results.
// Same semantics as reference/softmax.hpp (docs/spec.md): a row holding NaN
// or +inf, or only -inf, is NaN throughout.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "optimized/row_ops.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

// log p_j = (x_j - m) - log S; the backward g_j - p_j sum_c g_c.
template <class F>
void log_softmax_row(const F* x, const F* g, std::int64_t C, F* out, F* grad) {
  const RowMax r = row_max(x, C);
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (!r.defined) {
    fill(out, C, nan);
    fill(grad, C, nan);
    return;
  }
  // log S = log1p(S - 1), S - 1 summed over every class but the first at the
  // max (whose e is exactly 1): log S near 0 (one dominant class) keeps its
  // relative accuracy, which log of a rounded S near 1 would lose.
  const std::int64_t top = first_at(x, C, r.m);
  const double rest = grad ? exp_sum_except<true>(x, C, r.m, top, grad) : exp_sum_except<false>(x, C, r.m, top, grad);
  const double S = 1.0 + rest, logS = std::log1p(rest);
  if (grad) {
    const double gs = g ? row_sum(g, C) : static_cast<double>(C);
    const double scale = gs / S;
    for (std::int64_t j = 0; j < C; ++j)
      grad[j] = static_cast<F>((g ? static_cast<double>(g[j]) : 1.0) - static_cast<double>(grad[j]) * scale);
  }
  if (out)
    for (std::int64_t j = 0; j < C; ++j) out[j] = static_cast<F>((static_cast<double>(x[j]) - r.m) - logS);
}

// p_j = e_j / S; the backward p_j (g_j - D), D = sum_c g_c e_c / S, summed in
// the lanes and order of S, so that equal cotangents give D = g exactly and
// a zero gradient, as the reference's p_c sum_j p_j (g_c - g_j) does.
template <class F>
void softmax_row(const F* x, const F* g, std::int64_t C, F* out, F* grad) {
  const RowMax r = row_max(x, C);
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (!r.defined) {
    fill(out, C, nan);
    fill(grad, C, nan);
    return;
  }
  std::vector<double> e(static_cast<std::size_t>(C));
  double acc[kLanes] = {}, accg[kLanes] = {};
  for (std::int64_t j = 0; j < C; ++j) {
    e[j] = exp_row(x[j], r.m);
    acc[j % kLanes] += e[j];
    accg[j % kLanes] += (g ? static_cast<double>(g[j]) : 1.0) * e[j];
  }
  const double S = combine(acc);
  const double D = combine(accg) / S;
  for (std::int64_t j = 0; j < C; ++j) {
    const double p = e[j] / S;
    if (out) out[j] = static_cast<F>(p);
    if (grad) grad[j] = static_cast<F>(p * ((g ? static_cast<double>(g[j]) : 1.0) - D));
  }
}

// torch.special.entr summed over the row; d entr / dp = -(1 + log p).
template <class F>
double entropy_row(const F* p, std::int64_t C, double cot, F* grad) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double acc[kLanes] = {};
  for (std::int64_t j = 0; j < C; ++j) {
    const double v = p[j];
    const double lg = log_f64(v);
    const double entr = v != v ? v : (v == 0.0 ? 0.0 : (v < 0.0 ? -inf : -(v * lg)));
    acc[j % kLanes] += entr;
    if (grad) grad[j] = static_cast<F>(cot * -(1.0 + lg));
  }
  return combine(acc);
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
