// kl_div elementwise, forward and both gradients in one pass over input and
// target. Semantics: reference/kl_div.hpp and docs/spec.md:
//   log_target = false: l = xlogy(t, t) - t x,  d/dx = -g t,
//                       d/dt = xlogy(g, t) + g t / t - g x
//   log_target = true:  l = e^t (t - x),        d/dx = -g e^t,  d/dt = g e^t (t - x + 1)
// The loss is a difference of two terms by definition; where they cancel
// (t log t close to t x) its error is bounded in units of |t log t| + |t x|,
// not in ulps of the result (docs/accuracy.md).
#pragma once

#include <cstdint>
#include <limits>

#include "optimized/row_ops.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

// kVecDoubles elements at a time in binary64 (vecmath.hpp's log_vec and
// exp_in_range, which the scalar loop this replaces called as log_f64 and
// exp_f64, bit for bit). The last partial vector is padded (x = 0, t = 1,
// g = 0) and goes through the same vector code, so that an element's bits
// never depend on where a thread's block ends (the determinism test splits
// blocks differently per thread count). Measured on one 32000-element
// float row in L2 (1 thread, best of 100, AVX2, load 4.3), ns per element,
// fwd / fwd+bwd: the scalar loop 8.2 / 8.4, these vectors 2.5 / 2.5 (4.0
// before log_vec's exponent conversion lost its scalar int64 -> double
// steps and 2x slower again with the lambda below not inlined). What is
// left is log_vec itself: a division and a degree-9 series on 4 lanes.
struct KlVec {
  VecD per, grad_input, grad_target;
};

// grad_target (a division, g t / t) only where asked for.
__attribute__((always_inline)) inline KlVec kl_div_vec(VecD x, VecD t, bool log_target, VecD g, VecI g_zero, bool want_grad_target) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (log_target) {
    bool in_range = true;
    for (int l = 0; l < kVecDoubles; ++l) in_range = in_range && t[l] >= -700.0 && t[l] <= 709.0;
    VecD et;
    if (in_range) {
      et = exp_in_range<false>(t);
    } else {
      for (int l = 0; l < kVecDoubles; ++l) et[l] = exp_f64(t[l]);
    }
    return {et * (t - x), -(g * et), g * (et * (t - x + 1.0))};
  }
  const VecD lt = log_vec(t);
  const VecI t_nan = t != t, t_zero = t == 0.0;
  const VecD xlogy = t_nan ? splat(nan) : (t_zero ? splat(0.0) : t * lt);
  KlVec r{xlogy - t * x, -(g * t), VecD{}};
  if (want_grad_target) {
    const VecD xlogy_self = t_nan ? splat(nan) : ((t_zero | g_zero) ? splat(0.0) : g * lt);
    r.grad_target = xlogy_self + g * t / t - g * x;
  }
  return r;
}

template <class F>
void kl_div_block(const F* x, const F* t, std::int64_t n, bool log_target, const F* go, double g_scalar,
                  double go_divisor, bool g_zero_scalar, double* per, F* grad_input, F* grad_target) {
  constexpr int w = kVecDoubles;
  const VecD gs = splat(g_scalar);
  const VecI gz_scalar = VecI{} - (g_zero_scalar ? 1 : 0);
  // always_inline: GCC left this lambda a call per vector (2x slower).
  auto run = [&](const F* xk, const F* tk, const F* gk, double* pk, F* gik, F* gtk) __attribute__((always_inline)) {
    VecD g = gs;
    VecI gz = gz_scalar;
    if (go) {
      const VecD gv = load_vec(gk);
      g = gv / go_divisor;
      gz = gv == 0.0;
    }
    const KlVec r = kl_div_vec(load_vec(xk), load_vec(tk), log_target, g, gz, grad_target != nullptr);
    store_vec(pk, r.per);
    if (gik) store_vec(gik, r.grad_input);
    if (gtk) store_vec(gtk, r.grad_target);
  };
  std::int64_t k = 0;
  for (; k + w <= n; k += w)
    run(x + k, t + k, go ? go + k : nullptr, per + k, grad_input ? grad_input + k : nullptr,
        grad_target ? grad_target + k : nullptr);
  if (k < n) {
    const int rest = static_cast<int>(n - k);
    F xb[w] = {}, tb[w], gb[w] = {}, gib[w], gtb[w];
    double pb[w];
    for (int l = 0; l < w; ++l) tb[l] = 1;
    for (int l = 0; l < rest; ++l) xb[l] = x[k + l], tb[l] = t[k + l], gb[l] = go ? go[k + l] : F(0);
    run(xb, tb, go ? gb : nullptr, pb, grad_input ? gib : nullptr, grad_target ? gtb : nullptr);
    for (int l = 0; l < rest; ++l) {
      per[k + l] = pb[l];
      if (grad_input) grad_input[k + l] = gib[l];
      if (grad_target) grad_target[k + l] = gtb[l];
    }
  }
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
