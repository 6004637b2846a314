// Evaluators of the label-smoothing family (reference/label_smoothing.hpp).
// Each checks a case in its source's order and with its messages: the torch
// ops the source calls (scatter_add_, gather, nll_loss) and Python's own
// errors (ZeroDivisionError, IndexError) where the source divides by C or
// indexes a shape.
#pragma once

#include <cmath>
#include <optional>
#include <string>

#include "core/hexfloat.hpp"
#include "reference/evaluate.hpp"
#include "reference/label_smoothing.hpp"

namespace lossoracle::reference {

namespace label_smoothing_detail {

// Integer-valued entries, or the dtype error the torch index op raises.
inline std::vector<std::int64_t> integer_values(const LossCase& c, const Tensor& t, const std::string& op) {
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
inline void check_index_bounds(const LossCase& c, const Tensor& t, const std::vector<std::int64_t>& y,
                               std::int64_t dimension, std::int64_t size) {
  for (std::size_t k = 0; k < y.size(); ++k)
    if (y[k] < 0 || y[k] >= size)
      throw InputError("inputs.target", c.loss + ": index " + std::to_string(y[k]) + " is out of bounds for dimension " +
                                            std::to_string(dimension) + " with size " + std::to_string(size) +
                                            " (target" + index_text(t.shape, static_cast<std::int64_t>(k)) + ")");
}

inline void check_no_class_division_by_zero(const LossCase& c, std::int64_t divisor, const std::string& why) {
  if (divisor == 0)
    throw InputError(why == "num_classes" ? "params.num_classes" : "inputs.input",
                     c.loss + ": float division by zero (ZeroDivisionError: " + why + ")");
}

}  // namespace label_smoothing_detail

// smooth_labels(target, num_classes, eps): target.shape[0], then eps /
// num_classes, then torch.full((N, C)), then scatter_add_'s checks.
template <class T>
LossResult<T> eval_smooth_labels(const LossCase& c, const Inputs<T>&) {
  using namespace label_smoothing_detail;
  const Tensor& target = required(c, "target");
  if (target.shape.empty())
    throw InputError("inputs.target", c.loss + ": tuple index out of range (IndexError: target.shape[0] of a 0-dim target)");
  const std::int64_t C = c.params.integer("num_classes");
  check_no_class_division_by_zero(c, C, "num_classes");
  if (C < 0)
    throw InputError("params.num_classes", c.loss + ": Trying to create tensor with negative dimension " +
                                               std::to_string(C) + ": [" + std::to_string(target.shape[0]) + ", " +
                                               std::to_string(C) + "]");
  const auto y = integer_values(c, target, "scatter");
  if (target.shape.size() != 1)
    throw InputError("inputs.target", c.loss + ": Index tensor must have the same number of dimensions as self tensor "
                                               "(target must have shape (N), got " + shape_text(target.shape) + ")");
  check_index_bounds(c, target, y, 1, C);
  return smooth_labels<T>(y, C, c.params.real("eps"));
}

template <class T>
LossResult<T> eval_fastai_label_smoothing_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (in.shape.size() < 2)
    throw InputError("inputs.input", c.loss + ": tuple index out of range (IndexError: output.size()[1] of input "
                                              "shape " + shape_text(in.shape) + "; fastai needs (N, C, ...))");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  const auto y = class_indices(c, target, L, in.shape);
  check_class_weights(c, L);
  check_class_indices({c.loss, red, kNllDefaultIgnoreIndex}, L, y);
  check_grad_output(c, reduced_shape(red, L.position_shape));
  return fastai_label_smoothing_cross_entropy(red, L, v.at("input"), y, optional_values(v, "weight"),
                                              c.params.real("eps"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_issue11959_label_smoothing_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (in.shape.size() > 2)
    throw InputError("inputs.input", c.loss + ": input shape " + shape_text(in.shape) +
                                              " is not supported: log_softmax(dim=-1) and nll_loss's class dimension 1 "
                                              "differ beyond 2 dimensions (the oracle takes (C) or (N, C))");
  const ClassLayout L = class_layout(c.loss, in.shape);
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  const auto y = class_indices(c, target, L, in.shape);
  check_class_indices({c.loss, red, kNllDefaultIgnoreIndex}, L, y);
  check_grad_output(c, reduced_shape(red, L.position_shape));
  return issue11959_label_smoothing_cross_entropy(red, L, v.at("input"), y, c.params.real("eps"),
                                                  optional_values(v, "grad_output"));
}

// fairseq: target (...) is unsqueezed to (..., 1); gather checks dtype, rank,
// sizes, bounds; then epsilon / (C - 1) in Python.
template <class T>
LossResult<T> eval_label_smoothed_nll_loss(const LossCase& c, const Inputs<T>& v) {
  using namespace label_smoothing_detail;
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = last_axis_layout(c.loss, in.shape);
  const auto y = integer_values(c, target, "gather");
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
  check_index_bounds(c, target, y, static_cast<std::int64_t>(in.shape.size()) - 1, L.classes);
  check_no_class_division_by_zero(c, L.classes - 1, "epsilon / (lprobs.size(-1) - 1) with one class");
  std::optional<std::int64_t> ignore;
  if (c.params.has("ignore_index")) ignore = c.params.integer("ignore_index");
  const bool reduce_sum = c.params.boolean("reduce");
  Shape unreduced = L.position_shape;
  if (ignore) unreduced.push_back(1);
  check_grad_output(c, reduce_sum ? Shape{} : unreduced);
  return label_smoothed_nll_loss(L, v.at("input"), y, c.params.real("epsilon"), ignore, reduce_sum,
                                 optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
