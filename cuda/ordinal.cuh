// The per-class core of the SLACE paper's ordinal losses on the CUDA tier
// (reference/ordinal.hpp is the spec, docs/spec.md section 17), shared by the
// kernels (cuda/ordinal.cu) and the host build CI tests (cuda/ordinal_host.cpp).
// sord: q = softmax(-alpha dis(., y)), l = -(sum_c q_c log p_c) / ln b;
//   d/dx_k = g' (p_k - q_k) from logits, -g' (q_k / p_k) from probabilities,
//   g' = g / ln b.
// oll: w_c = dis(c, y)^alpha, l = -(sum_c w_c log(1 - p_c)) / ln b;
//   d/dx_k = g' p_k (w_k - sum_{i != k} w_i r_i), r_i = p_i / (1 - p_i), from
//   logits (the sums over i != k are prefix plus suffix sums, never a total
//   less a term); (g' w_k) / (1 - p_k) from probabilities.
// acc_loss, slace_prox: slace's accumulating cross entropy (cuda/slace.cuh's
//   group terms, no epsilon) over groups of equal distance to y, with q = 1
//   or the proximity soft labels, read in base b.
// The soft labels' exponents -alpha dis are formed and normalised in binary64
// for every storage: alpha is a binary64 parameter, and rounding alpha dis to
// binary32 would cost alpha dis ulps of q. Each q_c is then rounded once.
#pragma once

#include <limits>

#include "cuda/slace.cuh"

namespace lossoracle::cuda {

struct OrdinalCall {
  double alpha = 1.0;
  bool use_logits = true;
  double ln_base = 0.0;  // 0: natural logarithm (no division)
  const double* distance = nullptr;  // (C, C) row-major, row y = dis(c_i, y); null: |i - y|
  // acc_loss and slace_prox: cuda/ordinal_groups.hpp's tables (null groups: |i - y|'s; null labels: q = 1).
  const std::int32_t* groups = nullptr;
  const double* labels = nullptr;
};

// -alpha dis(c, y), as dlordinal forms it: (-alpha) * d.
LOSSORACLE_HD double sord_label_arg(const OrdinalCall& k, std::int64_t C, std::int64_t y, std::int64_t c) {
  const double d = k.distance ? k.distance[y * C + c] : static_cast<double>(c > y ? c - y : y - c);
  return (-k.alpha) * d;
}

// A soft label q rounded once to A. An exact label that is positive however
// small (`positive`) and underflows is kept as the smallest positive A, so
// that q log 0 stays -inf (not 0 * -inf = NaN).
template <class A>
LOSSORACLE_HD A label_in(double q, bool positive) {
  const A r = A(q);
  return r == A(0) && positive ? std::numeric_limits<A>::denorm_min() : r;
}

// q_c from the labels' statistics: the label of a finite exponent is positive.
template <class A>
LOSSORACLE_HD A sord_label(const SoftmaxRow<double>& labels, double arg) {
  return label_in<A>(labels.p(arg), arg - arg == 0.0);
}

// nats read in the call's base.
template <class A>
LOSSORACLE_HD A in_base(const OrdinalCall& k, A nats) {
  return k.ln_base == 0.0 ? nats : nats / A(k.ln_base);
}

// One class's q_c log p_c (x: logit or probability).
template <class A>
LOSSORACLE_HD A sord_term(const OrdinalCall& k, const SoftmaxRow<A>& row, A q, A x) {
  return q * (k.use_logits ? row.log_p(x) : log_of(x));
}

// d/dx_k with g_base = s / ln b (s: the row's cotangent after the reduction).
template <class A>
LOSSORACLE_HD A sord_grad(const OrdinalCall& k, const SoftmaxRow<A>& row, A q, A x, A g_base) {
  return k.use_logits ? g_base * (row.p(x) - q) : -g_base * (q / x);  // q / 0 = inf for any g != 0
}

// ---------------------------------------------------------------- oll

// dis(c, y)^alpha in binary64, as pow has it at 0 (0, 1 or +inf), but NaN for
// a NaN alpha and for 1^(+-inf) (the spec's e^(alpha log d); pow says 1).
// Kept in binary64 and multiplied there: 1300^12.5 overflows binary32 while
// its products with log(1 - p) need not.
LOSSORACLE_HD double oll_weight(const OrdinalCall& k, std::int64_t C, std::int64_t y, std::int64_t c) {
  const double d = k.distance ? k.distance[y * C + c] : static_cast<double>(c > y ? c - y : y - c);
  const double inf = std::numeric_limits<double>::infinity();
  if (k.alpha != k.alpha || (d == 1.0 && (k.alpha == inf || k.alpha == -inf))) return quiet_nan<double>();
  return pow(d, k.alpha);
}

// Below this the sum O of the exponentials other than the maximum's loses its
// relative accuracy (terms turn subnormal): O and the ratios e_k / O are then
// taken relative to the largest other logit instead.
template <class A>
LOSSORACLE_HD A oll_tiny() {
  return sizeof(A) == 4 ? A(0x1p-100) : A(0x1p-900);
}

// A row's constants from logits. top: the first class at the maximum m; with
// O = tail (the others' exponentials, e_top = 1) and S = 1 + O,
// 1 - p_top = O / S is formed from O, never as 1 - p_top: log1p(-1/S) where
// p_top <= 1/2, log(O / S) below, and (m2 - m) + log1p(tail2) - log1p(O) from
// the others' own statistics (m2, tail2) where O is tiny. For k != top,
// p_k r_top = p_top e_k / O, the ratio e_k / O read relative to ratio_max.
template <class A>
struct OllRow {
  SoftmaxRow<A> sm;
  std::int64_t top;
  A log_top, ratio_max, ratio_den;
};

template <class A>
LOSSORACLE_HD OllRow<A> oll_row(const SoftmaxStats<A>& all, std::int64_t top, const SoftmaxStats<A>& others) {
  OllRow<A> r{softmax_row(all), top, A(0), all.max, all.tail};
  const A O = all.tail;
  if (!(O < oll_tiny<A>())) {  // NaN too
    r.log_top = O >= A(1) ? log1p_of(-(A(1) / r.sm.sum)) : log_of(O / r.sm.sum);
  } else {
    const Difference<A> d = difference(others.max, all.max);
    r.log_top = ((d.hi + log1p_of(others.tail)) - log1p_of(O)) + d.lo;
    r.ratio_max = others.max;
    r.ratio_den = others.tail + A(1);
  }
  return r;
}

// Whether a row needs its others' statistics (all threads agree).
template <class A>
LOSSORACLE_HD bool oll_needs_others(const SoftmaxStats<A>& all) {
  return all.tail < oll_tiny<A>();
}

// log(1 - p_k); x: logit or probability.
template <class A>
LOSSORACLE_HD A oll_log_complement(bool use_logits, const OllRow<A>& r, std::int64_t k, A x) {
  if (!use_logits) return x >= A(0.5) ? log_of(A(1) - x) : log1p_of(-x);
  return k == r.top ? r.log_top : log1p_of(-r.sm.p(x));  // p_k <= 1/2 for k != top
}

// w_k log(1 - p_k), the product in binary64.
template <class A>
LOSSORACLE_HD A oll_term(double w, A log_complement) {
  return A(w * static_cast<double>(log_complement));
}

// v_k = w_k r_k for k != top (0 at top: its term is taken apart), logits only.
template <class A>
LOSSORACLE_HD A oll_v(const OllRow<A>& r, std::int64_t k, A x, double w) {
  if (k == r.top) return A(0);
  const A p = r.sm.p(x);
  return A(w * static_cast<double>(p / (A(1) - p)));
}

// d/dx_k (logits; others = sum of v_i over i != k), g_base = g / ln b.
template <class A>
LOSSORACLE_HD A oll_grad_logit(const OllRow<A>& r, std::int64_t k, A x, double w, double w_top, A others, A g_base) {
  const A p = r.sm.p(x);
  const A own = p * A(w - static_cast<double>(others));
  if (k == r.top) return g_base * own;
  const A ratio = exp_difference(x, r.ratio_max) / r.ratio_den;
  return g_base * (own - A(w_top * static_cast<double>(A(1) / r.sm.sum * ratio)));
}

// d/dp_k from probabilities.
template <class A>
LOSSORACLE_HD A oll_grad_probability(A x, double w, A g_base) {
  return A(static_cast<double>(g_base) * w) / (A(1) - x);
}

// ---------------------------------------------------------------- acc_loss, slace_prox

// The groups of a row with true class y: classes of equal distance to y,
// closest first. From cuda/ordinal_groups.hpp's table (per target class: H,
// the groups' starts, the classes in group order), or |k - y|'s (slace's).
struct OrdinalGroups {
  const std::int32_t* start = nullptr;  // null: slace's groups
  const std::int32_t* order = nullptr;
  SlaceGroups near;
  std::int64_t H = 0;
  LOSSORACLE_HD std::int64_t count() const { return H; }
  LOSSORACLE_HD std::int64_t size(std::int64_t h) const {
    return h >= H ? 0 : start ? start[h + 1] - start[h] : near.size(h);
  }
  LOSSORACLE_HD std::int64_t member(std::int64_t h, std::int64_t i) const {
    if (start) return order[start[h] + i];
    return i == 0 && near.lo(h) >= 0 ? near.lo(h) : near.hi(h);
  }
};

// The table's stride per target class: H, start[0..C], order[0..C).
LOSSORACLE_HD std::int64_t ordinal_group_stride(std::int64_t C) { return 2 * C + 2; }

LOSSORACLE_HD OrdinalGroups ordinal_groups(const OrdinalCall& k, std::int64_t C, std::int64_t y) {
  OrdinalGroups g;
  g.near = slace_groups(C, y);
  g.H = g.near.count();
  if (k.groups) {
    const std::int32_t* t = k.groups + y * ordinal_group_stride(C);
    g.H = t[0];
    g.start = t + 1;
    g.order = t + 2 + C;
  }
  return g;
}

// Group h's soft label: 1 (acc_loss) or the table's binary64 label.
template <class A>
LOSSORACLE_HD A ordinal_group_label(const OrdinalCall& k, std::int64_t C, std::int64_t y, std::int64_t h) {
  if (!k.labels) return A(1);
  const double q = k.labels[y * C + h];
  return label_in<A>(q, q > 0.0);
}

// slace's group terms with no epsilon.
template <class A>
LOSSORACLE_HD SlaceCall<A> accumulating_terms_call(bool use_logits) {
  SlaceCall<A> c;
  c.eps = A(0);
  c.use_logits = use_logits;
  return c;
}

}  // namespace lossoracle::cuda
