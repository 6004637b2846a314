// Term scales of the soft-label family (accuracy.hpp): a kept smoothed
// label y - alpha/k + alpha/C cancels where y is near alpha/k; measured
// against |y| + alpha + alpha/C (alpha/k <= alpha). Empty: the row scales apply.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::cuda_testing {

inline std::vector<double> soft_label_term_scales(const LossCase& c, const std::string& output) {
  if (c.loss != "smooth_soft_labels" || output != "loss") return {};
  const Tensor& y = *c.find("input");
  const double alpha = c.params.real("alpha");
  const double C = static_cast<double>(y.shape.back());
  std::vector<double> s;
  for (double v : y.values) s.push_back(std::isfinite(v) ? std::fabs(v) + alpha + alpha / C : 0.0);
  return s;
}

}  // namespace lossoracle::cuda_testing
