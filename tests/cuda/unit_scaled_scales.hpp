// Term scales of unit_scaled_cross_entropy's input gradients with
// probability targets (accuracy.hpp): dS/dz_j = g (p_j T - t_j), T = sum t,
// cancels where p_j T is close to t_j; measured against
// 2 |g| max(T, max_j |t_j|) times the output's factor (mult / B for
// grad_input under mean, mult under sum, V / sqrt(V - 1) for
// grad_input_unit_scaled), row by row. Empty: the row scales apply.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::cuda_testing {

inline std::vector<double> unit_scaled_term_scales(const LossCase& c, const std::string& output) {
  const Tensor& in = *c.find("input");
  const Tensor& t = *c.find("target");
  if (t.shape != in.shape || (output != "grad_input" && output != "grad_input_unit_scaled")) return {};
  const std::int64_t V = in.shape.back();
  const std::int64_t B = in.shape.size() == 1 ? 1 : in.shape[0];
  const Tensor* go = c.find("grad_output");
  const double g = go ? std::fabs(go->values[0]) : 1.0;
  const double factor = output == "grad_input_unit_scaled"
                            ? V / std::sqrt(V - 1.0)
                            : std::fabs(c.params.real("mult")) / (c.params.text("reduction") == "mean" ? B : 1);
  std::vector<double> s(t.values.size());
  for (std::int64_t n = 0; n < B; ++n) {
    double T = 0, m = 0;
    for (std::int64_t j = 0; j < V; ++j) {
      T += t.values[n * V + j];
      m = std::max(m, std::fabs(t.values[n * V + j]));
    }
    for (std::int64_t j = 0; j < V; ++j) s[n * V + j] = 2 * g * factor * std::max(std::fabs(T), m);
  }
  return s;
}

}  // namespace lossoracle::cuda_testing
