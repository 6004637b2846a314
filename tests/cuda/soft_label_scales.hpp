// Term scales of the soft-label family (accuracy.hpp): a kept smoothed
// label y - alpha/k + alpha/C cancels where y is near alpha/k; measured
// against |y| + alpha + alpha/C (alpha/k <= alpha). The logits' gradient
// s (p_j T - t_j) cancels where p_j T is near t_j: measured against
// 2 |s| (sum_c |y_c| + alpha), a bound of T and of every t_j, row by row
// (s: the position's cotangent, / d0 for mean). Empty: the row scales apply.
#pragma once

#include <algorithm>
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

// classification_mae_with_logits' |p_c - y_c| cancels where a label is
// near its probability (p_c rounded costs half an ulp of p_c, not of the
// difference): per_position and the loss against sum_c (p_c + |y_c|),
// summed along the last dimension of the positions (/ its size for mean).
inline std::vector<double> mae_loss_scales(const LossCase& c, const std::string& output) {
  const Tensor& in = *c.find("input");
  const std::vector<double>& y = c.find("target")->values;
  const std::int64_t C = in.shape.back(), P = static_cast<std::int64_t>(in.values.size()) / std::max<std::int64_t>(C, 1);
  std::vector<double> rows(static_cast<std::size_t>(P), 0.0);
  for (std::int64_t n = 0; n < P; ++n) {
    const double* x = in.values.data() + n * C;
    double m = -INFINITY, E = 0;
    for (std::int64_t j = 0; j < C; ++j) m = std::fmax(m, x[j]);
    for (std::int64_t j = 0; j < C; ++j) E += std::exp(x[j] - m);
    for (std::int64_t j = 0; j < C; ++j) {
      const double t = std::exp(x[j] - m) / E + std::fabs(y[n * C + j]);
      if (std::isfinite(t)) rows[n] += t;
    }
  }
  const std::string red = c.params.text("reduction");
  if (output == "per_position" || red == "none" || in.shape.size() == 1) return rows;
  const std::int64_t last = in.shape[in.shape.size() - 2];
  std::vector<double> out(static_cast<std::size_t>(P / std::max<std::int64_t>(last, 1)), 0.0);
  for (std::size_t r = 0; r < out.size(); ++r) {
    for (std::int64_t n = 0; n < last; ++n) out[r] += rows[r * last + n];
    if (red == "mean") out[r] /= static_cast<double>(last);
  }
  return out;
}

// Its d/dx_j = p_j sum_c p_c (G_j - G_c), G = s sgn: terms of at most
// 2 |s| p_j in all (S+ - S- cancels for a zero sign), softmax's measure.
inline std::vector<double> mae_grad_scales(const LossCase& c) {
  const Tensor& in = *c.find("input");
  const Tensor* go = c.find("grad_output");
  const std::string red = c.params.text("reduction");
  const std::int64_t C = in.shape.back(), P = static_cast<std::int64_t>(in.values.size()) / std::max<std::int64_t>(C, 1);
  const bool along = red != "none" && in.shape.size() >= 2;
  const std::int64_t last = in.shape.size() >= 2 ? in.shape[in.shape.size() - 2] : 1;
  std::vector<double> out(in.values.size(), 0.0);
  for (std::int64_t n = 0; n < P; ++n) {
    const double g = go ? go->values[red == "none" ? n : along ? n / last : 0] : 1.0;
    const double s = std::fabs(red == "mean" && along ? g / static_cast<double>(last) : g);
    const double* x = in.values.data() + n * C;
    double m = -INFINITY, E = 0;
    for (std::int64_t j = 0; j < C; ++j) m = std::fmax(m, x[j]);
    for (std::int64_t j = 0; j < C; ++j) E += std::exp(x[j] - m);
    for (std::int64_t j = 0; j < C; ++j) {
      const double t = 2 * s * std::exp(x[j] - m) / E;
      out[n * C + j] = std::isfinite(t) ? t : 0.0;
    }
  }
  return out;
}

inline std::vector<double> soft_label_term_scales(const LossCase& c, const std::string& output) {
  if (c.loss == "classification_mae_with_logits") {
    if (output == "grad_input") return mae_grad_scales(c);
    return output == "loss" || output == "per_position" ? mae_loss_scales(c, output) : std::vector<double>{};
  }
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
