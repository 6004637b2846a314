// Per-pair cost-matrix losses from K. Frank's answer on the PyTorch forums
// (seed 002, "Create a Variation of Cross Entropy Loss with Per Pair of
// Classes Weights"). D is a C x C matrix, row-major: D[i * C + j] is the
// weight of the pair (true class i, predicted class j).
//
//   per_pair_weighted_ce(x, t, D)      = -sum_n sum_i t_ni (log_softmax(x_n) D^T)_i / N
//   misclass_a(p, y, D)                = mean_{n,c} D[y_n, c] p_nc          (as published: on probabilities)
//   misclass_a_logits(x, y, D)         = the same with p = softmax(x)
//   misclass_b_as_published(p, y, D)   = mean_{n,c} D[y_n, c] (-log(clamp(p_nc - 1, min = m)))
//   misclass_b(x, y, D)                = mean_{n,c} D[y_n, c] (-log(1 - softmax(x_n)_c))   (the intended loss)
//
// Inputs are (N, C) (and (C) for the misclass losses, as D[targ] * pred
// allows); class indices y may be negative down to -C, which PyTorch's
// indexing D[targ] wraps to y + C. Derivations sit above each gradient.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "reference/cross_entropy.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

// Row y of D, with PyTorch's wrap of a negative index (checked by the evaluator).
inline std::int64_t cost_row(std::int64_t y, std::int64_t C) { return y < 0 ? y + C : y; }

// log(1 + u) for u >= -1: MPFI's log1p keeps the enclosure of a tiny u tight;
// the other number types run at a fixed high precision where log(1 + u) is
// accurate enough (and autodiff has no log1p).
template <class T>
T log1p_of(const T& u) {
  if constexpr (std::is_same_v<T, Real>)
    return log1p(u);
  else
    return log(T(1.0) + u);
}

// log(1 + e^u), without overflow for large u and without cancellation for
// negative u: both branches are identities, so the approximate sign of u only
// picks the better conditioned one.
template <class T>
T softplus(const T& u) {
  if (value_of(u) > 0.0) return u + log1p_of<T>(T(exp(-u)));
  return log1p_of<T>(T(exp(u)));
}

// log sum_{j != skip} exp(x_j) over one position's logits, shifted by the
// (exact) largest of them. Returns nullopt-like -inf through `empty` when every
// included logit is -inf (or none is included): the caller decides what that means.
template <class T>
T logsumexp_except(const std::vector<T>& row, std::int64_t skip, bool& empty) {
  double m = -std::numeric_limits<double>::infinity();
  for (std::int64_t j = 0; j < static_cast<std::int64_t>(row.size()); ++j)
    if (j != skip && value_of(row[j]) > m) m = value_of(row[j]);
  empty = m == -std::numeric_limits<double>::infinity();
  if (empty) return T(-std::numeric_limits<double>::infinity());
  const T shift(m);
  T total(0.0);
  for (std::int64_t j = 0; j < static_cast<std::int64_t>(row.size()); ++j)
    if (j != skip) total += exp(row[j] - shift);
  return shift + log(total);
}

// ---------------------------------------------------------------- per_pair_weighted_ce

// perPairWeightedCE(input, target, D) = -(target * (log_softmax(input, 1) @ D.T)).sum() / input.shape[0]
// Per position (row) n:  M_ni = sum_j logp_nj D_ij,   l_n = -sum_i t_ni M_ni;
// `mean` divides the sum of l_n by N (0/0 = NaN for N = 0, as torch gives).
//
// Gradient, in PyTorch's order (mul, then matmul, then log_softmax backward),
// with s_n the cotangent of l_n:
//   d/dt_ni  = (-s_n) M_ni
//   d/dM_ni  = (-s_n) t_ni
//   G_nj     = d/dlogp_nj = sum_i (d/dM_ni) D_ij          (M = logp D^T, so dM/dlogp = D)
//   d/dx_nj  = G_nj - p_nj sum_c G_nc                      (log_softmax backward)
// For finite values: d/dx_nj = s_n (p_nj sum_{i,c} t_ni D_ic - sum_i t_ni D_ij).
template <class T>
LossResult<T> per_pair_weighted_ce(Reduction reduction, const ClassLayout& L, const std::vector<T>& x,
                                   const std::vector<T>& t, const std::vector<T>& D,
                                   const std::vector<T>* grad_output) {
  const std::int64_t C = L.classes, P = L.positions();
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(P, T(0.0));
  std::vector<std::vector<T>> logps(P), probs(P), M(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    M[pos].assign(C, T(0.0));
    for (std::int64_t i = 0; i < C; ++i)
      for (std::int64_t j = 0; j < C; ++j) M[pos][i] += logps[pos][j] * D[i * C + j];
    T s(0.0);
    for (std::int64_t i = 0; i < C; ++i) s += t[L.at(pos, i)] * M[pos][i];
    r.per_position[pos] = -s;
  }
  const Reduced<T> red = reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(L.outer)),
                                grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  r.grad_target.assign(x.size(), T(0.0));
  r.has_grad_target = true;
  std::vector<T> gM(C), G(C);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    const T neg_s = -red.cotangent[pos];
    for (std::int64_t i = 0; i < C; ++i) {
      r.grad_target[L.at(pos, i)] = neg_s * M[pos][i];
      gM[i] = neg_s * t[L.at(pos, i)];
    }
    for (std::int64_t j = 0; j < C; ++j) {
      G[j] = T(0.0);
      for (std::int64_t i = 0; i < C; ++i) G[j] += gM[i] * D[i * C + j];
    }
    log_softmax_backward(L, x, pos, probs[pos], G, r.grad_input);
  }
  return r;
}

// ---------------------------------------------------------------- misclass_a

// misclassA(pred, targ, D) = (D[targ] * pred).mean(): elementwise
//   l_nc = D[y_n, c] p_nc,   `mean` over all N*C elements (NaN when empty).
// Gradient (mul backward): d/dp_nc = s_nc D[y_n, c].
template <class T>
LossResult<T> misclass_a(Reduction reduction, const ClassLayout& L, const Shape& shape, const std::vector<T>& p,
                         const std::vector<std::int64_t>& y, const std::vector<T>& D,
                         const std::vector<T>* grad_output) {
  const std::int64_t C = L.classes;
  LossResult<T> r;
  r.position_shape = shape;
  r.per_position.assign(p.size(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < C; ++c)
      r.per_position[L.at(pos, c)] = D[cost_row(y[pos], C) * C + c] * p[L.at(pos, c)];
  const Reduced<T> red =
      reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(p.size())), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(p.size(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int64_t k = L.at(pos, c);
      r.grad_input[k] = red.cotangent[k] * D[cost_row(y[pos], C) * C + c];
    }
  return r;
}

// misclass_a on logits: l_nc = D[y_n, c] softmax(x_n)_c, `mean` over N*C.
// Gradient: the cotangent on p is G_c = s_nc D[y_n, c]; the softmax VJP is
//   d/dx_k = p_k (G_k - sum_j p_j G_j) = p_k sum_j p_j (G_k - G_j)   (sum_j p_j = 1),
// the second form so that a row of equal costs gives an exact 0, as softmax's does
// (and, like softmax's, written over e_j = exp(x_j - max) as e_k sum_j e_j (G_k - G_j) / E^2).
template <class T>
LossResult<T> misclass_a_logits(Reduction reduction, const ClassLayout& L, const Shape& shape,
                                const std::vector<T>& x, const std::vector<std::int64_t>& y,
                                const std::vector<T>& D, const std::vector<T>* grad_output) {
  const std::int64_t C = L.classes, P = L.positions();
  LossResult<T> r;
  r.position_shape = shape;
  r.per_position.assign(x.size(), T(0.0));
  std::vector<std::vector<T>> logps(P), probs(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    for (std::int64_t c = 0; c < C; ++c)
      r.per_position[L.at(pos, c)] = D[cost_row(y[pos], C) * C + c] * probs[pos][c];
  }
  const Reduced<T> red =
      reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(x.size())), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  std::vector<T> G(C), shifted, e;
  for (std::int64_t pos = 0; pos < P; ++pos) {
    for (std::int64_t c = 0; c < C; ++c) G[c] = red.cotangent[L.at(pos, c)] * D[cost_row(y[pos], C) * C + c];
    // As softmax's VJP: over the unnormalised exponentials e_j / E where all is
    // finite, so that equal logits leave a single exact quotient.
    T E(0.0);
    const bool exps = all_finite(G) && shifted_exponentials(L, x, pos, shifted, e, E);
    for (std::int64_t k = 0; k < C; ++k) {
      T inner(0.0);
      for (std::int64_t j = 0; j < C; ++j) inner += (exps ? e[j] : probs[pos][j]) * (G[k] - G[j]);
      r.grad_input[L.at(pos, k)] = exps ? T(e[k] * inner / (E * E)) : T(probs[pos][k] * inner);
    }
  }
  return r;
}

// ---------------------------------------------------------------- misclass_b as published

// Whether p - 1 >= m holds exactly (clamp's test, and its backward's mask
// self >= min). p - 1 is exact for p in [0.5, 2] (Sterbenz), which is where the
// test can be close; elsewhere its sign decides. 1 + m is split exactly into
// hi + lo (TwoSum) so that m need not be small. NaN gives false.
inline bool at_least_one_plus(double p, double m) {
  if (std::isnan(p) || std::isnan(m)) return false;
  if (std::isinf(m)) return m < 0;
  const double hi = 1.0 + m;
  const double z = hi - 1.0;
  const double lo = (1.0 - (hi - z)) + (m - z);
  if (std::isinf(p) || std::isinf(hi)) return p >= hi;
  if (p == hi) return lo <= 0.0;
  return p - hi >= lo;
}

// misclassB(pred, targ, D) = (D[targ] * (-(pred - 1.0).clamp(min=m).log())).mean(), as published.
// For probabilities p <= 1, p - 1 <= 0 < m always clamps: every element is
// D[y_n, c] (-log m), whatever p is. Above the clamp (p >= 1 + m) the term is
// D[y_n, c] (-log(p - 1)). clamp(NaN) is NaN.
// Gradient (PyTorch's autograd: mul, neg, log, clamp):
//   d/dp_nc = -(s_nc D[y_n, c]) / (p_nc - 1)   where p_nc - 1 >= m,
//             0                                 elsewhere (clamp's backward is
//                                               where(self >= min, grad, 0): 0 at NaN too).
template <class T>
LossResult<T> misclass_b_as_published(Reduction reduction, const ClassLayout& L, const Shape& shape,
                                      const std::vector<T>& p, const std::vector<std::int64_t>& y,
                                      const std::vector<T>& D, double clamp_min,
                                      const std::vector<T>* grad_output) {
  const std::int64_t C = L.classes;
  const T nan(std::numeric_limits<double>::quiet_NaN());
  LossResult<T> r;
  r.position_shape = shape;
  r.per_position.assign(p.size(), T(0.0));
  std::vector<bool> passes(p.size(), false);
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int64_t k = L.at(pos, c);
      passes[k] = at_least_one_plus(value_of(p[k]), clamp_min);
      const bool undefined = std::isnan(value_of(p[k])) || std::isnan(clamp_min);
      const T clamped = undefined ? nan : passes[k] ? T(p[k] - T(1.0)) : T(clamp_min);
      r.per_position[k] = D[cost_row(y[pos], C) * C + c] * -log(clamped);
    }
  const Reduced<T> red =
      reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(p.size())), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(p.size(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int64_t k = L.at(pos, c);
      if (passes[k]) r.grad_input[k] = -(red.cotangent[k] * D[cost_row(y[pos], C) * C + c]) / (p[k] - T(1.0));
    }
  return r;
}

// ---------------------------------------------------------------- misclass_b (specified)

// The loss misclassB means: l_nc = D[y_n, c] f_nc with f_nc = -log(1 - p_nc),
// computed from the logits without forming 1 - p:
//   1 - p_c = sum_{j != c} e^{x_j} / sum_j e^{x_j},  so
//   f_c = lse_all - lse_{j != c} = log(1 + e^{x_c - lse_{j != c}}) = softplus(x_c - lse_{j != c}).
// Extended reals: a row holding NaN or +inf, or only -inf, is NaN throughout
// (as softmax); x_c = -inf gives f_c = 0; all other logits -inf (and C = 1)
// gives p_c = 1 and f_c = +inf. `mean` over N*C elements.
//
// Gradient. With q^(c)_k = e^{x_k - lse_{j != c}} = p_k / (1 - p_c) for k != c:
//   d f_c / d x_k = p_k - [k != c] q^(c)_k
// (d lse_all/dx_k = p_k; d lse_{j != c}/dx_k = q^(c)_k, 0 for k = c), i.e.
// p_c for k = c and -p_c p_k / (1 - p_c) otherwise. With w_c = s_nc D[y_n, c]:
//   d/dx_nk = p_k sum_c w_c - sum_{c != k} w_c q^(c)_k.
// Where lse_{j != c} is -inf (p_c = 1), q^(c)_k = e^{-inf - (-inf)} is NaN.
template <class T>
LossResult<T> misclass_b(Reduction reduction, const ClassLayout& L, const Shape& shape, const std::vector<T>& x,
                         const std::vector<std::int64_t>& y, const std::vector<T>& D,
                         const std::vector<T>* grad_output) {
  const std::int64_t C = L.classes, P = L.positions();
  const double inf = std::numeric_limits<double>::infinity();
  const T nan(std::numeric_limits<double>::quiet_NaN());
  LossResult<T> r;
  r.position_shape = shape;
  r.per_position.assign(x.size(), T(0.0));
  std::vector<std::vector<T>> logps(P), probs(P), rest(P);  // rest[pos][c] = lse_{j != c}
  std::vector<std::vector<bool>> rest_empty(P);
  std::vector<bool> undefined(P, false);
  std::vector<T> row(C);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    for (std::int64_t c = 0; c < C; ++c) row[c] = x[L.at(pos, c)];
    undefined[pos] = C > 0 && std::isnan(value_of(probs[pos][0]));
    rest[pos].assign(C, T(0.0));
    rest_empty[pos].assign(C, false);
    for (std::int64_t c = 0; c < C; ++c) {
      bool empty = false;
      if (!undefined[pos]) rest[pos][c] = logsumexp_except(row, c, empty);
      rest_empty[pos][c] = empty;
      T f(0.0);
      if (undefined[pos])
        f = nan;
      else if (empty)
        f = T(inf);
      else if (value_of(row[c]) == -inf)
        f = T(0.0);
      else
        f = softplus(T(row[c] - rest[pos][c]));
      r.per_position[L.at(pos, c)] = D[cost_row(y[pos], C) * C + c] * f;
    }
  }
  const Reduced<T> red =
      reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(x.size())), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  std::vector<T> w(C);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    T wsum(0.0);
    for (std::int64_t c = 0; c < C; ++c) {
      w[c] = red.cotangent[L.at(pos, c)] * D[cost_row(y[pos], C) * C + c];
      wsum += w[c];
    }
    for (std::int64_t k = 0; k < C; ++k) {
      if (undefined[pos]) {
        r.grad_input[L.at(pos, k)] = nan;
        continue;
      }
      T g = probs[pos][k] * wsum;
      for (std::int64_t c = 0; c < C; ++c) {
        if (c == k) continue;
        const T q = rest_empty[pos][c]                            ? nan
                    : value_of(x[L.at(pos, k)]) == -inf ? T(0.0)
                                                        : T(exp(x[L.at(pos, k)] - rest[pos][c]));
        g -= w[c] * q;
      }
      r.grad_input[L.at(pos, k)] = g;
    }
  }
  return r;
}

}  // namespace lossoracle::reference
