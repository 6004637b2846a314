#include "checks/label_smoothing.hpp"

#include <cmath>
#include <string>

#include "core/hexfloat.hpp"

namespace lossoracle::checks {

namespace {

// Integer-valued entries, or the dtype error the torch index op raises.
std::vector<std::int64_t> integer_values(const LossCase& c, const Tensor& t, const std::string& op) {
  std::vector<std::int64_t> out(t.values.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    const double v = t.values[k];
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
      throw InputError("inputs.target", c.loss + ": " + op + "(): Expected dtype int64 for index (target" +
                                            index_text(t.shape, static_cast<std::int64_t>(k)) + " = " +
                                            shortest_decimal(v) + " is not an integer)");
    out[k] = static_cast<std::int64_t>(v);
  }
  return out;
}

// scatter_add_/gather's bounds check, first offending index in memory order.
void check_index_bounds(const LossCase& c, const Tensor& t, const std::vector<std::int64_t>& y,
                        std::int64_t dimension, std::int64_t size) {
  for (std::size_t k = 0; k < y.size(); ++k)
    if (y[k] < 0 || y[k] >= size)
      throw InputError("inputs.target", c.loss + ": index " + std::to_string(y[k]) + " is out of bounds for dimension " +
                                            std::to_string(dimension) + " with size " + std::to_string(size) +
                                            " (target" + index_text(t.shape, static_cast<std::int64_t>(k)) + ")");
}

void check_no_class_division_by_zero(const LossCase& c, std::int64_t divisor, const std::string& why) {
  if (divisor == 0)
    throw InputError(why == "num_classes" ? "params.num_classes" : "inputs.input",
                     c.loss + ": float division by zero (ZeroDivisionError: " + why + ")");
}

}  // namespace

SmoothLabelsArgs smooth_labels_args(const LossCase& c) {
  const Tensor& target = required(c, "target");
  if (target.shape.empty())
    throw InputError("inputs.target", c.loss + ": tuple index out of range (IndexError: target.shape[0] of a 0-dim target)");
  SmoothLabelsArgs a;
  a.classes = c.params.integer("num_classes");
  check_no_class_division_by_zero(c, a.classes, "num_classes");
  if (a.classes < 0)
    throw InputError("params.num_classes", c.loss + ": Trying to create tensor with negative dimension " +
                                               std::to_string(a.classes) + ": [" + std::to_string(target.shape[0]) +
                                               ", " + std::to_string(a.classes) + "]");
  a.y = integer_values(c, target, "scatter");
  if (target.shape.size() != 1)
    throw InputError("inputs.target", c.loss + ": Index tensor must have the same number of dimensions as self tensor "
                                               "(target must have shape (N), got " + shape_text(target.shape) + ")");
  check_index_bounds(c, target, a.y, 1, a.classes);
  return a;
}

ClassIndexArgs fastai_label_smoothing_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (in.shape.size() < 2)
    throw InputError("inputs.input", c.loss + ": tuple index out of range (IndexError: output.size()[1] of input "
                                              "shape " + shape_text(in.shape) + "; fastai needs (N, C, ...))");
  ClassIndexArgs a;
  a.layout = class_layout(c.loss, in.shape);
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  a.y = class_indices(c, target, a.layout, in.shape);
  check_class_weights(c, a.layout);
  check_class_indices(c.loss, a.layout, a.y, kNllDefaultIgnoreIndex);
  check_grad_output(c, reduced_shape(a.reduction, a.layout.position_shape));
  return a;
}

ClassIndexArgs issue11959_label_smoothing_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (in.shape.size() > 2)
    throw InputError("inputs.input", c.loss + ": input shape " + shape_text(in.shape) +
                                              " is not supported: log_softmax(dim=-1) and nll_loss's class dimension 1 "
                                              "differ beyond 2 dimensions (the oracle takes (C) or (N, C))");
  ClassIndexArgs a;
  a.layout = class_layout(c.loss, in.shape);
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  a.y = class_indices(c, target, a.layout, in.shape);
  check_class_indices(c.loss, a.layout, a.y, kNllDefaultIgnoreIndex);
  check_grad_output(c, reduced_shape(a.reduction, a.layout.position_shape));
  return a;
}

FairseqArgs label_smoothed_nll_loss_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  FairseqArgs a;
  a.layout = last_axis_layout(c.loss, in.shape);
  const ClassLayout& L = a.layout;
  a.y = integer_values(c, target, "gather");
  Shape with_one = L.position_shape;
  with_one.push_back(1);
  if (target.shape != L.position_shape && target.shape != with_one) {
    if (target.shape.size() != in.shape.size() && target.shape.size() + 1 != in.shape.size())
      throw InputError("inputs.target", c.loss + ": Index tensor must have the same number of dimensions as input tensor "
                                                 "(target " + shape_text(target.shape) + ", input " +
                                                 shape_text(in.shape) + ")");
    throw InputError("inputs.target", c.loss + ": target shape " + shape_text(target.shape) + " is neither " +
                                               shape_text(L.position_shape) + " nor " + shape_text(with_one) +
                                               " (gather would read another block; the oracle takes these two only)");
  }
  check_index_bounds(c, target, a.y, static_cast<std::int64_t>(in.shape.size()) - 1, L.classes);
  check_no_class_division_by_zero(c, L.classes - 1, "epsilon / (lprobs.size(-1) - 1) with one class");
  if (c.params.has("ignore_index")) a.ignore_index = c.params.integer("ignore_index");
  a.reduce_sum = c.params.boolean("reduce");
  Shape unreduced = L.position_shape;
  if (a.ignore_index) unreduced.push_back(1);
  check_grad_output(c, a.reduce_sum ? Shape{} : unreduced);
  return a;
}

}  // namespace lossoracle::checks
