// Evaluators of the cross-entropy family (log_softmax, softmax, entropy,
// nll_loss, cross_entropy, kl_div): each checks a case's inputs in PyTorch's
// order and with its messages, then runs the family's template.
#pragma once

#include "core/hexfloat.hpp"
#include "reference/cross_entropy.hpp"
#include "reference/evaluate.hpp"
#include "reference/kl_div.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

namespace detail {
inline IndexTargetOptions index_options(const LossCase& c) {
  return {c.loss, parse_reduction(c.loss, c.params.text("reduction"), false), c.params.integer("ignore_index")};
}
}  // namespace detail

template <class T>
LossResult<T> eval_log_softmax(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const ClassLayout L = class_layout(c.loss, in.shape);
  check_grad_output(c, in.shape);
  return log_softmax(L, in.shape, v.at("input"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_softmax(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const ClassLayout L = class_layout(c.loss, in.shape);
  check_grad_output(c, in.shape);
  return softmax(L, in.shape, v.at("input"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_entropy(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, reduced_shape(red, L.position_shape));
  return entropy(L, v.at("input"), red, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_nll_loss(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const IndexTargetOptions o = detail::index_options(c);
  const auto y = class_indices(c, target, L, in.shape);
  check_class_weights(c, L);
  check_grad_output(c, reduced_shape(o.reduction, L.position_shape));
  return nll_loss(o, L, v.at("input"), y, optional_values(v, "weight"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const IndexTargetOptions o = detail::index_options(c);
  const double eps = c.params.real("label_smoothing");
  // PyTorch's order of checks: probabilities: ignore_index, weight, eps;
  // class indices: eps first, then nll_loss's own checks.
  auto check_eps = [&] {
    if (eps > 1.0)
      throw InputError("params.label_smoothing",
                       c.loss + ": label_smoothing must be between 0.0 and 1.0. Got: " + shortest_decimal(eps));
  };
  check_grad_output(c, reduced_shape(o.reduction, L.position_shape));
  const std::vector<T>* w = optional_values(v, "weight");
  const std::vector<T>* g = optional_values(v, "grad_output");
  if (target.shape == in.shape) {
    // Same shape as the input: class probabilities, as PyTorch decides.
    if (o.ignore_index >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
    check_class_weights(c, L);
    check_eps();
    return cross_entropy_probs(o.reduction, L, v.at("input"), v.at("target"), w, eps, g);
  }
  check_eps();
  check_class_weights(c, L);
  const auto y = class_indices(c, target, L, in.shape);
  return cross_entropy_index(o, L, v.at("input"), y, w, eps, g);
}

template <class T>
LossResult<T> eval_kl_div(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (target.shape != in.shape)
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                          " must equal input shape " + shape_text(in.shape) +
                                          " (the oracle does not broadcast)");
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), true);
  check_grad_output(c, reduced_shape(red, in.shape));
  return kl_div(red, c.params.boolean("log_target"), in.shape, v.at("input"), v.at("target"),
                optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
