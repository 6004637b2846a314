// The oracle's `slace` against the code of seed document 000 and against
// dlordinal 2.7.0's installed SLACELoss, both run by
// golden/crosscheck/seed000_crosscheck.py (torch 1.13.1, float64) on 120
// random cases whose inputs and results it wrote to seed000_cases.json.
//
// Both Python implementations compute in float64 with one rounding per
// operation; the oracle is exact. Their difference is PyTorch's rounding
// error, a few units of 2^-52 times the condition of the computation, so the
// bounds below (2^-40 of the loss, and of the case's largest gradient entry)
// leave room for that and for nothing else: a wrong formula, a dropped weight
// or a misplaced epsilon is off by far more. One floor: log(acc + 1e-9) of a
// binary64 acc + 1e-9 carries an absolute error of up to 2^-53 whatever its
// size, so a loss near 0 (C = 1: -log(1 + 1e-9)) is compared against the
// mean sample weight (the size of that floor) instead of itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"

namespace {

using nlohmann::json;
using namespace lossoracle;

constexpr double kLossBound = 0x1p-40;
constexpr double kGradBound = 0x1p-40;

json load_cases() {
  std::ifstream in(std::string(LOSSORACLE_SOURCE_DIR) + "/golden/crosscheck/seed000_cases.json");
  EXPECT_TRUE(in.good()) << "golden/crosscheck/seed000_cases.json missing";
  return json::parse(in);
}

double real(const json& v) { return *parse_real(v.get<std::string>()); }

struct Outputs {
  double loss;
  std::vector<double> grad;
};

Outputs oracle(const json& k) {
  json c = {{"loss", "slace"},
            {"params",
             {{"alpha", k["alpha"]}, {"num_classes", k["num_classes"]}, {"use_logits", k["use_logits"]}}},
            {"inputs", {{"input", k["input"]}, {"target", k["target"]}}}};
  if (!k["weight"].is_null()) c["inputs"]["weight"] = k["weight"];
  LossCase lc = case_from_json(c);
  const LossInfo& info = find_loss("slace");
  resolve_case(info, lc);
  const reference::OracleAnswer a = reference::evaluate_correctly_rounded(info.oracle, lc);
  Outputs out{};
  for (const auto& o : a.outputs) {
    for (const auto& v : o.values)
      EXPECT_TRUE(v.status == reference::ProofStatus::proved || v.status == reference::ProofStatus::exact)
          << "case " << k["id"] << " output " << o.name << " is " << reference::status_name(v.status);
    if (o.name == "loss") out.loss = o.values[0].f64;
    if (o.name == "grad_input")
      for (const auto& v : o.values) out.grad.push_back(v.f64);
  }
  return out;
}

Outputs python(const json& r) {
  Outputs out{real(r["loss"]), {}};
  for (const auto& g : r["grad_input"]) out.grad.push_back(real(g));
  return out;
}

struct Worst {
  double loss = 0, grad = 0;
  double plain = 0;  // |difference| / |loss| with no floor
};

void compare(const json& k, const Outputs& ref, const Outputs& py, const char* who, Worst& worst) {
  double mean_weight = 1;
  if (!k["weight"].is_null()) {
    mean_weight = 0;
    for (const auto& t : k["target"]) mean_weight += real(k["weight"][t.get<std::size_t>()]);
    mean_weight /= static_cast<double>(k["target"].size());
  }
  const double loss_rel = std::fabs(py.loss - ref.loss) / std::max(std::fabs(ref.loss), mean_weight);
  EXPECT_LE(loss_rel, kLossBound) << who << " case " << k["id"] << ": loss " << hex64(py.loss) << ", oracle "
                                  << hex64(ref.loss);
  worst.loss = std::max(worst.loss, loss_rel);
  worst.plain = std::max(worst.plain, std::fabs(py.loss - ref.loss) / std::fabs(ref.loss));
  ASSERT_EQ(py.grad.size(), ref.grad.size());
  double scale = 0;
  for (double g : ref.grad) scale = std::max(scale, std::fabs(g));
  if (scale == 0) {  // C = 1: the gradient is exactly 0
    for (std::size_t e = 0; e < ref.grad.size(); ++e)
      EXPECT_EQ(py.grad[e], 0.0) << who << " case " << k["id"] << " grad_input[" << e << "]";
    return;
  }
  for (std::size_t e = 0; e < ref.grad.size(); ++e) {
    const double rel = std::fabs(py.grad[e] - ref.grad[e]) / scale;
    EXPECT_LE(rel, kGradBound) << who << " case " << k["id"] << " grad_input[" << e << "]: " << hex64(py.grad[e])
                               << ", oracle " << hex64(ref.grad[e]);
    worst.grad = std::max(worst.grad, rel);
  }
}

TEST(SlaceCrossCheck, SeedAndDlordinalAgreeWithTheOracle) {
  const json data = load_cases();
  ASSERT_GE(data["cases"].size(), 100u);
  Worst seed, dl;
  int weighted = 0, probabilities = 0;
  for (const json& k : data["cases"]) {
    const Outputs ref = oracle(k);
    // A NaN or zero loss would make every comparison below vacuous.
    ASSERT_TRUE(std::isfinite(ref.loss) && ref.loss != 0) << "case " << k["id"];
    // The two Python runs are the same code: they must agree to the bit.
    EXPECT_EQ(k["seed000"], k["dlordinal"]) << "case " << k["id"];
    compare(k, ref, python(k["seed000"]), "seed000", seed);
    ASSERT_FALSE(k["dlordinal"].is_null()) << "the cases were written without dlordinal installed";
    compare(k, ref, python(k["dlordinal"]), "dlordinal", dl);
    weighted += !k["weight"].is_null();
    probabilities += !k["use_logits"].get<bool>();
  }
  EXPECT_GT(weighted, 20);
  EXPECT_GT(probabilities, 20);
  for (const auto& [who, w] : {std::pair{"seed000", seed}, std::pair{"dlordinal 2.7.0", dl}})
    std::printf("%s vs oracle: max difference %.3g of the loss (with the floor; %.3g without), %.3g of the case's "
                "largest gradient entry\n",
                who, w.loss, w.plain, w.grad);
}

}  // namespace
