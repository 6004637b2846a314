// Scales of the ordinal family's outputs for accuracy.hpp's comparison,
// where the formula subtracts (the terms it adds, not the difference, which
// no binary32 formula forms better than an ulp of its terms):
// - sord's logit gradient g' (p_k - q_k) subtracts two numbers up to 1 (the
//   soft label and the probability of the classes near the target): a row's
//   scale is |g'| max_k (p_k + q_k);
// - oll's logit gradient g' p_k (w_k - sum_{i != k} w_i r_i): |g'| max_k
//   p_k (w_k + sum_{i != k} w_i r_i), r_i = p_i / (1 - p_i);
// - acc_loss's and slace_prox's loss from probabilities as given:
//   sum_i q_i max(|log acc_i|, 1) per row, 1 being the condition of the log
//   on the rounded sum acc_i (rows summing to nearly 1 leave the far
//   groups' terms near 0, of either sign, which no binary32 sum resolves;
//   slace_scales.hpp's acc / (acc + eps) with eps = 0).
// Other outputs take the default scales (like-signed sums, row-normwise).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::cuda_testing {

namespace ordinal_scales_detail {

inline double ln_base_of(const std::string& base) { return base == "e" ? 1.0 : std::log(base == "2" ? 2.0 : 10.0); }

inline double cotangent_of(const LossCase& c, std::int64_t n, std::int64_t N) {
  const Tensor* go = c.find("grad_output");
  const std::string red = c.params.text("reduction");
  return (go ? std::fabs(go->values[red == "none" ? n : 0]) : 1.0) / (red == "mean" ? N : 1) /
         ln_base_of(c.params.text("log_base"));
}

inline std::vector<double> softmax_of(const double* x, std::int64_t C) {
  std::vector<double> p(x, x + C);
  double m = -INFINITY, s = 0;
  for (double v : p) m = std::fmax(m, v);
  for (double& v : p) s += (v = std::exp(v - m));
  for (double& v : p) v /= s;
  return p;
}

}  // namespace ordinal_scales_detail

inline std::vector<double> sord_term_scales(const LossCase& c, const std::string& output) {
  if (output != "grad_input" || !c.params.boolean("use_logits")) return {};
  const Tensor& in = *c.find("input");
  const Tensor& target = *c.find("target");
  const Tensor* dist = c.find("distance");
  const std::int64_t N = in.shape[0], C = in.shape[1];
  const double alpha = c.params.real("alpha");
  std::vector<double> s(in.values.size(), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const auto y = static_cast<std::int64_t>(target.values[n]);
    const std::vector<double> p = ordinal_scales_detail::softmax_of(in.values.data() + n * C, C);
    std::vector<double> q(C);
    for (std::int64_t i = 0; i < C; ++i)
      q[i] = -alpha * (dist ? dist->values[y * C + i] : static_cast<double>(std::llabs(i - y)));
    q = ordinal_scales_detail::softmax_of(q.data(), C);
    double big = 0;
    for (std::int64_t i = 0; i < C; ++i) big = std::max(big, p[i] + q[i]);
    const double g = ordinal_scales_detail::cotangent_of(c, n, N);
    for (std::int64_t i = 0; i < C; ++i) s[n * C + i] = std::isfinite(big) ? g * big : 0.0;
  }
  return s;
}

inline std::vector<double> oll_term_scales(const LossCase& c, const std::string& output) {
  if (output != "grad_input" || !c.params.boolean("use_logits")) return {};
  const Tensor& in = *c.find("input");
  const Tensor& target = *c.find("target");
  const Tensor* dist = c.find("distance");
  const std::int64_t N = in.shape[0], C = in.shape[1];
  const double alpha = c.params.real("alpha");
  std::vector<double> s(in.values.size(), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const std::vector<double> p = ordinal_scales_detail::softmax_of(in.values.data() + n * C, C);
    const auto y = static_cast<std::int64_t>(target.values[n]);
    std::vector<double> wr(C), w(C);
    double total = 0;
    for (std::int64_t i = 0; i < C; ++i) {
      w[i] = std::pow(dist ? dist->values[y * C + i] : static_cast<double>(std::llabs(i - y)), alpha);
      total += (wr[i] = w[i] * p[i] / (1 - p[i]));
    }
    double big = 0;
    for (std::int64_t i = 0; i < C; ++i) {
      const double t = p[i] * (w[i] + (total - wr[i]));
      if (std::isfinite(t)) big = std::max(big, t);
    }
    const double g = ordinal_scales_detail::cotangent_of(c, n, N);
    for (std::int64_t i = 0; i < C; ++i) s[n * C + i] = g * big;
  }
  return s;
}

inline std::vector<double> accumulating_term_scales(const LossCase& c, const std::string& output) {
  if ((output != "loss" && output != "per_position") || c.params.boolean("use_logits")) return {};
  const Tensor& in = *c.find("input");
  const Tensor& target = *c.find("target");
  const Tensor* dist = c.find("distance");
  const Tensor* counts = c.find("class_counts");
  const std::int64_t N = in.shape[0], C = in.shape[1];
  std::vector<double> rows(static_cast<std::size_t>(N), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const double* p = in.values.data() + n * C;
    const auto y = static_cast<std::int64_t>(target.values[n]);
    // Keys: the distance (smaller is closer), or prox's A_c; labels q.
    std::vector<double> key(C), q(C, 1.0);
    for (std::int64_t i = 0; i < C; ++i) key[i] = dist ? dist->values[y * C + i] : static_cast<double>(std::llabs(i - y));
    if (counts) {
      const std::vector<double>& k = counts->values;
      key[y] = k[y];
      double between = 0;
      for (std::int64_t i = y - 1; i >= 0; --i) key[i] = k[i] + 2 * (between += k[i + 1]);
      between = 0;
      for (std::int64_t i = y + 1; i < C; ++i) key[i] = k[i] + 2 * (between += k[i - 1]);
      const double alpha = c.params.real("alpha"), lb = ordinal_scales_detail::ln_base_of(c.params.text("prox_log_base"));
      double z = 0;
      for (std::int64_t i = 0; i < C; ++i) z += (q[i] = std::exp(-alpha * std::log(key[i] / key[y]) / lb));
      for (double& v : q) v /= z;
    }
    double total = 0;
    for (std::int64_t i = 0; i < C; ++i) {
      double acc = 0;
      for (std::int64_t j = 0; j < C; ++j)
        if (key[j] <= key[i]) acc += p[j];
      const double term = q[i] * std::max(std::fabs(std::log(acc)), 1.0);
      if (std::isfinite(term)) total += term;
    }
    rows[n] = total / ordinal_scales_detail::ln_base_of(c.params.text("log_base"));
  }
  if (output == "per_position" || c.params.text("reduction") == "none") return rows;
  double sum = 0;
  for (double r : rows) sum += r;
  return {c.params.text("reduction") == "mean" ? sum / static_cast<double>(N) : sum};
}

}  // namespace lossoracle::cuda_testing
