// Evaluators of the soft-label family (reference/soft_label.hpp): each checks
// a case in incendio's order (alpha before anything touches the tensors) and
// with its messages, then runs the template.
#pragma once

#include "reference/evaluate.hpp"
#include "reference/soft_label.hpp"

namespace lossoracle::reference {

namespace soft_label_detail {

// incendio raises InvalidArgumentError('Alpha must be non-negative.') (the
// packaged 0.14.0 never imports that name, so it raises NameError instead).
inline double alpha(const LossCase& c) {
  const double a = c.params.real("alpha");
  if (a < 0.0) throw InputError("params.alpha", c.loss + ": Alpha must be non-negative.");
  return a;
}

// incendio and F.l1_loss broadcast y_pred against y_true; the oracle takes
// equal shapes only.
inline void check_same_shape(const LossCase& c, const Tensor& input, const Tensor& target) {
  if (target.shape != input.shape)
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                          " must equal input shape " + shape_text(input.shape) +
                                          " (the oracle does not broadcast)");
}

}  // namespace soft_label_detail

template <class T>
LossResult<T> eval_smooth_soft_labels(const LossCase& c, const Inputs<T>& v) {
  const double alpha = soft_label_detail::alpha(c);
  const Tensor& in = required(c, "input");
  const ClassLayout L = last_axis_layout(c.loss, in.shape);
  check_grad_output(c, in.shape);
  return smooth_soft_labels(L, in.shape, v.at("input"), alpha, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_soft_label_cross_entropy_with_logits(const LossCase& c, const Inputs<T>& v) {
  const double alpha = soft_label_detail::alpha(c);
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = last_axis_layout(c.loss, in.shape);
  soft_label_detail::check_same_shape(c, in, target);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, red == Reduction::none || L.position_shape.empty()
                           ? L.position_shape
                           : Shape(L.position_shape.begin() + 1, L.position_shape.end()));
  return soft_label_cross_entropy_with_logits(red, L, v.at("input"), v.at("target"), alpha,
                                              optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_soft_label_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const double alpha = soft_label_detail::alpha(c);
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = last_axis_layout(c.loss, in.shape);
  soft_label_detail::check_same_shape(c, in, target);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, red == Reduction::none || L.position_shape.empty()
                           ? L.position_shape
                           : Shape(L.position_shape.begin() + 1, L.position_shape.end()));
  return soft_label_cross_entropy(red, L, v.at("input"), v.at("target"), alpha, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_classification_mae_with_logits(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = last_axis_layout(c.loss, in.shape);
  soft_label_detail::check_same_shape(c, in, target);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, red == Reduction::none || L.position_shape.empty()
                           ? L.position_shape
                           : Shape(L.position_shape.begin(), L.position_shape.end() - 1));
  return classification_mae_with_logits(red, L, v.at("input"), v.at("target"), optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
