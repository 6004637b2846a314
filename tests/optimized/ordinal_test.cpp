// The ordinal family's hand cases where the random suites rarely go: the
// optimized tier against the oracle on rows whose mass sits in one class
// beyond binary64's reach (oll's log(1 - p_top) and its gradient stay
// finite), -inf logits, C = 1, rows of ties, an empty true class in
// slace_prox, infinite alpha and every log base. Each output matches the
// oracle's binary64 exactly where that is NaN or infinite, and within 8 ulp of
// the output's largest magnitude otherwise (docs/accuracy.md's scaled
// measure; the budgets there are smaller).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "../support/oracle_case.hpp"
#include "optimized/evaluate.hpp"

namespace lossoracle {
namespace {

using testing_support::make_case;
using testing_support::ParamList;

constexpr double inf = std::numeric_limits<double>::infinity();

void expect_like_oracle(const LossCase& raw, const std::string& what) {
  const LossCase c = testing_support::resolved(raw);
  const auto exact = testing_support::oracle_outputs(raw);
  for (auto precision : {optimized::Precision::f64, optimized::Precision::f32}) {
    const bool f64 = precision == optimized::Precision::f64;
    for (const optimized::Output& o : optimized::evaluate(c, precision)) {
      const auto& want = exact.at(o.name);
      ASSERT_EQ(want.size(), o.values.size()) << what << " " << o.name;
      double scale = 0;
      for (const auto& v : want)
        if (std::isfinite(v.f64)) scale = std::max(scale, std::fabs(v.f64));
      const double tol = 8 * (f64 ? 0x1p-52 : 0x1p-23) * std::max(scale, 0x1p-1000);
      for (std::size_t k = 0; k < want.size(); ++k) {
        const double w = f64 ? want[k].f64 : static_cast<double>(want[k].f32), got = o.values[k];
        const std::string at = what + " " + o.name + "[" + std::to_string(k) + "] " + (f64 ? "f64" : "f32");
        if (std::isnan(w)) EXPECT_TRUE(std::isnan(got)) << at << " got " << got;
        else if (std::isinf(w)) EXPECT_EQ(got, w) << at;
        else EXPECT_LE(std::fabs(got - w), tol) << at << " got " << got << " want " << w;
      }
    }
  }
}

Tensor row(std::vector<double> v) { return Tensor{{1, static_cast<std::int64_t>(v.size())}, std::move(v)}; }
Tensor classes(std::vector<double> v) { return Tensor{{static_cast<std::int64_t>(v.size())}, std::move(v)}; }

TEST(OptimizedOrdinal, OllWithAllButEToTheMinus1000InOneClass) {
  // 1 - p_top = e^-1000 (1 + e^-1000) / S: below binary64, its log is not.
  for (double y : {0.0, 1.0, 2.0})
    for (double alpha : {1.0, 0.5, 0.0})
      expect_like_oracle(make_case("oll", ParamList{{"alpha", alpha}, {"reduction", std::string("sum")}},
                                   {{"input", row({1000, 0, -1000})}, {"target", classes({y})}}),
                         "oll y=" + std::to_string(y) + " alpha=" + std::to_string(alpha));
  expect_like_oracle(make_case("oll", {}, {{"input", row({0, -800, -760, -900})}, {"target", classes({2})}}),
                     "oll, mass far from the target");
  // The loss is about p_1 + 2 p_2 = 2e-9: log(1 - p) of a rounded 1 - p would
  // keep none of its digits.
  expect_like_oracle(make_case("oll", {}, {{"input", row({0, -20, -30})}, {"target", classes({0})}}),
                     "oll, small probabilities off the target");
}

TEST(OptimizedOrdinal, NonFiniteLogitsAndOneClass) {
  for (const char* loss : {"sord", "oll", "acc_loss"}) {
    expect_like_oracle(make_case(loss, {}, {{"input", row({0.5, -inf, 2})}, {"target", classes({0})}}),
                       std::string(loss) + " -inf logit");
    expect_like_oracle(make_case(loss, {}, {{"input", row({-inf, -inf})}, {"target", classes({1})}}),
                       std::string(loss) + " all -inf");
    expect_like_oracle(make_case(loss, {}, {{"input", row({3})}, {"target", classes({0})}}), std::string(loss) + " C=1");
  }
}

TEST(OptimizedOrdinal, TiesEmptyTrueClassAlphaAndBases) {
  const Tensor zeros{{3, 3}, std::vector<double>(9, 0.0)};
  expect_like_oracle(make_case("acc_loss", {}, {{"input", row({0.3, -1, 2})}, {"target", classes({1})}, {"distance", zeros}}),
                     "acc_loss, one group");
  expect_like_oracle(make_case("slace_prox", {}, {{"input", row({0.3, -1, 2})}, {"target", classes({1})},
                                                  {"class_counts", classes({10, 10, 10})}}),
                     "slace_prox, equal counts tie c1 and c3");
  expect_like_oracle(make_case("slace_prox", {}, {{"input", row({0.3, -1, 2})}, {"target", classes({1})},
                                                  {"class_counts", classes({4, 0, 7})}}),
                     "slace_prox, n_y = 0");
  expect_like_oracle(make_case("oll", ParamList{{"alpha", inf}},
                               {{"input", row({0.3, -1, 2, 1})}, {"target", classes({1})}}),
                     "oll, alpha = inf (1^inf)");
  for (const char* base : {"2", "10"})
    for (const char* loss : {"sord", "oll", "acc_loss", "slace_prox"}) {
      LossCase c = make_case(loss, ParamList{{"log_base", std::string(base)}, {"reduction", std::string("none")}},
                             {{"input", Tensor{{2, 4}, {0.1, 2, -1, 0.5, 7, -3, 0, 1}}}, {"target", classes({3, 0})}});
      if (std::string(loss) == "slace_prox") {
        c.inputs["class_counts"] = classes({100, 50, 70, 3});
        c.params.set("prox_log_base", std::string(base));
      }
      expect_like_oracle(c, std::string(loss) + " base " + base);
    }
}

}  // namespace
}  // namespace lossoracle
