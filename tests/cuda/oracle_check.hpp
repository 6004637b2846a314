// Checking the CUDA tier's outputs against the oracle case by case, with
// the budgets of accuracy.hpp; shared by the host-core and device tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cuda/host_tier.hpp"
#include "cuda/problem.hpp"
#include "tests/cuda/accuracy.hpp"
#include "tests/cuda/label_smoothing_scales.hpp"
#include "tests/cuda/soft_label_scales.hpp"
#include "tests/cuda/unit_scaled_scales.hpp"
#include "tests/cuda/ordinal_scales.hpp"
#include "tests/cuda/slace_scales.hpp"
#include "tests/cuda/cost_matrix_scales.hpp"
#include "tests/support/oracle_case.hpp"

namespace lossoracle::cuda_testing {

inline const cuda::HostOutput* find_output(const std::vector<cuda::HostOutput>& v, const std::string& name) {
  for (const auto& o : v)
    if (o.name == name) return &o;
  return nullptr;
}

// Which outputs are compared row-normwise (see accuracy.hpp).
inline bool rowwise(const std::string& loss, const std::string& output) {
  if (loss == "kl_div") return false;
  if (output.rfind("grad_", 0) == 0) return true;  // grad_input, grad_target and their unit-scaled forms
  return loss == "softmax" && output == "loss";
}

inline std::vector<double> input_values(const LossCase& c, const char* name) {
  const Tensor* t = c.find(name);
  return t ? t->values : std::vector<double>{};
}

// The term magnitudes of softmax's gradient and of kl_div (accuracy.hpp);
// empty where the row scales apply.
inline std::vector<double> term_scales(const LossCase& c, const reference::OracleAnswer& a, const std::string& output) {
  if (c.loss == "unit_scaled_cross_entropy") return unit_scaled_term_scales(c, output);
  if (c.loss == "smooth_soft_labels" || c.loss == "soft_label_cross_entropy_with_logits" ||
      c.loss == "classification_mae_with_logits")
    return soft_label_term_scales(c, output);
  if (c.loss == "fastai_label_smoothing_cross_entropy" || c.loss == "issue11959_label_smoothing_cross_entropy")
    return label_smoothing_term_scales(c, a, output);
  if (c.loss == "slace") return slace_term_scales(c, output);
  if (c.loss == "sord") return sord_term_scales(c, output);
  if (c.loss == "oll") return oll_term_scales(c, output);
  if (c.loss == "acc_loss" || c.loss == "slace_prox") return accumulating_term_scales(c, output);
  if (c.loss.rfind("misclass_", 0) == 0) return misclass_scales(c, a, output);
  if (c.loss == "per_pair_weighted_ce") return per_pair_scales(c, output);
  std::vector<double> s;
  const std::vector<double> g = input_values(c, "grad_output");
  if (c.loss == "softmax" && output == "grad_input") {
    const auto& p = testing_support::output(a, "loss");
    const Tensor& in = *c.find("input");
    const std::int64_t C = in.shape.size() == 1 ? in.shape[0] : in.shape[1];
    std::int64_t inner = 1;
    for (std::size_t d = 2; d < in.shape.size(); ++d) inner *= in.shape[d];
    for (std::size_t k = 0; k < p.values.size(); ++k) {
      const std::int64_t n = static_cast<std::int64_t>(k) / (C * inner), i = static_cast<std::int64_t>(k) % inner;
      double gmax = g.empty() ? 1.0 : 0.0;
      for (std::int64_t j = 0; j < C && !g.empty(); ++j) gmax = std::max(gmax, std::fabs(g[(n * C + j) * inner + i]));
      s.push_back(std::fabs(p.values[k].f64) * 2 * gmax);
    }
    return s;
  }
  if (c.loss == "entropy" && output == "grad_input") {
    // h (-(1 + log p)) cancels near p = 1/e: |h| (1 + |log p|), h = g (/ P for mean).
    const Tensor& in = *c.find("input");
    const std::string red = c.params.text("reduction");
    std::int64_t inner = 1;
    for (std::size_t d = 2; d < in.shape.size(); ++d) inner *= in.shape[d];
    const std::int64_t C = in.shape.size() == 1 ? in.shape[0] : in.shape[1];
    const double P = static_cast<double>(in.values.size()) / std::max<std::int64_t>(C, 1);
    for (std::size_t k = 0; k < in.values.size(); ++k) {
      const std::int64_t pos = static_cast<std::int64_t>(k) / (C * inner) * inner + static_cast<std::int64_t>(k) % inner;
      const double h = (g.empty() ? 1.0 : std::fabs(g[red == "none" ? pos : 0])) / (red == "mean" ? P : 1.0);
      s.push_back(h * (1 + std::fabs(std::log(in.values[k]))));
    }
    return s;
  }
  if (c.loss == "log_softmax" && output == "grad_input") {
    // |G_j| + p_j |sum_c G_c|, row by row.
    const auto& logp = testing_support::output(a, "loss");
    const Tensor& in = *c.find("input");
    const std::int64_t C = in.shape.size() == 1 ? in.shape[0] : in.shape[1];
    std::int64_t inner = 1;
    for (std::size_t d = 2; d < in.shape.size(); ++d) inner *= in.shape[d];
    for (std::size_t k = 0; k < logp.values.size(); ++k) {
      const std::int64_t n = static_cast<std::int64_t>(k) / (C * inner), i = static_cast<std::int64_t>(k) % inner;
      double gsum = 0;
      for (std::int64_t j = 0; j < C; ++j) gsum += g.empty() ? 1.0 : g[(n * C + j) * inner + i];
      s.push_back((g.empty() ? 1.0 : std::fabs(g[k])) + std::exp(logp.values[k].f64) * std::fabs(gsum));
    }
    return s;
  }
  if (c.loss == "cross_entropy" && output == "grad_input" &&
      c.find("target")->shape == c.find("input")->shape) {
    // Probability targets: |g/D| (p_j S + t~_j w_j) <= 2 |g/D| max(S, max_j t~_j w_j), row by row.
    const Tensor& in = *c.find("input");
    const std::vector<double> t = input_values(c, "target"), w = input_values(c, "weight");
    const std::int64_t C = in.shape.size() == 1 ? in.shape[0] : in.shape[1];
    std::int64_t inner = 1;
    for (std::size_t d = 2; d < in.shape.size(); ++d) inner *= in.shape[d];
    const std::int64_t outer = in.shape.size() == 1 ? 1 : in.shape[0];
    const std::string red = c.params.text("reduction");
    const double D = red == "mean" ? static_cast<double>(outer * inner) : 1.0;
    s.assign(t.size(), 0.0);
    for (std::int64_t n = 0; n < outer; ++n)
      for (std::int64_t i = 0; i < inner; ++i) {
        const double gr = g.empty() ? 1.0 : std::fabs(g[red == "none" ? n * inner + i : 0]);
        double S = 0, m = 0;
        for (std::int64_t j = 0; j < C; ++j) {
          const double tw = std::max(std::fabs(t[(n * C + j) * inner + i]), 1.0 / C) * (w.empty() ? 1.0 : w[j]);
          S += tw;
          m = std::max(m, tw);
        }
        for (std::int64_t j = 0; j < C; ++j) s[(n * C + j) * inner + i] = 2 * gr / D * std::max(S, m);
      }
    return s;
  }
  if (c.loss == "cross_entropy" && output == "grad_input" && c.params.real("label_smoothing") > 0) {
    // Class indices with smoothing: the nll part a (p_j - [j = y]) and the
    // smoothing part b (p_j sum w - w_j) cancel; scale: the row's largest
    // exact gradient, or |b| (sum w + max w) where larger (b = eps/C g / D).
    const Tensor& in = *c.find("input");
    const std::vector<double> w = input_values(c, "weight"), y = input_values(c, "target");
    const std::int64_t C = in.shape.size() == 1 ? in.shape[0] : in.shape[1];
    std::int64_t inner = 1;
    for (std::size_t d = 2; d < in.shape.size(); ++d) inner *= in.shape[d];
    const std::int64_t outer = in.shape.size() == 1 ? 1 : in.shape[0];
    const std::string red = c.params.text("reduction");
    double wsum = 0, wmax = 0, W = 0;
    for (std::int64_t j = 0; j < C; ++j) {
      wsum += w.empty() ? 1.0 : w[j];
      wmax = std::max(wmax, w.empty() ? 1.0 : w[j]);
    }
    for (double t : y)
      if (t != static_cast<double>(c.params.integer("ignore_index"))) W += w.empty() ? 1.0 : w[static_cast<std::size_t>(t)];
    const double D = red == "mean" ? W : 1.0;
    std::vector<double> exact;
    for (const auto& v : testing_support::output(a, "grad_input").values) exact.push_back(v.f64);
    s = cuda_testing::row_scales(exact, in.shape, true);
    for (std::int64_t n = 0; n < outer; ++n)
      for (std::int64_t i = 0; i < inner; ++i) {
        const double gr = g.empty() ? 1.0 : std::fabs(g[red == "none" ? n * inner + i : 0]);
        const double b = c.params.real("label_smoothing") / C * gr / D;
        for (std::int64_t j = 0; j < C; ++j)
          s[(n * C + j) * inner + i] = std::max(s[(n * C + j) * inner + i], b * (wsum + wmax));
      }
    return s;
  }
  if (c.loss != "kl_div") return s;
  const std::vector<double> x = input_values(c, "input"), t = input_values(c, "target");
  const bool log_target = c.params.boolean("log_target");
  const std::string red = c.params.text("reduction");
  double divisor = 1, total = 0;
  if (red == "mean") divisor = static_cast<double>(x.size());
  if (red == "batchmean") divisor = c.find("input")->shape.empty() ? 1.0 : static_cast<double>(c.find("input")->shape[0]);
  for (std::size_t k = 0; k < x.size(); ++k) {
    const double gk = (g.empty() ? 1.0 : std::fabs(g[red == "none" ? k : 0])) / divisor;
    const double e = log_target ? std::exp(t[k]) : 1.0;
    const double lt = log_target ? t[k] : (t[k] > 0 ? std::log(t[k]) : 0.0);
    const double term = log_target ? e * (std::fabs(t[k]) + std::fabs(x[k])) : std::fabs(t[k] * lt) + std::fabs(t[k] * x[k]);
    total += term;
    if (output == "per_position") s.push_back(term);
    if (output == "grad_target") s.push_back(gk * e * (std::fabs(lt) + 1 + std::fabs(x[k])));
    if (output == "grad_input") s.push_back(gk * e);
  }
  if (output == "loss") {
    if (red == "none") return term_scales(c, a, "per_position");
    s.push_back(total / divisor);
  }
  return s;
}

// Runs one case through the oracle and `evaluate` (the host core or the
// kernels, computing in A), compares every output.
template <class A, class Evaluate>
void check_loss_case(const LossCase& c, double& worst, Evaluate evaluate, StorageRounding storage = {}) {
  const reference::OracleAnswer answer = testing_support::oracle(c);
  const std::vector<cuda::HostOutput> got = evaluate(c);
  const cuda::Problem p = cuda::problem_from_case(c);
  const double budget = 16 + 2.0 * (static_cast<double>(p.classes) + static_cast<double>(p.positions()));
  double per_position_max = 0;
  if (testing_support::has_output(answer, "per_position"))
    for (const auto& v : testing_support::output(answer, "per_position").values)
      if (std::isfinite(v.f64)) per_position_max = std::max(per_position_max, std::fabs(v.f64));
  for (const auto& o : answer.outputs) {
    const cuda::HostOutput* h = find_output(got, o.name);
    ASSERT_NE(h, nullptr) << "the host core has no output " << o.name;
    EXPECT_EQ(h->shape, o.shape) << o.name;
    std::vector<double> exact;
    for (const auto& v : o.values) exact.push_back(v.f64);
    std::vector<double> scale = term_scales(c, answer, o.name);
    if (scale.empty()) {
      scale = cuda_testing::row_scales(exact, o.shape, rowwise(c.loss, o.name));
      if (o.name == "loss" && o.shape.empty() && p.has_per_position())
        for (double& s : scale) s = std::max(s, per_position_max);
    }
    const cuda_testing::Mismatch m = cuda_testing::compare<A>(o.name, o, h->values, scale, budget, storage);
    EXPECT_TRUE(m.ok) << m.first;
    worst = std::max(worst, m.worst_ulps);
  }
  EXPECT_EQ(got.size(), answer.outputs.size());
}

template <class A, class Evaluate>
void check_case(const nlohmann::json& j, double& worst, Evaluate evaluate, StorageRounding storage = {}) {
  SCOPED_TRACE(j.dump());
  check_loss_case<A>(testing_support::resolved_case(j), worst, evaluate, storage);
}

}  // namespace lossoracle::cuda_testing
