// The per-element core of the cost-matrix family (K. Frank's losses, seed
// 002; docs/spec.md) on the CUDA tier, shared by the kernels and the host
// build CI tests. Each element (n, c) carries the cost d = D[y_n, c] (row
// y_n of D, a negative y wrapped to y + C as PyTorch's D[targ] does) and its
// cotangent s (grad_output's element, or its scalar over N C for mean).
//   misclass_a:               l = d p,                         d/dp = s d
//   misclass_b_as_published:  l = d (-log(clamp(p - 1, min=m))), d/dp = -(s d) / (p - 1) where p - 1 >= m, else 0
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

}  // namespace lossoracle::cuda
