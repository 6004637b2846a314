// The soft-label family's shapes and special rows that no suite draws
// (certify's suites start from the golden vectors, which are (N, C) or
// (2, 2, 3) with finite logits): 0-dim and empty position tensors, zero
// classes, rank 4 with a grad_output for both reduction axes (incendio's
// dimension 0, the MAE's last leading dimension), infinite labels and
// cotangents (PyTorch's two-stage backward), terms of both signs, and the
// MAE's exact signs (ties, underflow). Optimized and oracle must agree in
// both precisions: NaN where the oracle says NaN, infinities exactly, and
// finite values within 4 ulps of the output's largest magnitude.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "optimized/evaluate.hpp"
#include "tests/support/oracle_case.hpp"

namespace lossoracle {
namespace {

using testing_support::make_case;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor ramp(Shape shape, double lo, double step) {
  Tensor t{shape, {}};
  for (std::int64_t k = 0; k < element_count(shape); ++k)
    t.values.push_back(lo + step * static_cast<double>(k % 7) + 0.01 * static_cast<double>(k));
  return t;
}

// The oracle judges the case as the tier receives it: for float32 the inputs
// rounded to float first. `values_too`: false where the loss is a difference
// below binary64's resolution of its terms (labels equal to the rounded
// softmax), whose value no binary64 method resolves; its signs still decide
// every gradient.
void expect_agreement(const LossCase& raw, bool values_too = true) {
  for (auto precision : {optimized::Precision::f64, optimized::Precision::f32}) {
    const bool f64 = precision == optimized::Precision::f64;
    LossCase c = testing_support::resolved(raw);
    if (!f64)
      for (auto& [name, tensor] : c.inputs)
        for (double& v : tensor.values) v = static_cast<float>(v);
    const auto oracle = testing_support::oracle(c);
    const optimized::Outputs got = optimized::evaluate(c, precision);
    ASSERT_EQ(got.size(), oracle.outputs.size()) << c.loss;
    for (std::size_t o = 0; o < got.size(); ++o) {
      const auto& want = oracle.outputs[o];
      ASSERT_EQ(got[o].name, want.name) << c.loss;
      ASSERT_EQ(got[o].values.size(), want.values.size()) << c.loss << " " << want.name;
      if (!values_too && want.name.rfind("grad_", 0) != 0) continue;
      double scale = 0;
      for (const auto& v : want.values) {
        const double r = f64 ? v.f64 : v.f32;
        if (std::isfinite(r)) scale = std::max(scale, std::fabs(r));
      }
      const double tolerance = 4 * (f64 ? std::ldexp(0x1p-52, std::ilogb(std::max(scale, 0x1p-1022)))
                                        : std::ldexp(0x1p-23, std::ilogb(std::max(scale, 0x1p-126))));
      for (std::size_t k = 0; k < got[o].values.size(); ++k) {
        const double r = f64 ? want.values[k].f64 : want.values[k].f32, g = got[o].values[k];
        const std::string where = c.loss + " " + want.name + "[" + std::to_string(k) + "] " + (f64 ? "f64" : "f32");
        if (std::isnan(r)) EXPECT_TRUE(std::isnan(g)) << where << ": got " << g;
        else if (std::isinf(r)) EXPECT_EQ(g, r) << where;
        else EXPECT_LE(std::fabs(g - r), tolerance) << where << ": got " << g << ", want " << r;
      }
    }
  }
}

TEST(OptimizedSoftLabel, ReductionShapes) {
  for (const char* loss : {"soft_label_cross_entropy_with_logits", "soft_label_cross_entropy",
                           "classification_mae_with_logits"}) {
    const bool mae = std::string(loss) == "classification_mae_with_logits";
    const bool probs = std::string(loss) == "soft_label_cross_entropy";
    auto with = [&](Shape shape, std::string reduction, std::optional<Tensor> grad_output) {
      testing_support::ParamList params{{"reduction", reduction}};
      if (!mae) params.push_back({"alpha", 0.2});
      testing_support::InputList inputs{{"input", probs ? ramp(shape, 0.05, 0.1) : ramp(shape, -1.5, 0.7)},
                                        {"target", ramp(shape, 0.0, 0.15)}};
      if (grad_output) inputs.push_back({"grad_output", *grad_output});
      SCOPED_TRACE(std::string(loss) + " " + shape_text(shape) + " " + reduction);
      expect_agreement(make_case(loss, params, inputs));
    };
    with({5}, "mean", Tensor{{}, {0.5}});        // 0-dim positions: mean is the value itself
    with({0, 3}, "mean", std::nullopt);          // mean over nothing: NaN
    with({0, 3}, "sum", std::nullopt);
    with({3, 0}, "mean", std::nullopt);          // no classes: every row's loss is 0
    with({2, 3, 2, 4}, "mean", mae ? ramp({2, 3}, -1, 0.5) : ramp({3, 2}, -1, 0.5));
    with({2, 3, 2, 4}, "sum", std::nullopt);
    with({2, 3, 2, 4}, "none", ramp({2, 3, 2}, -1, 0.5));
  }
}

TEST(OptimizedSoftLabel, InfiniteLabelsLogitsAndCotangents) {
  // Rows: a +inf label beside a logit 800 below the max (its p underflows,
  // log p stays negative); a -inf logit under a positive label; an ordinary row.
  const Tensor x{{3, 3}, {0, -800, 1, -kInf, 2, 0.5, 0.3, -0.2, 1.1}};
  const Tensor y{{3, 3}, {kInf, 0, 0.5, 0.4, 0.6, 0, 0.2, 0.7, 0.1}};
  for (double alpha : {0.0, 0.1})
    for (const Tensor& g : {Tensor{{3}, {1, 2, -1}}, Tensor{{3}, {kInf, 1, 0}}})
      expect_agreement(make_case("soft_label_cross_entropy_with_logits",
                                 {{"alpha", alpha}, {"reduction", std::string("none")}},
                                 {{"input", x}, {"target", y}, {"grad_output", g}}));
  // Probabilities above 1 and below 0, zero, infinite labels: dropped terms
  // and terms of both signs that cancel.
  const Tensor p{{2, 4}, {0, 0.5, 1.9, -0.125, 0.25, 2.5, 0.5, 1.6}};
  const Tensor t{{2, 4}, {0.5, 0.3, 0.6, 0.2, 0.7, kInf, 0.45, 0.5}};
  for (double alpha : {0.0, 0.3})
    expect_agreement(make_case("soft_label_cross_entropy", {{"alpha", alpha}, {"reduction", std::string("sum")}},
                               {{"input", p}, {"target", t}}));
}

TEST(OptimizedSoftLabel, MaeExactSigns) {
  // Ties (p = 1/5 and 1/4 exactly: 0.2 is not 1/5, 0.25 is 1/4), a one-hot
  // row whose other classes underflow (p = 1 - tiny against y = 1), a NaN
  // label, a -inf logit with label 0, a row of -inf only (NaN), each with a
  // finite and an infinite cotangent.
  const Tensor x{{5, 5}, {1, 1, 1, 1, 1,  0, 900, -5, 0, 0,  0.1, 0.2, 0.3, 0.4, 0.5,
                          2, 2, 2, 2, -kInf,  -kInf, -kInf, -kInf, -kInf, -kInf}};
  const Tensor y{{5, 5}, {0.2, 0.2, 0, 0.6, 0,  0, 1, 0, 0, 0,  0.1, kNaN, 0.3, 0.2, 0.4,
                          0.25, 0.25, 0.5, 0, 0,  0.2, 0.2, 0.2, 0.2, 0.2}};
  for (const Tensor& g : {Tensor{{5}, {1, -2, 0.5, 3, 1}}, Tensor{{5}, {kInf, -kInf, -kInf, 1, 1}}})
    expect_agreement(make_case("classification_mae_with_logits", {{"reduction", std::string("none")}},
                               {{"input", x}, {"target", y}, {"grad_output", g}}));
  // Labels that are the softmax rounded to binary64: every sign is within
  // binary64's error and decided wider.
  const Tensor z{{1, 6}, {0.3, -1.2, 2.1, 0.7, 0.31, -3}};
  Tensor q{{1, 6}, {}};
  double total = 0;
  for (double v : z.values) total += std::exp(v - 2.1);
  for (double v : z.values) q.values.push_back(std::exp(v - 2.1) / total);
  expect_agreement(make_case("classification_mae_with_logits", {{"reduction", std::string("sum")}},
                             {{"input", z}, {"target", q}}),
                   false);
}

TEST(OptimizedSoftLabel, SmoothingKinksAndSpecialLabels) {
  // alpha = 0.5, k = 2: 0.25 sits on the kink; -1, -inf clamp; NaN stays; +inf is kept.
  const Tensor y{{3, 4}, {0.25, 0.75, 0, 0, 1, -1, kNaN, 0, kInf, -kInf, 0.5, 0}};
  for (double alpha : {0.0, 0.5, 3.0})
    expect_agreement(
        make_case("smooth_soft_labels", {{"alpha", alpha}}, {{"input", y}, {"grad_output", ramp({3, 4}, -1, 0.3)}}));
}

}  // namespace
}  // namespace lossoracle
