// The per-group core of slace (dlordinal 2.7.0 SLACELoss, docs/spec.md
// section 16) on the CUDA tier, shared by the kernel and the host build CI
// tests. For true class y the classes fall into groups h = |k - y| (one or
// two classes each, closest first, h < H = max(y, C-1-y) + 1); with
//   mass_h = sum of p over group h,  acc_h = sum_{g <= h} mass_g,  tail_h = sum_{g > h} mass_g,
//   q_h    = exp(-alpha h) / Z          (the soft label of each class of group h)
//   l      = -(sum_h n_h q_h log(acc_h + eps)) w_y
//   R_h    = n_h ((-(s w_y) q_h) / (acc_h + eps))      (s: the row's cotangent after the reduction)
//   d/dx_k = p_k (right_h - left_h),  right_h = sum_{g >= h} R_g tail_g,  left_h = sum_{g < h} R_g acc_g
//            (logits; for k in group h), or sum_{g >= h} R_g (probabilities as given).
// acc_h and tail_h are both direct sums of like-signed masses (never 1 minus
// the other), so the far groups' log(acc_h + eps), which are near 0, are
// log1p(eps - tail_h) with tail_h's relative accuracy. The drivers (kernel,
// host) run the prefix and suffix sums over tiles of `lanes` groups: a fixed
// Hillis-Steele scan inside a tile, a left-to-right carry across tiles.
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

LOSSORACLE_HD float fma_of(float a, float b, float c) { return fmaf(a, b, c); }
LOSSORACLE_HD double fma_of(double a, double b, double c) { return fma(a, b, c); }

// Constants of one call.
template <class A>
struct SlaceCall {
  A alpha_hi = A(1), alpha_lo = A(0);  // alpha = hi + lo (binary64 alpha in a binary32 pair)
  bool alpha_negative = false;
  A eps = A(0);
  bool use_logits = true;
};

template <class A>
SlaceCall<A> slace_call(double alpha, double epsilon, bool use_logits) {
  SlaceCall<A> k;
  k.alpha_hi = A(alpha);
  k.alpha_lo = alpha - alpha == 0.0 ? A(alpha - static_cast<double>(k.alpha_hi)) : A(0);
  k.alpha_negative = alpha < 0;
  k.eps = A(epsilon);
  k.use_logits = use_logits;
  return k;
}

// The groups of a row with true class y.
struct SlaceGroups {
  std::int64_t y = 0, C = 0, H = 0;
  LOSSORACLE_HD std::int64_t count() const { return H; }
  // Group h's classes: lo = y - h (if >= 0) and hi = y + h (if h > 0 and < C); -1 when absent.
  LOSSORACLE_HD std::int64_t lo(std::int64_t h) const { return h < H && y - h >= 0 ? y - h : -1; }
  LOSSORACLE_HD std::int64_t hi(std::int64_t h) const { return h < H && h > 0 && y + h < C ? y + h : -1; }
  LOSSORACLE_HD int size(std::int64_t h) const { return (lo(h) >= 0 ? 1 : 0) + (hi(h) >= 0 ? 1 : 0); }
};

LOSSORACLE_HD SlaceGroups slace_groups(std::int64_t C, std::int64_t y) {
  SlaceGroups g;
  g.y = y;
  g.C = C;
  const std::int64_t far = y > C - 1 - y ? y : C - 1 - y;
  g.H = C > 0 ? far + 1 : 0;
  return g;
}

// exp(-alpha (h - h_top)) with h_top the group of the largest soft label (0,
// or H-1 for negative alpha): the soft labels' softmax shifted by its
// maximum. The product is formed exactly (alpha's two parts, an FMA for the
// rounding of the first) so that q_h keeps an ulp at alpha h = 40 as well;
// alpha = +-inf makes -alpha * 0 NaN, as in dlordinal.
template <class A>
LOSSORACLE_HD A slace_label(const SlaceCall<A>& k, const SlaceGroups& g, std::int64_t h) {
  const A d = A(static_cast<double>(k.alpha_negative ? h - (g.H - 1) : h));
  const A hi = k.alpha_hi * d;
  const A lo = fma_of(k.alpha_hi, d, -hi) + k.alpha_lo * d;
  const A e = exp_of(-hi);
  return hi - hi == A(0) ? e - e * lo : e;  // non-finite hi: no correction
}

// One group's part of the loss and of the two backward sums, from its
// accumulations; s_w = s w_y (the cotangent times the class weight).
template <class A>
struct SlaceGroupTerms {
  A loss_term;  // n_h q_h log(acc_h + eps)
  A left;       // R_h acc_h (logits) or 0
  A right;      // R_h tail_h (logits) or R_h (probabilities)
};

template <class A>
LOSSORACLE_HD SlaceGroupTerms<A> slace_group_terms(const SlaceCall<A>& k, int n, A q, A acc, A tail, A s_w) {
  // Past acc = 1/2 (logits) the sums' complement is the accurate one: acc_h + eps = 1 - tail_h + eps.
  // Probabilities near 1: acc - 1 is exact there (Sterbenz), and eps (1e-9)
  // would vanish in acc + eps; log1p keeps both.
  const bool upper = k.use_logits && acc > A(0.5);
  const bool near_one = !k.use_logits && acc >= A(0.5) && acc <= A(2);
  const A log_inner = upper ? log1p_of(k.eps - tail) : near_one ? log1p_of((acc - A(1)) + k.eps) : log_of(acc + k.eps);
  const A inner = upper ? (A(1) - tail) + k.eps : acc + k.eps;
  const A nq = A(static_cast<double>(n));
  const A R = nq * ((-s_w * q) / inner);
  SlaceGroupTerms<A> t;
  t.loss_term = nq * (q * log_inner);
  t.left = k.use_logits ? R * acc : A(0);
  t.right = k.use_logits ? R * tail : R;
  return t;
}

// d/dx_k of a class (logit or probability x) of a group with sums right_h and left_h.
template <class A>
LOSSORACLE_HD A slace_grad(const SlaceCall<A>& k, const SoftmaxRow<A>& row, A x, A right, A left) {
  return k.use_logits ? row.p(x) * (right - left) : right;
}

// The row's loss from the sum of its groups' loss terms.
template <class A>
LOSSORACLE_HD A slace_row_loss(A terms, A w_y) {
  return -terms * w_y;
}

}  // namespace lossoracle::cuda
