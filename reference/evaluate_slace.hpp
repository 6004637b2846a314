// The evaluator of `slace` (dlordinal's SLACELoss): input checks in the
// order dlordinal's forward meets them, with PyTorch's messages where
// dlordinal raises one, and the oracle's own where dlordinal silently
// computes something else (negative targets, a weight of the wrong length).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "reference/evaluate.hpp"
#include "reference/slace.hpp"

namespace lossoracle::reference {

namespace ordinal_eval {

// Input (N, C): dlordinal's SLACELoss and the paper's losses are written for
// a batch of rows only.
inline ClassLayout batch_layout(const LossCase& c, const Tensor& in, bool softmax_first) {
  if (in.shape.size() != 2) {
    // F.softmax(input, dim=1) is the first thing dlordinal does with logits.
    const std::string torch = in.shape.size() == 1 && softmax_first
                                  ? "Dimension out of range (expected to be in range of [-1, 0], but got 1); "
                                  : "";
    throw InputError("inputs.input",
                     c.loss + ": " + torch + "input must have shape (N, C), got " + shape_text(in.shape));
  }
  return class_layout(c.loss, in.shape);
}

// Integral class indices, one per row; `column` also accepts (N, 1) as
// dlordinal does (target.view(-1)).
inline std::vector<std::int64_t> row_targets(const LossCase& c, const Tensor& target, std::int64_t N, bool column) {
  const bool flat = target.shape.size() == 1;
  const bool col = column && target.shape.size() == 2 && target.shape[1] == 1;
  if (!flat && !col)
    throw InputError("inputs.target", c.loss + ": target must have shape (N)" + (column ? std::string(" or (N, 1)") : "") +
                                          " with N = " + std::to_string(N) + ", got " + shape_text(target.shape));
  const std::int64_t M = target.shape[0];
  if (M != N) {
    // PyTorch's broadcasting message where dlordinal meets it; with a batch of
    // 1 on either side dlordinal broadcasts silently instead.
    const std::string torch = column && M != 1 && N != 1 ? "The size of tensor a (" + std::to_string(M) +
                                                                ") must match the size of tensor b (" +
                                                                std::to_string(N) + ") at non-singleton dimension 0; "
                                                          : "";
    throw InputError("inputs.target", c.loss + ": " + torch + "target has " + std::to_string(M) +
                                          " entries but the input has N = " + std::to_string(N) + " rows");
  }
  std::vector<std::int64_t> y(target.values.size());
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double v = target.values[k];
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
      throw InputError("inputs.target", c.loss + ": target" + index_text(target.shape, static_cast<std::int64_t>(k)) +
                                            " = " + shortest_decimal(v) + " is not an integer class index");
    y[k] = static_cast<std::int64_t>(v);
  }
  return y;
}

inline void check_row_grad_output(const LossCase& c, Reduction r, std::int64_t N) {
  check_grad_output(c, r == Reduction::none ? Shape{N} : Shape{});
}

}  // namespace ordinal_eval

template <class T>
LossResult<T> eval_slace(const LossCase& c, const Inputs<T>& v) {
  using namespace ordinal_eval;
  const Tensor& in = required(c, "input");
  SlaceOptions o;
  o.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  o.alpha = c.params.real("alpha");
  o.use_logits = c.params.boolean("use_logits");
  o.epsilon = c.params.real("epsilon");
  const ClassLayout L = batch_layout(c, in, o.use_logits);
  const std::int64_t N = L.outer, width = L.classes;
  std::int64_t C = c.params.integer("num_classes");
  if (C == -1) C = width;
  if (C < 0)
    throw InputError("params.num_classes", c.loss + ": num_classes must be a non-negative integer (or -1: the input's "
                                                    "width), got " + std::to_string(C));
  const Tensor& target = required(c, "target");
  const std::vector<std::int64_t> y = row_targets(c, target, N, true);
  // prox_dom[target] is the first indexing: PyTorch's bounds, which admit
  // -C <= y < 0 (negative indexing). dlordinal then measures soft-label
  // distances from y itself but takes the dominance row of class C + y.
  for (std::size_t k = 0; k < y.size(); ++k) {
    const std::string at = "target" + index_text(target.shape, static_cast<std::int64_t>(k));
    if (C == 0)
      throw InputError("inputs.target", c.loss + ": index is out of bounds for dimension with size 0 (" + at +
                                            " = " + std::to_string(y[k]) + "; num_classes is 0)");
    if (y[k] >= C || y[k] < -C)
      throw InputError("inputs.target", c.loss + ": index " + std::to_string(y[k]) +
                                            " is out of bounds for dimension 0 with size " + std::to_string(C) + " (" +
                                            at + ")");
    if (y[k] < 0)
      throw InputError("inputs.target",
                       c.loss + ": " + at + " = " + std::to_string(y[k]) +
                           " is negative; dlordinal accepts it silently (soft labels measured from " +
                           std::to_string(y[k]) + ", dominance row of class " + std::to_string(C + y[k]) +
                           "), the oracle requires 0 <= target < num_classes = " + std::to_string(C));
  }
  if (width != C)
    throw InputError("inputs.input", c.loss + ": Expected size for first two dimensions of batch2 tensor to be: [" +
                                         std::to_string(N) + ", " + std::to_string(C) + "] but got: [" +
                                         std::to_string(N) + ", " + std::to_string(width) + "].");
  if (const Tensor* w = c.find("weight")) {
    required(c, "weight");
    if (w->shape.size() != 1 || w->shape[0] != C) {
      const std::int64_t K = w->shape.empty() ? 0 : w->shape[0];
      for (std::int64_t t : y)
        if (t >= K)
          throw InputError("inputs.weight", c.loss + ": index " + std::to_string(t) +
                                                " is out of bounds for dimension 0 with size " + std::to_string(K) +
                                                " (weight has shape " + shape_text(w->shape) + ", num_classes is " +
                                                std::to_string(C) + ")");
      throw InputError("inputs.weight", c.loss + ": weight must have shape " + shape_text({C}) + ", got " +
                                            shape_text(w->shape) +
                                            " (dlordinal reads weight[target] without checking its length)");
    }
  }
  check_row_grad_output(c, o.reduction, N);
  return slace(o, L, v.at("input"), y, optional_values(v, "weight"), optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
