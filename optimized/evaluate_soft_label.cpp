// Drivers of the soft-label family (incendio 0.14.0's smooth_soft_labels,
// soft_label_cross_entropy_with_logits, soft_label_cross_entropy and seed
// 001's classification_mae_with_logits): the shared checks
// (checks/soft_label.hpp: incendio's order and words), then the row kernels
// of soft_label.hpp over threads (classes last: rows are contiguous), then incendio's
// reductions along one dimension of the per-position tensor, each output
// element summed in index order.
#include <cmath>
#include <cstdint>
#include <string>

#include "checks/soft_label.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

// Tensor.sum(axis) / Tensor.mean(axis) of the per-position tensor: incendio's
// res.sum(0) for the cross entropies, the notebook's .sum(-1) for the MAE. A
// 0-dim per-position tensor (input (C)) reduces to itself, undivided.
struct AxisReduction {
  Reduction reduction;
  bool keeps;                 // none, or nothing to reduce: one cotangent per position
  Shape shape;                // of the loss, and of grad_output
  std::int64_t extent = 1, inner = 1;

  explicit AxisReduction(const checks::SoftLabelArgs& a)
      : reduction(a.reduction), keeps(a.reduction == Reduction::none || a.layout.position_shape.empty()),
        shape(a.loss_shape) {
    if (keeps) return;
    const Shape& positions = a.layout.position_shape;
    extent = positions[a.axis];
    for (std::size_t d = a.axis + 1; d < positions.size(); ++d) inner *= positions[d];
  }
  std::int64_t slot(std::int64_t position) const {
    return keeps ? position : (position / (extent * inner)) * inner + position % inner;
  }
  template <class F>
  double cotangent(const std::vector<F>& go, std::int64_t position) const {
    const double g = go.empty() ? 1.0 : static_cast<double>(go[slot(position)]);
    return !keeps && reduction == Reduction::mean ? g / static_cast<double>(extent) : g;
  }
  // Each loss element sums its positions in index order (Neumaier), and
  // their low parts where the rows give them (per_lo, else empty); mean
  // divides once: mean over an empty dimension is 0/0 = NaN, as in PyTorch.
  std::vector<double> loss(const std::vector<double>& per, const std::vector<double>& per_lo) const {
    if (keeps) return per;
    std::vector<double> out(static_cast<std::size_t>(element_count(shape)));
    std::vector<double> terms(static_cast<std::size_t>(extent)), lows(per_lo.empty() ? 0 : terms.size());
    for (std::size_t o = 0; o < out.size(); ++o) {
      const std::int64_t base =
          (static_cast<std::int64_t>(o) / inner) * extent * inner + static_cast<std::int64_t>(o) % inner;
      for (std::int64_t k = 0; k < extent; ++k) terms[k] = per[base + k * inner];
      for (std::int64_t k = 0; k < static_cast<std::int64_t>(lows.size()); ++k) lows[k] = per_lo[base + k * inner];
      out[o] = ordered_sum(terms);
      if (!lows.empty() && std::isfinite(out[o])) out[o] += ordered_sum(lows);
      if (reduction == Reduction::mean) out[o] /= static_cast<double>(extent);
    }
    return out;
  }
};

template <class F>
Outputs smooth_soft_labels(const LossCase& c) {
  const checks::SmoothSoftLabelsArgs a = checks::smooth_soft_labels_args(c);
  const double alpha = a.alpha;
  const ClassLayout& L = a.layout;
  const Tensor& in = c.inputs.at("input");
  const std::vector<F> y = values_as<F>(in), go = optional_values<F>(c, "grad_output");
  std::vector<F> out(y.size()), grad(y.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  const std::int64_t C = L.classes;
  parallel_for(C == 0 ? 0 : L.positions(), row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos)
      k.smooth_soft_labels_row(y.data() + pos * C, go.empty() ? nullptr : go.data() + pos * C, C, alpha,
                               out.data() + pos * C, grad.data() + pos * C);
  });
  return {output<F>("loss", in.shape, out), output<F>("grad_input", in.shape, grad)};
}

enum class Kind { logits, probabilities, mae };

template <class F, Kind K>
Outputs soft_label_loss(const LossCase& c) {
  const checks::SoftLabelArgs a =
      K == Kind::mae ? checks::classification_mae_with_logits_args(c) : checks::soft_label_cross_entropy_args(c);
  const double alpha = a.alpha;
  const ClassLayout& L = a.layout;
  const Shape& positions = L.position_shape;
  const AxisReduction along(a);
  const Tensor &in = c.inputs.at("input"), &target = c.inputs.at("target");

  const std::vector<F> x = values_as<F>(in), y = values_as<F>(target), go = optional_values<F>(c, "grad_output");
  const std::int64_t P = L.positions(), C = L.classes;
  std::vector<double> per(static_cast<std::size_t>(P)), per_lo(K == Kind::probabilities ? per.size() : 0);
  std::vector<F> grad_input(x.size()), grad_target(y.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(P, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      const double s = along.cotangent(go, pos);
      const F *xr = x.data() + pos * C, *yr = y.data() + pos * C;
      F *gi = grad_input.data() + pos * C, *gt = grad_target.data() + pos * C;
      if constexpr (K == Kind::logits) per[pos] = k.soft_ce_logits_row(xr, yr, C, alpha, s, gi, gt);
      else if constexpr (K == Kind::probabilities)
        per[pos] = k.soft_ce_probs_row(xr, yr, C, alpha, s, gi, gt, &per_lo[pos]);
      else per[pos] = k.mae_logits_row(xr, yr, C, s, gi, gt);
    }
  });
  return {rounded_output<F>("loss", along.shape, along.loss(per, per_lo)),
          rounded_output<F>("per_position", positions, per), output<F>("grad_input", in.shape, grad_input),
          output<F>("grad_target", in.shape, grad_target)};
}

}  // namespace

FamilyFn smooth_soft_labels_fn(Precision p) {
  return p == Precision::f32 ? smooth_soft_labels<float> : smooth_soft_labels<double>;
}
FamilyFn soft_label_cross_entropy_with_logits_fn(Precision p) {
  return p == Precision::f32 ? soft_label_loss<float, Kind::logits> : soft_label_loss<double, Kind::logits>;
}
FamilyFn soft_label_cross_entropy_fn(Precision p) {
  return p == Precision::f32 ? soft_label_loss<float, Kind::probabilities>
                             : soft_label_loss<double, Kind::probabilities>;
}
FamilyFn classification_mae_with_logits_fn(Precision p) {
  return p == Precision::f32 ? soft_label_loss<float, Kind::mae> : soft_label_loss<double, Kind::mae>;
}

}  // namespace lossoracle::optimized
