// The scale of slace's loss outputs for accuracy.hpp's comparison: the sum
// of the magnitudes of the terms the exact formula adds,
// |w_y| sum_i q_i |log(acc_i + eps)|, per row (and summed, or averaged, for
// the reduced loss); for probability inputs, a term's magnitude is at least
// acc / (acc + eps), the condition of its log on the rounded sum acc (rows
// summing to nearly 1 leave a loss near 0 that no binary32 sum resolves).
// The far groups' terms, -q log(1 + eps) < 0, and with
// probabilities rows summing past 1, cancel against the others. Computed in
// binary64 from the inputs: a scale, not a reference value. Gradients use
// the row scales (empty result).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::cuda_testing {

inline std::vector<double> slace_term_scales(const LossCase& c, const std::string& output) {
  if (output != "loss" && output != "per_position") return {};
  const Tensor& in = *c.find("input");
  const Tensor& target = *c.find("target");
  const Tensor* weight = c.find("weight");
  const std::int64_t N = in.shape[0], C = in.shape[1];
  const double alpha = c.params.real("alpha"), eps = c.params.real("epsilon");
  const bool logits = c.params.boolean("use_logits");
  std::vector<double> rows(static_cast<std::size_t>(N), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const double* x = in.values.data() + n * C;
    const auto y = static_cast<std::int64_t>(target.values[n]);
    std::vector<double> p(x, x + C), q(C);
    if (logits) {
      double m = -INFINITY, s = 0;
      for (double v : p) m = std::fmax(m, v);
      for (double& v : p) s += (v = std::exp(v - m));
      for (double& v : p) v /= s;
    }
    double z = 0;
    for (std::int64_t i = 0; i < C; ++i) z += (q[i] = std::exp(-alpha * static_cast<double>(std::llabs(i - y))));
    double total = 0;
    for (std::int64_t i = 0; i < C; ++i) {
      const std::int64_t d = std::llabs(i - y);
      double acc = 0;
      for (std::int64_t j = 0; j < C; ++j)
        if (std::llabs(j - y) <= d) acc += p[j];
      // Probabilities as given: acc_i is itself a sum of inputs, whose
      // roundings (an ulp of acc each) pass into the log as acc / (acc + eps).
      const double mag = std::fabs(std::log(acc + eps));
      const double term = q[i] / z * (logits ? mag : std::max(mag, acc / (acc + eps)));
      if (std::isfinite(term)) total += term;
    }
    rows[n] = total * std::fabs(weight ? weight->values[y] : 1.0);
  }
  if (output == "per_position" || c.params.text("reduction") == "none") return rows;
  double sum = 0;
  for (double r : rows) sum += r;
  return {c.params.text("reduction") == "mean" ? sum / static_cast<double>(N) : sum};
}

}  // namespace lossoracle::cuda_testing
