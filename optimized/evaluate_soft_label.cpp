// Drivers of the soft-label family (incendio 0.14.0's smooth_soft_labels,
// soft_label_cross_entropy_with_logits, soft_label_cross_entropy and seed
// 001's classification_mae_with_logits): the family's input checks in
// incendio's order with the reference evaluator's words
// (reference/evaluate_soft_label.hpp), then the row kernels of soft_label.hpp
// over threads (classes last: rows are contiguous), then incendio's
// reductions along one dimension of the per-position tensor, each output
// element summed in index order.
#include <cmath>
#include <cstdint>
#include <string>

#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

// The family's own checks, on validate.hpp's: written here because the
// shared checks/ library had not reached main when this tier was bound;
// they belong in checks/soft_label.hpp, called by the reference evaluator
// too. tests/optimized/errors_test.cpp and rejections_test.cpp hold them to
// the oracle's words. Order: alpha first (incendio's smooth_soft_labels runs
// before anything touches the tensors), then the input's rank, the target's
// shape, the reduction, grad_output.
namespace soft_label_checks {

// incendio raises InvalidArgumentError('Alpha must be non-negative.') (the
// packaged 0.14.0 never imports the name: NameError; docs/spec.md S6.1).
double alpha(const LossCase& c) {
  const double a = c.params.real("alpha");
  if (a < 0.0) throw InputError("params.alpha", c.loss + ": Alpha must be non-negative.");
  return a;
}

// Shape (d0, ..., C), classes last: a position indexes the leading dimensions.
ClassLayout last_axis_layout(const std::string& loss, const Shape& shape) {
  if (shape.empty())
    throw InputError("inputs.input", loss + ": input must have at least 1 dimension (classes last), got shape ()");
  ClassLayout L;
  L.unbatched = shape.size() == 1;
  L.classes = shape.back();
  L.position_shape.assign(shape.begin(), shape.end() - 1);
  L.outer = element_count(L.position_shape);
  return L;
}

// incendio and F.l1_loss broadcast; the oracle takes equal shapes only.
void check_same_shape(const LossCase& c, const Tensor& input, const Tensor& target) {
  if (target.shape != input.shape)
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                          " must equal input shape " + shape_text(input.shape) +
                                          " (the oracle does not broadcast)");
}

}  // namespace soft_label_checks

// Tensor.sum(axis) / Tensor.mean(axis) of the per-position tensor: incendio's
// res.sum(0) for the cross entropies, the notebook's .sum(-1) for the MAE. A
// 0-dim per-position tensor (input (C)) reduces to itself, undivided.
struct AxisReduction {
  Reduction reduction;
  bool keeps;                 // none, or nothing to reduce: one cotangent per position
  Shape shape;                // of the loss, and of grad_output
  std::int64_t extent = 1, inner = 1;

  AxisReduction(Reduction r, const Shape& positions, std::size_t axis)
      : reduction(r), keeps(r == Reduction::none || positions.empty()) {
    if (keeps) {
      shape = r == Reduction::none ? positions : Shape{};
      return;
    }
    extent = positions[axis];
    for (std::size_t d = axis + 1; d < positions.size(); ++d) inner *= positions[d];
    shape = positions;
    shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(axis));
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
  const double alpha = soft_label_checks::alpha(c);
  const Tensor& in = required(c, "input");
  const ClassLayout L = soft_label_checks::last_axis_layout(c.loss, in.shape);
  check_grad_output(c, in.shape);
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
  const double alpha = K == Kind::mae ? 0.0 : soft_label_checks::alpha(c);
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = soft_label_checks::last_axis_layout(c.loss, in.shape);
  soft_label_checks::check_same_shape(c, in, target);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  const Shape& positions = L.position_shape;
  const AxisReduction along(red, positions, K == Kind::mae && !positions.empty() ? positions.size() - 1 : 0);
  check_grad_output(c, along.shape);

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
