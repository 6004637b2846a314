// The oracle's entry points for the cross-entropy family: log_softmax,
// softmax, entropy, nll_loss, cross_entropy, kl_div. Instantiates their
// templates with Real; the registry (core/registry.cpp) lists them.
#include <cmath>
#include <optional>

#include "reference/cross_entropy.hpp"
#include "reference/evaluator_support.hpp"
#include "reference/evaluators.hpp"
#include "reference/kl_div.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

namespace {

Evaluation eval_softmax_like(const LossCase& c, bool log) {
  const Tensor& in = required(c, "input");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const auto g = grad_output(c, in.shape);
  const LossResult<Real> r = log ? log_softmax(L, in.shape, reals(in), ptr(g)) : softmax(L, in.shape, reals(in), ptr(g));
  return pack(r, in.shape, nullptr, false);
}

IndexTargetOptions index_options(const LossCase& c) {
  return {c.loss, parse_reduction(c.loss, c.params.text("reduction"), false), c.params.integer("ignore_index")};
}

}  // namespace

Evaluation eval_log_softmax(const LossCase& c) { return eval_softmax_like(c, true); }
Evaluation eval_softmax(const LossCase& c) { return eval_softmax_like(c, false); }

Evaluation eval_entropy(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  const auto g = grad_output(c, reduced_shape(red, L.position_shape));
  return pack(entropy(L, reals(in), red, ptr(g)), in.shape, nullptr, true);
}

Evaluation eval_nll_loss(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const IndexTargetOptions o = index_options(c);
  const auto y = class_indices(c, target, L, in.shape);
  const auto w = class_weights(c, L);
  const auto g = grad_output(c, reduced_shape(o.reduction, L.position_shape));
  return pack(nll_loss(o, L, reals(in), y, ptr(w), ptr(g)), in.shape, nullptr, true);
}

Evaluation eval_cross_entropy(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const IndexTargetOptions o = index_options(c);
  const double eps = c.params.real("label_smoothing");
  // PyTorch's order of checks: probabilities: ignore_index, weight, eps;
  // class indices: eps first, then nll_loss's own checks.
  auto check_eps = [&] {
    if (eps > 1.0)
      throw InputError("params.label_smoothing",
                       c.loss + ": label_smoothing must be between 0.0 and 1.0. Got: " + std::to_string(eps));
  };
  const auto g = grad_output(c, reduced_shape(o.reduction, L.position_shape));
  if (target.shape == in.shape) {
    // Same shape as the input: class probabilities, as PyTorch decides.
    if (o.ignore_index >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
    const auto w = class_weights(c, L);
    check_eps();
    return pack(cross_entropy_probs(o.reduction, L, reals(in), reals(target), ptr(w), eps, ptr(g)), in.shape,
                &target.shape, true);
  }
  check_eps();
  const auto w = class_weights(c, L);
  const auto y = class_indices(c, target, L, in.shape);
  return pack(cross_entropy_index(o, L, reals(in), y, ptr(w), eps, ptr(g)), in.shape, nullptr, true);
}

Evaluation eval_kl_div(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (target.shape != in.shape)
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                          " must equal input shape " + shape_text(in.shape) +
                                          " (the oracle does not broadcast)");
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), true);
  const auto g = grad_output(c, reduced_shape(red, in.shape));
  const LossResult<Real> r = kl_div(red, c.params.boolean("log_target"), in.shape, reals(in), reals(target), ptr(g));
  return pack(r, in.shape, &target.shape, true);
}

}  // namespace lossoracle::reference
