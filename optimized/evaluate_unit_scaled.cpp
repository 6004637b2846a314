// The driver of unit_scaled_cross_entropy: the shared checks
// (checks/unit_scaled.hpp), then the tier's cross-entropy rows at z = mult x
// in binary64 (z is formed in binary64 for float inputs too, so the rows run
// the double kernels) and the scalings of unit_scaled.hpp.
#include <cmath>

#include "checks/unit_scaled.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"
#include "optimized/unit_scaled.hpp"

namespace lossoracle::optimized {

namespace {

template <class F>
Outputs unit_scaled_cross_entropy(const LossCase& c) {
  const checks::UnitScaledArgs args = checks::unit_scaled_cross_entropy_args(c);
  const Tensor& in = *c.find("input");
  const Tensor& target = *c.find("target");
  const ClassLayout& L = args.layout;
  const Reduction red = args.reduction;
  const std::int64_t ignore = args.ignore_index;
  const bool probabilities = args.probabilities;
  const std::vector<std::int64_t>& y = args.y;

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
        per[pos] = k.ce_index_row(z.data() + pos * C, nullptr, C, a, dz.data() + pos * C, &nll[pos]);
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
