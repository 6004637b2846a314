// The per-element core of the cost-matrix family (K. Frank's losses, seed
// 002; docs/spec.md) on the CUDA tier, shared by the kernels and the host
// build CI tests. Each element (n, c) carries the cost d = D[y_n, c] (row
// y_n of D, a negative y wrapped to y + C as PyTorch's D[targ] does) and its
// cotangent s (grad_output's element, or its scalar over N C for mean).
//   misclass_a:               l = d p,                         d/dp = s d
//   misclass_b_as_published:  l = d (-log(clamp(p - 1, min=m))), d/dp = -(s d) / (p - 1) where p - 1 >= m, else 0
//   per_pair_weighted_ce:     per row, M_i = sum_j log p_j D_ij, l = -sum_i t_i M_i (O(C^2) per row),
//                             d/dt_i = (-s) M_i, G_j = sum_i ((-s) t_i) D_ij, d/dx_j = G_j - p_j sum_c G_c
//   misclass_a_logits:        l = d softmax(x)_c, the softmax VJP of the cotangent g_c = s d
//                             (cuda/softmax.cuh's SoftmaxOutRow, exact 0 for a row of equal costs)
//   misclass_b:               l = d f_c, f_c = -log(1 - p_c) = log1p(e_c / E_{-c}) (E_{-c} = sum_{j != c} e_j),
//                             d/dx_k = p_k W - sum_{c != k} w_c e_k / E_{-c}, w_c = s d, W = sum_c w_c
//                             (O(C) per row from per-row sums: MisclassBSums below)
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

LOSSORACLE_HD std::int64_t cost_row(std::int64_t y, std::int64_t C) { return y < 0 ? y + C : y; }

template <class A>
struct CostElement {
  A loss;
  A grad;
};

template <class A>
LOSSORACLE_HD CostElement<A> misclass_a_element(A d, A p, A s) {
  return {d * p, s * d};
}

// Whether p - 1 >= m holds exactly (clamp's test, and its backward's mask),
// in binary64 whatever the storage. p - 1 = d + err exactly (TwoSum); where
// d is not within an ulp of m its sign against m decides, and where it is,
// d - m is exact (Sterbenz) and (d - m) + err has the exact sum's sign.
// NaN: false; m = -inf: true, m = +inf: false.
LOSSORACLE_HD bool clamp_passes(double p, double m) {
  if (p != p || m != m) return false;
  if (m - m != 0.0) return m < 0;
  const double d = p - 1.0;
  const double bv = d - p, av = d - bv;
  const double err = (p - av) + (-1.0 - bv);
  const double gap = d - m;
  if (gap - gap == 0.0 && err == err && (gap < 0 ? -gap : gap) <= 2 * (err < 0 ? -err : err)) return gap + err >= 0.0;
  return d >= m;
}

template <class A>
LOSSORACLE_HD CostElement<A> misclass_b_published_element(A d, A p, A s, double clamp_min) {
  const bool passes = clamp_passes(static_cast<double>(p), clamp_min);
  const bool undefined = p != p || clamp_min != clamp_min;
  const A clamped = undefined ? quiet_nan<A>() : passes ? p - A(1) : A(clamp_min);
  CostElement<A> e;
  e.loss = d * -log_of(clamped);
  e.grad = passes ? -(s * d) / (p - A(1)) : A(0);
  return e;
}

// misclass_b. Pass 1 is softmax's (m, tail); pass 2 (MisclassBSums) the
// row's sums; then each element. E_{-c}, the row's mass without class c
// (relative to m), is never E - e_c where that cancels: for a class at the
// maximum it is tail itself (the tail leaves out one maximum's 1, and a tied
// maximum's e_c is 1 too); below the maximum it is 1 + (tail - e_c) >= 1
// (tail holds e_c). The gradient's sum over c != k is formed without the
// term c = k where that term is large: sum_{c != k} w_c / E_{-c} is
// (low - w_k / E_{-k}) + top for k below the maximum (w_k / E_{-k} <= 2 p_k
// |w_k|: harmless), and for the maximum, low plus the other maxima's
// (top_w - w_k) / tail, nothing when it is the only one (1/tail may be huge).
// Where one class dominates, tail = e^{m2 - m} (1 + tail2) underflows past
// ~87 nats in binary32 (m2, tail2: the statistics of the logits below the
// maximum, pass 2's `below`): the maximum's f is then lse_all - lse_others,
// log1p(tail) + (m - m2) - log1p(tail2) (no cancellation: m - m2 > 41), and
// its weight in the other classes' gradients, e_k / tail, is always
// e^{x_k - m2} / (1 + tail2) for a unique maximum.
template <class A>
struct MisclassBSums {
  A w = A(0);        // W = sum_c w_c
  A low = A(0);      // sum over classes below the maximum of w_c / E_{-c}
  A top_w = A(0);    // sum over classes at the maximum of w_c
  A top_count = A(0);
  SoftmaxStats<A> below;  // the logits below the maximum

  LOSSORACLE_HD void push(const SoftmaxStats<A>& row, A x, A w_c) {
    w += w_c;
    if (x == row.max) {
      top_w += w_c;
      top_count += A(1);
      return;
    }
    low += w_c / (A(1) + (row.tail - exp_difference(x, row.max)));
    below.push(x);
  }
  LOSSORACLE_HD static MisclassBSums merge(MisclassBSums a, const MisclassBSums& b) {
    a.w += b.w;
    a.low += b.low;
    a.top_w += b.top_w;
    a.top_count += b.top_count;
    a.below = SoftmaxStats<A>::merge(a.below, b.below);
    return a;
  }
};

// Below this tail, 1 / tail nears binary32's range and tail its subnormals:
// the maximum's terms are taken relative to the second largest logit.
template <class A>
LOSSORACLE_HD A misclass_b_small_tail() {
  return A(0x1p-60);
}

// One element (x_c, its cost d, its w_c = s d) of a row with pass 1's
// statistics and pass 2's sums. A row holding NaN or +inf, or only -inf, is
// NaN throughout.
template <class A>
LOSSORACLE_HD CostElement<A> misclass_b_element(const SoftmaxStats<A>& row, const MisclassBSums<A>& s, A x, A d, A w_c) {
  if (!(row.tail >= A(0))) return {quiet_nan<A>(), quiet_nan<A>()};
  const A tail = row.tail;
  const A E = tail + A(1);
  const bool unique = s.top_count == A(1);
  // d/dx_k's sum_{c != k} w_c e_k / E_{-c}, and f.
  A f, others;
  if (x == row.max) {  // e_k = 1
    if (unique && tail < misclass_b_small_tail<A>()) {
      if (s.below.max == -infinity<A>()) {
        f = infinity<A>();  // every other class has probability 0
      } else {
        const Difference<A> gap = difference(row.max, s.below.max);
        f = ((gap.hi - s.below.log_sum()) + gap.lo) + log1p_of(tail);
      }
    } else {
      f = log1p_of(A(1) / tail);
    }
    others = s.low + (unique ? A(0) : (s.top_w - w_c) / tail);
  } else {
    const A e = exp_difference(x, row.max);
    const A rest = A(1) + (tail - e);
    f = log1p_of(e / rest);
    const A top_weight = unique ? exp_difference(x, s.below.max) / (s.below.tail + A(1)) : e / tail;
    others = e * (s.low - w_c / rest) + s.top_w * top_weight;
  }
  return {d * f, exp_difference(x, row.max) / E * s.w - others};
}

// M_i = sum_j log p_j D_ij over row i of D (d_row), left to right.
template <class A, class X, class Load>
LOSSORACLE_HD A per_pair_m_with(const SoftmaxRow<A>& r, const X* x, const X* d_row, std::int64_t C, Load load) {
  A M(0);
  for (std::int64_t j = 0; j < C; ++j) M += r.log_p(load(x + j)) * load(d_row + j);
  return M;
}
// G_j = sum_i ((-s) t_i) D_ij over column j of D (d_col = D + j, stride C), top to bottom.
template <class A, class X, class Load>
LOSSORACLE_HD A per_pair_g_with(const X* t, const X* d_col, std::int64_t C, A neg_s, Load load) {
  A G(0);
  for (std::int64_t i = 0; i < C; ++i) G += (neg_s * load(t + i)) * load(d_col + i * C);
  return G;
}
template <class A>
LOSSORACLE_HD A per_pair_m(const SoftmaxRow<A>& r, const A* x, const A* d_row, std::int64_t C) {
  return per_pair_m_with<A>(r, x, d_row, C, [](const A* v) { return *v; });
}
template <class A>
LOSSORACLE_HD A per_pair_g(const A* t, const A* d_col, std::int64_t C, A neg_s) {
  return per_pair_g_with<A>(t, d_col, C, neg_s, [](const A* v) { return *v; });
}

// per_pair_weighted_ce's d/dx_j from G_j and sum_c G_c: over the unnormalised
// exponentials, (E G_j - e_j sum G) / E, exact 0 for equal logits and equal
// G; with anything non-finite, the plain G_j - p_j sum G and its NaN/inf.
template <class A>
LOSSORACLE_HD A per_pair_grad(const SoftmaxRow<A>& r, A x, A G, A G_sum) {
  if (r.sum < infinity<A>() && G - G == A(0) && G_sum - G_sum == A(0)) return (r.sum * G - r.e(x) * G_sum) / r.sum;
  return G - r.p(x) * G_sum;
}

}  // namespace lossoracle::cuda
