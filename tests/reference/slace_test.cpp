// `slace` (dlordinal's SLACELoss): semantics against a textbook formula
// written here with the literal O(C^2) dominance matrix, the documents'
// numbers, every error path, and what the family needs: the O(C)
// accumulation equal to the dominance-matrix product exactly, weights as a
// plain mean, logits against probabilities, and ordinal monotonicity.
// (Gradients: slace_gradient_test.cpp; seed 000 and dlordinal themselves:
// slace_crosscheck_test.cpp.)
#include <gtest/gtest.h>

#include <boost/multiprecision/gmp.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "core/loss_list.hpp"
#include "reference/slace.hpp"
#include "tests/support/oracle_case.hpp"

namespace {

namespace bmp = boost::multiprecision;
using namespace lossoracle;
using namespace lossoracle::testing_support;
using Mp = bmp::mpfr_float;
using Rational = bmp::mpq_rational;

constexpr unsigned kTextbookDigits = 60;  // ~200 bits

// ---------------------------------------------------------------- the textbook formula

struct SlaceDraw {
  std::int64_t N = 1, C = 1;
  double alpha = 1, epsilon = 1e-9;
  bool use_logits = true;
  std::string reduction = "mean";
  std::vector<double> x, weight, grad_output;
  std::vector<std::int64_t> y;
};

struct Textbook {
  std::vector<Mp> loss, per_position, grad_input;
};

// dlordinal's forward and its autograd, read straight off its code:
// prox_dom[h][i][j] = |j - h| <= |i - h|, acc = prox_dom[y] @ p,
// l = -sum q log(acc + 1e-9), times weight[y], mean over N.
Textbook textbook(const SlaceDraw& d) {
  Mp::default_precision(kTextbookDigits);
  const std::int64_t N = d.N, C = d.C;
  Textbook t;
  std::vector<std::vector<Mp>> P(N), Q(N), A(N);
  for (std::int64_t n = 0; n < N; ++n) {
    std::vector<Mp> p(C);
    Mp z = 0;
    for (std::int64_t c = 0; c < C; ++c) {
      p[c] = d.use_logits ? Mp(exp(Mp(d.x[n * C + c]))) : Mp(d.x[n * C + c]);
      z += p[c];
    }
    if (d.use_logits)
      for (auto& v : p) v /= z;
    std::vector<Mp> q(C), acc(C);
    Mp qz = 0;
    for (std::int64_t i = 0; i < C; ++i) {
      q[i] = exp(Mp(-d.alpha) * Mp(std::abs(i - d.y[n])));
      qz += q[i];
    }
    for (auto& v : q) v /= qz;
    Mp l = 0;
    for (std::int64_t i = 0; i < C; ++i) {
      for (std::int64_t j = 0; j < C; ++j)
        if (std::abs(j - d.y[n]) <= std::abs(i - d.y[n])) acc[i] += p[j];
      l -= q[i] * log(acc[i] + Mp(d.epsilon));
    }
    if (!d.weight.empty()) l *= d.weight[d.y[n]];
    t.per_position.push_back(l);
    P[n] = p, Q[n] = q, A[n] = acc;
  }
  Mp total = 0;
  for (const Mp& v : t.per_position) total += v;
  std::vector<Mp> s(N, d.grad_output.empty() ? Mp(1) : Mp(d.grad_output[0]));
  if (d.reduction == "none") {
    t.loss = t.per_position;
    for (std::int64_t n = 0; n < N; ++n) s[n] = d.grad_output.empty() ? Mp(1) : Mp(d.grad_output[n]);
  } else if (d.reduction == "sum") {
    t.loss = {total};
  } else {
    t.loss = {total / N};
    for (auto& v : s) v /= N;
  }
  t.grad_input.assign(N * C, Mp(0));
  for (std::int64_t n = 0; n < N; ++n) {
    const Mp w = d.weight.empty() ? Mp(1) : Mp(d.weight[d.y[n]]);
    std::vector<Mp> dp(C);
    for (std::int64_t j = 0; j < C; ++j)
      for (std::int64_t i = 0; i < C; ++i)
        if (std::abs(j - d.y[n]) <= std::abs(i - d.y[n])) dp[j] -= s[n] * w * Q[n][i] / (A[n][i] + Mp(d.epsilon));
    for (std::int64_t k = 0; k < C; ++k) {
      if (!d.use_logits) {
        t.grad_input[n * C + k] = dp[k];
        continue;
      }
      for (std::int64_t j = 0; j < C; ++j)
        t.grad_input[n * C + k] += dp[j] * P[n][j] * (Mp(j == k ? 1 : 0) - P[n][k]);
    }
  }
  return t;
}

LossCase case_of(const SlaceDraw& d) {
  InputList in{{"input", Tensor{{d.N, d.C}, d.x}},
               {"target", Tensor{{d.N}, std::vector<double>(d.y.begin(), d.y.end())}}};
  if (!d.weight.empty()) in.push_back({"weight", Tensor{{d.C}, d.weight}});
  if (!d.grad_output.empty())
    in.push_back({"grad_output", Tensor{d.reduction == "none" ? Shape{d.N} : Shape{}, d.grad_output}});
  return make_case("slace",
                   {{"alpha", d.alpha},
                    {"num_classes", d.C},
                    {"use_logits", d.use_logits},
                    {"epsilon", d.epsilon},
                    {"reduction", d.reduction}},
                   in);
}

SlaceDraw draw(std::mt19937_64& rng, bool use_logits, bool weighted, const std::string& reduction, double epsilon,
               bool custom_grad) {
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  SlaceDraw d;
  d.N = pick(1, 4);
  d.C = pick(1, 7);
  const double alphas[] = {0.5, 1.0, 2.0, uniform(0.05, 6.0)};
  d.alpha = alphas[pick(0, 3)];
  d.epsilon = epsilon;
  d.use_logits = use_logits;
  d.reduction = reduction;
  for (std::int64_t n = 0; n < d.N; ++n) {
    double z = 0;
    std::vector<double> row(d.C);
    for (double& v : row) {
      v = uniform(-8, 8);
      z += std::exp(v);
    }
    for (double v : row) d.x.push_back(use_logits ? v : std::exp(v) / z);
    d.y.push_back(pick(0, d.C - 1));
  }
  if (weighted)
    for (std::int64_t c = 0; c < d.C; ++c) d.weight.push_back(uniform(0, 3));
  if (custom_grad)
    for (std::int64_t k = 0; k < (reduction == "none" ? d.N : 1); ++k) d.grad_output.push_back(uniform(-2, 2));
  return d;
}

testing::AssertionResult same_binary64(const std::vector<reference::RoundedValue>& got, const std::vector<Mp>& want,
                                       const char* what) {
  if (got.size() != want.size()) return testing::AssertionFailure() << what << ": " << got.size() << " vs " << want.size();
  for (std::size_t k = 0; k < got.size(); ++k) {
    if (auto s = settled(got[k]); !s) return s << " at " << what << "[" << k << "]";
    // The textbook's ~200-bit arithmetic leaves ~1e-60 of noise where the
    // exact value is 0 (every class in one dominance group); no entry of
    // these cases is anywhere near 1e-45 otherwise.
    const double expected = abs(want[k]) < Mp("1e-45") ? 0.0 : static_cast<double>(want[k]);  // mpfr_get_d, round to nearest
    if (got[k].f64 != expected && !(got[k].f64 == 0 && expected == 0))
      return testing::AssertionFailure() << what << "[" << k << "]: oracle " << hex64(got[k].f64) << ", textbook "
                                         << hex64(expected) << " (" << want[k].str(30) << ")";
  }
  return testing::AssertionSuccess();
}

// (a) Every parameter combination, random cases, bit for bit.
TEST(Slace, MatchesTheTextbookFormulaBitForBit) {
  std::mt19937_64 rng(1000);
  int checked = 0;
  for (bool use_logits : {true, false})
    for (bool weighted : {false, true})
      for (const char* reduction : {"none", "sum", "mean"})
        for (double epsilon : {1e-9, 0.0, 0.125})
          for (bool custom_grad : {false, true})
            for (int k = 0; k < 3; ++k) {
              const SlaceDraw d = draw(rng, use_logits, weighted, reduction, epsilon, custom_grad);
              const Textbook t = textbook(d);
              const OracleOutputs o = oracle_outputs(case_of(d));
              const std::string at = std::string(" (") + reduction + (use_logits ? ", logits" : ", probabilities") +
                                     (weighted ? ", weighted" : "") + ", C = " + std::to_string(d.C) + ")";
              EXPECT_TRUE(same_binary64(o.at("loss"), t.loss, "loss")) << at;
              EXPECT_TRUE(same_binary64(o.at("per_position"), t.per_position, "per_position")) << at;
              EXPECT_TRUE(same_binary64(o.at("grad_input"), t.grad_input, "grad_input")) << at;
              ++checked;
            }
  EXPECT_EQ(checked, 216);
}

// ---------------------------------------------------------------- (b) the documents' numbers

// dlordinal's tests/test_slace.py, test_exact_value_computation: C = 3,
// logits [[2.0, 1.0, 0.1]] as a float32 tensor, target [1], alpha = 1,
// expected = 0.8163748706490453 (asserted there with atol = 1e-6). dlordinal
// computes the softmax in float32, so its printed value is the float32
// pipeline's, not the exact one: the oracle, on the same float32 inputs,
// must agree to float32 precision, and the difference is recorded.
TEST(Slace, DlordinalTestValueToFloat32Precision) {
  const LossCase c = make_case("slace", {{"num_classes", std::int64_t{3}}},
                               {{"input", Tensor{{1, 3}, {2.0, 1.0, static_cast<double>(0.1f)}}},
                                {"target", Tensor{{1}, {1.0}}}});
  const auto o = oracle_outputs(c);
  ASSERT_TRUE(settled(o.at("loss")[0]));
  const double exact = o.at("loss")[0].f64;
  const double printed = 0.8163748706490453;
  // A float32 softmax is off by a few units of 2^-24 in each p; the loss,
  // -sum q log acc with sum q = 1, by about as much, absolutely.
  EXPECT_LE(std::fabs(printed - exact), 0x1p-21) << "oracle " << hex64(exact);
  // Not merely within dlordinal's own atol: the two differ, by 4.5e-8.
  EXPECT_NE(printed, exact);
  std::printf("dlordinal's 0.8163748706490453 vs the exact %.17g: difference %.3g (%.3g relative, %.2f float32 ulps)\n",
              exact, printed - exact, (printed - exact) / exact, (printed - exact) / 0x1p-24);
}

// ---------------------------------------------------------------- (c) errors

struct ErrorCase {
  const char* what;
  LossCase c;
  const char* field;
  std::string message;
};

LossCase slace_case(Shape in_shape, std::vector<double> x, Shape t_shape, std::vector<double> y, ParamList params = {},
                    InputList extra = {}) {
  InputList in{{"input", Tensor{std::move(in_shape), std::move(x)}}, {"target", Tensor{std::move(t_shape), std::move(y)}}};
  for (auto& e : extra) in.push_back(std::move(e));
  return make_case("slace", params, in);
}

TEST(Slace, ErrorsCarryDlordinalsOrPyTorchsMessages) {
  const std::vector<double> row3{2, 1, 0.1};
  const std::vector<double> rows2x3{2, 1, 0.1, 0, 0, 0};
  const std::vector<ErrorCase> cases = {
      {"1-D input with logits (F.softmax(input, dim=1))", slace_case({3}, row3, {}, {1}), "inputs.input",
       "slace: Dimension out of range (expected to be in range of [-1, 0], but got 1); input must have shape (N, C), "
       "got (3,)"},
      {"1-D probabilities", slace_case({3}, row3, {}, {1}, {{"use_logits", false}}), "inputs.input",
       "slace: input must have shape (N, C), got (3,)"},
      {"3-D input", slace_case({1, 3, 1}, row3, {1}, {1}), "inputs.input",
       "slace: input must have shape (N, C), got (1, 3, 1)"},
      {"target out of range (prox_dom[target])", slace_case({1, 3}, row3, {1}, {3}), "inputs.target",
       "slace: index 3 is out of bounds for dimension 0 with size 3 (target(0,))"},
      {"target below -C", slace_case({1, 3}, row3, {1}, {-4}), "inputs.target",
       "slace: index -4 is out of bounds for dimension 0 with size 3 (target(0,))"},
      {"negative target that PyTorch's indexing wraps", slace_case({1, 3}, row3, {1}, {-1}), "inputs.target",
       "slace: target(0,) = -1 is negative; dlordinal accepts it silently (soft labels measured from -1, dominance "
       "row of class 2), the oracle requires 0 <= target < num_classes = 3"},
      {"target bound is num_classes, checked before the width",
       slace_case({1, 4}, {0, 0, 0, 0}, {1}, {3}, {{"num_classes", std::int64_t{3}}}), "inputs.target",
       "slace: index 3 is out of bounds for dimension 0 with size 3 (target(0,))"},
      {"no classes at all", slace_case({1, 0}, {}, {1}, {0}), "inputs.target",
       "slace: index is out of bounds for dimension with size 0 (target(0,) = 0; num_classes is 0)"},
      {"non-integer target", slace_case({1, 3}, row3, {1}, {1.5}), "inputs.target",
       "slace: target(0,) = 1.5 is not an integer class index"},
      {"target of another shape", slace_case({2, 3}, rows2x3, {1, 2}, {1, 0}), "inputs.target",
       "slace: target must have shape (N) or (N, 1) with N = 2, got (1, 2)"},
      {"batch sizes differ (matmul broadcasting)", slace_case({2, 3}, rows2x3, {3}, {1, 0, 2}), "inputs.target",
       "slace: The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0; target has "
       "3 entries but the input has N = 2 rows"},
      {"batch of one broadcast silently by dlordinal", slace_case({1, 3}, row3, {3}, {1, 0, 2}), "inputs.target",
       "slace: target has 3 entries but the input has N = 1 rows"},
      {"width differs from num_classes (bmm)", slace_case({1, 4}, {0, 0, 0, 0}, {1}, {1}, {{"num_classes", std::int64_t{3}}}),
       "inputs.input", "slace: Expected size for first two dimensions of batch2 tensor to be: [1, 3] but got: [1, 4]."},
      {"num_classes below -1", slace_case({1, 3}, row3, {1}, {1}, {{"num_classes", std::int64_t{-2}}}),
       "params.num_classes", "slace: num_classes must be a non-negative integer (or -1: the input's width), got -2"},
      {"short weight indexed past its end", slace_case({1, 3}, row3, {1}, {2}, {}, {{"weight", Tensor{{2}, {1, 2}}}}),
       "inputs.weight",
       "slace: index 2 is out of bounds for dimension 0 with size 2 (weight has shape (2,), num_classes is 3)"},
      {"short weight that dlordinal would read silently",
       slace_case({1, 3}, row3, {1}, {1}, {}, {{"weight", Tensor{{2}, {1, 2}}}}), "inputs.weight",
       "slace: weight must have shape (3,), got (2,) (dlordinal reads weight[target] without checking its length)"},
      {"long weight", slace_case({1, 3}, row3, {1}, {2}, {}, {{"weight", Tensor{{4}, {1, 2, 3, 4}}}}), "inputs.weight",
       "slace: weight must have shape (3,), got (4,) (dlordinal reads weight[target] without checking its length)"},
      {"grad_output of the wrong shape",
       slace_case({1, 3}, row3, {1}, {1}, {{"reduction", std::string("none")}}, {{"grad_output", Tensor{{}, {1}}}}),
       "inputs.grad_output", "slace: grad_output must have the output's shape (1,), got ()"},
      {"bad reduction", slace_case({1, 3}, row3, {1}, {1}, {{"reduction", std::string("batchmean")}}),
       "params.reduction", "slace: batchmean is not a valid value for reduction (expected one of: none, sum, mean)"},
  };
  for (const ErrorCase& e : cases) {
    const RaisedError got = error_of(e.c);
    EXPECT_EQ(got.field, e.field) << e.what;
    EXPECT_EQ(got.message, e.message) << e.what;
  }
  // The (N, 1) target dlordinal accepts is accepted.
  EXPECT_EQ(error_of(slace_case({2, 3}, rows2x3, {2, 1}, {1, 0})).message, "");
}

// ---------------------------------------------------------------- (e) the family's own properties

// The O(C) accumulation equals the dominance matrix times p, exactly: over
// rationals, so that no rounding could hide a difference. The matrix is built
// as dlordinal builds prox_dom (h, i, j: |j - h| <= |i - h|) and, for
// arbitrary distances with ties, as the paper's Eq. 9 states it.
TEST(Slace, LinearAccumulationEqualsTheDominanceMatrixExactly) {
  std::mt19937_64 rng(7);
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  int compared = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::int64_t C = pick(1, 12);
    std::vector<Rational> p(C), a(C);
    for (auto& v : p) v = Rational(pick(0, 1000), pick(1, 997));
    for (auto& v : a) v = Rational(pick(-1000, 1000), pick(1, 991));
    // Distances: |i - y| or random small integers (many ties).
    const std::int64_t y = pick(0, C - 1);
    std::vector<std::int64_t> keys(C);
    const bool absolute = trial % 2 == 0;
    for (std::int64_t i = 0; i < C; ++i) keys[i] = absolute ? std::abs(i - y) : pick(0, 3);
    const reference::DominanceOrder order =
        absolute ? reference::absolute_order(C, y) : reference::order_by_keys(keys);
    const std::vector<Rational> acc = reference::accumulate_dominance(order, p);
    const std::vector<Rational> back = reference::accumulate_dominance_backward(order, a);
    for (std::int64_t i = 0; i < C; ++i) {
      Rational literal = 0, literal_back = 0;
      for (std::int64_t j = 0; j < C; ++j) {
        const bool dominance = keys[j] <= keys[i];  // P(c_i, c_j)
        if (dominance) literal += p[j];
        if (keys[i] <= keys[j]) literal_back += a[j];  // (P^T a)_i
      }
      EXPECT_EQ(acc[i], literal) << "C " << C << " y " << y << " i " << i;
      EXPECT_EQ(back[i], literal_back) << "C " << C << " y " << y << " i " << i;
      ++compared;
    }
  }
  EXPECT_GT(compared, 1000);
}

// `mean` with weights is the plain mean over N of w_{y_n} l_n (dlordinal's
// per_sample_loss.mean()), not PyTorch's weighted mean sum w l / sum w.
TEST(Slace, WeightedMeanIsThePlainMeanOfWeightedSampleLosses) {
  std::mt19937_64 rng(11);
  for (int k = 0; k < 20; ++k) {
    SlaceDraw d = draw(rng, k % 2 == 0, true, "mean", 1e-9, false);
    if (d.N < 2) d = draw(rng, k % 2 == 0, true, "mean", 1e-9, false);
    SlaceDraw unweighted = d;
    unweighted.weight.clear();
    unweighted.reduction = "none";
    const auto weighted = oracle_outputs(case_of(d));
    const auto plain = oracle_outputs(case_of(unweighted));
    Mp::default_precision(kTextbookDigits);
    Mp mean = 0, weight_total = 0;
    for (std::int64_t n = 0; n < d.N; ++n) {
      // The per-sample values are the exact ones rounded once; recombining
      // them costs a few ulps, so the comparison is to 2^-48.
      mean += Mp(d.weight[d.y[n]]) * Mp(plain.at("loss")[n].f64);
      weight_total += d.weight[d.y[n]];
    }
    const double got = weighted.at("loss")[0].f64;
    const double want = static_cast<double>(Mp(mean / d.N));
    EXPECT_NEAR(got, want, std::fabs(want) * 0x1p-48) << "case " << k;
    if (d.N > 1 && std::fabs(static_cast<double>(weight_total) - static_cast<double>(d.N)) > 0.1) {
      EXPECT_GT(std::fabs(got - static_cast<double>(Mp(mean / weight_total))), std::fabs(want) * 0x1p-20)
          << "case " << k << ": the weighted mean would have been the same";
    }
  }
}

// use_logits = false on p = softmax(x) gives the loss of use_logits = true
// on x, and the logits' gradient is the softmax VJP of the probabilities'
// one. At ~1000 bits, with p computed to that precision (the evaluators take
// any values of their number type, not only binary ones).
TEST(Slace, ProbabilitiesAgreeWithLogits) {
  Mp::default_precision(300);
  const auto evaluate = evaluator_for<Mp>("slace");
  std::mt19937_64 rng(12);
  for (int k = 0; k < 24; ++k) {
    const char* reductions[] = {"none", "sum", "mean"};
    const SlaceDraw d = draw(rng, true, k % 2 == 1, reductions[k % 3], k % 4 < 2 ? 1e-9 : 0.0, k % 5 == 0);
    const LossCase with_logits = resolved(case_of(d));
    LossCase with_probs = with_logits;
    with_probs.params.set("use_logits", false);
    const reference::Inputs<Mp> v = reference::inputs_as<Mp>(with_logits);
    reference::Inputs<Mp> vp = v;
    std::vector<Mp>& p = vp["input"];
    for (std::int64_t n = 0; n < d.N; ++n) {
      Mp z = 0;
      for (std::int64_t c = 0; c < d.C; ++c) z += exp(v.at("input")[n * d.C + c]);
      for (std::int64_t c = 0; c < d.C; ++c) p[n * d.C + c] = exp(v.at("input")[n * d.C + c]) / z;
    }
    const auto rl = evaluate(with_logits, v);
    const auto rp = evaluate(with_probs, vp);
    const Mp tolerance("1e-250");
    for (std::size_t e = 0; e < rl.loss.size(); ++e)
      EXPECT_LE(abs(Mp(rl.loss[e] - rp.loss[e])), tolerance * abs(rl.loss[e]) + tolerance) << "case " << k;
    for (std::int64_t n = 0; n < d.N; ++n)
      for (std::int64_t c = 0; c < d.C; ++c) {
        Mp chained = 0;  // sum_j dL/dp_j dp_j/dx_c
        for (std::int64_t j = 0; j < d.C; ++j)
          chained += rp.grad_input[n * d.C + j] * p[n * d.C + j] * (Mp(j == c ? 1 : 0) - p[n * d.C + c]);
        EXPECT_LE(abs(Mp(rl.grad_input[n * d.C + c] - chained)), tolerance) << "case " << k << " n " << n << " c " << c;
      }
  }
}

}  // namespace
