#include "checks/soft_label.hpp"

#include <string>

namespace lossoracle::checks {

namespace {

// incendio raises InvalidArgumentError('Alpha must be non-negative.') (the
// packaged 0.14.0 never imports that name, so it raises NameError instead;
// docs/spec.md S6.1).
double alpha(const LossCase& c) {
  const double a = c.params.real("alpha");
  if (a < 0.0) throw InputError("params.alpha", c.loss + ": Alpha must be non-negative.");
  return a;
}

// incendio and F.l1_loss broadcast y_pred against y_true; the oracle takes
// equal shapes only.
void check_same_shape(const LossCase& c, const Tensor& input, const Tensor& target) {
  if (target.shape != input.shape)
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                          " must equal input shape " + shape_text(input.shape) +
                                          " (the oracle does not broadcast)");
}

// input and target, then the reduction along `last_axis` ? -1 : 0, then grad_output.
SoftLabelArgs pair_args(const LossCase& c, double a, bool last_axis) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  SoftLabelArgs r;
  r.alpha = a;
  r.layout = last_axis_layout(c.loss, in.shape);
  check_same_shape(c, in, target);
  r.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  const Shape& positions = r.layout.position_shape;
  r.axis = last_axis && !positions.empty() ? positions.size() - 1 : 0;
  if (r.reduction == Reduction::none || positions.empty()) {
    r.loss_shape = reduced_shape(r.reduction, positions);
  } else {
    r.loss_shape = positions;
    r.loss_shape.erase(r.loss_shape.begin() + static_cast<std::ptrdiff_t>(r.axis));
  }
  check_grad_output(c, r.loss_shape);
  return r;
}

}  // namespace

SmoothSoftLabelsArgs smooth_soft_labels_args(const LossCase& c) {
  SmoothSoftLabelsArgs r;
  r.alpha = alpha(c);
  const Tensor& in = required(c, "input");
  r.layout = last_axis_layout(c.loss, in.shape);
  check_grad_output(c, in.shape);
  return r;
}

SoftLabelArgs soft_label_cross_entropy_args(const LossCase& c) { return pair_args(c, alpha(c), false); }

SoftLabelArgs classification_mae_with_logits_args(const LossCase& c) { return pair_args(c, 0.0, true); }

}  // namespace lossoracle::checks
