// The driver of `slace` (dlordinal's SLACELoss): the shared checks
// (checks/slace.hpp), then one O(C) row kernel per sample over threads.
#include <cmath>

#include "checks/slace.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

template <class F>
Outputs slace(const LossCase& c) {
  const checks::SlaceArgs a = checks::slace_args(c);
  const Tensor& in = *c.find("input");
  const Reduction red = a.reduction;
  const std::int64_t N = a.layout.outer, C = a.classes;
  const std::vector<std::int64_t>& y = a.y;
  const double alpha = a.alpha, eps = a.epsilon;
  const bool use_logits = a.use_logits;

  const std::vector<F> x = values_as<F>(in), w = optional_values<F>(c, "weight"), go = optional_values<F>(c, "grad_output");
  std::vector<double> per(N, 0.0);
  std::vector<F> grad(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(N, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      double g = go.empty() ? 1.0 : static_cast<double>(go[red == Reduction::none ? n : 0]);
      if (red == Reduction::mean) g /= static_cast<double>(N);
      const double wy = w.empty() ? 1.0 : static_cast<double>(w[y[n]]);
      per[n] = k.slace_row(x.data() + n * C, C, y[n], alpha, eps, use_logits, wy, g, grad.data() + n * C);
    }
  });
  Outputs o;
  push_loss_and_per_position<F>(o, red, {N}, per, static_cast<double>(N));
  o.push_back(output<F>("grad_input", in.shape, grad));
  return o;
}

}  // namespace

FamilyFn slace_fn(Precision p) { return p == Precision::f32 ? slace<float> : slace<double>; }

}  // namespace lossoracle::optimized
