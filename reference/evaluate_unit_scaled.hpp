// Evaluator of unit_scaling's cross entropy: the library's own checks first,
// in its order and with its messages (unit_scaling 0.3.5, confirmed by
// running it under torch 1.13.1), then F.cross_entropy's, then the template.
//   1. docs._validate: a non-default weight / label_smoothing   ValueError
//   2. the input's rank (assert len(input.shape) in (1, 2))      AssertionError
//   3. vocab_size / (vocab_size - 1) ** 0.5: V = 1 divides by 0  ZeroDivisionError;
//      V = 0 takes the square root of -1, a Python complex       TypeError
//   4. F.cross_entropy(..., reduction="sum")                     PyTorch's errors
//   5. assert reduction == "sum" after the mean branch           AssertionError (empty message)
//   6. 1 / batch_size with batch_size = 0 under mean             ZeroDivisionError
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference/evaluate.hpp"
#include "reference/unit_scaled.hpp"

namespace lossoracle::reference {

namespace unit_scaled_detail {

inline std::string unsupported(const std::string& arg) {
  return "Support for the '" + arg +
         "' argument has not been implemented for the unit-scaling library. Please remove it or replace it with its "
         "default value.";
}

// Python's repr of a torch.Size.
inline std::string torch_size(const Shape& s) {
  std::string t = "torch.Size([";
  for (std::size_t d = 0; d < s.size(); ++d) t += (d ? ", " : "") + std::to_string(s[d]);
  return t + "])";
}

}  // namespace unit_scaled_detail

template <class T>
LossResult<T> eval_unit_scaled_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  using namespace unit_scaled_detail;
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (c.find("weight")) throw InputError("inputs.weight", c.loss + ": " + unsupported("weight"));
  // _validate compares with `!=`: -0.0 passes, NaN does not.
  if (c.params.real("label_smoothing") != 0.0)
    throw InputError("params.label_smoothing", c.loss + ": " + unsupported("label_smoothing"));
  if (in.shape.size() != 1 && in.shape.size() != 2)
    throw InputError("inputs.input", c.loss + ": cross_entropy input shape is " + torch_size(in.shape) +
                                         ", but should be either (vocab_size,) or (batch_size, vocab_size)");
  const ClassLayout L = class_layout(c.loss, in.shape);
  if (L.classes == 1)
    throw InputError("inputs.input", c.loss + ": float division by zero (ZeroDivisionError in the backward scale "
                                              "vocab_size / (vocab_size - 1) ** 0.5 with vocab_size = 1)");
  if (L.classes == 0)
    throw InputError("inputs.input", c.loss + ": must be real number, not complex (TypeError: with vocab_size = 0 "
                                              "the backward scale 0 / (-1) ** 0.5 is a Python complex)");

  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  const UnitScaledOptions o{red, c.params.integer("ignore_index"), c.params.real("mult")};
  const std::vector<T>* g = optional_values(v, "grad_output");
  auto after_cross_entropy_checks = [&] {
    if (red == Reduction::none)
      throw InputError("params.reduction", c.loss + ": AssertionError (assert reduction == \"sum\", no message): "
                                                    "unit_scaling's cross_entropy supports only reduction 'mean' "
                                                    "and 'sum'");
    if (red == Reduction::mean && L.outer == 0)
      throw InputError("inputs.input", c.loss + ": division by zero (ZeroDivisionError: 1 / batch_size with "
                                                "batch_size = 0 under reduction 'mean')");
    check_grad_output(c, {});
  };
  if (target.shape == in.shape) {
    // Class probabilities, as F.cross_entropy decides.
    if (o.ignore_index >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
    after_cross_entropy_checks();
    return unit_scaled_cross_entropy(o, L, in.shape, v.at("input"), nullptr, &v.at("target"), g);
  }
  const auto y = class_indices(c, target, L, in.shape);
  IndexTargetOptions io{c.loss, Reduction::sum, o.ignore_index};
  check_class_indices(io, L, y);
  after_cross_entropy_checks();
  return unit_scaled_cross_entropy(o, L, in.shape, v.at("input"), &y, static_cast<const std::vector<T>*>(nullptr), g);
}

}  // namespace lossoracle::reference
