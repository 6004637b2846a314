// The scale of sord's logit gradient for accuracy.hpp's comparison:
// g' (p_k - q_k) subtracts two numbers up to 1 (the soft label and the
// probability of the classes near the target), so a row's scale is
// |g'| max_k (p_k + q_k), the terms the formula adds, not the difference
// (which no binary32 formula forms better than an ulp of p_k). Other
// outputs take the default scales (like-signed sums, row-normwise).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::cuda_testing {

inline std::vector<double> sord_term_scales(const LossCase& c, const std::string& output) {
  if (output != "grad_input" || !c.params.boolean("use_logits")) return {};
  const Tensor& in = *c.find("input");
  const Tensor& target = *c.find("target");
  const Tensor* dist = c.find("distance");
  const Tensor* go = c.find("grad_output");
  const std::int64_t N = in.shape[0], C = in.shape[1];
  const double alpha = c.params.real("alpha");
  const std::string red = c.params.text("reduction"), base = c.params.text("log_base");
  const double ln_b = base == "e" ? 1.0 : std::log(base == "2" ? 2.0 : 10.0);
  std::vector<double> s(in.values.size(), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const double* x = in.values.data() + n * C;
    const auto y = static_cast<std::int64_t>(target.values[n]);
    std::vector<double> p(x, x + C), q(C);
    double m = -INFINITY, ps = 0, qm = -INFINITY, qs = 0;
    for (double v : p) m = std::fmax(m, v);
    for (double& v : p) ps += (v = std::exp(v - m));
    for (std::int64_t i = 0; i < C; ++i)
      qm = std::fmax(qm, q[i] = -alpha * (dist ? dist->values[y * C + i] : static_cast<double>(std::llabs(i - y))));
    for (double& v : q) qs += (v = std::exp(v - qm));
    double big = 0;
    for (std::int64_t i = 0; i < C; ++i) big = std::max(big, p[i] / ps + q[i] / qs);
    const double g = (go ? std::fabs(go->values[red == "none" ? n : 0]) : 1.0) / (red == "mean" ? N : 1) / ln_b;
    for (std::int64_t i = 0; i < C; ++i) s[n * C + i] = std::isfinite(big) ? g * big : 0.0;
  }
  return s;
}

}  // namespace lossoracle::cuda_testing
