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
