// SLACE (dlordinal 2.7.0 SLACELoss) rows in O(C), forward and backward in
// one call, and the accumulating cross entropy they are built on, which the
// ordinal family's acc_loss and slace_prox (ordinal.hpp) share. Semantics:
// reference/slace.hpp and docs/spec.md. For true class y the classes fall
// into groups of equal distance, closest first (h = 0 .. H-1; for SLACE
// h = |i - y|, one or two classes each), and everything the loss needs is
// per group:
//   q_h   = the soft label of each class of group h,  n_h = its class count
//   mass_h = sum of p over group h,  acc_h = sum_{g <= h} mass_g,  tail_h = sum_{g > h} mass_g
//   l     = -w_y sum_h n_h q_h log(acc_h + eps)
// With logits, acc_h = 1 - tail_h exactly, and log(acc_h + eps) is taken as
// log1p(eps - tail_h) once acc_h passes 1/2, so the terms near the far end
// keep their relative accuracy (their acc is within rounding of 1).
// Backward: a_h = (-g w_y q_h) / (acc_h + eps), R_h = n_h a_h; with logits
// d/dx_k = p_k (right_h - left_h) for k in group h, right_h = sum_{g >= h} R_g tail_g,
// left_h = sum_{g < h} R_g acc_g (reference/slace.hpp's grouped_softmax_vjp);
// on probabilities d/dp_j = sum_{g >= h} R_g.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "optimized/row_ops.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

// p = softmax(x) in binary64, or x as given; false for a row with no softmax
// (a NaN or +inf logit, or only -inf ones), whose outputs are NaN.
template <class F>
bool row_probabilities(const F* x, std::int64_t C, bool use_logits, double* p) {
  if (!use_logits) {
    for (std::int64_t j = 0; j < C; ++j) p[j] = static_cast<double>(x[j]);
    return true;
  }
  const RowMax r = row_max(x, C);
  if (!r.defined) return false;
  const std::int64_t top = first_at(x, C, r.m);
  const double inv = 1.0 / (1.0 + exp_sum_except<true>(x, C, r.m, top, p));
  for (std::int64_t j = 0; j < C; ++j) p[j] *= inv;
  return true;
}

// sum_h n_h q_h log(acc_h + eps) over the groups of a row (group_of(k) in
// [0, H), closest first), from its probabilities p; writes the gradient of
// that sum times -gw (the cotangent of the loss -sum, times w_y / ln b) to
// grad unless it is null. compensated: see below.
template <class F, class GroupOf>
double accumulate_groups(const double* p, std::int64_t C, std::int64_t H, GroupOf group_of, const double* q,
                         const double* n, double eps, bool use_logits, bool compensated, double gw, F* grad) {
  thread_local std::vector<double> mass, mass_lo, acc, acc_lo, tail, R, left, right;
  mass.assign(H, 0.0);
  mass_lo.assign(H, 0.0);
  acc.resize(H);
  acc_lo.resize(H);
  tail.resize(H);
  R.resize(H);
  left.resize(H + 1);
  right.resize(H + 1);
  // Probabilities as given may sum to 1 within rounding, or past it, where
  // log(acc_h + eps) is near 0 and a rounded acc_h would decide its digits:
  // when compensated, the sums are kept as hi + lo (Knuth's TwoSum), their
  // logarithm taken as log1p((hi - 1) + lo) near 1. (Logits need none of it:
  // see log_inner.) slace_row does not ask for it: its soft labels are
  // rounded per row, and where its loss cancels (docs/accuracy.md, 60 ulp)
  // their rounding decides the error; measured, the compensation moved that
  // worst case from 60.8 to 67.2 ulp by chance, and no other slace figure.
  const bool dd = compensated && !use_logits;
  auto two_sum = [](double a, double b, double& lo) {
    const double s = a + b, bv = s - a, av = s - bv;
    lo += (a - av) + (b - bv);
    return s;
  };
  for (std::int64_t k = 0; k < C; ++k) {
    const std::int64_t h = group_of(k);
    if (!dd) mass[h] += p[k];
    else mass[h] = two_sum(mass[h], p[k], mass_lo[h]);
  }
  double running = 0.0, running_lo = 0.0;
  for (std::int64_t h = 0; h < H; ++h) {
    if (!dd) {
      acc[h] = running = running + mass[h];
    } else {
      running = two_sum(running, mass[h], running_lo);
      running_lo += mass_lo[h];
      acc[h] = running;
      acc_lo[h] = running_lo;
    }
  }
  running = 0.0;
  for (std::int64_t h = H; h-- > 0;) {
    tail[h] = running;
    running = running + mass[h];
  }
  if (use_logits && H > 0) acc[H - 1] = 1.0;  // a softmax sums to exactly 1 (as the reference says)

  auto log_inner = [&](std::int64_t h) {
    if (use_logits) return acc[h] > 0.5 ? std::log1p(eps - tail[h]) : std::log(acc[h] + eps);
    if (!dd) return std::log(acc[h] + eps);
    double lo = acc_lo[h];
    const double s = two_sum(acc[h], eps, lo);
    return s >= 0.5 && s <= 2.0 ? std::log1p((s - 1.0) + lo) : std::log(s);
  };
  // Float rows take vecmath.hpp's log (0.82 binary64 ulp, and log1p from it
  // within a few), whose loop vectorizes, in place of libm's calls, which
  // were a fifth of SLACE's row time: a float output cannot tell them apart.
  // Double rows, and compensated sums, keep libm's correctly rounded log and log1p.
  double* logs = left.data();  // free until the backward pass
  std::int64_t h0 = 0;
  if constexpr (sizeof(F) == 4) {
    if (!dd) {
      for (; h0 + kVecDoubles <= H; h0 += kVecDoubles) {
        const VecD a = load_vec(acc.data() + h0), t = load_vec(tail.data() + h0);
        const VecI upper = use_logits ? a > 0.5 : VecI{};
        store_vec(logs + h0, upper ? log1p_vec(eps - t) : log_vec(a + eps));
      }
      for (std::int64_t h = h0; h < H; ++h)
        logs[h] = use_logits && acc[h] > 0.5 ? log1p_f64(eps - tail[h]) : log_f64(acc[h] + eps);
      h0 = H;
    }
  }
  for (std::int64_t h = h0; h < H; ++h) logs[h] = log_inner(h);
  double nats = 0.0;
  for (std::int64_t h = 0; h < H; ++h) nats += n[h] * (q[h] * logs[h]);
  if (!grad) return nats;

  for (std::int64_t h = 0; h < H; ++h) R[h] = n[h] * ((-gw * q[h]) / (acc[h] + eps));
  if (use_logits) {
    left[0] = 0.0;
    for (std::int64_t h = 0; h < H; ++h) left[h + 1] = left[h] + R[h] * acc[h];
    right[H] = 0.0;
    for (std::int64_t h = H; h-- > 0;) right[h] = right[h + 1] + R[h] * tail[h];
    for (std::int64_t k = 0; k < C; ++k) {
      const std::int64_t h = group_of(k);
      grad[k] = static_cast<F>(p[k] * (right[h] - left[h]));
    }
  } else {
    right[H] = 0.0;
    for (std::int64_t h = H; h-- > 0;) right[h] = right[h + 1] + R[h];
    for (std::int64_t k = 0; k < C; ++k) grad[k] = static_cast<F>(right[group_of(k)]);
  }
  return nats;
}

template <class F>
double slace_row(const F* x, std::int64_t C, std::int64_t y, double alpha, double eps, bool use_logits, double wy,
                 double g, F* grad) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const std::int64_t H = std::max(y, C - 1 - y) + 1;
  thread_local std::vector<double> p, q, count;
  p.resize(C);
  q.resize(H);
  count.resize(H);
  if (!row_probabilities(x, C, use_logits, p.data())) {
    fill(grad, C, nan);
    return nan;
  }
  for (std::int64_t h = 0; h < H; ++h) count[h] = static_cast<double>((y - h >= 0) + (h > 0 && y + h < C));

  // Soft labels over distances: z_h = (-alpha) h, max at h = 0 or H-1.
  double mz = -std::numeric_limits<double>::infinity();
  bool q_nan = false;
  for (std::int64_t h = 0; h < H; ++h) {
    const double z = -alpha * static_cast<double>(h);
    q_nan = q_nan || z != z || z == std::numeric_limits<double>::infinity();
    mz = z > mz ? z : mz;
  }
  q_nan = q_nan || mz == -std::numeric_limits<double>::infinity();
  // z_h = (-alpha) h rounds; its error z_lo (exact, by fma) would cost
  // |z| / 2 ulp in q_h, so e^(z - mz) is taken as e^(z_hi - mz) (1 + z_lo).
  // The exps first, in a loop of their own that GCC vectorizes, then Z
  // summed in index order (a sum that is not reassociated stays scalar).
  std::int64_t h1 = 0;
#if defined(__FMA__)
  // A vector at a time where the machine has a fused multiply-add for zlo
  // (std::fma's exact rounding error; sse4 would call libm's software fma
  // per element); rows with some z - mz below -700, or a NaN alpha, go
  // through the element loop.
  if (!q_nan) {
    VecI oob = VecI{};
    VecD hv;
    for (int l = 0; l < kVecDoubles; ++l) hv[l] = l;
    for (; h1 + kVecDoubles <= H; h1 += kVecDoubles, hv += kVecDoubles) {
      const VecD z = -alpha * hv;
#if defined(__AVX512F__)
      const VecD zlo = _mm512_fmsub_pd(splat(-alpha), hv, z);  // exact, as std::fma
#else
      const VecD zlo = _mm256_fmsub_pd(splat(-alpha), hv, z);
#endif
      const VecD d = z - mz;
      oob |= d < -700.0;
      const VecD bv = d - z, av = d - bv;
      const VecD lo = (z - av) + (-mz - bv);  // exp_shifted's TwoSum
      VecD e = exp_in_range<false>(d);
      e = e + e * lo;
      store_vec(q.data() + h1, e + e * zlo);
    }
    bool any = false;
    for (int l = 0; l < kVecDoubles; ++l) any = any || oob[l] != 0;
    if (any) h1 = 0;
  }
#endif
  for (std::int64_t h = h1; h < H; ++h) {
    const double hd = static_cast<double>(h);
    const double z = -alpha * hd;
    const double zlo = std::fma(-alpha, hd, -z);
    const double e = exp_shifted(z, mz);
    q[h] = e + e * (zlo == zlo ? zlo : 0.0);
  }
  double Z = 0.0;
  for (std::int64_t h = 0; h < H; ++h) Z += count[h] * q[h];
  for (std::int64_t h = 0; h < H; ++h) q[h] = q_nan ? nan : q[h] / Z;

  const auto distance = [y](std::int64_t k) { return k > y ? k - y : y - k; };
  const double nats = accumulate_groups(p.data(), C, H, distance, q.data(), count.data(), eps, use_logits, false,
                                        g * wy, grad);
  return -nats * wy;
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
