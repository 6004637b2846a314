// Seed 002's own code against the oracle. golden/crosscheck/seed002_crosscheck.py
// ran K. Frank's perPairWeightedCE, misclassA and misclassB verbatim under
// PyTorch 1.13.1 in float64 (autograd for the gradients) on 100 random cases
// each, plus misclassA(softmax(x)) and the naive float64 form of the intended
// misclass_b, and stored the inputs and torch's results as hex floats. Here
// the oracle evaluates the same cases; torch's float64 results must lie within
// float64 rounding of the exact values:
//   |torch - exact| <= 2^-44 (~5.7e-14) * A * (largest |value| of that output of that case),
// the output's scale standing in for the terms that cancel in a gradient
// entry. A = 1 for the document's three functions. The two derived checks
// evaluate log-softmax-free naive formulas (softmax, then 1 - p), whose
// rounding error grows like 1 / (1 - p_max): A = 1 / (1 - p_max) there, p_max
// the largest softmax probability of the case. The largest differences are
// printed (and recorded in docs/spec.md §14).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "tests/support/oracle_case.hpp"

namespace {

using nlohmann::json;
using namespace lossoracle;
using namespace lossoracle::testing_support;

constexpr double kBound = 0x1p-44;

// 1 / (1 - largest softmax probability over the rows of an (N, C) or (C) input).
double amplification(const json& input) {
  const auto& shape = input.at("shape");
  const std::size_t C = shape.back().get<std::size_t>();
  std::vector<double> x;
  for (const auto& v : input.at("data")) x.push_back(*parse_real(v.get<std::string>()));
  double worst = 1;
  for (std::size_t r = 0; r + C <= x.size(); r += C) {
    const double m = *std::max_element(x.begin() + static_cast<long>(r), x.begin() + static_cast<long>(r + C));
    double s = 0;
    for (std::size_t c = 0; c < C; ++c) s += std::exp(x[r + c] - m);
    worst = std::max(worst, 1 / (1 - 1 / s));
  }
  return worst;
}

json load() {
  std::ifstream in(std::string(LOSSORACLE_SOURCE_DIR) + "/golden/crosscheck/seed002_crosscheck.json");
  return json::parse(in);
}

struct Worst {
  double relative = 0;     // |torch - exact| / |exact|, elements with exact != 0
  double normwise = 0;     // |torch - exact| / max |exact| over the output
  double bound_used = 0;   // |torch - exact| / (A max |exact|), against kBound
  int values = 0;
};

TEST(Seed002Crosscheck, TorchFloat64AgreesWithTheOracleWithinRounding) {
  const json data = load();
  ASSERT_EQ(data.at("dtype"), "float64");
  std::map<std::string, Worst> worst;  // by "loss output"
  std::map<std::string, int> cases;
  for (const json& item : data.at("cases")) {
    json j = item;
    j.erase("torch");
    const std::string loss = j.at("loss");
    const reference::OracleAnswer a = oracle(resolved_case(j));
    ++cases[loss];
    const bool derived = loss == "misclass_a_logits" || loss == "misclass_b";
    const double A = derived ? amplification(j.at("inputs").at("input")) : 1.0;
    for (const auto& [name, torch_values] : item.at("torch").items()) {
      Worst& w = worst[loss + " " + name];
      const reference::CertifiedOutput& o = output(a, name);
      ASSERT_EQ(o.values.size(), torch_values.size());
      double scale = 0;
      for (const auto& v : o.values) {
        ASSERT_TRUE(settled(v)) << name << " of " << j.dump();
        scale = std::max(scale, std::fabs(v.f64));
      }
      for (std::size_t k = 0; k < o.values.size(); ++k) {
        const double exact = o.values[k].f64;
        const double t = *parse_real(torch_values[k].get<std::string>());
        const double diff = std::fabs(t - exact);
        ++w.values;
        if (exact != 0) w.relative = std::max(w.relative, diff / std::fabs(exact));
        if (scale != 0) w.normwise = std::max(w.normwise, diff / scale);
        if (scale != 0) w.bound_used = std::max(w.bound_used, diff / (scale * A));
        EXPECT_LE(diff, kBound * A * scale) << name << "[" << k << "]: torch " << hex64(t) << ", oracle " << hex64(exact)
                                        << "\n  " << j.dump();
      }
    }
  }
  for (const auto& [what, w] : worst)
    std::cout << what << ": " << w.values << " values; max relative difference " << w.relative
              << ", max normwise " << w.normwise
              << ", max normwise / A " << w.bound_used << " (bound " << kBound << ")\n";
  for (const auto& [loss, n] : cases) EXPECT_GE(n, 100) << loss;
  EXPECT_EQ(cases.size(), 5u);
}

}  // namespace
