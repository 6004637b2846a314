// The SLACE paper's ordinal losses besides SLACE itself, rows in O(C) with
// forward and backward in one call (semantics: docs/spec.md section 17):
//   sord        -sum_i q_i log p_i,  q = softmax(-alpha dis(., y))
//   oll         -sum_i dis(c_i, y)^alpha log(1 - p_i)
//   acc_loss    -sum_i log acc_i,    acc_i = sum of p_j over the classes j at most as far from y as i
//   slace_prox  -sum_i q_i log acc_i, closeness from the class counts (Eq. 7)
// each divided by ln b for log_base b. What depends on the true class alone
// (distances, soft labels, dis^alpha, the grouping by closeness) is built once
// per class that occurs as a target (ordinal_target); acc_loss and slace_prox
// are slace.hpp's accumulating cross entropy over that grouping, with no
// epsilon.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "optimized/kernels.hpp"
#include "optimized/row_ops.hpp"
#include "optimized/slace.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

// Groups of equal key, smaller keys first (closer to y); returns their count.
template <class Key>
std::int64_t group_by_keys(const std::vector<Key>& key, std::vector<std::int64_t>& group) {
  const std::int64_t C = static_cast<std::int64_t>(key.size());
  std::vector<std::int64_t> order(C);
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return key[a] < key[b]; });
  group.assign(C, 0);
  std::int64_t H = 0;
  for (std::int64_t k = 0; k < C; ++k) {
    if (k == 0 || key[order[k]] != key[order[k - 1]]) ++H;
    group[order[k]] = H - 1;
  }
  return H;
}

// What depends on the true class alone is computed in long double (64-bit
// significand, x87) and rounded once to binary64: it is built once per
// target class, so its cost is O(C) per class that occurs, and the rows then
// read soft labels and weights within half an ulp.

// q = softmax(-alpha d): a NaN or +inf exponent, or only -inf ones, make q NaN.
inline void soft_labels(const std::vector<long double>& d, double alpha, std::vector<double>& q) {
  constexpr long double inf = std::numeric_limits<long double>::infinity();
  const std::size_t C = d.size();
  std::vector<long double> z(C), e(C);
  long double mz = -inf, Z = 0;
  bool undefined = false;
  for (std::size_t i = 0; i < C; ++i) {
    z[i] = -static_cast<long double>(alpha) * d[i];
    undefined = undefined || z[i] != z[i] || z[i] == inf;
    mz = z[i] > mz ? z[i] : mz;
  }
  undefined = undefined || mz == -inf;
  for (std::size_t i = 0; i < C; ++i) Z += e[i] = std::exp(z[i] - mz);
  q.resize(C);
  for (std::size_t i = 0; i < C; ++i)
    q[i] = undefined ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(e[i] / Z);
}

// d^alpha as pow defines it for d >= 0 (0^alpha: 0, 1 or +inf), but NaN
// for a NaN alpha and for 1^(+-inf): the spec's e^(alpha log d) there.
inline double distance_power(long double d, double alpha) {
  if (alpha != alpha || (d == 1 && std::isinf(alpha))) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(std::pow(d, static_cast<long double>(alpha)));
}

// Eq. 7 with true class y: A_c = 2 (n_c / 2 + the counts strictly between c
// and y, y included) is an exact integer, smallest at c = y, and
// dis(c, y) = log(A_c / A_y) = log1p((A_c - A_y) / A_y) with the difference
// exact. n_y = 0 gives +inf (A_c > 0) and NaN (A_c = 0), as inf - inf does.
inline long double ln_of(LogBase b) { return b == LogBase::e ? 1.0L : std::log(b == LogBase::two ? 2.0L : 10.0L); }

// A value in nats read in base b: v / ln b as v (hi + lo), hi + lo = 1 / ln b
// to 2^-106, rounded once (infinities and NaN as v / ln b; base e is v itself).
inline double in_base(double nats, LogBase b) {
  struct Inverse {
    double hi, lo;
    explicit Inverse(long double v) : hi(static_cast<double>(v)), lo(static_cast<double>(v - hi)) {}
  };
  static const Inverse two(1.0L / ln_of(LogBase::two)), ten(1.0L / ln_of(LogBase::ten));
  if (b == LogBase::e) return nats;
  const Inverse& s = b == LogBase::two ? two : ten;
  return std::isfinite(nats) ? std::fma(nats, s.hi, nats * s.lo) : nats * s.hi;
}

inline void prox_distances(const std::int64_t* n, std::int64_t C, std::int64_t y, LogBase base,
                           std::vector<std::int64_t>& A, std::vector<long double>& d) {
  A.assign(C, 0);
  d.resize(C);
  A[y] = n[y];
  std::int64_t between = 0;
  for (std::int64_t c = y - 1; c >= 0; --c) A[c] = n[c] + 2 * (between += n[c + 1]);
  between = 0;
  for (std::int64_t c = y + 1; c < C; ++c) A[c] = n[c] + 2 * (between += n[c - 1]);
  const long double Ay = static_cast<long double>(A[y]);
  const long double ln_base = ln_of(base);
  for (std::int64_t c = 0; c < C; ++c)
    d[c] = (Ay > 0 ? std::log1p(static_cast<long double>(A[c] - A[y]) / Ay) : std::log(static_cast<long double>(A[c]) / Ay)) /
           ln_base;
}

inline void ordinal_target(OrdinalLoss loss, const OrdinalCloseness& src, std::int64_t C, std::int64_t y, double alpha,
                           OrdinalTarget& t) {
  std::vector<long double> d(C);
  std::int64_t H = 0;
  if (src.counts) {
    std::vector<std::int64_t> A;
    prox_distances(src.counts, C, y, src.prox_base, A, d);
    H = group_by_keys(A, t.group);  // closeness is prox itself: no rounded log decides a tie
  } else if (src.distance) {
    const std::vector<double> row(src.distance + y * C, src.distance + (y + 1) * C);
    d.assign(row.begin(), row.end());
    H = group_by_keys(row, t.group);
  } else {
    t.group.resize(C);
    for (std::int64_t i = 0; i < C; ++i) d[i] = static_cast<long double>(t.group[i] = i > y ? i - y : y - i);
    H = std::max(y, C - 1 - y) + 1;
  }
  t.coef.clear();
  t.group_q.assign(H, 1.0);
  t.group_n.assign(H, 0.0);
  for (std::int64_t i = 0; i < C; ++i) t.group_n[t.group[i]] += 1.0;
  switch (loss) {
    case OrdinalLoss::sord: soft_labels(d, alpha, t.coef); break;
    case OrdinalLoss::oll:
      t.coef.resize(C);
      for (std::int64_t i = 0; i < C; ++i) t.coef[i] = distance_power(d[i], alpha);
      break;
    case OrdinalLoss::acc_loss: break;
    case OrdinalLoss::slace_prox: {
      std::vector<double> q;  // (a double per class: exp(-alpha d) of equal d are equal)
      soft_labels(d, alpha, q);
      for (std::int64_t i = 0; i < C; ++i) t.group_q[t.group[i]] = q[i];  // equal within a group
      break;
    }
  }
}

// log p_j = (x_j - m) - log S: two non-positive terms, with the rounding
// error of x_j - m (binary64 inputs; a float difference is exact) added back.
template <class F>
inline double log_probability(F x, double m, double logS) {
  const double v = static_cast<double>(x);
  const double d = v - m;
  if constexpr (sizeof(F) == 4) {
    return d - logS;
  } else {
    const double bv = d - v, av = d - bv;
    const double lo = (v - av) + (-m - bv);  // NaN at x = -inf: nothing to add
    return (d - logS) + (lo == lo ? lo : 0.0);
  }
}

// Gradient: logits g' (p_k - q_k) (the log-softmax VJP of -g' q, sum q = 1);
// probabilities (-g' q_i) / p_i; g' = g / ln b. Every term of the loss has
// one sign with logits, so the sum loses nothing.
template <class F>
double sord_row(const F* x, std::int64_t C, const OrdinalTarget& t, bool use_logits, LogBase base, double g,
                F* grad) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const double* q = t.coef.data();
  const double gw = in_base(g, base);
  double acc[kLanes] = {};
  if (!use_logits) {
    for (std::int64_t j = 0; j < C; ++j) {
      const double p = static_cast<double>(x[j]);
      acc[j % kLanes] += q[j] * log_f64(p);
      if (grad) grad[j] = static_cast<F>((-gw * q[j]) / p);
    }
    return in_base(-combine(acc), base);
  }
  const RowMax r = row_max(x, C);
  if (!r.defined) {
    fill(grad, C, nan);
    return nan;
  }
  thread_local std::vector<double> e;
  e.resize(C);
  const std::int64_t top = first_at(x, C, r.m);
  const double rest = exp_sum_except<true>(x, C, r.m, top, e.data());
  const double S = 1.0 + rest, logS = std::log1p(rest);
  for (std::int64_t j = 0; j < C; ++j) {
    acc[j % kLanes] += q[j] * log_probability(x[j], r.m, logS);
    if (grad) grad[j] = static_cast<F>(gw * (e[j] / S - q[j]));
  }
  return in_base(-combine(acc), base);
}

// From logits, with top the first class at the max m, e_j = e^(x_j - m),
// O = sum_{j != top} e_j and S = 1 + O: for j != top, p_j <= 1/2 and
// log(1 - p_j) = log1p(-p_j); for top, 1 - p_top = O / S, never a
// difference. Where O nears the subnormal range it is rescaled by the largest
// other logit m2 (O = e^(m2 - m) O2), so a class holding all but e^-1000 of
// the mass still has its finite log(1 - p).
// Gradient, g' = g / ln b, w = dis^alpha, r_i = p_i / (1 - p_i):
//   d/dx_k = g' p_k (w_k - sum_{i != k} w_i r_i)
// with the top class's term p_k w_top r_top = w_top p_top e_k / O taken apart
// (r_top overflows where 1 - p_top underflows, p_k r_top does not); the
// other sums over i != k are prefix plus suffix sums, never a total less a
// term. Probabilities: d/dp_i = (g' w_i) / (1 - p_i).
template <class F>
double oll_row(const F* x, std::int64_t C, const OrdinalTarget& t, bool use_logits, LogBase base, double g,
               F* grad) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const double* w = t.coef.data();
  const double gw = in_base(g, base);
  double acc[kLanes] = {};
  if (!use_logits) {
    for (std::int64_t j = 0; j < C; ++j) {
      const double p = static_cast<double>(x[j]);
      const double lc = p >= 0.5 ? std::log(1.0 - p) : std::log1p(-p);
      acc[j % kLanes] += lc * w[j];
      if (grad) grad[j] = static_cast<F>((gw * w[j]) / (1.0 - p));
    }
    return in_base(-combine(acc), base);
  }
  const RowMax r = row_max(x, C);
  if (!r.defined) {
    fill(grad, C, nan);
    return nan;
  }
  thread_local std::vector<double> e, v, before;
  e.resize(C);
  const std::int64_t top = first_at(x, C, r.m);
  double O = exp_sum_except<true>(x, C, r.m, top, e.data());
  const double S = 1.0 + O;
  double log_top;  // log(1 - p_top)
  double ratio_den = O;  // e_k / O for k != top, from the rescaled sums where O was rescaled
  bool rescaled = false;
  thread_local std::vector<double> e2;
  if (O < 0x1p-900) {
    double m2 = -std::numeric_limits<double>::infinity();
    for (std::int64_t j = 0; j < C; ++j)
      if (j != top && static_cast<double>(x[j]) > m2) m2 = static_cast<double>(x[j]);
    if (m2 != -std::numeric_limits<double>::infinity()) {
      rescaled = true;
      e2.resize(C);
      const double O2 = exp_sum_except<true>(x, C, m2, top, e2.data());
      log_top = ((m2 - r.m) + std::log(O2)) - std::log1p(O);
      ratio_den = O2;
    } else {
      log_top = std::log(O / S);  // every other logit -inf: 1 - p_top = 0
    }
  } else {
    log_top = 1.0 / S >= 0.5 ? std::log(O / S) : std::log1p(-1.0 / S);
  }
  for (std::int64_t j = 0; j < C; ++j) {
    const double lc = j == top ? log_top : std::log1p(-(e[j] / S));
    acc[j % kLanes] += lc * w[j];
  }
  const double loss = in_base(-combine(acc), base);
  if (!grad) return loss;

  // v_i = w_i r_i for i != top (0 at top); before[k] = sum_{i < k} v_i.
  v.resize(C);
  before.resize(C + 1);
  for (std::int64_t i = 0; i < C; ++i) {
    const double p = e[i] / S;
    v[i] = i == top ? 0.0 : w[i] * (p / (1.0 - p));
  }
  before[0] = 0.0;
  for (std::int64_t i = 0; i < C; ++i) before[i + 1] = before[i] + v[i];
  const double p_top = 1.0 / S;
  const double top_term = w[top] * p_top;
  double after = 0.0;  // sum_{i > k} v_i
  for (std::int64_t k = C; k-- > 0;) {
    const double others = before[k] + after;
    const double p = e[k] / S;
    if (k == top) {
      grad[k] = static_cast<F>(gw * (p_top * (w[k] - others)));
    } else {
      const double ratio = (rescaled ? e2[k] : e[k]) / ratio_den;
      grad[k] = static_cast<F>(gw * (p * (w[k] - others) - top_term * ratio));
    }
    after += v[k];
  }
  return loss;
}

// acc_loss (q = 1) and slace_prox: slace.hpp's accumulation over the target's
// grouping, no epsilon; the loss and its cotangent in base b.
template <class F>
double accumulating_row(const F* x, std::int64_t C, const OrdinalTarget& t, bool use_logits, LogBase base, double g,
                        F* grad) {
  thread_local std::vector<double> p;
  p.resize(C);
  if (!row_probabilities(x, C, use_logits, p.data())) {
    fill(grad, C, std::numeric_limits<double>::quiet_NaN());
    return std::numeric_limits<double>::quiet_NaN();
  }
  const std::int64_t* group = t.group.data();
  const double nats = accumulate_groups(p.data(), C, static_cast<std::int64_t>(t.group_q.size()),
                                        [group](std::int64_t k) { return group[k]; }, t.group_q.data(),
                                        t.group_n.data(), 0.0, use_logits, true, in_base(g, base), grad);
  return in_base(-nats, base);
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
