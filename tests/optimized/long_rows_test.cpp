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
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>

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

// Plain cross entropy's gradient entries away from the target are p_j g,
// without cancellation, so each is judged in its own ulps here (tight bounds
// them only at the output's scale, where a small p_j's error is invisible).
// They are e_j, kept as a float, times g / S, rounded: the float e_j's
// rounding (0.5 ulp of e_j, up to 1 ulp of p_j where p_j's significand is
// near 2 and e_j's near 1) and the final one bound them by 1.5 ulp; the
// binary32 exp of float rows (vecmath.hpp's exp_shifted_f32) adds at most
// 0.12 (0.089 measured with FMA, 0.113 without). Measured 1.34 ulp, as
// with the binary64 exp this path replaced
// (1.34 / 1.33 / 1.13 on the three rows below, against 1.34 / 1.35 / 1.12
// now). Dropping exp_shifted_f32's TwoSum term (x - m rounded to float, up
// to 8 ulp of e_j at x - m = -16) fails this test (8.7 / 9.3 / 64.6 ulp),
// and passes every budget of the accuracy suite.
TEST(OptimizedLongRows, CrossEntropyFloatGradientEntriesInTheirOwnUlps) {
  std::mt19937 g(13);
  for (const auto& [C, spread] : {std::pair<std::int64_t, float>{1003, 8}, {20001, 8}, {4099, 38}}) {
    std::uniform_real_distribution<float> u(-spread, spread);
    Tensor x{{2, C}, {}};
    for (std::int64_t k = 0; k < 2 * C; ++k) x.values.push_back(u(g));
    const Tensor y{{2}, {1, static_cast<double>(C - 1)}};
    const nlohmann::json req = request("cross_entropy", {{"reduction", "sum"}}, {{"input", x}, {"target", y}});
    const auto answer = testing_support::oracle(testing_support::resolved_case(req));
    certify::OptimizedImplementation impl;
    const certify::ImplResult r = impl.evaluate(req, certify::Dtype::float32);
    const auto& exact = testing_support::output(answer, "grad_input").values;
    bool found = false;
    long double worst = 0;
    for (const auto& out : r.outputs) {
      if (out.name != "grad_input") continue;
      found = true;
      for (std::int64_t k = 0; k < 2 * C; ++k) {
        if (k == 1 || k == 2 * C - 1) continue;  // the targets: 1 - p_y, judged by the tests above
        const long double e = std::strtold(exact[k].decimal.c_str(), nullptr);
        worst = std::max(worst, std::fabs(static_cast<long double>(out.values[k]) - e) /
                                    certify::ulp_at(certify::Dtype::float32, e));
      }
    }
    EXPECT_TRUE(found);
    EXPECT_LE(worst, 1.62L) << "C = " << C << ", logits in +-" << spread;
    std::printf("C = %lld, logits in +-%g: worst non-target gradient entry %.3Lf float ulp\n",
                static_cast<long long>(C), static_cast<double>(spread), worst);
  }
}

}  // namespace
}  // namespace lossoracle
