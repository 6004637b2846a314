// The drivers of the SLACE paper's ordinal losses (sord, oll, acc_loss,
// slace_prox): the shared checks (checks/ordinal.hpp), the per-class data of
// every class that occurs as a target, built once each, then one O(C) row
// kernel per sample over threads and the reduction in index order.
#include <cmath>
#include <cstdint>
#include <vector>

#include "checks/ordinal.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

checks::OrdinalArgs read(const LossCase& c, OrdinalLoss loss) {
  return checks::ordinal_args(c, loss != OrdinalLoss::acc_loss,
                              loss == OrdinalLoss::slace_prox ? checks::Closeness::counts : checks::Closeness::distance);
}

template <class F, OrdinalLoss Loss>
Outputs ordinal(const LossCase& c) {
  const checks::OrdinalArgs k = read(c, Loss);
  const std::int64_t N = k.layout.outer, C = k.layout.classes;
  const Kernels<F>& kern = kernels_for<F>(kernel_table());

  // Each class that occurs as a target, once.
  std::vector<std::int64_t> classes;
  std::vector<char> seen(C, 0);
  for (std::int64_t t : k.y)
    if (!seen[t]) seen[t] = 1, classes.push_back(t);
  std::vector<OrdinalTarget> targets(C);
  OrdinalCloseness src;
  src.distance = k.distance.empty() ? nullptr : k.distance.data();
  src.counts = k.counts.empty() ? nullptr : k.counts.data();
  src.prox_base = k.prox_base;
  parallel_for(static_cast<std::int64_t>(classes.size()), 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) kern.ordinal_target(Loss, src, C, classes[i], k.alpha, targets[classes[i]]);
  });

  const auto row = Loss == OrdinalLoss::sord  ? kern.sord_row
                   : Loss == OrdinalLoss::oll ? kern.oll_row
                                              : kern.accumulating_row;
  const std::vector<F> x = values_as<F>(required(c, "input")), go = optional_values<F>(c, "grad_output");
  std::vector<double> per(N, 0.0);
  std::vector<F> grad(x.size());
  parallel_for(N, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      double g = go.empty() ? 1.0 : static_cast<double>(go[k.reduction == Reduction::none ? n : 0]);
      if (k.reduction == Reduction::mean) g /= static_cast<double>(N);
      per[n] = row(x.data() + n * C, C, targets[k.y[n]], k.use_logits, k.base, g, grad.data() + n * C);
    }
  });
  Outputs o;
  push_loss_and_per_position<F>(o, k.reduction, {N}, per, static_cast<double>(N));
  o.push_back(output<F>("grad_input", {N, C}, grad));
  return o;
}

template <OrdinalLoss Loss>
FamilyFn ordinal_fn(Precision p) {
  return p == Precision::f32 ? ordinal<float, Loss> : ordinal<double, Loss>;
}

}  // namespace

FamilyFn sord_fn(Precision p) { return ordinal_fn<OrdinalLoss::sord>(p); }
FamilyFn oll_fn(Precision p) { return ordinal_fn<OrdinalLoss::oll>(p); }
FamilyFn acc_loss_fn(Precision p) { return ordinal_fn<OrdinalLoss::acc_loss>(p); }
FamilyFn slace_prox_fn(Precision p) { return ordinal_fn<OrdinalLoss::slace_prox>(p); }

}  // namespace lossoracle::optimized
