#include "checks/unit_scaled.hpp"

#include <string>

namespace lossoracle::checks {

namespace {

std::string unsupported(const std::string& arg) {
  return "Support for the '" + arg +
         "' argument has not been implemented for the unit-scaling library. Please remove it or replace it with its "
         "default value.";
}

std::string torch_size(const Shape& s) {  // Python's repr of a torch.Size
  std::string t = "torch.Size([";
  for (std::size_t d = 0; d < s.size(); ++d) t += (d ? ", " : "") + std::to_string(s[d]);
  return t + "])";
}

}  // namespace

UnitScaledArgs unit_scaled_cross_entropy_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  if (c.find("weight")) throw InputError("inputs.weight", c.loss + ": " + unsupported("weight"));
  // _validate compares with `!=`: -0.0 passes, NaN does not.
  if (c.params.real("label_smoothing") != 0.0)
    throw InputError("params.label_smoothing", c.loss + ": " + unsupported("label_smoothing"));
  if (in.shape.size() != 1 && in.shape.size() != 2)
    throw InputError("inputs.input", c.loss + ": cross_entropy input shape is " + torch_size(in.shape) +
                                         ", but should be either (vocab_size,) or (batch_size, vocab_size)");
  UnitScaledArgs a;
  a.layout = class_layout(c.loss, in.shape);
  const ClassLayout& L = a.layout;
  if (L.classes == 1)
    throw InputError("inputs.input", c.loss + ": float division by zero (ZeroDivisionError in the backward scale "
                                              "vocab_size / (vocab_size - 1) ** 0.5 with vocab_size = 1)");
  if (L.classes == 0)
    throw InputError("inputs.input", c.loss + ": must be real number, not complex (TypeError: with vocab_size = 0 "
                                              "the backward scale 0 / (-1) ** 0.5 is a Python complex)");
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  a.ignore_index = c.params.integer("ignore_index");
  a.probabilities = target.shape == in.shape;
  if (a.probabilities) {
    if (a.ignore_index >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
  } else {
    a.y = class_indices(c, target, L, in.shape);
    check_class_indices(c.loss, L, a.y, a.ignore_index);
  }
  if (a.reduction == Reduction::none)
    throw InputError("params.reduction", c.loss + ": AssertionError (assert reduction == \"sum\", no message): "
                                                  "unit_scaling's cross_entropy supports only reduction 'mean' "
                                                  "and 'sum'");
  if (a.reduction == Reduction::mean && L.outer == 0)
    throw InputError("inputs.input", c.loss + ": division by zero (ZeroDivisionError: 1 / batch_size with "
                                              "batch_size = 0 under reduction 'mean')");
  check_grad_output(c, {});
  return a;
}

}  // namespace lossoracle::checks
