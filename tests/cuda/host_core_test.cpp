// The CUDA tier's numerical core (the row policies of cuda/*.cuh, compiled
// here by the host compiler) against the oracle's correctly rounded values,
// in binary32 and binary64, on seeded cases of every loss the tier answers
// for. Runs in CI without a GPU; the kernels run the same policies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/registry.hpp"
#include "cuda/host_tier.hpp"
#include "cuda/problem.hpp"
#include "tests/cuda/cuda_cases.hpp"
#include "tests/cuda/oracle_check.hpp"
#include "tests/support/oracle_case.hpp"
#include "tests/support/ordinal_draws.hpp"

namespace lossoracle {
namespace {

using cuda_testing::CaseDraw;
using cuda_testing::check_case;

template <class A>
std::vector<cuda::HostOutput> on_host(const LossCase& c) {
  return cuda::evaluate_on_host<A>(c, 1);
}

template <class A>
void check_loss(const std::string& loss, std::uint64_t seed) {
  CaseDraw d(seed);
  double worst = 0;
  for (int k = 0; k < cuda_testing::cases_per_loss(); ++k) check_case<A>(cuda_testing::draw_case(loss, d, k, k % 3 == 2), worst, on_host<A>);
  std::printf("%s (%s): worst error %.2f ulps of scale\n", loss.c_str(), sizeof(A) == 4 ? "binary32" : "binary64", worst);
}

class HostCore : public ::testing::TestWithParam<std::string> {};

TEST_P(HostCore, Binary32MatchesOracle) { check_loss<float>(GetParam(), 0xC0DA + GetParam().size()); }
TEST_P(HostCore, Binary64MatchesOracle) { check_loss<double>(GetParam(), 0xD0DA + GetParam().size()); }

// The kernels' order: strided lanes merged by the fixed tree. 4 lanes split
// every row of more than one class; 512 (the kernels' block) leaves most
// lanes empty, so merging with empty partial states is exercised as well.
TEST_P(HostCore, BlockOrderMatchesOracle) {
  for (int lanes : {4, 512}) {
    CaseDraw d(0xB10C + GetParam().size());
    double worst = 0;
    for (int k = 0; k < cuda_testing::cases_per_loss(); ++k) {
      const auto j = cuda_testing::draw_case(GetParam(), d, k, k % 3 == 2);
      check_case<float>(j, worst, [lanes](const LossCase& c) { return cuda::evaluate_on_host<float>(c, lanes); });
      check_case<double>(j, worst, [lanes](const LossCase& c) { return cuda::evaluate_on_host<double>(c, lanes); });
    }
    std::printf("%s (%d lanes): worst error %.2f ulps of scale\n", GetParam().c_str(), lanes, worst);
  }
}

INSTANTIATE_TEST_SUITE_P(Losses, HostCore, ::testing::ValuesIn(cuda::cuda_loss_names()),
                         [](const auto& info) { return info.param; });

// The ordinal families' standard draws (tests/support/ordinal_draws.hpp:
// every parameter combination) through the host core, in binary32 (inputs
// rounded to binary32 first, so the oracle judges what the tier computes
// with) and binary64, left to right and in the kernels' order.
class HostCoreOrdinal : public ::testing::TestWithParam<testing_support::OrdinalConfig> {};

LossCase rounded_to_float(LossCase c) {
  for (auto& [name, t] : c.inputs)
    for (double& v : t.values) v = static_cast<float>(v);
  return c;
}

TEST_P(HostCoreOrdinal, MatchesOracle) {
  double worst = 0;
  for (int k = 0; k < 2; ++k) {
    const LossCase c = testing_support::ordinal_draw(GetParam(), testing_support::seed_of(GetParam(), k)).c;
    SCOPED_TRACE(testing_support::name(GetParam()) + " draw " + std::to_string(k));
    for (int lanes : {1, 4}) {
      cuda_testing::check_loss_case<float>(rounded_to_float(c), worst, [lanes](const LossCase& x) {
        return cuda::evaluate_on_host<float>(x, lanes);
      });
      cuda_testing::check_loss_case<double>(c, worst, [lanes](const LossCase& x) {
        return cuda::evaluate_on_host<double>(x, lanes);
      });
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, HostCoreOrdinal, ::testing::ValuesIn(testing_support::ordinal_configs({
                                                      "slace",
                                                      "sord",
                                                      "oll",
                                                      "acc_loss",
                                                      "slace_prox",
                                                  })),
                         [](const auto& info) { return testing_support::name(info.param); });

// Hand-picked rows where the naive forms lose everything: a dominant class
// (loss ~ 1e-30: log(1 + tail) would round to 0), equal logits (exact zero
// gradients under smoothing), and a row mixing -inf with finite logits.
TEST(HostCore, HardRowsKeepRelativeAccuracy) {
  double worst = 0;
  for (const char* text : {
           R"({"loss":"cross_entropy","params":{"reduction":"none"},"inputs":{"input":{"shape":[2,3],"data":["0x1p+6","0x0p+0","-0x1p+3","0x1p+0","0x1p+0","0x1p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x1p+1"]}}})",
           R"({"loss":"cross_entropy","params":{"reduction":"sum","label_smoothing":0.25},"inputs":{"input":{"shape":[1,4],"data":["0x1p+0","0x1p+0","0x1p+0","0x1p+0"]},"target":{"shape":[1],"data":["0x1p+0"]}}})",
           R"({"loss":"cross_entropy","params":{"reduction":"mean"},"inputs":{"input":{"shape":[2,3],"data":["-inf","0x1p+0","0x1p-1","-inf","-inf","-inf"]},"target":{"shape":[2],"data":["0x1p+0","0x0p+0"]}}})",
           R"({"loss":"softmax","params":{},"inputs":{"input":{"shape":[1,3],"data":["0x1p+2","0x1p+2","-0x1p+4"]}}})",
           R"({"loss":"log_softmax","params":{},"inputs":{"input":{"shape":[3],"data":["0x1.8p+6","0x0p+0","0x1p+0"]}}})",
           // An infinite label: T = inf, so d/dx_0 = s p_0 T is +inf though p_0 = e^-1001 underflows.
           R"({"loss":"soft_label_cross_entropy_with_logits","params":{"reduction":"sum"},"inputs":{"input":{"shape":[3],"data":["-0x1.f4p+9","0x0p+0","0x1p+0"]},"target":{"shape":[3],"data":["0x1p-2","inf","0x1p-1"]}}})",
           // entr at 0 (0, gradient +inf), near 1 (-p log p ~ 1 - p), and 1/e rounded (gradient ~ 0).
           R"({"loss":"entropy","params":{"reduction":"none"},"inputs":{"input":{"shape":[1,3],"data":["0x0p+0","0x1.fffffep-1","0x1.78b564p-2"]}}})",
           // z = mult x with mult = 0.3f: rounding z_0 = 75.000003 to 75 would cost 50 ulps of the
           // dominant row's loss (~e^-74); the second row has equal logits (exact zero gradients).
           R"({"loss":"unit_scaled_cross_entropy","params":{"reduction":"sum","mult":0.30000001192092896},"inputs":{"input":{"shape":[2,3],"data":["0x1.f4p+7","-0x1.ep+5","0x1p+2","0x1p+0","0x1p+0","0x1p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x1p+1"]}}})",
           R"({"loss":"unit_scaled_cross_entropy","params":{"reduction":"mean","mult":-1.5},"inputs":{"input":{"shape":[1,3],"data":["-0x1.4p+6","0x0p+0","0x1.8p+3"]},"target":{"shape":[1,3],"data":["0x1p+0","0x0p+0","0x0p+0"]}}})",
           // clamp's boundary: p - 1 = clamp_min exactly passes (gradient -s d / (p - 1)), a float below does not.
           R"({"loss":"misclass_b_as_published","params":{"reduction":"sum","clamp_min":0.25},"inputs":{"input":{"shape":[2,2],"data":["0x1.4p+0","0x1.3ffffep+0","0x1.4p+0","0x1.400002p+0"]},"target":{"shape":[2],"data":["0x0p+0","-0x1p+0"]},"cost_matrix":{"shape":[2,2],"data":["0x1p+0","0x1.8p+0","0x1p-1","0x1p+1"]}}})",
           // misclass_b: [40, 0, 0] (1 - p_0 rounds to 0: f_0 = 39.3 from the tail); a 100-nat gap (tail
           // below binary32's normals: f_0 and the others' weights from the second logit); a tie at the
           // maximum; one finite logit (f_0 = inf, d/dx_0 = w_0, the others NaN as the spec's q); an
           // 800-nat gap (e^-800 underflows binary64 too).
           R"({"loss":"misclass_b","params":{"reduction":"none"},"inputs":{"input":{"shape":[4,3],"data":["0x1.4p+5","0x0p+0","0x0p+0","0x1.9p+6","0x0p+0","-0x1.8p+1","0x1p+1","0x1p+1","0x0p+0","0x1p+0","-inf","-inf"]},"target":{"shape":[4],"data":["0x0p+0","0x1p+0","0x1p+1","-0x1p+0"]},"cost_matrix":{"shape":[3,3],"data":["0x1p+0","0x1p+1","0x1.8p+0","0x1p-1","0x1p+0","0x1p+1","0x1p+1","0x1p-2","0x1p+0"]}}})",
           // classification_mae_with_logits: a one-hot label on a dominant class (1 - p_0 ~ 4e-18, not 1 - p
           // rounded); equal logits against 1/3 rounded (p = 1/3 exactly: the sign of 1 - 3 y decided exactly,
           // though p rounds to y); p = 0 for -inf against a label 0 (an exact zero).
           R"({"loss":"classification_mae_with_logits","params":{"reduction":"none"},"inputs":{"input":{"shape":[3,3],"data":["0x1.4p+5","0x0p+0","0x0p+0","0x1p+0","0x1p+0","0x1p+0","0x0p+0","-inf","0x1p+1"]},"target":{"shape":[3,3],"data":["0x1p+0","0x0p+0","0x0p+0","0x1.555556p-2","0x1.555556p-2","0x1.555556p-2","0x1p-1","0x0p+0","0x1p-1"]}}})",
           R"({"loss":"misclass_b","params":{"reduction":"sum"},"inputs":{"input":{"shape":[2,3],"data":["0x1.4p+5","0x0p+0","0x0p+0","0x1.9p+9","0x0p+0","-0x1.8p+1"]},"target":{"shape":[2],"data":["0x0p+0","0x1p+0"]},"cost_matrix":{"shape":[3,3],"data":["0x1p+0","0x1p+1","0x1.8p+0","0x1p-1","0x1p+0","0x1p+1","0x1p+1","0x1p-2","0x1p+0"]}}})"}) {
    check_case<float>(nlohmann::json::parse(text), worst, on_host<float>);
    check_case<double>(nlohmann::json::parse(text), worst, on_host<double>);
  }
}

// Hand-picked rows of oll, acc_loss and slace_prox, each in binary32 and
// binary64, left to right and in 4 lanes.
nlohmann::json ordinal_row(const std::string& loss, nlohmann::json params, std::int64_t N, std::int64_t C,
                           const std::vector<double>& x, const std::vector<double>& y) {
  nlohmann::json j{{"loss", loss}, {"params", std::move(params)}, {"inputs", nlohmann::json::object()}};
  j["inputs"]["input"] = cuda_testing::tensor({N, C}, x);
  j["inputs"]["target"] = cuda_testing::tensor({N}, y);
  return j;
}

TEST(HostCore, OrdinalHardRows) {
  using nlohmann::json;
  std::vector<json> rows;
  // oll: a 100-nat gap (1 - p_top = e^-100 is subnormal in binary32: O and
  // e_k / O from the others' own statistics), an 800-nat gap (e^-800
  // underflows binary64 too), a tie at the maximum (O >= 1), and the far
  // class's term with p_top near 1/2.
  rows.push_back(ordinal_row("oll", {{"reduction", "none"}, {"alpha", 1.0}}, 4, 3,
                             {100, 0, -3, 800, 0, 1, 2, 2, 0, 0.5, 0.25, 0.5}, {2, 1, 0, 2}));
  // C = 2 with alpha 0 (0^0 = 1: every class weighs 1), alpha 2.5 and a
  // negative alpha (the target's weight is +inf: the loss +inf), sum.
  rows.push_back(ordinal_row("oll", {{"reduction", "none"}, {"alpha", 0.0}, {"log_base", "10"}}, 2, 2,
                             {0.5, -0.5, 30, -30}, {1, 0}));
  rows.push_back(ordinal_row("oll", {{"reduction", "sum"}, {"alpha", 2.5}}, 2, 2, {3, -60, -5, 5}, {1, 1}));
  rows.push_back(ordinal_row("oll", {{"reduction", "mean"}, {"alpha", -0.75}}, 1, 3, {1, 2, 3}, {1}));
  // oll from probabilities: p near 1 (1 - p exact), a 1 (log 0: -inf times
  // a positive weight, loss +inf) and a 0.
  rows.push_back(ordinal_row("oll", {{"reduction", "none"}, {"use_logits", false}, {"alpha", 1.0}}, 2, 3,
                             {0.99999988079071045, 1.1920928955078125e-07, 0, 1, 0, 0}, {2, 2}));
  // oll with -inf logits beside finite ones, and a distance matrix.
  {
    json j = ordinal_row("oll", {{"reduction", "none"}, {"alpha", 2.0}}, 2, 3,
                         {-INFINITY, 1, 0.5, 4, -INFINITY, -INFINITY}, {0, 1});
    j["inputs"]["distance"] = cuda_testing::tensor({3, 3}, {0, 0.5, 3, 1, 0, 1, 2, 0.5, 0});
    rows.push_back(j);
  }
  // acc_loss: a row of ties (one group: loss and gradient exactly 0), C = 1
  // (0), an 80-nat gap against the target (acc_0 = e^-80 near binary32's
  // smallest normal), and probabilities with acc_0 = 0 (+inf) or summing past 1.
  {
    json j = ordinal_row("acc_loss", {{"reduction", "none"}}, 2, 3, {1, 2, 3, -40, 40, 0}, {0, 0});
    j["inputs"]["distance"] = cuda_testing::tensor({3, 3}, {1, 1, 1, 0, 2, 2, 2, 0, 0});
    rows.push_back(j);
  }
  rows.push_back(ordinal_row("acc_loss", {{"reduction", "sum"}}, 2, 1, {5, -3}, {0, 0}));
  rows.push_back(ordinal_row("acc_loss", {{"reduction", "none"}, {"log_base", "2"}}, 1, 4, {-40, 40, 0, 39}, {0}));
  rows.push_back(ordinal_row("acc_loss", {{"reduction", "none"}, {"use_logits", false}}, 2, 3,
                             {0, 0.5, 0.5, 0.25, 0.5, 0.5000000596046448}, {0, 1}));
  // slace_prox: the paper's Figure 3b counts (A = (200, 50, 170): c3 closer
  // than c1) at alpha 0; a zero count beside the target and equal A_c (ties),
  // prox base 10, alpha 12.5; counts near the 2^50 total.
  {
    json j = ordinal_row("slace_prox", {{"reduction", "none"}, {"alpha", 0.0}, {"log_base", "10"}}, 1, 3,
                         {0.3, 0.5, 0.2}, {1});
    j["params"]["use_logits"] = false;
    j["inputs"]["class_counts"] = cuda_testing::tensor({3}, {100, 50, 70});
    rows.push_back(j);
    json k = ordinal_row("slace_prox", {{"reduction", "mean"}, {"alpha", 12.5}, {"prox_log_base", "10"}}, 2, 5,
                         {1, 2, 3, 4, 5, 30, -30, 0, 0, 0}, {2, 0});
    k["inputs"]["class_counts"] = cuda_testing::tensor({5}, {3, 0, 2, 0, 3});
    rows.push_back(k);
    json l = ordinal_row("slace_prox", {{"reduction", "sum"}, {"alpha", 0.5}, {"prox_log_base", "2"}}, 1, 3,
                         {0, 1, 2}, {1});
    l["inputs"]["class_counts"] = cuda_testing::tensor({3}, {0x1p48, 1, 0x1p48});
    rows.push_back(l);
  }
  double worst = 0;
  for (const json& j : rows)
    for (int lanes : {1, 4}) {
      auto on = [lanes](auto tag) {
        return [lanes](const LossCase& c) { return cuda::evaluate_on_host<decltype(tag)>(c, lanes); };
      };
      check_case<float>(j, worst, on(float{}));
      check_case<double>(j, worst, on(double{}));
    }
  std::printf("ordinal hard rows: worst error %.2f ulps of scale\n", worst);
}

// A class index outside [0, C) is an error with the reference tier's words
// (and its position), never clamped; so are bad shapes.
TEST(HostCore, RejectsLikeTheReference) {
  for (const char* text : {
           R"({"loss":"cross_entropy","params":{},"inputs":{"input":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x1.8p+1"]}}})",
           R"({"loss":"nll_loss","params":{},"inputs":{"input":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["-0x1p+0","0x0p+0"]}}})",
           R"({"loss":"cross_entropy","params":{},"inputs":{"input":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[3],"data":["0x0p+0","0x0p+0","0x0p+0"]}}})",
           R"({"loss":"cross_entropy","params":{},"inputs":{"input":{"shape":[1,2],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[1],"data":["0x0p+0"]},"weight":{"shape":[3],"data":["0x1p+0","0x1p+0","0x1p+0"]}}})",
           R"({"loss":"cross_entropy","params":{"label_smoothing":1.5},"inputs":{"input":{"shape":[1,2],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[1],"data":["0x0p+0"]}}})",
           R"({"loss":"kl_div","params":{},"inputs":{"input":{"shape":[2],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[1],"data":["0x0p+0"]}}})",
           R"({"loss":"unit_scaled_cross_entropy","params":{},"inputs":{"input":{"shape":[2,1],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x0p+0"]}}})",
           R"({"loss":"unit_scaled_cross_entropy","params":{"reduction":"none"},"inputs":{"input":{"shape":[1,2],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[1],"data":["0x0p+0"]}}})",
           R"({"loss":"unit_scaled_cross_entropy","params":{},"inputs":{"input":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x1.8p+1"]}}})",
           R"({"loss":"unit_scaled_cross_entropy","params":{},"inputs":{"input":{"shape":[1,2,1],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[1,1],"data":["0x0p+0"]}}})",
           R"({"loss":"smooth_labels","params":{"num_classes":3},"inputs":{"target":{"shape":[2],"data":["0x0p+0","0x1.8p+1"]}}})",
           R"({"loss":"smooth_labels","params":{"num_classes":0},"inputs":{"target":{"shape":[1],"data":["0x0p+0"]}}})",
           R"({"loss":"fastai_label_smoothing_cross_entropy","params":{},"inputs":{"input":{"shape":[3],"data":["0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[],"data":["0x0p+0"]}}})",
           R"({"loss":"fastai_label_smoothing_cross_entropy","params":{},"inputs":{"input":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["-0x1p+0","0x0p+0"]}}})",
           R"({"loss":"label_smoothed_nll_loss","params":{"epsilon":0.1},"inputs":{"input":{"shape":[2,1],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x0p+0"]}}})",
           R"({"loss":"label_smoothed_nll_loss","params":{"epsilon":0.1},"inputs":{"input":{"shape":[2,2],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x1p+1"]}}})",
           R"({"loss":"slace","params":{},"inputs":{"input":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2,1],"data":["0x0p+0","0x1.8p+1"]}}})",
           R"({"loss":"slace","params":{},"inputs":{"input":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["-0x1p+0","0x0p+0"]}}})",
           R"({"loss":"misclass_a","params":{},"inputs":{"input":{"shape":[2,2],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x0p+0","-0x1.8p+1"]},"cost_matrix":{"shape":[2,2],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0"]}}})",
           R"({"loss":"misclass_a_logits","params":{},"inputs":{"input":{"shape":[2,2],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x0p+0","0x1p+0"]},"cost_matrix":{"shape":[2,3],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0","0x0p+0"]}}})",
           R"({"loss":"per_pair_weighted_ce","params":{},"inputs":{"input":{"shape":[2],"data":["0x0p+0","0x0p+0"]},"target":{"shape":[2],"data":["0x1p-1","0x1p-1"]},"cost_matrix":{"shape":[2,2],"data":["0x0p+0","0x0p+0","0x0p+0","0x0p+0"]}}})",
           R"({"loss":"slace","params":{},"inputs":{"input":{"shape":[3],"data":["0x0p+0","0x0p+0","0x0p+0"]},"target":{"shape":[1],"data":["0x0p+0"]}}})"}) {
    const LossCase c = testing_support::resolved_case(std::string(text));
    std::string expected = "(none)";
    try {
      testing_support::oracle(c);
    } catch (const InputError& e) {
      expected = e.what();
    }
    std::string got = "(none)";
    try {
      cuda::evaluate_on_host<float>(c);
    } catch (const InputError& e) {
      got = e.what();
    }
    EXPECT_NE(expected, "(none)") << text;
    EXPECT_EQ(got, expected) << text;
  }
}

// The tier's bindings are keyed by registry names: each must name a loss of
// the registry, and every loss the registry marks for the CUDA tier must
// have one.
TEST(HostCore, BindingsMatchTheRegistry) {
  const auto& names = cuda::cuda_loss_names();
  std::set<std::string> bound(names.begin(), names.end());
  EXPECT_EQ(bound.size(), names.size()) << "a name is bound twice";
  for (const auto& n : names) EXPECT_NO_THROW(find_loss(n)) << n;
  for (const LossInfo& info : loss_registry()) {
    if (!info.cuda) continue;
    EXPECT_TRUE(bound.count(info.name)) << info.name << " is marked cuda but has no binding";
  }
}

}  // namespace
}  // namespace lossoracle
