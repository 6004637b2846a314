// The row kernels' vector paths (vecmath.hpp's exp_in_range, row_ops.hpp's
// exp_sum_except) and the streamed gradient of rows of kStreamClasses
// classes or more, judged by certify's tight profile against the oracle:
// rows long enough for both, class counts that leave a tail after the
// 8-lane steps, targets in the first step, mid-row and in the tail, a row
// with a logit more than 700 below its max (the element path's fallback)
// and one with -inf. The standard suites' rows are short (a few classes).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "certify/optimized_impl.hpp"
#include "certify/verdict.hpp"
#include "core/protocol.hpp"
#include "tests/support/oracle_case.hpp"

namespace lossoracle {
namespace {

Tensor logits(std::int64_t N, std::int64_t C, std::mt19937& g) {
  std::uniform_real_distribution<float> u(-8, 8);
  Tensor t{{N, C}, {}};
  for (std::int64_t k = 0; k < N * C; ++k) t.values.push_back(u(g));
  return t;
}

nlohmann::json request(const std::string& loss, nlohmann::json params, const std::map<std::string, Tensor>& inputs) {
  nlohmann::json in = nlohmann::json::object();
  for (const auto& [name, t] : inputs) in[name] = tensor_to_json(t);
  return {{"id", "long-rows"}, {"loss", loss}, {"params", std::move(params)}, {"inputs", in}};
}

void expect_tight_pass(const nlohmann::json& req, const std::string& what) {
  certify::SuiteCase sc;
  sc.id = what;
  sc.loss = req["loss"];
  sc.request = req;
  sc.answer = testing_support::oracle(testing_support::resolved_case(req));
  certify::OptimizedImplementation impl;
  for (auto d : {certify::Dtype::float64, certify::Dtype::float32}) {
    sc.dtype = d;
    const certify::ImplResult r = impl.evaluate(sc.request, d);
    const certify::Outcome o = certify::judge(sc, r, certify::Profile::tight);
    EXPECT_EQ(o.verdict, certify::Verdict::pass) << what << " " << certify::dtype_name(d) << ": " << o.reason;
    // tight lets an element off by orders of magnitude pass on its
    // elementwise budget (2^93 ulp for cross_entropy's float32 grad_input,
    // set by a corner case); here every finite element must also be within
    // the output's scaled budget, so that a gradient entry lost or left
    // unwritten by a vector path cannot hide.
    for (const auto& out : r.outputs) {
      const auto& exact = testing_support::output(*sc.answer, out.name).values;
      long double max_abs = 0;
      for (const auto& v : exact)
        if (std::isfinite(v.f64)) max_abs = std::max<long double>(max_abs, std::fabs(v.f64));
      const long double unit = certify::ulp_at(d, certify::output_scale(out.name, max_abs, sc.request));
      const double budget = certify::tight_scaled_budget_ulps(sc.loss, out.name, d);
      for (std::size_t k = 0; k < out.values.size(); ++k) {
        if (!std::isfinite(exact[k].f64)) continue;
        const long double off = std::fabs(static_cast<long double>(out.values[k]) - std::strtold(exact[k].decimal.c_str(), nullptr));
        EXPECT_LE(off / unit, budget) << what << " " << certify::dtype_name(d) << " " << out.name << "[" << k << "]";
      }
    }
  }
}

TEST(OptimizedLongRows, CrossEntropyStreamedRowsWithinBudget) {
  std::mt19937 g(11);
  const std::int64_t C = 20001;  // >= kStreamClasses; 2500 steps of 8 and one class left
  Tensor x = logits(3, C, g);
  x.values[1 * C + 5] = x.values[1 * C + 7] - 800;  // below the vector path's range
  Tensor w{{C}, {}};
  std::uniform_real_distribution<float> uw(0.25f, 2.0f);
  for (std::int64_t c = 0; c < C; ++c) w.values.push_back(uw(g));
  const Tensor y{{3}, {3, 12345, 20000}};
  expect_tight_pass(request("cross_entropy", {{"label_smoothing", 0.1}}, {{"input", x}, {"target", y}, {"weight", w}}),
                    "smoothed, weighted, mean");
  Tensor t = logits(3, C, g);
  for (double& v : t.values) v = (v + 8) / 16;
  expect_tight_pass(request("cross_entropy", {{"label_smoothing", 0.2}, {"reduction", "sum"}},
                            {{"input", x}, {"target", t}, {"weight", w}}),
                    "probabilities, smoothed, weighted, sum");
  x.values[2 * C + 100] = -std::numeric_limits<double>::infinity();
  expect_tight_pass(request("cross_entropy", {{"reduction", "none"}}, {{"input", x}, {"target", y}}),
                    "plain, none, a -inf logit");
}

TEST(OptimizedLongRows, SoftmaxFamilyVectorPathsWithinBudget) {
  std::mt19937 g(12);
  const std::int64_t C = 1003;
  const Tensor x = logits(4, C, g);
  expect_tight_pass(request("cross_entropy", nlohmann::json::object(), {{"input", x}, {"target", Tensor{{4}, {0, 7, 500, 1002}}}}),
                    "cross_entropy indices");
  Tensor t = logits(4, C, g);
  for (double& v : t.values) v = (v + 8) / 16;
  expect_tight_pass(request("cross_entropy", nlohmann::json::object(), {{"input", x}, {"target", t}}),
                    "cross_entropy probabilities");
  expect_tight_pass(request("log_softmax", nlohmann::json::object(), {{"input", x}}), "log_softmax");
}

}  // namespace
}  // namespace lossoracle
