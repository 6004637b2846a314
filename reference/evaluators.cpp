// The oracle's entry points, one per loss of the registry: read a resolved
// case, check its inputs as the source library does, and evaluate the loss
// template in interval arithmetic. The only translation unit that
// instantiates the reference templates with Real.
#include "reference/evaluators.hpp"

#include <cmath>
#include <optional>

#include "reference/cross_entropy.hpp"
#include "reference/kl_div.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

namespace {

std::vector<Real> reals(const Tensor& t) { return std::vector<Real>(t.values.begin(), t.values.end()); }

const Tensor& required(const LossCase& c, const std::string& name) {
  const Tensor* t = c.find(name);
  if (!t) throw InputError("inputs." + name, c.loss + ": missing input '" + name + "'");
  if (element_count(t->shape) != static_cast<std::int64_t>(t->values.size()))
    throw InputError("inputs." + name, c.loss + ": input '" + name + "' has shape " + shape_text(t->shape) + " (" +
                                           std::to_string(element_count(t->shape)) + " elements) but " +
                                           std::to_string(t->values.size()) + " values");
  return *t;
}

std::optional<std::vector<Real>> class_weights(const LossCase& c, const ClassLayout& L) {
  const Tensor* w = c.find("weight");
  if (!w) return std::nullopt;
  required(c, "weight");
  if (w->shape.size() != 1 || w->shape[0] != L.classes)
    throw InputError("inputs.weight", c.loss + ": weight tensor should be defined either for all " +
                                          std::to_string(L.classes) + " classes or no classes but got weight tensor of shape: " +
                                          shape_text(w->shape));
  return reals(*w);
}

std::optional<std::vector<Real>> grad_output(const LossCase& c, const Shape& expected) {
  const Tensor* g = c.find("grad_output");
  if (!g) return std::nullopt;
  required(c, "grad_output");
  if (g->shape != expected)
    throw InputError("inputs.grad_output", c.loss + ": grad_output must have the output's shape " + shape_text(expected) +
                                               ", got " + shape_text(g->shape));
  return reals(*g);
}

const std::vector<Real>* ptr(const std::optional<std::vector<Real>>& v) { return v ? &*v : nullptr; }

Shape reduced_shape(Reduction r, const Shape& per_position) { return r == Reduction::none ? per_position : Shape{}; }

std::vector<std::int64_t> class_indices(const LossCase& c, const Tensor& target, const ClassLayout& L,
                                        const Shape& input_shape) {
  if (target.shape != L.position_shape)
    throw InputError("inputs.target",
                     c.loss + ": for input of shape " + shape_text(input_shape) + " the target must have shape " +
                         shape_text(L.position_shape) + " (class indices)" +
                         (c.loss == "cross_entropy" ? " or " + shape_text(input_shape) + " (class probabilities)" : "") +
                         ", got " + shape_text(target.shape));
  std::vector<std::int64_t> y(target.values.size());
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double v = target.values[k];
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
      throw InputError("inputs.target", c.loss + ": target" + index_text(target.shape, static_cast<std::int64_t>(k)) +
                                            " = " + std::to_string(v) + " is not an integer class index");
    y[k] = static_cast<std::int64_t>(v);
  }
  return y;
}

Evaluation pack(const LossResult<Real>& r, const Shape& input_shape, const Shape* target_shape, bool per_position) {
  Evaluation e;
  e.push_back({"loss", r.loss_shape, r.loss});
  if (per_position) e.push_back({"per_position", r.position_shape, r.per_position});
  e.push_back({"grad_input", input_shape, r.grad_input});
  if (target_shape && !r.grad_target.empty()) e.push_back({"grad_target", *target_shape, r.grad_target});
  return e;
}

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
  if (eps > 1.0)
    throw InputError("params.label_smoothing",
                     c.loss + ": label_smoothing must be between 0.0 and 1.0. Got: " + std::to_string(eps));
  const auto w = class_weights(c, L);
  const auto g = grad_output(c, reduced_shape(o.reduction, L.position_shape));
  if (target.shape == in.shape) {
    // Same shape as the input: class probabilities, as PyTorch decides.
    if (o.ignore_index >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
    return pack(cross_entropy_probs(o.reduction, L, reals(in), reals(target), ptr(w), eps, ptr(g)), in.shape,
                &target.shape, true);
  }
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
