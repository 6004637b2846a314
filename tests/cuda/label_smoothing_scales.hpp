// Term scales of the label-smoothing family (accuracy.hpp): fastai's and
// issue #11959's input gradient s (C p_j - 1) + a (p_j - [j = y]) cancels
// where its smoothing and nll parts meet; measured against the larger of
// the row's largest exact gradient and |s| (1 + C p_j) + |a| (p_j + [j = y]),
// row by row. fastai: s = (g / C) eps (/ P), a = w_y (1 - eps) g (/ W);
// issue #11959: s = h eps / C, a = (1 - eps) H / W (h: the row's cotangent,
// H: their sum). Empty: the row scales apply.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "reference/oracle.hpp"
#include "tests/cuda/accuracy.hpp"

namespace lossoracle::cuda_testing {

inline std::vector<double> label_smoothing_term_scales(const LossCase& c, const reference::OracleAnswer& a,
                                                       const std::string& output) {
  const bool fastai = c.loss == "fastai_label_smoothing_cross_entropy";
  if ((!fastai && c.loss != "issue11959_label_smoothing_cross_entropy") || output != "grad_input") return {};
  const Tensor& in = *c.find("input");
  const std::vector<double>& y = c.find("target")->values;
  const Tensor* wt = c.find("weight");
  const Tensor* go = c.find("grad_output");
  const std::string red = c.params.text("reduction");
  const double eps = c.params.real("eps");
  const std::int64_t C = in.shape.size() == 1 ? in.shape[0] : in.shape[1];
  const std::int64_t outer = in.shape.size() == 1 ? 1 : in.shape[0];
  std::int64_t inner = 1;
  for (std::size_t k = 2; k < in.shape.size(); ++k) inner *= in.shape[k];
  const double P = static_cast<double>(outer * inner);
  double W = 0;
  for (double t : y)
    if (t != -100) W += wt ? wt->values[static_cast<std::size_t>(t)] : 1.0;
  double H = 0;  // issue #11959: the sum of the rows' cotangents
  for (std::int64_t pos = 0; pos < outer * inner; ++pos)
    H += go ? go->values[red == "none" ? pos : 0] / (red == "mean" ? P : 1.0) : 1.0 / (red == "mean" ? P : 1.0);
  std::vector<double> exact;
  for (const auto& v : a.outputs[2].values) exact.push_back(v.f64);  // loss, per_position, grad_input
  std::vector<double> s = row_scales(exact, in.shape, true);
  for (std::int64_t n = 0; n < outer; ++n)
    for (std::int64_t i = 0; i < inner; ++i) {
      const std::int64_t pos = n * inner + i;
      const double g = go ? std::fabs(go->values[red == "none" ? pos : 0]) : 1.0;
      const double ss = g / C * std::fabs(eps) / (red == "mean" ? P : 1.0);  // both: h eps / C
      const double yt = y[pos];
      const double wy = yt == -100 ? 0.0 : wt ? wt->values[static_cast<std::size_t>(yt)] : 1.0;
      const double aa = !fastai ? (yt == -100 ? 0.0 : std::fabs((1 - eps) * H) / W)
                                : wy * std::fabs(1 - eps) * g / (red == "mean" ? W : 1.0);
      double m = -INFINITY, E = 0;
      for (std::int64_t k = 0; k < C; ++k) m = std::max(m, in.values[(n * C + k) * inner + i]);
      for (std::int64_t k = 0; k < C; ++k) E += std::exp(in.values[(n * C + k) * inner + i] - m);
      for (std::int64_t k = 0; k < C; ++k) {
        const std::size_t at = static_cast<std::size_t>((n * C + k) * inner + i);
        const double p = std::exp(in.values[at] - m) / E;
        if (std::isfinite(p)) s[at] = std::max(s[at], ss * (1 + C * p) + aa * (p + (k == yt ? 1 : 0)));
      }
    }
  return s;
}

}  // namespace lossoracle::cuda_testing
