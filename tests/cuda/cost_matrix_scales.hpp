// Scales of the misclass losses' outputs for accuracy.hpp's comparison:
// the reduced loss against the sum of its terms' magnitudes (costs may be
// negative), misclass_a_logits' gradient as softmax's, p_c 2 max_j |g_j|
// with g_j = s_j D[y, j]. Elementwise outputs use their exact values, row
// gradients the row scales (empty result).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::cuda_testing {

inline std::vector<double> misclass_scales(const LossCase& c, const reference::OracleAnswer& a, const std::string& output) {
  const std::string red = c.params.text("reduction");
  if (output == "loss" && red != "none") {
    double total = 0;
    std::size_t n = 0;
    for (const auto& o : a.outputs)
      if (o.name == "per_position")
        for (const auto& v : o.values) {
          if (std::isfinite(v.f64)) total += std::fabs(v.f64);
          ++n;
        }
    return {red == "mean" ? total / static_cast<double>(n) : total};
  }
  if (output != "grad_input" || c.loss != "misclass_a_logits") return {};
  const Tensor& in = *c.find("input");
  const std::vector<double>& D = c.find("cost_matrix")->values;
  const std::vector<double>& y = c.find("target")->values;
  const Tensor* go = c.find("grad_output");
  const std::int64_t C = in.shape.back(), N = static_cast<std::int64_t>(in.values.size()) / std::max<std::int64_t>(C, 1);
  const double divisor = red == "mean" ? static_cast<double>(in.values.size()) : 1.0;
  std::vector<double> s(in.values.size(), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const std::int64_t yr = static_cast<std::int64_t>(y[n]) < 0 ? static_cast<std::int64_t>(y[n]) + C : static_cast<std::int64_t>(y[n]);
    double m = -INFINITY, E = 0, gmax = 0;
    for (std::int64_t k = 0; k < C; ++k) m = std::fmax(m, in.values[n * C + k]);
    for (std::int64_t k = 0; k < C; ++k) E += std::exp(in.values[n * C + k] - m);
    for (std::int64_t k = 0; k < C; ++k) {
      const double g = (go ? go->values[red == "none" ? n * C + k : 0] : 1.0) / divisor;
      gmax = std::max(gmax, std::fabs(g * D[yr * C + k]));
    }
    for (std::int64_t k = 0; k < C; ++k) {
      const double p = std::exp(in.values[n * C + k] - m) / E;
      s[n * C + k] = std::isfinite(p) ? p * 2 * gmax : 0.0;
    }
  }
  return s;
}

}  // namespace lossoracle::cuda_testing
