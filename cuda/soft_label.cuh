// The per-row core of the soft-label family on the CUDA tier (incendio
// 0.14.0, docs/spec.md), classes last; shared by the kernels and the host
// build CI tests. The row policy interface is described in cuda/softmax.cuh.
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

LOSSORACLE_HD float fma_for_labels(float a, float b, float c) { return fmaf(a, b, c); }
LOSSORACLE_HD double fma_for_labels(double a, double b, double c) { return fma(a, b, c); }

// The sign of y k - alpha, exactly (y finite, k a count): y k is the pair
// p + e (an fma gives e exactly), p - alpha is exact where the two are
// close (Sterbenz) and otherwise dwarfs e.
template <class A>
LOSSORACLE_HD int sign_of_scaled(A y, A k, A alpha) {
  const A p = y * k;
  const A d = (p - alpha) + fma_for_labels(y, k, -p);
  return d > A(0) ? 1 : d < A(0) ? -1 : 0;
}

// smooth_soft_labels(y, alpha) on one position:
//   alpha == 0: t = y;  otherwise t_c = max(y_c - alpha/k, 0) + alpha/C,  k = #{c : y_c > 0}
// k = 0 clamps every finite label (alpha/k = +inf); NaN labels are not
// counted and stay NaN; +inf is kept, -inf clamped. The clamp is decided
// exactly (y_c k >= alpha). A kept label passes the cotangent g_c (aux)
// through, a clamped or NaN one passes 0 (clamp_min's backward). Pass 1
// counts k; element gives value = t_c, grad = the VJP.
template <class A>
struct SmoothSoftLabelsRow {
  A alpha = A(0);
  A spread = A(0);  // alpha / C
  LOSSORACLE_HD void set_divisor(A) {}

  struct State {
    A k = A(0);
    LOSSORACLE_HD static State merge(const State& a, const State& b) { return {a.k + b.k}; }
  };
  LOSSORACLE_HD void push(State& s, A y, A, A) const {
    if (y > A(0)) s.k += A(1);
  }
  struct Consts {
    A k;
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  LOSSORACLE_HD Consts finish(const State& s, const RowInputs<A>&) const { return {s.k}; }
  LOSSORACLE_HD ElementOut<A> element(const Consts& c, bool, A y, A g, A) const {
    ElementOut<A> o;
    if (alpha == A(0)) {
      o.value = y;
      o.grad = g;
      return o;
    }
    if (y != y) {
      o.value = y;
      return o;
    }
    const int side = c.k == A(0) || y == -infinity<A>() ? -1 : y == infinity<A>() ? 1 : sign_of_scaled(y, c.k, alpha);
    if (side < 0) {
      o.value = spread;
      return o;
    }
    o.value = side > 0 ? (y - alpha / c.k) + spread : spread;
    o.grad = g;
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts&, A) const { return A(0); }
};

}  // namespace lossoracle::cuda
