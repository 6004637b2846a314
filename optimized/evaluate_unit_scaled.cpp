// The driver of unit_scaled_cross_entropy: unit_scaling's own checks in its
// order with the reference evaluator's messages
// (reference/evaluate_unit_scaled.hpp), then F.cross_entropy's, then the
// tier's cross-entropy rows at z = mult x in binary64 (z is formed in
// binary64 for float inputs too, so the rows run the double kernels) and the
// scalings of unit_scaled.hpp.
#include <cmath>

#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"
#include "optimized/unit_scaled.hpp"

namespace lossoracle::optimized {

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

template <class F>
Outputs unit_scaled_cross_entropy(const LossCase& c) {
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
  const std::int64_t ignore = c.params.integer("ignore_index");
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
  const bool probabilities = target.shape == in.shape;
  std::vector<std::int64_t> y;
  if (probabilities) {
    if (ignore >= 0)
      throw InputError("params.ignore_index", c.loss + ": ignore_index is not supported for floating point target");
  } else {
    y = class_indices(c, target, L, in.shape);
    check_class_indices(c.loss, L, y, ignore);
  }
  after_cross_entropy_checks();

  const double mult = c.params.real("mult");
  const std::vector<F> xf = values_as<F>(in), go = optional_values<F>(c, "grad_output");
  std::vector<double> z(xf.size());
  for (std::size_t k = 0; k < z.size(); ++k) z[k] = mult * static_cast<double>(xf[k]);
  const std::vector<F> tf = probabilities ? values_as<F>(target) : std::vector<F>{};
  const std::vector<double> t(tf.begin(), tf.end());
  // scale_fwd's backward passes the loss's cotangent unchanged to S.
  const double g = go.empty() ? 1.0 : static_cast<double>(go[0]);
  const std::int64_t C = L.classes, P = L.positions();
  std::vector<double> per(P, 0.0), nll(P, 0.0), dz(z.size()), dt(probabilities ? z.size() : 0);
  const Kernels<double>& k = kernels_for<double>(kernel_table());
  parallel_for(P, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      if (probabilities) {
        per[pos] = k.ce_probs_row(z.data() + pos * C, t.data() + pos * C, nullptr, C, 1.0, 0.0, g,
                                  dz.data() + pos * C, dt.data() + pos * C);
      } else {
        CeIndexRow a;
        a.y = y[pos] == ignore ? -1 : y[pos];
        a.g_nll = g;
        a.weight_total = static_cast<double>(C);
        per[pos] = k.ce_index_row(z.data() + pos * C, nullptr, C, a, dz.data() + pos * C, &nll[pos], nullptr);
      }
    }
  });
  const UnitScale s(mult, L.outer, red == Reduction::mean, C);
  const double S = ordered_sum(per);
  std::vector<double> gi(dz.size()), giu(dz.size());
  for (std::size_t j = 0; j < dz.size(); ++j) {
    gi[j] = s.grad_input(dz[j]);
    giu[j] = s.grad_input_unit_scaled(dz[j]);
  }
  Outputs o;
  o.push_back(rounded_output<F>("loss", {}, {red == Reduction::mean ? S / s.batch : S}));
  o.push_back(rounded_output<F>("per_position", L.position_shape, per));
  o.push_back(rounded_output<F>("grad_input", in.shape, gi));
  if (probabilities) {
    std::vector<double> gt(dt.size());
    for (std::size_t j = 0; j < dt.size(); ++j) gt[j] = s.grad_target(dt[j]);
    o.push_back(rounded_output<F>("grad_target", in.shape, gt));
  }
  o.push_back(rounded_output<F>("grad_input_unit_scaled", in.shape, giu));
  if (probabilities) o.push_back(rounded_output<F>("grad_target_unit_scaled", in.shape, dt));
  return o;
}

}  // namespace

FamilyFn unit_scaled_cross_entropy_fn(Precision p) {
  return p == Precision::f32 ? unit_scaled_cross_entropy<float> : unit_scaled_cross_entropy<double>;
}

}  // namespace lossoracle::optimized
