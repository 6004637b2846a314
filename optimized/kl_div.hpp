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

template <class F>
void kl_div_block(const F* x, const F* t, std::int64_t n, bool log_target, const F* go, double g_scalar,
                  double go_divisor, bool g_zero_scalar, double* per, F* grad_input, F* grad_target) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::int64_t k = 0; k < n; ++k) {
    const double xv = x[k], tv = t[k];
    const double g = go ? static_cast<double>(go[k]) / go_divisor : g_scalar;
    const bool g_zero = go ? go[k] == 0 : g_zero_scalar;
    if (log_target) {
      const double et = exp_f64(tv);
      per[k] = et * (tv - xv);
      if (grad_input) grad_input[k] = static_cast<F>(-(g * et));
      if (grad_target) grad_target[k] = static_cast<F>(g * (et * (tv - xv + 1.0)));
    } else {
      const double lt = log_f64(tv);
      const double xlogy = tv != tv ? nan : (tv == 0.0 ? 0.0 : tv * lt);
      per[k] = xlogy - tv * xv;
      if (grad_input) grad_input[k] = static_cast<F>(-(g * tv));
      if (grad_target) {
        const double xlogy_self = tv != tv ? nan : ((tv == 0.0 || g_zero) ? 0.0 : g * lt);
        grad_target[k] = static_cast<F>(xlogy_self + g * tv / tv - g * xv);
      }
    }
  }
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
