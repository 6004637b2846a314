#include "properties/mutants/slace_mutant.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/error.hpp"

namespace lossoracle::properties {

void SlaceMutant::check(const LossCase& c) const {
  if (c.inputs.at("input").shape.size() != 2) throw InputError("inputs.input", "slace: input must be (N, C)");
}

certify::ImplResult SlaceMutant::compute(const LossCase& c) const {
  const Tensor& x = c.inputs.at("input");
  const Tensor& t = c.inputs.at("target");
  const Tensor* w = c.find("weight");
  const Tensor* go = c.find("grad_output");
  const std::int64_t N = x.shape[0], C = x.shape[1];
  const double alpha = c.params.real("alpha"), eps = c.params.real("epsilon");
  const bool logits = c.params.boolean("use_logits");
  const std::string reduction = c.params.text("reduction");

  std::vector<double> per(N, 0), dp(N * C, 0), prob(N * C, 0);
  for (std::int64_t n = 0; n < N; ++n) {
    const double* row = &x.values[n * C];
    double* p = &prob[n * C];
    if (logits) {
      const double m = *std::max_element(row, row + C);
      double z = 0;
      for (std::int64_t k = 0; k < C; ++k) z += p[k] = std::exp(row[k] - m);
      for (std::int64_t k = 0; k < C; ++k) p[k] /= z;
    } else {
      std::copy(row, row + C, p);
    }
    const auto y = static_cast<std::int64_t>(t.values[n]);
    const std::int64_t centre = bug_ == Bug::slace_distance_from_next_class ? y + 1 : y;
    std::vector<double> dist(C), q(C), acc(C, 0);
    double qz = 0;
    for (std::int64_t k = 0; k < C; ++k) dist[k] = static_cast<double>(std::llabs(k - centre));
    for (std::int64_t k = 0; k < C; ++k) qz += q[k] = std::exp(-alpha * dist[k]);
    for (double& v : q) v /= qz;
    for (std::int64_t i = 0; i < C; ++i)
      for (std::int64_t j = 0; j < C; ++j)
        if (dist[j] <= dist[i]) acc[i] += p[j];
    const double wy = w ? w->values[y] : 1.0;
    for (std::int64_t i = 0; i < C; ++i) {
      per[n] -= wy * q[i] * std::log(acc[i] + eps);
      for (std::int64_t j = 0; j < C; ++j)
        if (dist[j] <= dist[i]) dp[n * C + j] -= wy * q[i] / (acc[i] + eps);
    }
  }
  certify::ImplResult out;
  out.kind = certify::ImplResult::Kind::outputs;
  std::vector<double> scale(N, go ? go->values[0] : 1.0);
  if (reduction == "none") {
    out.outputs.push_back({"loss", {N}, per});
    if (go)
      for (std::int64_t n = 0; n < N; ++n) scale[n] = go->values[n];
  } else {
    double total = 0;
    for (double v : per) total += v;
    if (reduction == "mean") {
      total /= static_cast<double>(N);
      for (double& s : scale) s /= static_cast<double>(N);
    }
    out.outputs.push_back({"loss", {}, {total}});
  }
  out.outputs.push_back({"per_position", {N}, per});
  std::vector<double> grad(N * C, 0);
  for (std::int64_t n = 0; n < N; ++n) {
    double pd = 0;
    for (std::int64_t k = 0; k < C; ++k) pd += prob[n * C + k] * dp[n * C + k];
    for (std::int64_t k = 0; k < C; ++k)
      grad[n * C + k] = scale[n] * (logits ? prob[n * C + k] * (dp[n * C + k] - pd) : dp[n * C + k]);
  }
  out.outputs.push_back({"grad_input", x.shape, grad});
  return out;
}

}  // namespace lossoracle::properties
