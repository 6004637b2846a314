#include "cuda/problem.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/hexfloat.hpp"

namespace lossoracle::cuda {

namespace {

std::string sizes_text(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

const Tensor& required(const LossCase& c, const std::string& name) {
  const Tensor* t = c.find(name);
  if (!t) throw InputError("inputs." + name, c.loss + ": missing input '" + name + "'");
  if (element_count(t->shape) != static_cast<std::int64_t>(t->values.size()))
    throw InputError("inputs." + name, c.loss + ": input '" + name + "' has shape " + shape_text(t->shape) + " (" +
                                           std::to_string(element_count(t->shape)) + " elements) but " +
                                           std::to_string(t->values.size()) + " values");
  return *t;
}

Reduction reduction_of(const LossCase& c, bool batchmean_allowed) {
  const std::string& text = c.params.text("reduction");
  if (text == "none") return Reduction::none;
  if (text == "sum") return Reduction::sum;
  if (text == "mean") return Reduction::mean;
  if (text == "batchmean" && batchmean_allowed) return Reduction::batchmean;
  throw InputError("params.reduction", c.loss + ": " + text + " is not a valid value for reduction (expected " +
                                           (batchmean_allowed ? "none, sum, mean or batchmean)" : "none, sum or mean)"));
}

void set_class_layout(Problem& p, const Shape& input) {
  if (input.empty())
    throw InputError("inputs.input", p.loss + ": input must have at least 1 dimension (C), got shape ()");
  for (std::int64_t d : input)
    if (d < 0) throw InputError("inputs.input", p.loss + ": negative extent in input shape " + shape_text(input));
  p.input_shape = input;
  if (input.size() == 1) {
    p.classes = input[0];
    return;
  }
  p.outer = input[0];
  p.classes = input[1];
  p.position_shape.push_back(input[0]);
  for (std::size_t d = 2; d < input.size(); ++d) {
    p.inner *= input[d];
    p.position_shape.push_back(input[d]);
  }
}

void check_weight(const LossCase& c, const Problem& p) {
  const Tensor* w = c.find("weight");
  if (!w) return;
  required(c, "weight");
  if (w->shape.size() != 1 || w->shape[0] != p.classes)
    throw InputError("inputs.weight", c.loss + ": weight tensor should be defined either for all " +
                                          std::to_string(p.classes) +
                                          " classes or no classes but got weight tensor of shape: " +
                                          sizes_text(w->shape));
}

void check_grad_output(const LossCase& c, const Shape& expected) {
  const Tensor* g = c.find("grad_output");
  if (!g) return;
  required(c, "grad_output");
  if (g->shape != expected)
    throw InputError("inputs.grad_output", c.loss + ": grad_output must have the output's shape " +
                                               shape_text(expected) + ", got " + shape_text(g->shape));
}

std::string torch_target_shape_message(const Shape& input, const Shape& target) {
  if (input.size() == 1)
    return "Expected target to be 0D when input is 1D, but got target.dim =" + std::to_string(target.size());
  if (input.size() == 2) {
    if (target.size() > 1) return "0D or 1D target tensor expected, multi-target not supported";
    return "Expected input batch_size (" + std::to_string(input[0]) + ") to match target batch_size (" +
           std::to_string(target.empty() ? 1 : target[0]) + ").";
  }
  Shape expected{input[0]};
  expected.insert(expected.end(), input.begin() + 2, input.end());
  return "Expected target size " + sizes_text(expected) + ", got " + sizes_text(target);
}

void check_class_indices(const LossCase& c, const Problem& p, const Tensor& target) {
  if (target.shape != p.position_shape)
    throw InputError("inputs.target",
                     c.loss + ": " + torch_target_shape_message(p.input_shape, target.shape) + " (for input of shape " +
                         shape_text(p.input_shape) + " the target must have shape " + shape_text(p.position_shape) +
                         " (class indices)" +
                         (c.loss == "cross_entropy" ? " or " + shape_text(p.input_shape) + " (class probabilities)" : "") +
                         ", got " + shape_text(target.shape) + ")");
  for (std::size_t k = 0; k < target.values.size(); ++k) {
    const double v = target.values[k];
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
      throw InputError("inputs.target", c.loss + ": target" + index_text(target.shape, static_cast<std::int64_t>(k)) +
                                            " = " + shortest_decimal(v) + " is not an integer class index");
  }
}

}  // namespace

Shape Problem::loss_shape() const {
  if (kind == Kind::log_softmax || kind == Kind::softmax) return input_shape;
  return reduction == Reduction::none ? position_shape : Shape{};
}

const std::vector<std::string>& cuda_loss_names() {
  static const std::vector<std::string> names{"log_softmax", "softmax", "nll_loss", "cross_entropy", "kl_div"};
  return names;
}

std::string index_text(const Shape& shape, std::int64_t flat) {
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_text(idx);
}

std::string target_out_of_range_message(const Problem& p, std::int64_t position, std::int64_t target) {
  return p.loss + ": Target " + std::to_string(target) + " is out of bounds. (target" +
         index_text(p.position_shape, position) + "; valid class indices are 0.." + std::to_string(p.classes - 1) +
         ", or ignore_index " + std::to_string(p.ignore_index) + ")";
}

Problem problem_from_case(const LossCase& c) {
  Problem p;
  p.loss = c.loss;
  const Tensor& in = required(c, "input");
  p.has_grad_output = c.find("grad_output") != nullptr;
  if (c.loss == "log_softmax" || c.loss == "softmax") {
    p.kind = c.loss == "softmax" ? Kind::softmax : Kind::log_softmax;
    set_class_layout(p, in.shape);
    check_grad_output(c, in.shape);
    return p;
  }
  if (c.loss == "kl_div") {
    p.kind = Kind::kl_div;
    const Tensor& target = required(c, "target");
    if (target.shape != in.shape)
      throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) +
                                            " must equal input shape " + shape_text(in.shape) +
                                            " (the oracle does not broadcast)");
    p.reduction = reduction_of(c, true);
    p.log_target = c.params.boolean("log_target");
    p.input_shape = in.shape;
    p.position_shape = in.shape;
    // Elementwise: one "row" per element, a class count of 1.
    p.outer = element_count(in.shape);
    p.classes = 1;
    check_grad_output(c, p.loss_shape());
    return p;
  }
  if (c.loss != "nll_loss" && c.loss != "cross_entropy")
    throw InputError("loss", c.loss + ": not implemented by the CUDA tier (it computes log_softmax, softmax, "
                                      "nll_loss, cross_entropy and kl_div)");
  const Tensor& target = required(c, "target");
  set_class_layout(p, in.shape);
  p.reduction = reduction_of(c, false);
  p.ignore_index = c.params.integer("ignore_index");
  p.has_weight = c.find("weight") != nullptr;
  if (c.loss == "nll_loss") {
    p.kind = Kind::nll_loss;
    check_class_indices(c, p, target);
    check_weight(c, p);
    check_grad_output(c, p.loss_shape());
    return p;
  }
  check_grad_output(c, p.loss_shape());
  p.label_smoothing = c.params.real("label_smoothing");
  auto check_eps = [&] {
    if (p.label_smoothing > 1.0)
      throw InputError("params.label_smoothing", c.loss + ": label_smoothing must be between 0.0 and 1.0. Got: " +
                                                     shortest_decimal(p.label_smoothing));
  };
  if (target.shape == in.shape) {
    p.kind = Kind::cross_entropy_probs;
    if (p.ignore_index >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
    check_weight(c, p);
    check_eps();
    return p;
  }
  p.kind = Kind::cross_entropy_index;
  check_eps();
  check_weight(c, p);
  check_class_indices(c, p, target);
  return p;
}

}  // namespace lossoracle::cuda
