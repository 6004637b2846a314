// unit_scaled_cross_entropy (Graphcore unit_scaling 0.3.5, seed 003):
//   - semantics: every output (loss, per_position, grad_input, the library's
//     scaled backward grad_input_unit_scaled, and the target gradients)
//     against textbook formulas at ~200 bits, bit for bit where proved;
//   - the library itself: its float64 results on 120 random cases
//     (golden/crosscheck/unit_scaling_crosscheck.py) within float64 rounding
//     of the magnitudes the computation handles;
//   - the scaled backward is V/sqrt(V-1) times the plain sum-gradient at
//     mult*x, through the oracle: bit for bit for V = 2 (scale exactly 2),
//     and as enclosures for other V;
//   - mean divides by B counting ignored rows (an all-ignored batch gives 0);
//   - every error path with the library's message;
//   - gradients through the harness for every parameter combination.
// Seed 003 (the library's documentation page) prints no numbers.
#include <gtest/gtest.h>

#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "tests/support/gradient_check.hpp"
#include "tests/support/oracle_case.hpp"

namespace {

namespace bmp = boost::multiprecision;
using nlohmann::json;
using namespace lossoracle;
using namespace lossoracle::testing_support;

using Mp200 = bmp::number<bmp::mpfr_float_backend<61>, bmp::et_off>;  // ~203 bits

std::string bits(double v) { return v == 0.0 ? std::string("0") : hex64(v); }

json tensor(const std::vector<double>& v, const Shape& shape) {
  json data = json::array();
  for (double e : v) data.push_back(hex64(e));
  return {{"shape", shape}, {"data", data}};
}

// ---------------------------------------------------------------- random cases

struct Draw {
  bool unbatched = false, probabilities = false;
  std::int64_t B = 1, V = 2, ignore_index = -100;
  std::string reduction = "mean";
  double mult = 1, g = 1;
  bool custom_g = false;
  std::vector<double> x, t;
  std::vector<std::int64_t> y;
};

Draw draw(std::mt19937_64& rng, bool unbatched, bool probabilities, const std::string& reduction, bool custom_g) {
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  Draw d;
  d.unbatched = unbatched;
  d.probabilities = probabilities;
  d.reduction = reduction;
  d.B = unbatched ? 1 : pick(1, 4);
  d.V = pick(2, 7);
  const double mults[] = {1.0, 0.5, 2.5, -1.25};
  d.mult = pick(0, 4) == 4 ? uniform(-3, 3) : mults[pick(0, 3)];
  d.custom_g = custom_g;
  if (custom_g) d.g = uniform(-2, 2);
  d.x.resize(static_cast<std::size_t>(d.B * d.V));
  for (double& v : d.x) v = uniform(-6, 6);
  if (probabilities) {
    d.t.resize(d.x.size());
    for (double& v : d.t) v = uniform(0, 1);
  } else {
    d.ignore_index = pick(0, 1) ? -100 : pick(0, d.V - 1);
    for (std::int64_t n = 0; n < d.B; ++n) d.y.push_back(pick(0, 3) == 0 ? d.ignore_index : pick(0, d.V - 1));
  }
  return d;
}

json case_json(const Draw& d) {
  const Shape shape = d.unbatched ? Shape{d.V} : Shape{d.B, d.V};
  json params = {{"reduction", d.reduction}, {"mult", hex64(d.mult)}};
  json inputs = {{"input", tensor(d.x, shape)}};
  if (d.probabilities) {
    inputs["target"] = tensor(d.t, shape);
  } else {
    params["ignore_index"] = d.ignore_index;
    std::vector<double> y(d.y.begin(), d.y.end());
    inputs["target"] = tensor(y, d.unbatched ? Shape{} : Shape{d.B});
  }
  if (d.custom_g) inputs["grad_output"] = tensor({d.g}, {});
  return {{"loss", "unit_scaled_cross_entropy"}, {"params", params}, {"inputs", inputs}};
}

// ---------------------------------------------------------------- (a) textbook

// S = sum_n l_n(z_n), z = mult x: l_n = lse(z_n) - z_{n,y_n} (0 if ignored), or
// -sum_c t_c (z_c - lse(z_n)). loss = S / B (mean) or S. dS/dz_n = p - onehot(y)
// (or p sum t - t); the derivative is mult (g / B) dS/dz, the library's scaled
// backward g V/sqrt(V-1) dS/dz; d/dt = -(g / B) logp, unscaled -g logp.
std::map<std::string, std::vector<Mp200>> textbook(const Draw& d) {
  const std::int64_t B = d.B, V = d.V;
  const bool mean = d.reduction == "mean";
  const Mp200 g = d.g, mult = d.mult, scale = Mp200(V) / sqrt(Mp200(V - 1));
  std::map<std::string, std::vector<Mp200>> out;
  auto& per = out["per_position"];
  auto& gx = out["grad_input"];
  auto& gxs = out["grad_input_unit_scaled"];
  gx.assign(static_cast<std::size_t>(B * V), 0);
  gxs = gx;
  if (d.probabilities) {
    out["grad_target"] = gx;
    out["grad_target_unit_scaled"] = gx;
  }
  Mp200 S = 0;
  for (std::int64_t n = 0; n < B; ++n) {
    std::vector<Mp200> z(V), logp(V);
    Mp200 sum = 0;
    for (std::int64_t c = 0; c < V; ++c) {
      z[c] = mult * Mp200(d.x[n * V + c]);
      sum += exp(z[c]);
    }
    for (std::int64_t c = 0; c < V; ++c) logp[c] = z[c] - log(sum);
    std::vector<Mp200> dz(V, Mp200(0));
    Mp200 l = 0;
    if (d.probabilities) {
      Mp200 tsum = 0;
      for (std::int64_t c = 0; c < V; ++c) {
        l -= Mp200(d.t[n * V + c]) * logp[c];
        tsum += Mp200(d.t[n * V + c]);
      }
      for (std::int64_t c = 0; c < V; ++c) dz[c] = exp(logp[c]) * tsum - Mp200(d.t[n * V + c]);
      for (std::int64_t c = 0; c < V; ++c) {
        out["grad_target_unit_scaled"][n * V + c] = -g * logp[c];
        out["grad_target"][n * V + c] = -g * logp[c] / (mean ? Mp200(B) : Mp200(1));
      }
    } else if (d.y[n] != d.ignore_index) {
      l = -logp[d.y[n]];
      for (std::int64_t c = 0; c < V; ++c) dz[c] = exp(logp[c]) - Mp200(c == d.y[n] ? 1 : 0);
    }
    per.push_back(l);
    S += l;
    for (std::int64_t c = 0; c < V; ++c) {
      gx[n * V + c] = g * mult * dz[c] / (mean ? Mp200(B) : Mp200(1));
      gxs[n * V + c] = g * scale * dz[c];
    }
  }
  out["loss"] = {mean ? Mp200(S / Mp200(B)) : S};
  return out;
}

TEST(UnitScaledSemantics, MatchesTextbookFormulaBitForBit) {
  std::mt19937_64 rng(0x0003);
  int compared = 0, unsettled = 0;
  for (bool unbatched : {false, true})
    for (bool probabilities : {false, true})
      for (const std::string reduction : {"mean", "sum"})
        for (bool custom_g : {false, true})
          for (int k = 0; k < 6; ++k) {
            const Draw d = draw(rng, unbatched, probabilities, reduction, custom_g);
            const json j = case_json(d);
            const reference::OracleAnswer a = oracle(resolved_case(j));
            const auto expected = textbook(d);
            for (const auto& [name, values] : expected) {
              const auto& o = output(a, name);
              ASSERT_EQ(o.values.size(), values.size()) << name;
              for (std::size_t e = 0; e < values.size(); ++e) {
                if (!settled(o.values[e])) {
                  ++unsettled;
                  continue;
                }
                ++compared;
                EXPECT_EQ(bits(o.values[e].f64), bits(static_cast<double>(values[e])))
                    << name << "[" << e << "]: oracle " << o.values[e].decimal << ", textbook " << values[e].str(40)
                    << "\n  " << j.dump();
              }
            }
            // Probability targets have target gradients, class indices none.
            EXPECT_EQ(has_output(a, "grad_target"), probabilities);
            EXPECT_EQ(has_output(a, "grad_target_unit_scaled"), probabilities);
          }
  EXPECT_GT(compared, 1500);
  EXPECT_LT(unsettled, compared / 100 + 1);
}

// B = input.shape[0] counts ignored rows: mean is sum / 3 here, not / 1, and
// an all-ignored batch gives 0 (PyTorch's own mean would be NaN). Confirmed
// with the library: U.cross_entropy(x, [-100, -100, -100]) = tensor(0.).
TEST(UnitScaledSemantics, MeanDividesByTheBatchSizeCountingIgnoredRows) {
  const json x = {{1, 2, 3}, {0.5, -1, 2}, {3, 0, 0}};
  auto loss = [&](json y, const std::string& red) {
    const json j = {{"loss", "unit_scaled_cross_entropy"},
                    {"params", {{"reduction", red}}},
                    {"inputs", {{"input", x}, {"target", y}}}};
    return output(oracle(resolved_case(j)), "loss").values.at(0);
  };
  const reference::RoundedValue all_ignored = loss({-100, -100, -100}, "mean");
  EXPECT_EQ(all_ignored.status, reference::ProofStatus::exact);
  EXPECT_EQ(all_ignored.f64, 0.0);
  const Mp200 l0 = log(exp(Mp200(1)) + exp(Mp200(2)) + exp(Mp200(3))) - 3;
  EXPECT_EQ(hex64(loss({2, -100, -100}, "mean").f64), hex64(static_cast<double>(Mp200(l0 / 3))));
  EXPECT_EQ(hex64(loss({2, -100, -100}, "sum").f64), hex64(static_cast<double>(l0)));
}

// ---------------------------------------------------------------- the library itself

TEST(UnitScalingCrosscheck, LibraryFloat64AgreesWithTheOracleWithinRounding) {
  std::ifstream in(std::string(LOSSORACLE_SOURCE_DIR) + "/golden/crosscheck/unit_scaling_crosscheck.json");
  const json data = json::parse(in);
  ASSERT_EQ(data.at("unit_scaling"), "0.3.5");
  std::map<std::string, double> worst;
  int cases = 0;
  for (const json& item : data.at("cases")) {
    json j = item;
    j.erase("library");
    const LossCase lc = resolved_case(j);
    const reference::OracleAnswer a = oracle(lc);
    ++cases;
    // The magnitudes the float64 computation handles, which its rounding
    // errors scale with: log_softmax works on z = mult x (absolute error ~
    // eps max|z| per row, however small the loss), and the gradients are g
    // times a factor times p - onehot (absolute error ~ eps times that factor).
    const Tensor& x = *lc.find("input");
    const double mult = lc.params.real("mult"), g = std::fabs(lc.find("grad_output")->values.at(0));
    const bool mean = lc.params.text("reduction") == "mean";
    const double B = x.shape.size() == 2 ? static_cast<double>(x.shape[0]) : 1.0;
    const double V = static_cast<double>(x.shape.back());
    double zmax = 0;
    for (double v : x.values) zmax = std::max(zmax, std::fabs(mult * v));
    const std::map<std::string, double> magnitude = {
        {"loss", zmax * B / (mean ? B : 1.0)},
        {"grad_input", g * std::fabs(mult) / (mean ? B : 1.0)},
        {"grad_input_unit_scaled", g * V / std::sqrt(V - 1)},
        {"grad_target_unit_scaled", 0.0}};
    for (const auto& [name, values] : item.at("library").items()) {
      const auto& o = output(a, name);
      ASSERT_EQ(o.values.size(), values.size()) << name;
      double scale = magnitude.at(name);
      for (const auto& v : o.values) scale = std::max(scale, std::fabs(v.f64));
      for (std::size_t k = 0; k < values.size(); ++k) {
        ASSERT_TRUE(settled(o.values[k]));
        const double lib = *parse_real(values[k].get<std::string>());
        const double diff = std::fabs(lib - o.values[k].f64);
        if (scale != 0) worst[name] = std::max(worst[name], diff / scale);
        EXPECT_LE(diff, 0x1p-44 * scale) << name << "[" << k << "]: library " << hex64(lib) << ", oracle "
                                         << hex64(o.values[k].f64) << "\n  " << j.dump();
      }
    }
  }
  for (const auto& [name, w] : worst) std::cout << name << ": max normwise difference " << w << "\n";
  EXPECT_GE(cases, 100);
  EXPECT_EQ(worst.size(), 4u);  // loss, grad_input, grad_input_unit_scaled, grad_target_unit_scaled
}

// ---------------------------------------------------------------- (e) the scaled backward

// V = 2: V/sqrt(V-1) = 2 exactly, so the correctly rounded scaled gradient is
// twice the correctly rounded plain one: cross_entropy(z, reduction='sum') at
// z = mult x with the same cotangent. mult = 1.5 and x = k/8 keep z exact.
TEST(UnitScaledBackward, IsTwiceThePlainSumGradientWhenVIsTwo) {
  std::mt19937_64 rng(11);
  auto eighth = [&] { return static_cast<double>(std::uniform_int_distribution<int>(-40, 40)(rng)) / 8; };
  int compared = 0;
  for (int k = 0; k < 20; ++k) {
    const std::int64_t B = 1 + k % 4;
    std::vector<double> x(static_cast<std::size_t>(2 * B)), z(x.size()), y;
    for (std::size_t e = 0; e < x.size(); ++e) {
      x[e] = eighth();
      z[e] = 1.5 * x[e];
    }
    for (std::int64_t n = 0; n < B; ++n) y.push_back(static_cast<double>((k + n) % 2));
    const double g = k % 3 == 0 ? 1.0 : 0.75 - k / 8.0;
    const json us = {{"loss", "unit_scaled_cross_entropy"},
                     {"params", {{"reduction", k % 2 ? "sum" : "mean"}, {"mult", 1.5}}},
                     {"inputs", {{"input", tensor(x, {B, 2})}, {"target", tensor(y, {B})}, {"grad_output", g}}}};
    const json ce = {{"loss", "cross_entropy"},
                     {"params", {{"reduction", "sum"}}},
                     {"inputs", {{"input", tensor(z, {B, 2})}, {"target", tensor(y, {B})}, {"grad_output", g}}}};
    const reference::OracleAnswer a = oracle(resolved_case(us)), b = oracle(resolved_case(ce));
    const auto& scaled = output(a, "grad_input_unit_scaled").values;
    const auto& plain = output(b, "grad_input").values;
    ASSERT_EQ(scaled.size(), plain.size());
    for (std::size_t e = 0; e < scaled.size(); ++e) {
      ASSERT_TRUE(settled(scaled[e]) && settled(plain[e]))
          << reference::status_name(scaled[e].status) << " " << reference::status_name(plain[e].status) << " " << us.dump();
      EXPECT_EQ(bits(scaled[e].f64), bits(2 * plain[e].f64)) << e << " " << us.dump();
      ++compared;
    }
  }
  EXPECT_GT(compared, 80);
}

// Any V: the oracle's own enclosures (T = Real, 256 bits) of the scaled
// gradient and of V/sqrt(V-1) times cross_entropy's sum-gradient at z = mult x
// differ by less than 2^-200 of the gradient's size: the same exact number.
TEST(UnitScaledBackward, IsVOverSqrtVMinusOneTimesThePlainSumGradient) {
  using reference::Real;
  std::mt19937_64 rng(12);
  int compared = 0;
  for (int k = 0; k < 30; ++k) {
    Draw d = draw(rng, k % 5 == 0, k % 3 == 0, k % 2 ? "sum" : "mean", true);
    d.mult = 0.5 * static_cast<double>(1 + k % 5);
    for (double& v : d.x) v = std::ldexp(std::round(std::ldexp(v, 20)), -20);  // so that mult x is exact
    json us = case_json(d);
    Draw plain = d;
    for (double& v : plain.x) v *= d.mult;
    json ce = case_json(plain);
    ce["loss"] = "cross_entropy";
    ce["params"] = {{"reduction", "sum"}};
    if (!d.probabilities) ce["params"]["ignore_index"] = d.ignore_index;
    const LossCase cu = resolved_case(us), cc = resolved_case(ce);
    Real::set_precision(256);
    const auto ru = find_loss(cu.loss).oracle(cu, reference::inputs_as<Real>(cu));
    const auto rc = find_loss(cc.loss).oracle(cc, reference::inputs_as<Real>(cc));
    const Real V(static_cast<double>(d.V));
    const Real scale = V / sqrt(V - Real(1.0));
    ASSERT_EQ(ru.extra.at(0).name, "grad_input_unit_scaled");
    for (std::size_t e = 0; e < rc.grad_input.size(); ++e) {
      const Real diff = ru.extra[0].values[e] - scale * rc.grad_input[e];
      const double size = std::max(std::fabs(rc.grad_input[e].approx()), 1e-300);
      EXPECT_LE(std::fabs(diff.lower_rd()), 0x1p-200 * size) << e << " " << us.dump();
      EXPECT_LE(std::fabs(diff.upper_ru()), 0x1p-200 * size) << e << " " << us.dump();
      ++compared;
    }
  }
  EXPECT_GT(compared, 100);
}

// ---------------------------------------------------------------- (c) errors

json us_case(json x, json y, json params = json::object()) {
  return {{"loss", "unit_scaled_cross_entropy"}, {"params", params}, {"inputs", {{"input", x}, {"target", y}}}};
}

const std::string kL = "unit_scaled_cross_entropy: ";
const json kX = {{1, 2, 3}, {0, 0, 1}};

TEST(UnitScaledErrors, ReportTheLibrarysMessages) {
  json j = us_case(kX, {0, 1});
  j["inputs"]["weight"] = {1, 1, 1};
  EXPECT_EQ(error_of(j).message, kL + "Support for the 'weight' argument has not been implemented for the unit-scaling "
                              "library. Please remove it or replace it with its default value.");
  EXPECT_EQ(error_of(j).field, "inputs.weight");
  j["params"] = {{"label_smoothing", 0.1}};  // weight is checked first, as the signature orders them
  EXPECT_EQ(error_of(j).field, "inputs.weight");
  EXPECT_EQ(error_of(us_case(kX, {0, 1}, {{"label_smoothing", 0.1}})).message,
            kL + "Support for the 'label_smoothing' argument has not been implemented for the unit-scaling library. "
                 "Please remove it or replace it with its default value.");
  EXPECT_EQ(error_of(us_case(kX, {0, 1}, {{"label_smoothing", "-0x0p+0"}})).message, "");  // -0.0 != 0.0 is False
  {
    LossCase c = resolved_case(us_case(kX, {0, 1}));
    c.params.set("label_smoothing", std::numeric_limits<double>::quiet_NaN());  // nan != 0.0 is True
    EXPECT_THROW((void)find_loss(c.loss).oracle(c, reference::inputs_as<reference::Real>(c)), InputError);
  }
  EXPECT_EQ(error_of(us_case({{{1, 2}, {3, 4}}}, {{0, 1}})).message,
            kL + "cross_entropy input shape is torch.Size([1, 2, 2]), but should be either (vocab_size,) or "
                 "(batch_size, vocab_size)");
  EXPECT_EQ(error_of(us_case(1.5, 0)).message, kL + "cross_entropy input shape is torch.Size([]), but should be either "
                                            "(vocab_size,) or (batch_size, vocab_size)");
  EXPECT_EQ(error_of(us_case({{1}, {2}}, {0, 5})).message,  // before F.cross_entropy could see target 5
            kL + "float division by zero (ZeroDivisionError in the backward scale vocab_size / (vocab_size - 1) ** "
                 "0.5 with vocab_size = 1)");
  EXPECT_EQ(error_of(us_case({{"shape", {2, 0}}, {"data", json::array()}}, {0, 0})).message,
            kL + "must be real number, not complex (TypeError: with vocab_size = 0 the backward scale 0 / (-1) ** "
                 "0.5 is a Python complex)");
  EXPECT_EQ(error_of(us_case(kX, {0, 3})).message,
            kL + "Target 3 is out of bounds. (target(1,); valid class indices are 0..2, or ignore_index -100)");
  EXPECT_EQ(error_of(us_case(kX, {0, 3}, {{"reduction", "none"}})).message,  // F.cross_entropy fails before the assert
            kL + "Target 3 is out of bounds. (target(1,); valid class indices are 0..2, or ignore_index -100)");
  EXPECT_EQ(error_of(us_case(kX, {0, 1}, {{"reduction", "none"}})).message,
            kL + "AssertionError (assert reduction == \"sum\", no message): unit_scaling's cross_entropy supports "
                 "only reduction 'mean' and 'sum'");
  EXPECT_EQ(error_of(us_case(kX, {0, 1}, {{"reduction", "none"}})).field, "params.reduction");
  EXPECT_EQ(error_of(us_case(kX, {0, 1, 2})).message,
            kL + "Expected input batch_size (2) to match target batch_size (3). (for input of shape (2, 3) the target "
                 "must have shape (2,) (class indices), got (3,))");
  EXPECT_EQ(error_of(us_case(kX, {{0.2, 0.3, 0.5}, {1, 0, 0}}, {{"ignore_index", 1}})).message,
            kL + "ignore_index is not supported for floating point target");
  const json empty = {{"shape", {0, 3}}, {"data", json::array()}};
  const json no_targets = {{"shape", {0}}, {"data", json::array()}};
  EXPECT_EQ(error_of(us_case(empty, no_targets)).message,
            kL + "division by zero (ZeroDivisionError: 1 / batch_size with batch_size = 0 under reduction 'mean')");
  // The same empty batch under sum is 0, as in the library.
  const reference::RoundedValue sum = output(oracle(resolved_case(us_case(empty, no_targets, {{"reduction", "sum"}}))),
                                             "loss").values.at(0);
  EXPECT_EQ(sum.f64, 0.0);
  json go = us_case(kX, {0, 1});
  go["inputs"]["grad_output"] = {1, 1};
  EXPECT_EQ(error_of(go).message, kL + "grad_output must have the output's shape (), got (2,)");
}

// ---------------------------------------------------------------- (d) gradients

struct GradConfig {
  bool unbatched, probabilities;
  std::string reduction;
  bool custom_g;
  std::string wrt;
};

std::string grad_name(const GradConfig& c) {
  return std::string(c.unbatched ? "V" : "BV") + (c.probabilities ? "_probs_" : "_indices_") + c.reduction +
         (c.custom_g ? "_gradout" : "_ones") + "_wrt_" + c.wrt;
}

void PrintTo(const GradConfig& c, std::ostream* os) { *os << grad_name(c); }

std::vector<GradConfig> grad_configs() {
  std::vector<GradConfig> out;
  for (bool unbatched : {false, true})
    for (bool probabilities : {false, true})
      for (const std::string reduction : {"mean", "sum"})
        for (bool custom_g : {false, true})
          for (const std::string wrt : {"input", "target"})
            if (wrt == "input" || probabilities) out.push_back({unbatched, probabilities, reduction, custom_g, wrt});
  return out;
}

class UnitScaledGradient : public testing::TestWithParam<GradConfig> {};

TEST_P(UnitScaledGradient, AgreesWithAutodiffAndCentralDifferences) {
  const GradConfig& c = GetParam();
  std::uint64_t seed = 1469598103934665603ull;
  for (char ch : grad_name(c)) seed = (seed ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  std::mt19937_64 rng(seed);
  for (int k = 0; k < 16; ++k) {
    const Draw d = draw(rng, c.unbatched, c.probabilities, c.reduction, c.custom_g);
    const LossCase lc = resolved_case(case_json(d));
    std::vector<double> u(d.x.size());
    for (double& v : u) v = std::uniform_real_distribution<double>(-1, 1)(rng);
    EXPECT_TRUE(forward_mode_agrees(lc, c.wrt, u)) << case_json(d).dump();
    if (k < 8) {
      EXPECT_TRUE(finite_difference_agrees(lc, c.wrt, u)) << case_json(d).dump();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, UnitScaledGradient, testing::ValuesIn(grad_configs()),
                         [](const testing::TestParamInfo<GradConfig>& i) { return grad_name(i.param); });

}  // namespace
