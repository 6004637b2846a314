#include "checks/cross_entropy.hpp"

#include "core/hexfloat.hpp"

namespace lossoracle::checks {

ClassLayout softmax_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const ClassLayout L = class_layout(c.loss, in.shape);
  check_grad_output(c, in.shape);
  return L;
}

EntropyArgs entropy_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  EntropyArgs a;
  a.layout = class_layout(c.loss, in.shape);
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, reduced_shape(a.reduction, a.layout.position_shape));
  return a;
}

CrossEntropyArgs nll_loss_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  CrossEntropyArgs a;
  a.layout = class_layout(c.loss, in.shape);
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  a.ignore_index = c.params.integer("ignore_index");
  a.y = class_indices(c, target, a.layout, in.shape);
  check_class_weights(c, a.layout);
  check_grad_output(c, reduced_shape(a.reduction, a.layout.position_shape));
  return a;
}

CrossEntropyArgs cross_entropy_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  CrossEntropyArgs a;
  a.layout = class_layout(c.loss, in.shape);
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  a.ignore_index = c.params.integer("ignore_index");
  a.label_smoothing = c.params.real("label_smoothing");
  // PyTorch's order of checks: probabilities: ignore_index, weight, eps;
  // class indices: eps first, then nll_loss's own checks.
  auto check_eps = [&] {
    if (a.label_smoothing > 1.0)
      throw InputError("params.label_smoothing", c.loss + ": label_smoothing must be between 0.0 and 1.0. Got: " +
                                                     shortest_decimal(a.label_smoothing));
  };
  check_grad_output(c, reduced_shape(a.reduction, a.layout.position_shape));
  a.probabilities = target.shape == in.shape;
  if (a.probabilities) {
    if (a.ignore_index >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
    check_class_weights(c, a.layout);
    check_eps();
    return a;
  }
  check_eps();
  check_class_weights(c, a.layout);
  a.y = class_indices(c, target, a.layout, in.shape);
  return a;
}

KlDivArgs kl_div_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (target.shape != in.shape)
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                          " must equal input shape " + shape_text(in.shape) +
                                          " (the oracle does not broadcast)");
  KlDivArgs a;
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), true);
  a.log_target = c.params.boolean("log_target");
  check_grad_output(c, reduced_shape(a.reduction, in.shape));
  return a;
}

}  // namespace lossoracle::checks
