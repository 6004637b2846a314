// The document-derived vectors against the documents: their inputs are the
// tensors golden/recover/recover_seed_inputs.py recovered, and the equalities
// seed 004's thread claims (NLL of log_softmax = KL with one-hot targets)
// hold between the vectors exactly where their comments say they do.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/hexfloat.hpp"
#include "golden_files.hpp"

namespace {

using nlohmann::json;
using namespace golden_test;

double number(const json& v) { return v.is_string() ? *lossoracle::parse_real(v.get<std::string>()) : v.get<double>(); }

std::vector<double> numbers(const json& data) {
  std::vector<double> out;
  for (const json& v : data) out.push_back(number(v));
  return out;
}

TEST(GoldenDocuments, RecoveredInputsAreTheOnesTheVectorsUse) {
  const json recovered = read_json(kGolden / "recover" / "recovered_inputs.json");
  EXPECT_EQ(recovered.at("torch").at("version").get<std::string>().rfind("1.13", 0), 0u)
      << "recovered_inputs.json must come from Debian's torch 1.13 (/usr/bin/python3)";
  std::size_t compared = 0;
  for_each_test(committed_vectors(), [&](const std::string& file, const json&, const json&, const json& test) {
    if (!test.contains("source") || !test.at("source").contains("recovered")) return;
    for (const auto& [input, ref] : test.at("source").at("recovered").items()) {
      const std::string where = file + " tcId " + test.at("tcId").dump() + " inputs." + input;
      const std::string r = ref.get<std::string>();
      const std::string seed = r.substr(0, r.find('.')), name = r.substr(r.find('.') + 1);
      ASSERT_TRUE(recovered.at("seeds").contains(seed) && recovered["seeds"][seed]["tensors"].contains(name))
          << where << ": " << r << " is not in recovered_inputs.json";
      const json& want = recovered["seeds"][seed]["tensors"][name];
      const json& have = test.at("inputs").at(input);
      EXPECT_EQ(have.at("shape"), want.at("shape")) << where;
      EXPECT_EQ(numbers(have.at("data")), numbers(want.at("data"))) << where;
      ++compared;
    }
  });
  EXPECT_GT(compared, 0u);
}

// seed 004's vectors by "<loss> <reduction>".
std::map<std::string, json> seed004() {
  std::map<std::string, json> found;
  for_each_test(committed_vectors(), [&](const std::string&, const json& file, const json& group, const json& test) {
    if (test.contains("source") && test.at("source").at("document").get<std::string>().rfind("seed 004", 0) == 0)
      found[file.at("algorithm").get<std::string>() + " " + group.at("params").value("reduction", std::string("-"))] =
          test.at("outputs");
  });
  return found;
}

std::vector<double> f64(const json& outputs, const char* name) { return numbers(outputs.at(name).at("f64")); }

TEST(GoldenDocuments, Seed004NllEqualsKlWithOneHotTargetsWhereTheCommentsSaySo) {
  auto v = seed004();
  for (const char* key : {"nll_loss none", "nll_loss sum", "nll_loss mean", "kl_div none", "kl_div sum", "kl_div mean",
                          "kl_div batchmean", "cross_entropy none", "cross_entropy sum", "cross_entropy mean"})
    ASSERT_TRUE(v.count(key)) << "missing seed 004 vector: " << key;
  // none: each KL row holds NLL's value at the target and zeros elsewhere.
  const auto nll = f64(v["nll_loss none"], "loss"), kl = f64(v["kl_div none"], "loss");
  ASSERT_EQ(kl.size(), nll.size() * 7);
  for (std::size_t n = 0; n < nll.size(); ++n) {
    double row = 0;
    int nonzero = 0;
    for (std::size_t c = 0; c < 7; ++c) {
      row += kl[n * 7 + c];
      nonzero += kl[n * 7 + c] != 0;
    }
    EXPECT_EQ(nonzero, 1) << "row " << n;
    EXPECT_EQ(row, nll[n]) << "row " << n;
  }
  // sum, and NLL's mean = KL's batchmean: the same correctly rounded values,
  // and the same gradient with respect to the log-probabilities.
  EXPECT_EQ(f64(v["nll_loss sum"], "loss"), f64(v["kl_div sum"], "loss"));
  EXPECT_EQ(f64(v["nll_loss sum"], "grad_input"), f64(v["kl_div sum"], "grad_input"));
  EXPECT_EQ(f64(v["nll_loss mean"], "loss"), f64(v["kl_div batchmean"], "loss"));
  EXPECT_EQ(f64(v["nll_loss mean"], "grad_input"), f64(v["kl_div batchmean"], "grad_input"));
  // KL's mean divides by N*C, not N: a factor C = 7 from NLL's mean.
  const long double ratio = std::strtold(v["nll_loss mean"]["loss"]["decimal"][0].get<std::string>().c_str(), nullptr) /
                            std::strtold(v["kl_div mean"]["loss"]["decimal"][0].get<std::string>().c_str(), nullptr);
  EXPECT_NEAR(static_cast<double>(ratio), 7.0, 1e-15);
  // cross_entropy of the logits agrees with NLL of torch's float32
  // log_softmax only to float32 rounding of the log-probabilities.
  for (const char* r : {"none", "sum", "mean"}) {
    const auto ce = f64(v[std::string("cross_entropy ") + r], "loss");
    const auto nl = f64(v[std::string("nll_loss ") + r], "loss");
    for (std::size_t i = 0; i < ce.size(); ++i) {
      EXPECT_NE(ce[i], nl[i]) << r << "[" << i << "]: float32 log_softmax would have to be exact";
      EXPECT_LT(std::fabs(ce[i] - nl[i]) / nl[i], 1e-7) << r << "[" << i << "]";
    }
  }
}

}  // namespace
