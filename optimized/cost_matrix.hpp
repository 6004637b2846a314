// Rows of the cost-matrix losses (seed 002, K. Frank's per-pair weights), in
// binary64 whatever F is, each output rounded once when stored. Semantics:
// docs/spec.md §14 (the oracle's is reference/cost_matrix.hpp).
//
// Each row kernel has a fast path for the usual row (finite logits and
// weights) and a literal path that evaluates the specification's formulas
// in its order, so that infinities and NaNs come out where PyTorch's
// autograd puts them: 0 * inf and inf - inf must be formed, not simplified away.
//
// Cotangents of the elementwise (misclass) losses: go[c] when go is given
// (reduction none with grad_output), else the scalar s (1, g, or g / (N C)).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "optimized/kernels.hpp"
#include "optimized/row_ops.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

namespace cost_detail {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Per-thread binary64 scratch of at least n values (rows are independent;
// a thread runs one row at a time).
inline double* scratch(std::int64_t n) {
  thread_local std::vector<double> s;
  if (static_cast<std::int64_t>(s.size()) < n) s.resize(static_cast<std::size_t>(n));
  return s.data();
}

template <class F>
double cotangent(const F* go, double s, std::int64_t c) {
  return go ? static_cast<double>(go[c]) : s;
}

// 0 for a finite v, NaN for an infinite or NaN one: summed, it flags a row
// whose fast path would hide a special value.
inline double poison(double v) { return v * 0.0; }

// A row whose softmax is undefined (NaN, +inf, or every logit -inf): each
// l_c = d_c p_c is NaN, and so is the gradient.
template <class F>
void nan_row(const F* d, std::int64_t C, double* per, F* grad) {
  for (std::int64_t c = 0; c < C; ++c) per[c] = static_cast<double>(d[c]) * kNaN;
  fill(grad, C, kNaN);
}

}  // namespace cost_detail

// ---------------------------------------------------------------- per_pair_weighted_ce

// l = -sum_i t_i M_i with M_i = sum_j D_ij lp_j, lp = log_softmax(x).
// With u = D^T t (u_j = sum_i t_i D_ij) and U = sum_j u_j, PyTorch's cotangent
// on lp is G_j = -s u_j, so d/dx_j = G_j - p_j sum G = s (p_j U - u_j), and
// d/dt_i = -s M_i. One sweep over D forms M and u together.
template <class F>
double per_pair_ce_row(const F* x, const F* t, const F* D, std::int64_t C, double s, F* grad_input,
                       F* grad_target) {
  using namespace cost_detail;
  if (C == 0) return 0.0;
  const RowMax r = row_max(x, C);
  if (!r.defined) {
    fill(grad_input, C, kNaN);
    fill(grad_target, C, kNaN);
    return kNaN;
  }
  double* e = scratch(3 * C);  // e_j, then lp_j, u_j
  double* lp = e + C;
  double* u = lp + C;
  const std::int64_t top = first_at(x, C, r.m);
  const double rest = exp_sum_except<true>(x, C, r.m, top, e);  // e_top = 1: log S = log1p(rest)
  const double S = 1.0 + rest, logS = std::log1p(rest);
  for (std::int64_t j = 0; j < C; ++j) {
    lp[j] = (static_cast<double>(x[j]) - r.m) - logS;
    u[j] = 0.0;
  }
  double accL[kLanes] = {}, flags = 0.0;
  for (std::int64_t i = 0; i < C; ++i) {
    const F* Di = D + i * C;
    const double ti = t[i];
    double acc[kLanes] = {};
    std::int64_t j = 0;
    if (grad_input) {
      for (; j + kLanes <= C; j += kLanes)
        for (int l = 0; l < kLanes; ++l) {
          const double d = Di[j + l];
          acc[l] += d * lp[j + l];
          u[j + l] += ti * d;
        }
      for (int l = 0; j < C; ++j, ++l) {
        const double d = Di[j];
        acc[l] += d * lp[j];
        u[j] += ti * d;
      }
    } else {  // forward only: no D^T t
      for (; j + kLanes <= C; j += kLanes)
        for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<double>(Di[j + l]) * lp[j + l];
      for (int l = 0; j < C; ++j, ++l) acc[l] += static_cast<double>(Di[j]) * lp[j];
    }
    const double Mi = combine(acc);
    flags += poison(Mi);
    accL[i % kLanes] += ti * Mi;
    if (grad_target) grad_target[i] = static_cast<F>(-s * Mi);
  }
  const double loss = -combine(accL);
  if (!grad_input) return loss;
  double accU[kLanes] = {};
  for (std::int64_t j = 0; j < C; ++j) accU[j % kLanes] += u[j], flags += poison(u[j]);
  if (flags == 0.0 && std::isfinite(s)) {
    const double scale = combine(accU) / S;
    for (std::int64_t j = 0; j < C; ++j) grad_input[j] = static_cast<F>(s * (e[j] * scale - u[j]));
    return loss;
  }
  // A -inf logit (lp = -inf), or a non-finite t, D or s: the specification's
  // order, G_j = sum_i (-s t_i) D_ij and G_j - p_j sum_c G_c, with p_j = e_j / S.
  double total = 0.0;
  for (std::int64_t j = 0; j < C; ++j) {
    double G = 0.0;
    for (std::int64_t i = 0; i < C; ++i) G += (-s * static_cast<double>(t[i])) * static_cast<double>(D[i * C + j]);
    u[j] = G;
    total += G;
  }
  for (std::int64_t j = 0; j < C; ++j) grad_input[j] = static_cast<F>(u[j] - (e[j] / S) * total);
  return loss;
}

// ---------------------------------------------------------------- misclass_a

// l_c = d_c p_c, linear: d/dp_c = s_c d_c (d: row y of D).
template <class F>
void misclass_a_row(const F* p, const F* d, std::int64_t C, const F* go, double s, double* per, F* grad) {
  for (std::int64_t c = 0; c < C; ++c) {
    const double dc = d[c];
    per[c] = dc * static_cast<double>(p[c]);
    if (grad) grad[c] = static_cast<F>(cost_detail::cotangent(go, s, c) * dc);
  }
}

// l_c = d_c p_c with p = softmax(x). Cotangent on p: G_c = s_c d_c; the
// softmax VJP p_k (G_k - sum_j p_j G_j), taken relative to the cotangent at
// the row's max, delta_j = G_j - G_top: p_k (delta_k - sum_j p_j delta_j).
// A row of equal costs then has every delta exactly 0 and a zero gradient
// (docs/spec.md §14), and the largest probability's term drops out of the sum.
template <class F>
void misclass_a_logits_row(const F* x, const F* d, std::int64_t C, const F* go, double s, double* per, F* grad) {
  using namespace cost_detail;
  if (C == 0) return;
  const RowMax r = row_max(x, C);
  if (!r.defined) return nan_row(d, C, per, grad);
  // G_c: d_c with a uniform cotangent s (applied last, one rounding), else go_c d_c.
  auto G_of = [&](std::int64_t c) { return go ? static_cast<double>(go[c]) * static_cast<double>(d[c]) : static_cast<double>(d[c]); };
  const std::int64_t top = first_at(x, C, r.m);
  const double G_top = G_of(top);
  double* e = scratch(2 * C);  // e_j, then delta_j
  double* delta = e + C;
  // S = 1 + rest (e_top = 1 exactly): the sum's rounding errors stay at the
  // scale of rest, and S is rounded once (summing the 1 in a lane cost 1.2 ulp).
  const double S = 1.0 + exp_sum_except<true>(x, C, r.m, top, e);
  double accG[kLanes] = {}, flags = poison(G_top) + (go ? 0.0 : poison(s));
  for (std::int64_t j = 0; j < C; ++j) {
    const double G = G_of(j);
    flags += poison(G);
    delta[j] = G - G_top;
    accG[j % kLanes] += delta[j] * e[j];
  }
  for (std::int64_t c = 0; c < C; ++c) per[c] = static_cast<double>(d[c]) * (e[c] / S);
  if (!grad) return;
  if (flags == 0.0) {
    const double mean_delta = combine(accG) / S, scale = go ? 1.0 : s;
    for (std::int64_t k = 0; k < C; ++k) grad[k] = static_cast<F>(scale * ((e[k] / S) * (delta[k] - mean_delta)));
    return;
  }
  // An infinite or NaN cost or cotangent: p_k sum_j p_j (G_k - G_j) as written, G_c = s_c d_c.
  for (std::int64_t k = 0; k < C; ++k) {
    const double Gk = cotangent(go, s, k) * static_cast<double>(d[k]);
    double inner = 0.0;
    for (std::int64_t j = 0; j < C; ++j) inner += (e[j] / S) * (Gk - cotangent(go, s, j) * static_cast<double>(d[j]));
    grad[k] = static_cast<F>((e[k] / S) * inner);
  }
}

// ---------------------------------------------------------------- misclass_b as published

// Whether p - 1 >= m in exact arithmetic. p - 1 = h + err exactly (Knuth's
// TwoSum); rounding is monotone and m is a double, so h > m or h < m already
// decides, and h == m leaves the sign of err. Infinities compare as IEEE
// does (clamp's own test); NaN gives false.
inline bool clamp_passes(double p, double m) {
  const double h = p - 1.0;
  const double back = h - p;
  const double err = (p - (h - back)) + (-1.0 - back);
  if (h != m) return h > m;
  return err >= 0.0 || std::isinf(h);
}

// l_c = d_c (-log(clamp(p_c - 1, min = m))): -log m wherever the clamp holds
// (every probability), -log(p_c - 1) above it with d/dp_c = -(s_c d_c) / (p_c - 1);
// clamp's backward passes nothing where it holds, nor at NaN.
template <class F>
void misclass_b_clamped_row(const F* p, const F* d, std::int64_t C, double m, const F* go, double s, double* per,
                            F* grad) {
  using namespace cost_detail;
  const double neg_log_m = -std::log(m);
  for (std::int64_t c = 0; c < C; ++c) {
    const double pc = p[c], dc = d[c];
    const bool passes = clamp_passes(pc, m);
    const double f = pc != pc ? kNaN : (passes ? -std::log(pc - 1.0) : neg_log_m);
    per[c] = dc * f;
    if (grad) grad[c] = static_cast<F>(passes ? -(cotangent(go, s, c) * dc) / (pc - 1.0) : 0.0);
  }
}

// ---------------------------------------------------------------- misclass_b (specified)

// l_c = d_c f_c, f_c = -log(1 - p_c) = log1p(odds_c), odds_c = e_c / A_c with
// A_c = sum_{j != c} e_j: for c other than the first class at the max (top,
// e = 1), A_c = 1 + (rest - e_c), rest = sum_{j != top} e_j (no cancellation:
// rest >= e_c and the 1 dominates); for top, A = rest. 1 - p is never formed.
//
// Top's terms need q_k = e_k / rest = p_k / (1 - p_top). Where rest < 1 and
// some e_k fell below the normal range (or rest < 2^-1000: huge logits), e_k
// / rest would lose what exp dropped, so q and f_top are taken with the
// second largest logit m2 as shift: q_k = e^(x_k - m2) / rest2 and f_top =
// softplus(u), u = (m - m2) - log rest2 > 0. No other logit finite: p_top = 1,
// f_top = +inf and q is 0/0 = NaN, as the specification says.
//
// Gradient, w_c = s_c d_c and V = sum_{c != top} w_c odds_c (terms of one sign
// for non-negative costs):
//   d/dx_top = (w_top - V) / S                                  (p_top = 1 / S)
//   d/dx_k   = (e_k (w_k - (V - w_k odds_k)) - w_top q_k) / S     (k != top)
// the same as p_k sum_c w_c - sum_{c != k} w_c p_k / (1 - p_c) (docs/spec.md
// §14) with top's term, the one whose 1 - p can vanish, written over q, and
// k's own term folded in (w_k odds_k (1 - p_k) = w_k p_k): for C = 2 it is
// (w_k e_k - w_top q_k) / S, the difference of the two sigmoids' terms and
// nothing more. A uniform cotangent s is applied last (w = d), one rounding
// instead of one per term; equal logits and costs cancel exactly.
template <class F>
void misclass_b_row(const F* x, const F* d, std::int64_t C, const F* go, double s, double* per, F* grad) {
  using namespace cost_detail;
  if (C == 0) return;
  const RowMax r = row_max(x, C);
  if (!r.defined) return nan_row(d, C, per, grad);
  double* e = scratch(2 * C);  // e_j, then q_j
  double* q = e + C;
  const std::int64_t top = first_at(x, C, r.m);
  const double rest = exp_sum_except<true>(x, C, r.m, top, e);
  const double S = 1.0 + rest;
  bool shifted = rest < 0x1p-1000;
  if (!shifted && rest < 1.0)
    for (std::int64_t k = 0; k < C; ++k)
      if (k != top && e[k] < 0x1p-1022 && static_cast<double>(x[k]) != -kInf) shifted = true;
  double f_top;
  if (!shifted) {
    f_top = std::log1p(1.0 / rest);
    for (std::int64_t k = 0; k < C; ++k) q[k] = e[k] / rest;
  } else {
    double m2 = -kInf;
    for (std::int64_t j = 0; j < C; ++j)
      if (j != top && static_cast<double>(x[j]) > m2) m2 = x[j];
    if (m2 == -kInf) {
      f_top = kInf;
      for (std::int64_t k = 0; k < C; ++k) q[k] = kNaN;
    } else {
      double acc[kLanes] = {};
      for (std::int64_t k = 0; k < C; ++k) {
        q[k] = k == top ? 0.0 : exp_row(x[k], m2);
        acc[k % kLanes] += q[k];
      }
      const double rest2 = combine(acc);
      const double u = (r.m - m2) - std::log(rest2);
      f_top = u + std::log1p(exp_f64(-u));
      for (std::int64_t k = 0; k < C; ++k) q[k] /= rest2;
    }
  }
  // w_c: d_c (s applied last) or go_c d_c.
  auto w_of = [&](std::int64_t c) { return go ? static_cast<double>(go[c]) * static_cast<double>(d[c]) : static_cast<double>(d[c]); };
  double flags = go ? 0.0 : poison(s), accV[kLanes] = {};
  for (std::int64_t c = 0; c < C; ++c) {
    const double dc = d[c];
    if (c == top) {
      per[c] = dc * f_top;
      continue;
    }
    const double odds = e[c] / (1.0 + (rest - e[c]));
    per[c] = dc * std::log1p(odds);
    const double w = w_of(c);
    flags += poison(w);
    accV[c % kLanes] += w * odds;
  }
  if (!grad) return;
  const double w_top = w_of(top);
  flags += poison(w_top);
  if (flags == 0.0) {
    const double V = combine(accV), scale = go ? 1.0 : s;
    for (std::int64_t k = 0; k < C; ++k) {
      if (k == top) {
        grad[k] = static_cast<F>(scale * ((w_top - V) / S));
        continue;
      }
      const double wk = w_of(k), odds = e[k] / (1.0 + (rest - e[k]));
      grad[k] = static_cast<F>(scale * ((e[k] * (wk - (V - wk * odds)) - w_top * q[k]) / S));
    }
    return;
  }
  // An infinite or NaN cost or cotangent: p_k sum_c w_c - sum_{c != k} w_c q^(c)_k
  // as written, w_c = s_c d_c, q^(c)_k = e_k / A_c (0 at a -inf logit, NaN where
  // A_c is empty).
  double W = 0.0;
  for (std::int64_t c = 0; c < C; ++c) W += cotangent(go, s, c) * static_cast<double>(d[c]);
  for (std::int64_t k = 0; k < C; ++k) {
    double g = (e[k] / S) * W;
    for (std::int64_t c = 0; c < C; ++c) {
      if (c == k) continue;
      const double qck = c == top ? q[k] : e[k] / (1.0 + (rest - e[c]));
      g -= cotangent(go, s, c) * static_cast<double>(d[c]) * qck;
    }
    grad[k] = static_cast<F>(g);
  }
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
