// cross_entropy with label smoothing reduces its nll and smoothing terms
// separately (PyTorch's cross_entropy_loss_label_smoothing): with mean over
// class weights whose W = sum w[y_n] is 0, each sum is divided by 0 on its
// own, and the loss is +-inf where a combination of the per-position losses
// (sum l - keep sum nll) gave inf - inf = NaN. The cases are the standard
// suite's corners that caught it; the oracle gives the expected values.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "optimized/evaluate.hpp"
#include "tests/support/oracle_case.hpp"

namespace lossoracle {
namespace {

using testing_support::output;
using testing_support::resolved_case;

// Inputs of corner-neg-inf-input-24 and corner-tiny-input-63 (suite standard, seed 1).
const char* const kCases[] = {
    R"({"loss":"cross_entropy","params":{"label_smoothing":0.3,"reduction":"mean"},
        "inputs":{"input":{"shape":[2,3],"data":["-inf",1,2,0,1,2]},"target":{"shape":[2],"data":[0,1]},
                  "weight":{"shape":[3],"data":[-1,1,5]}}})",
    R"({"loss":"cross_entropy","params":{"label_smoothing":0.3,"reduction":"mean"},
        "inputs":{"input":{"shape":[2,3],"data":["0x1p-141","0x1.8p-140","-0x1p-140","0x1p-139","0x0p+0","0x1p-140"]},
                  "target":{"shape":[2],"data":[0,1]},"weight":{"shape":[3],"data":[-1,1,5]}}})",
    // The same rows with a sum: no division, finite and -inf sums.
    R"({"loss":"cross_entropy","params":{"label_smoothing":0.3,"reduction":"sum"},
        "inputs":{"input":{"shape":[2,3],"data":["-inf",1,2,0,1,2]},"target":{"shape":[2],"data":[0,1]},
                  "weight":{"shape":[3],"data":[-1,1,5]}}})",
};

TEST(OptimizedSmoothingReduction, ZeroWeightSumGivesPyTorchsInfinities) {
  for (const char* text : kCases) {
    const LossCase c = resolved_case(std::string(text));
    const auto exact = output(testing_support::oracle(c), "loss").values.at(0);
    for (auto precision : {optimized::Precision::f64, optimized::Precision::f32}) {
      const double want = precision == optimized::Precision::f64 ? exact.f64 : static_cast<double>(exact.f32);
      ASSERT_TRUE(std::isinf(want)) << text;
      double got = NAN;
      for (const auto& o : optimized::evaluate(c, precision))
        if (o.name == "loss") got = o.values.at(0);
      EXPECT_EQ(got, want) << text << (precision == optimized::Precision::f64 ? " f64" : " f32");
    }
  }
}

}  // namespace
}  // namespace lossoracle
