// Scales of the misclass losses' outputs for accuracy.hpp's comparison:
// the reduced loss against the sum of its terms' magnitudes (costs may be
// negative), misclass_a_logits' gradient as softmax's, p_c 2 max_j |g_j|
// with g_j = s_j D[y, j]; misclass_b's gradient against its terms. Elementwise outputs use their exact values, row
// gradients the row scales (empty result).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::cuda_testing {

// misclass_b's d/dx_k = p_k sum_c w_c - sum_{c != k} w_c e_k / E_{-c}
// (w_c = s_c D[y, c], E_{-c} the row's mass without c) cancels, as a
// dominant class's must: measured against its terms' magnitudes,
// p_k sum_c |w_c| + sum_{c != k} |w_c| e_k / E_{-c}, in binary64 from the
// inputs (non-finite terms left out: those outputs are compared exactly).
inline std::vector<double> misclass_b_grad_scales(const LossCase& c) {
  const Tensor& in = *c.find("input");
  const std::vector<double>& D = c.find("cost_matrix")->values;
  const std::vector<double>& y = c.find("target")->values;
  const Tensor* go = c.find("grad_output");
  const std::string red = c.params.text("reduction");
  const std::int64_t C = in.shape.back(), N = static_cast<std::int64_t>(in.values.size()) / std::max<std::int64_t>(C, 1);
  const double divisor = red == "mean" ? static_cast<double>(in.values.size()) : 1.0;
  std::vector<double> s(in.values.size(), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const double* x = in.values.data() + n * C;
    const std::int64_t yr = static_cast<std::int64_t>(y[n]) < 0 ? static_cast<std::int64_t>(y[n]) + C : static_cast<std::int64_t>(y[n]);
    double m = -INFINITY, E = 0, wabs = 0;
    for (std::int64_t k = 0; k < C; ++k) m = std::fmax(m, x[k]);
    std::vector<double> e(C), w(C), rest(C, 0.0);
    for (std::int64_t k = 0; k < C; ++k) E += (e[k] = std::exp(x[k] - m));
    for (std::int64_t k = 0; k < C; ++k) {
      w[k] = std::fabs((go ? go->values[red == "none" ? n * C + k : 0] : 1.0) / divisor * D[yr * C + k]);
      wabs += w[k];
      for (std::int64_t j = 0; j < C; ++j)
        if (j != k) rest[k] += e[j];
    }
    for (std::int64_t k = 0; k < C; ++k) {
      double total = e[k] / E * wabs;
      for (std::int64_t cc = 0; cc < C; ++cc) {
        const double term = w[cc] * e[k] / rest[cc];
        if (cc != k && std::isfinite(term)) total += term;
      }
      s[n * C + k] = std::isfinite(total) ? total : 0.0;
    }
  }
  return s;
}

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
  if (output == "grad_input" && c.loss == "misclass_b") return misclass_b_grad_scales(c);
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

// per_pair_weighted_ce, from the inputs in binary64 (with |log p_j|):
// M_i's terms |log p_j D_ij|; the loss's |t_i| times those; d/dt_i's |s|
// times them; d/dx_j's as log_softmax's over G_j's terms:
// |s| sum_i |t_i D_ij| + p_j |s| sum_c sum_i |t_i D_ic|.
inline std::vector<double> per_pair_scales(const LossCase& c, const std::string& output) {
  const Tensor& in = *c.find("input");
  const std::vector<double>& t = c.find("target")->values;
  const std::vector<double>& D = c.find("cost_matrix")->values;
  const Tensor* go = c.find("grad_output");
  const std::string red = c.params.text("reduction");
  const std::int64_t N = in.shape[0], C = in.shape[1];
  const double divisor = red == "mean" ? static_cast<double>(N) : 1.0;
  std::vector<double> rows(N, 0.0), gt(t.size(), 0.0), gx(t.size(), 0.0);
  for (std::int64_t n = 0; n < N; ++n) {
    const double* x = in.values.data() + n * C;
    const double s = std::fabs((go ? go->values[red == "none" ? n : 0] : 1.0) / divisor);
    double m = -INFINITY, E = 0;
    for (std::int64_t j = 0; j < C; ++j) m = std::fmax(m, x[j]);
    for (std::int64_t j = 0; j < C; ++j) E += std::exp(x[j] - m);
    std::vector<double> logp(C), Gmag(C, 0.0);
    for (std::int64_t j = 0; j < C; ++j) logp[j] = std::fabs((x[j] - m) - std::log(E));
    double Gtotal = 0;
    for (std::int64_t i = 0; i < C; ++i) {
      double Mmag = 0;
      for (std::int64_t j = 0; j < C; ++j) {
        const double term = logp[j] * std::fabs(D[i * C + j]);
        if (std::isfinite(term)) Mmag += term;
        Gmag[j] += std::fabs(t[n * C + i] * D[i * C + j]) * s;
      }
      rows[n] += std::fabs(t[n * C + i]) * Mmag;
      gt[n * C + i] = s * Mmag;
    }
    for (double v : Gmag) Gtotal += v;
    for (std::int64_t j = 0; j < C; ++j) {
      const double p = std::exp(x[j] - m) / E;
      gx[n * C + j] = Gmag[j] + (std::isfinite(p) ? p : 0.0) * Gtotal;
    }
  }
  if (output == "grad_target") return gt;
  if (output == "grad_input") return gx;
  if (output == "per_position" || red == "none") return rows;
  double total = 0;
  for (double r : rows) total += r;
  return {total / divisor};
}

}  // namespace lossoracle::cuda_testing
