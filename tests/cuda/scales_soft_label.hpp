// Term scales of the soft-label family (accuracy.hpp): a kept smoothed
// label y - alpha/k + alpha/C cancels where y is near alpha/k; measured
// against |y| + alpha + alpha/C (alpha/k <= alpha). The logits' gradient
// s (p_j T - t_j) cancels where p_j T is near t_j: measured against
// 2 |s| (sum_c |y_c| + alpha), a bound of T and of every t_j, row by row
// (s: the position's cotangent, / d0 for mean). Empty: the row scales apply.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::cuda_testing {

inline std::vector<double> soft_label_logits_grad_scales(const LossCase& c) {
  const Tensor& y = *c.find("target");
  const Tensor* go = c.find("grad_output");
  const std::string red = c.params.text("reduction");
  const double alpha = c.params.real("alpha");
  const std::int64_t C = y.shape.back();
  const std::int64_t P = C ? static_cast<std::int64_t>(y.values.size()) / C : 0;
  const std::int64_t d0 = y.shape.size() >= 2 ? y.shape[0] : 1;
  const std::int64_t rest = y.shape.size() >= 2 && d0 ? P / d0 : 1;
  std::vector<double> s(y.values.size());
  for (std::int64_t n = 0; n < P; ++n) {
    const bool along = red != "none" && y.shape.size() >= 2;
    double g = go ? std::fabs(go->values[red == "none" ? n : along ? n % rest : 0]) : 1.0;
    if (along && red == "mean") g /= static_cast<double>(d0);
    double T = alpha;
    for (std::int64_t c = 0; c < C; ++c)
      if (std::isfinite(y.values[n * C + c])) T += std::fabs(y.values[n * C + c]);
    for (std::int64_t c = 0; c < C; ++c) s[n * C + c] = 2 * g * T;
  }
  return s;
}

inline std::vector<double> soft_label_term_scales(const LossCase& c, const std::string& output) {
  if (c.loss == "soft_label_cross_entropy_with_logits" && output == "grad_input") return soft_label_logits_grad_scales(c);
  if (c.loss != "smooth_soft_labels" || output != "loss") return {};
  const Tensor& y = *c.find("input");
  const double alpha = c.params.real("alpha");
  const double C = static_cast<double>(y.shape.back());
  std::vector<double> s;
  for (double v : y.values) s.push_back(std::isfinite(v) ? std::fabs(v) + alpha + alpha / C : 0.0);
  return s;
}

}  // namespace lossoracle::cuda_testing
