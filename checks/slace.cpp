#include "checks/slace.hpp"

#include <string>

#include "checks/integer_targets.hpp"
#include "checks/slace_target.hpp"

namespace lossoracle::checks {

ClassLayout batch_layout(const LossCase& c, const Tensor& in, bool softmax_first) {
  if (in.shape.size() != 2) {
    const std::string torch = in.shape.size() == 1 && softmax_first
                                  ? "Dimension out of range (expected to be in range of [-1, 0], but got 1); "
                                  : "";
    throw InputError("inputs.input",
                     c.loss + ": " + torch + "input must have shape (N, C), got " + shape_text(in.shape));
  }
  return class_layout(c.loss, in.shape);
}

std::vector<std::int64_t> row_targets(const LossCase& c, const Tensor& target, std::int64_t N, bool column) {
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
  return integer_class_indices(c, target);
}

void check_row_grad_output(const LossCase& c, Reduction r, std::int64_t N) {
  check_grad_output(c, r == Reduction::none ? Shape{N} : Shape{});
}

std::string slace_target_message(const std::string& loss, const Shape& target_shape, std::int64_t k, std::int64_t y,
                                 std::int64_t C) {
  // prox_dom[target] is the first indexing: PyTorch's bounds, which admit
  // -C <= y < 0 (negative indexing). dlordinal then measures soft-label
  // distances from y itself but takes the dominance row of class C + y.
  const std::string at = "target" + index_text(target_shape, k);
  if (C == 0)
    return loss + ": index is out of bounds for dimension with size 0 (" + at + " = " + std::to_string(y) +
           "; num_classes is 0)";
  if (y >= C || y < -C)
    return loss + ": index " + std::to_string(y) + " is out of bounds for dimension 0 with size " + std::to_string(C) +
           " (" + at + ")";
  if (y < 0)
    return loss + ": " + at + " = " + std::to_string(y) +
           " is negative; dlordinal accepts it silently (soft labels measured from " + std::to_string(y) +
           ", dominance row of class " + std::to_string(C + y) +
           "), the oracle requires 0 <= target < num_classes = " + std::to_string(C);
  return "";
}

SlaceArgs slace_args(const LossCase& c) {
  SlaceArgs a;
  const Tensor& in = required(c, "input");
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  a.alpha = c.params.real("alpha");
  a.use_logits = c.params.boolean("use_logits");
  a.epsilon = c.params.real("epsilon");
  a.layout = batch_layout(c, in, a.use_logits);
  const std::int64_t N = a.layout.outer, width = a.layout.classes;
  std::int64_t C = c.params.integer("num_classes");
  if (C == -1) C = width;
  if (C < 0)
    throw InputError("params.num_classes", c.loss + ": num_classes must be a non-negative integer (or -1: the input's "
                                                    "width), got " + std::to_string(C));
  a.classes = C;
  const Tensor& target = required(c, "target");
  a.y = row_targets(c, target, N, true);
  for (std::size_t k = 0; k < a.y.size(); ++k) {
    const std::string m = slace_target_message(c.loss, target.shape, static_cast<std::int64_t>(k), a.y[k], C);
    if (!m.empty()) throw InputError("inputs.target", m);
  }
  if (width != C)
    throw InputError("inputs.input", c.loss + ": Expected size for first two dimensions of batch2 tensor to be: [" +
                                         std::to_string(N) + ", " + std::to_string(C) + "] but got: [" +
                                         std::to_string(N) + ", " + std::to_string(width) + "].");
  if (const Tensor* w = c.find("weight")) {
    required(c, "weight");
    if (w->shape.size() != 1 || w->shape[0] != C) {
      const std::int64_t K = w->shape.empty() ? 0 : w->shape[0];
      for (std::int64_t t : a.y)
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
  check_row_grad_output(c, a.reduction, N);
  return a;
}

}  // namespace lossoracle::checks
