// The ordinal losses of the SLACE paper (Nachmani, Genossar, Scharf, Shraga,
// Gal, "SLACE: A Monotone and Balance-Sensitive Loss Function for Ordinal
// Regression", AAAI 2025) besides SLACE itself (reference/slace.hpp):
//   sord        -sum_i q_i log p_i,  q = softmax(-alpha dis(., y))          (Eq. 2-3)
//   oll         -sum_i dis(c_i, y)^alpha log(1 - p_i)                      (Eq. 12)
//   acc_loss    -sum_i log(sum_j P(c_i, c_j) p_j)                          (Eq. 10)
//   slace_prox  SLACE (Eq. 11) with the class-count proximity of Eq. 7 as
//               closeness and dis(c, c') = max_i prox(c_i, c') - prox(c, c')
// Inputs (N, C): logits (use_logits, the default) or probabilities used as
// given. dis is |i - j|, or a C x C matrix whose row y holds dis(c_i, y).
// Every loss may be read in a logarithm base other than e (the paper's worked
// examples use base 10): the value in nats divided by ln b.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "reference/slace.hpp"

namespace lossoracle::reference {

// ---------------------------------------------------------------- distances to the true class

struct DistanceSpec {
  enum class Kind { absolute, matrix, prox };
  Kind kind = Kind::absolute;
  const std::vector<double>* matrix = nullptr;        // (C, C) row-major: matrix[y * C + i] = dis(c_i, y)
  const std::vector<std::int64_t>* counts = nullptr;  // n_j, the class counts of Eq. 7
  LogBase prox_base = LogBase::e;                      // the base of prox's logarithm
};

template <class T>
struct TrueClassGeometry {
  std::vector<T> distance;  // dis(c_i, y)
  DominanceOrder order;     // classes by closeness to y, closest first
};

// Eq. 7 with true class y: prox(c, y) = -log(A_c / (2n)) where
//   A_c = n_c + 2 sum_{j strictly after c up to y} n_j      (c < y)
//   A_y = n_y
//   A_c = n_c + 2 sum_{j from y up to strictly before c} n_j  (c > y),
// i.e. twice the numerator n_c/2 + ..., kept as an exact integer. A_y is the
// smallest A_c, so max_i prox(c_i, y) = prox(y, y) and
//   dis(c, y) = prox(y, y) - prox(c, y) = log(A_c / A_y)
// exactly (the 2n cancels), in the base of prox's logarithm. Closeness is
// prox itself, so the dominance order sorts by A_c, ties grouped. With
// n_y = 0, prox(y, y) = +inf and dis is inf - inf = NaN at y (and wherever
// A_c = 0): the quotient gives exactly those values, 0/0 and x/0.
inline std::vector<std::int64_t> prox_masses(const std::vector<std::int64_t>& n, std::int64_t y) {
  const std::int64_t C = static_cast<std::int64_t>(n.size());
  std::vector<std::int64_t> A(C);
  A[y] = n[y];
  std::int64_t between = 0;  // sum of n_j for j strictly after c up to y
  for (std::int64_t c = y - 1; c >= 0; --c) {
    between += n[c + 1];
    A[c] = n[c] + 2 * between;
  }
  between = 0;
  for (std::int64_t c = y + 1; c < C; ++c) {
    between += n[c - 1];
    A[c] = n[c] + 2 * between;
  }
  return A;
}

template <class T>
TrueClassGeometry<T> true_class_geometry(const DistanceSpec& s, std::int64_t C, std::int64_t y) {
  TrueClassGeometry<T> g;
  g.distance.resize(C);
  switch (s.kind) {
    case DistanceSpec::Kind::absolute:
      g.order = absolute_order(C, y);
      for (std::int64_t i = 0; i < C; ++i) g.distance[i] = T(static_cast<double>(i > y ? i - y : y - i));
      break;
    case DistanceSpec::Kind::matrix: {
      std::vector<double> row(s.matrix->begin() + y * C, s.matrix->begin() + (y + 1) * C);
      g.order = order_by_keys(row);
      for (std::int64_t i = 0; i < C; ++i) g.distance[i] = T(row[i]);
      break;
    }
    case DistanceSpec::Kind::prox: {
      const std::vector<std::int64_t> A = prox_masses(*s.counts, y);
      g.order = order_by_keys(A);
      const T Ay(static_cast<double>(A[y]));
      for (std::int64_t i = 0; i < C; ++i)
        g.distance[i] = A[i] == A[y] && A[y] > 0 ? T(0.0)
                                                 : in_base(T(log(T(static_cast<double>(A[i])) / Ay)), s.prox_base);
      break;
    }
  }
  return g;
}

// The geometry of every class that occurs as a target (others left empty):
// built once per class, so the per-sample work stays O(C).
template <class T>
std::vector<TrueClassGeometry<T>> geometries_for(const DistanceSpec& s, std::int64_t C,
                                                 const std::vector<std::int64_t>& y) {
  std::vector<TrueClassGeometry<T>> out(C);
  std::vector<bool> built(C, false);
  for (std::int64_t t : y)
    if (!built[t]) {
      built[t] = true;
      out[t] = true_class_geometry<T>(s, C, t);
    }
  return out;
}

// d^alpha as pow defines it for d >= 0: 0^alpha is 0 for alpha > 0, 1 for
// alpha = 0, +inf for alpha < 0; small integer powers by exact products.
template <class T>
T distance_power(const T& d, double alpha) {
  if (std::isnan(alpha)) return T(std::numeric_limits<double>::quiet_NaN());
  if (value_of(d) == 0.0) return T(alpha > 0 ? 0.0 : alpha == 0 ? 1.0 : std::numeric_limits<double>::infinity());
  if (alpha >= 0 && alpha <= 64 && alpha == std::floor(alpha)) {
    T r(1.0);
    for (int k = 0; k < static_cast<int>(alpha); ++k) r = r * d;
    return r;
  }
  return exp(T(alpha) * log(d));
}

struct OrdinalOptions {
  Reduction reduction = Reduction::mean;
  double alpha = 1.0;
  bool use_logits = true;
  LogBase base = LogBase::e;
};

namespace ordinal_detail {

template <class T>
LossResult<T> finish(const ClassLayout& L, LossResult<T> r, Reduction reduction, const std::vector<T>* grad_output,
                     Reduced<T>& red) {
  red = reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(L.positions())), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  return r;
}

}  // namespace ordinal_detail

// ---------------------------------------------------------------- sord

// l = -(sum_i q_i log p_i) / ln b.
// Gradient, cotangent g, g' = g / ln b:
//   logits:         d/dx_k = g' (p_k - q_k)   (log_softmax VJP of -g' q, with sum_i q_i = 1)
//   probabilities:  d/dp_i = (-g' q_i) / p_i
template <class T>
LossResult<T> sord(const OrdinalOptions& o, const ClassLayout& L, const std::vector<T>& x,
                   const std::vector<std::int64_t>& y, const DistanceSpec& dist, const std::vector<T>* grad_output) {
  const std::int64_t N = L.positions(), C = L.classes;
  const std::vector<TrueClassGeometry<T>> geo = geometries_for<T>(dist, C, y);
  std::vector<std::vector<T>> labels(C);
  for (std::int64_t t = 0; t < C; ++t)
    if (!geo[t].distance.empty()) labels[t] = soft_labels(geo[t].distance, o.alpha);

  LossResult<T> r;
  r.position_shape = L.position_shape;
  std::vector<std::vector<T>> probs(N);
  for (std::int64_t n = 0; n < N; ++n) {
    std::vector<T> logp;
    if (o.use_logits) {
      softmax_position(L, x, n, logp, probs[n]);
    } else {
      probs[n] = sample_probabilities(L, x, n, false);
      logp.resize(C);
      for (std::int64_t c = 0; c < C; ++c) logp[c] = log(probs[n][c]);
    }
    T nats(0.0);
    for (std::int64_t c = 0; c < C; ++c) nats += labels[y[n]][c] * logp[c];
    r.per_position.push_back(in_base(T(-nats), o.base));
  }
  Reduced<T> red;
  r = ordinal_detail::finish(L, std::move(r), o.reduction, grad_output, red);
  r.grad_input.assign(x.size(), T(0.0));
  for (std::int64_t n = 0; n < N; ++n) {
    const T g = in_base(red.cotangent[n], o.base);
    const std::vector<T>& q = labels[y[n]];
    for (std::int64_t c = 0; c < C; ++c)
      r.grad_input[L.at(n, c)] = o.use_logits ? T(g * (probs[n][c] - q[c])) : T(T(-g * q[c]) / probs[n][c]);
  }
  return r;
}

// ---------------------------------------------------------------- oll

// l = -(sum_i w_i log(1 - p_i)) / ln b,  w_i = dis(c_i, y)^alpha.
// From logits, stably: with e_j = exp(x_j - max x), S = sum_j e_j and
// S_i = sum_{j != i} e_j (prefix + suffix sums), 1 - p_i = S_i / S, never
// formed as a difference.
// Gradient, cotangent g, g' = g / ln b:
//   probabilities:  d/dp_i = (g' w_i) / (1 - p_i)
//   logits:         d log(1 - p_i) / dx_k = [k != i] e_k / S_i - p_k, so
//                   d/dx_k = g' p_k (w_k - sum_{i != k} w_i r_i),  r_i = e_i / S_i = p_i / (1 - p_i).
// A row with NaN or +inf logits, or only -inf ones, is NaN (as a softmax is).
template <class T>
LossResult<T> oll(const OrdinalOptions& o, const ClassLayout& L, const std::vector<T>& x,
                  const std::vector<std::int64_t>& y, const DistanceSpec& dist, const std::vector<T>* grad_output) {
  const std::int64_t N = L.positions(), C = L.classes;
  const std::vector<TrueClassGeometry<T>> geo = geometries_for<T>(dist, C, y);
  std::vector<std::vector<T>> w(C);
  for (std::int64_t t = 0; t < C; ++t)
    for (const T& d : geo[t].distance) w[t].push_back(distance_power(d, o.alpha));

  LossResult<T> r;
  r.position_shape = L.position_shape;
  // Per sample: p and, from logits, r_i = e_i / S_i; or 1 - p_i from probabilities.
  std::vector<std::vector<T>> probs(N), aux(N);
  const T nan(std::numeric_limits<double>::quiet_NaN());
  for (std::int64_t n = 0; n < N; ++n) {
    std::vector<T> log_complement(C);
    if (o.use_logits) {
      double m = -std::numeric_limits<double>::infinity();
      bool undefined = false;
      for (std::int64_t c = 0; c < C; ++c) {
        const double v = value_of(x[L.at(n, c)]);
        if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) undefined = true;
        if (v > m) m = v;
      }
      if (undefined || m == -std::numeric_limits<double>::infinity()) {
        probs[n].assign(C, nan);
        aux[n].assign(C, nan);
        log_complement.assign(C, nan);
      } else {
        std::vector<T> e(C);
        T S(0.0);
        for (std::int64_t c = 0; c < C; ++c) {
          e[c] = exp(x[L.at(n, c)] - T(m));
          S += e[c];
        }
        const std::vector<T> others = sums_of_others(e);
        for (std::int64_t c = 0; c < C; ++c) {
          probs[n].push_back(e[c] / S);
          aux[n].push_back(e[c] / others[c]);
          log_complement[c] = log(others[c] / S);
        }
      }
    } else {
      probs[n] = sample_probabilities(L, x, n, false);
      for (std::int64_t c = 0; c < C; ++c) {
        aux[n].push_back(T(1.0) - probs[n][c]);
        log_complement[c] = log(aux[n][c]);
      }
    }
    T nats(0.0);
    for (std::int64_t c = 0; c < C; ++c) nats += log_complement[c] * w[y[n]][c];
    r.per_position.push_back(in_base(T(-nats), o.base));
  }
  Reduced<T> red;
  r = ordinal_detail::finish(L, std::move(r), o.reduction, grad_output, red);
  r.grad_input.assign(x.size(), T(0.0));
  for (std::int64_t n = 0; n < N; ++n) {
    const T g = in_base(red.cotangent[n], o.base);
    const std::vector<T>& wy = w[y[n]];
    if (o.use_logits) {
      std::vector<T> wr(C);
      for (std::int64_t c = 0; c < C; ++c) wr[c] = wy[c] * aux[n][c];
      const std::vector<T> others = sums_of_others(wr);
      for (std::int64_t c = 0; c < C; ++c) r.grad_input[L.at(n, c)] = g * (probs[n][c] * (wy[c] - others[c]));
    } else {
      for (std::int64_t c = 0; c < C; ++c) r.grad_input[L.at(n, c)] = T(g * wy[c]) / aux[n][c];
    }
  }
  return r;
}

// ---------------------------------------------------------------- acc_loss and slace_prox

// Eq. 10: the accumulating cross entropy with q_i = 1, closeness from dis.
template <class T>
LossResult<T> acc_loss(const OrdinalOptions& o, const ClassLayout& L, const std::vector<T>& x,
                       const std::vector<std::int64_t>& y, const DistanceSpec& dist,
                       const std::vector<T>* grad_output) {
  const std::vector<TrueClassGeometry<T>> geo = geometries_for<T>(dist, L.classes, y);
  auto terms_of = [&](std::int64_t n) { return AccumulatingTerms<T>{&geo[y[n]].order, nullptr, T(1.0)}; };
  return accumulating_batch(L, x, o.reduction, AccumulatingOptions{o.use_logits, 0.0, o.base}, terms_of, grad_output);
}

// Eq. 11 with prox closeness (dist.kind == prox): soft labels from the prox
// distance, dominance by prox, no epsilon in the log (the paper's form).
template <class T>
LossResult<T> slace_prox(const OrdinalOptions& o, const ClassLayout& L, const std::vector<T>& x,
                         const std::vector<std::int64_t>& y, const DistanceSpec& dist,
                         const std::vector<T>* grad_output) {
  const std::int64_t C = L.classes;
  const std::vector<TrueClassGeometry<T>> geo = geometries_for<T>(dist, C, y);
  std::vector<std::vector<T>> labels(C);
  for (std::int64_t t = 0; t < C; ++t)
    if (!geo[t].distance.empty()) labels[t] = soft_labels(geo[t].distance, o.alpha);
  auto terms_of = [&](std::int64_t n) { return AccumulatingTerms<T>{&geo[y[n]].order, &labels[y[n]], T(1.0)}; };
  return accumulating_batch(L, x, o.reduction, AccumulatingOptions{o.use_logits, 0.0, o.base}, terms_of, grad_output);
}

}  // namespace lossoracle::reference
