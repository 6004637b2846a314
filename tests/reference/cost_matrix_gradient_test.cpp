// Analytic gradients of the cost-matrix losses (seed 002), through the loss
// list, against forward-mode autodiff and 1030-bit central differences
// (tests/support/gradient_check.hpp): every loss, layout ((C) and (N, C) where
// the loss takes both), reduction, and default or given grad_output; with
// respect to the input, and to the target for per_pair_weighted_ce.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <ostream>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "tests/support/gradient_check.hpp"
#include "tests/support/oracle_case.hpp"

namespace {

using nlohmann::json;
using namespace lossoracle;
using namespace lossoracle::testing_support;

constexpr int kForwardModeCases = 20;
constexpr int kFiniteDifferenceCases = 12;

struct Config {
  std::string loss, reduction;
  bool unbatched = false;
  bool custom_grad_output = false;
  std::string wrt = "input";
};

std::string name(const Config& c) {
  return c.loss + "_" + (c.unbatched ? "C" : "NC") + "_" + c.reduction + (c.custom_grad_output ? "_gradout" : "_ones") +
         "_wrt_" + c.wrt;
}

void PrintTo(const Config& c, std::ostream* os) { *os << name(c); }

std::vector<Config> configs() {
  std::vector<Config> out;
  for (const std::string loss :
       {"per_pair_weighted_ce", "misclass_a", "misclass_a_logits", "misclass_b_as_published", "misclass_b"})
    for (bool unbatched : {false, true}) {
      if (unbatched && loss == "per_pair_weighted_ce") continue;
      for (const std::string reduction : {"none", "sum", "mean"})
        for (bool go : {false, true})
          for (const std::string wrt : {"input", "target"}) {
            if (wrt == "target" && loss != "per_pair_weighted_ce") continue;
            out.push_back({loss, reduction, unbatched, go, wrt});
          }
    }
  return out;
}

json tensor(const std::vector<double>& v, const Shape& shape) {
  json data = json::array();
  for (double e : v) data.push_back(hex64(e));
  return {{"shape", shape}, {"data", data}};
}

struct Draw {
  LossCase c;
  std::vector<double> u;
  std::string text;
};

Draw draw(const Config& cfg, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  const std::int64_t N = cfg.unbatched ? 1 : pick(1, 3), C = pick(2, 5);
  const Shape in_shape = cfg.unbatched ? Shape{C} : Shape{N, C};
  const std::size_t n = static_cast<std::size_t>(N * C);
  std::vector<double> x(n), D(static_cast<std::size_t>(C * C));
  for (double& v : x) v = uniform(-6, 6);
  if (cfg.loss == "misclass_a" || cfg.loss == "misclass_b_as_published")
    for (double& v : x) v = uniform(0, 1);
  // Values above 1 + clamp_min, where misclass_b_as_published has a gradient.
  if (cfg.loss == "misclass_b_as_published")
    for (double& v : x)
      if (uniform(0, 1) < 0.6) v = uniform(1.01, 3);
  for (double& v : D) v = uniform(0, 3);
  for (std::int64_t i = 0; i < C; ++i)
    if (pick(0, 1) == 1) D[i * C + i] = 0;
  json inputs = {{"input", tensor(x, in_shape)}, {"cost_matrix", tensor(D, {C, C})}};
  if (cfg.loss == "per_pair_weighted_ce") {
    std::vector<double> t(n);
    for (double& v : t) v = uniform(0, 1);
    inputs["target"] = tensor(t, in_shape);
  } else {
    std::vector<double> y;
    for (std::int64_t k = 0; k < N; ++k) y.push_back(static_cast<double>(pick(-C, C - 1)));
    inputs["target"] = cfg.unbatched ? tensor(y, {}) : tensor(y, {N});
  }
  if (cfg.custom_grad_output) {
    Shape gs;
    if (cfg.reduction == "none") gs = cfg.loss == "per_pair_weighted_ce" ? Shape{N} : in_shape;
    std::vector<double> g(static_cast<std::size_t>(element_count(gs)));
    for (double& v : g) v = uniform(-2, 2);
    inputs["grad_output"] = tensor(g, gs);
  }
  json params = {{"reduction", cfg.reduction}};
  // Both clamp values: the binary64 1e-7 (default) and the float32 one.
  if (cfg.loss == "misclass_b_as_published" && pick(0, 1) == 1) params["clamp_min"] = "0x1.ad7f2ap-24";
  const json j = {{"loss", cfg.loss}, {"params", params}, {"inputs", inputs}};
  Draw d{resolved_case(j), std::vector<double>(n), j.dump()};
  for (double& v : d.u) v = uniform(-1, 1);
  return d;
}

std::uint64_t seed_for(const Config& c, int k) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across standard libraries
  for (char ch : name(c)) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h ^ (static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ull);
}

class CostMatrixGradient : public testing::TestWithParam<Config> {};

TEST_P(CostMatrixGradient, AgreesWithForwardModeAutodiff) {
  for (int k = 0; k < kForwardModeCases; ++k) {
    const Draw d = draw(GetParam(), seed_for(GetParam(), k));
    EXPECT_TRUE(forward_mode_agrees(d.c, GetParam().wrt, d.u)) << d.text;
  }
}

TEST_P(CostMatrixGradient, AgreesWithCentralDifferences) {
  for (int k = 0; k < kFiniteDifferenceCases; ++k) {
    const Draw d = draw(GetParam(), seed_for(GetParam(), 1000 + k));
    EXPECT_TRUE(finite_difference_agrees(d.c, GetParam().wrt, d.u)) << d.text;
  }
}

INSTANTIATE_TEST_SUITE_P(All, CostMatrixGradient, testing::ValuesIn(configs()),
                         [](const testing::TestParamInfo<Config>& i) { return name(i.param); });

}  // namespace
