// The driver of `slace` (dlordinal's SLACELoss): the reference evaluator's
// checks in dlordinal's order with its messages (reference/evaluate_slace.hpp),
// then one O(C) row kernel per sample over threads.
#include <cmath>

#include "core/hexfloat.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

template <class F>
Outputs slace(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  const double alpha = c.params.real("alpha"), eps = c.params.real("epsilon");
  const bool use_logits = c.params.boolean("use_logits");
  const ClassLayout L = batch_layout(c, in, use_logits);
  const std::int64_t N = L.outer, width = L.classes;
  std::int64_t C = c.params.integer("num_classes");
  if (C == -1) C = width;
  if (C < 0)
    throw InputError("params.num_classes", c.loss + ": num_classes must be a non-negative integer (or -1: the input's "
                                                    "width), got " + std::to_string(C));
  const Tensor& target = required(c, "target");
  const std::vector<std::int64_t> y = row_targets(c, target, N, true);
  for (std::size_t k = 0; k < y.size(); ++k) {
    const std::string at = "target" + index_text(target.shape, static_cast<std::int64_t>(k));
    if (C == 0)
      throw InputError("inputs.target", c.loss + ": index is out of bounds for dimension with size 0 (" + at + " = " +
                                            std::to_string(y[k]) + "; num_classes is 0)");
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
  check_grad_output(c, red == Reduction::none ? Shape{N} : Shape{});

  const std::vector<F> x = values_as<F>(in), w = optional_values<F>(c, "weight"), go = optional_values<F>(c, "grad_output");
  std::vector<double> per(N, 0.0);
  std::vector<F> grad(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(N, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      double g = go.empty() ? 1.0 : static_cast<double>(go[red == Reduction::none ? n : 0]);
      if (red == Reduction::mean) g /= static_cast<double>(N);
      const double wy = w.empty() ? 1.0 : static_cast<double>(w[y[n]]);
      per[n] = k.slace_row(x.data() + n * C, C, y[n], alpha, eps, use_logits, wy, g, grad.data() + n * C);
    }
  });
  Outputs o;
  if (red == Reduction::none) {
    o.push_back(rounded_output<F>("loss", {N}, per));
  } else {
    const double total = ordered_sum(per);
    o.push_back(rounded_output<F>("loss", {}, {red == Reduction::sum ? total : total / static_cast<double>(N)}));
  }
  o.push_back(rounded_output<F>("per_position", {N}, per));
  o.push_back(output<F>("grad_input", in.shape, grad));
  return o;
}

}  // namespace

FamilyFn slace_fn(Precision p) { return p == Precision::f32 ? slace<float> : slace<double>; }

}  // namespace lossoracle::optimized
