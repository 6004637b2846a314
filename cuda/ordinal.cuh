// The per-class core of the SLACE paper's ordinal losses on the CUDA tier
// (reference/ordinal.hpp is the spec, docs/spec.md section 17), shared by the
// kernels (cuda/ordinal.cu) and the host build CI tests (cuda/ordinal_host.cpp).
// sord: q = softmax(-alpha dis(., y)), l = -(sum_c q_c log p_c) / ln b;
//   d/dx_k = g' (p_k - q_k) from logits, -g' (q_k / p_k) from probabilities,
//   g' = g / ln b.
// The soft labels' exponents -alpha dis are formed and normalised in binary64
// for every storage: alpha is a binary64 parameter, and rounding alpha dis to
// binary32 would cost alpha dis ulps of q. Each q_c is then rounded once.
#pragma once

#include <limits>

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

struct OrdinalCall {
  double alpha = 1.0;
  bool use_logits = true;
  double ln_base = 0.0;  // 0: natural logarithm (no division)
  const double* distance = nullptr;  // (C, C) row-major, row y = dis(c_i, y); null: |i - y|
};

// -alpha dis(c, y), as dlordinal forms it: (-alpha) * d.
LOSSORACLE_HD double sord_label_arg(const OrdinalCall& k, std::int64_t C, std::int64_t y, std::int64_t c) {
  const double d = k.distance ? k.distance[y * C + c] : static_cast<double>(c > y ? c - y : y - c);
  return (-k.alpha) * d;
}

// q_c from the labels' statistics, rounded once to A. The exact label of a
// finite exponent is positive however small: one that underflows is kept as
// the smallest positive A, so that q_c log 0 stays -inf (not 0 * -inf = NaN).
template <class A>
LOSSORACLE_HD A sord_label(const SoftmaxRow<double>& labels, double arg) {
  const A q = A(labels.p(arg));
  return q == A(0) && arg - arg == 0.0 ? std::numeric_limits<A>::denorm_min() : q;
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

}  // namespace lossoracle::cuda
