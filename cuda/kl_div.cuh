// The elementwise core of kl_div (input = log q) on the CUDA tier, PyTorch
// semantics as docs/spec.md states them; shared by the kernel and the host
// build CI tests.
//   log_target = false: l = xlogy(t, t) - t x,  d/dx = -t,
//     d/dt = xlogy(g, t) + g t / t - g x   (PyTorch's autograd term by term:
//     NaN at t = 0 and t = +inf, 0 for a zero cotangent even at t < 0)
//   log_target = true:  l = exp(t) (t - x),  d/dx = -exp(t),  d/dt = exp(t) (t - x + 1)
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

template <class A>
struct KlDivElement {
  A loss;
  A grad_input;
  A grad_target;
};

// g: the element's cotangent (grad_output / D for mean and batchmean);
// g_is_zero: whether the caller's grad_output itself is 0, decided before
// any division could underflow it.
template <class A>
LOSSORACLE_HD KlDivElement<A> kl_div_element(bool log_target, A x, A t, A g, bool g_is_zero) {
  KlDivElement<A> o;
  if (log_target) {
    const A et = exp_of(t);
    o.loss = et * (t - x);
    o.grad_input = -(g * et);
    o.grad_target = g * (et * (t - x + A(1)));
    return o;
  }
  const A xlogy = t != t ? t : t == A(0) ? A(0) : t * log_of(t);
  o.loss = xlogy - t * x;
  o.grad_input = -(g * t);
  const A xlogy_self = t != t ? t : (t == A(0) || g_is_zero) ? A(0) : g * log_of(t);
  o.grad_target = xlogy_self + g * t / t - g * x;
  return o;
}

}  // namespace lossoracle::cuda
