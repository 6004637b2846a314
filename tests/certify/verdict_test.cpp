// judge(): every verdict, from answers built by hand around the oracle's.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "certify/reference_impl.hpp"
#include "certify/verdict.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"

namespace {

using namespace lossoracle;
using namespace lossoracle::certify;
using nlohmann::json;

SuiteCase oracle_case(const json& request, Dtype dtype) {
  SuiteCase c;
  c.id = request.value("id", "x");
  c.loss = request.at("loss");
  c.dtype = dtype;
  c.request = request;
  ReferenceImplementation ref;
  const ImplResult r = ref.evaluate(request, dtype);
  if (r.kind == ImplResult::Kind::rejected) {
    c.expect = Expect::invalid;
    c.rejection = r.message;
  } else {
    LossCase lc = case_from_json(request);
    const LossInfo& info = find_loss(lc.loss);
    resolve_case(info, lc);
    c.answer = reference::evaluate_correctly_rounded(info.oracle, lc);
  }
  return c;
}

const json kCe = json::parse(
    R"({"id":"ce","loss":"cross_entropy","params":{"reduction":"none"},"inputs":{"input":[[6,1,3,1,2]],"target":[0]}})");

ImplResult reference_answer(const json& request, Dtype d) { return ReferenceImplementation().evaluate(request, d); }

TEST(Verdict, TheOraclesOwnAnswerPasses) {
  const SuiteCase c = oracle_case(kCe, Dtype::float32);
  const Outcome o = judge(c, reference_answer(kCe, Dtype::float32), Profile::strict);
  EXPECT_EQ(o.verdict, Verdict::pass) << o.reason;
  EXPECT_EQ(o.compared, 7u);  // loss, per_position, five gradients
  EXPECT_LE(o.worst_ulps, 0.5L);
}

// tight's budgets are per output (docs/accuracy.md): cross_entropy's float32
// loss has 1 ulp, its grad_input 16, so the same 1.42-ulp error fails one and
// passes the other.
TEST(Verdict, OneUlpOffFailsStrictPassesPytorchAndMeetsTheOutputsTightBudget) {
  const SuiteCase c = oracle_case(kCe, Dtype::float32);
  ImplResult r = reference_answer(kCe, Dtype::float32);
  double& v = r.outputs[0].values[0];  // loss: 0x1.41370ep-4 in binary32
  ASSERT_EQ(v, 0x1.41370ep-4);
  // One binary32 ulp (2^-27) up: 1.42 ulp from the exact 0x1.41370d2b1320ap-4.
  v = static_cast<double>(std::nextafter(static_cast<float>(v), 1.0f));
  const Outcome strict = judge(c, r, Profile::strict);
  EXPECT_EQ(strict.verdict, Verdict::fail);
  EXPECT_EQ(strict.reason, "loss[0]: got 0x1.41371p-4, expected 0x1.41370ep-4 (1.42 ulp, rel 1.35e-07)");
  EXPECT_EQ(strict.worst_at, "loss[0]");
  EXPECT_EQ(judge(c, r, Profile::tight).verdict, Verdict::fail);
  EXPECT_EQ(judge(c, r, Profile::pytorch).verdict, Verdict::pass);

  ImplResult g = reference_answer(kCe, Dtype::float32);
  ASSERT_EQ(g.outputs[2].name, "grad_input");
  double& w = g.outputs[2].values[0];
  w = static_cast<double>(std::nextafter(static_cast<float>(w), 1.0f));
  EXPECT_EQ(judge(c, g, Profile::strict).verdict, Verdict::fail);
  EXPECT_EQ(judge(c, g, Profile::tight).verdict, Verdict::pass);
}

TEST(Verdict, PytorchProfileIsAssertClosesDefaultTolerance) {
  // float32: |got - expected| <= 1e-5 + 1.3e-6 |expected|; for the loss 0.0784..., 1.0102e-5.
  const SuiteCase c = oracle_case(kCe, Dtype::float32);
  ImplResult r = reference_answer(kCe, Dtype::float32);
  const double expected = r.outputs[0].values[0];
  r.outputs[0].values[0] = static_cast<float>(expected + 1.00e-5);
  EXPECT_EQ(judge(c, r, Profile::pytorch).verdict, Verdict::pass);
  r.outputs[0].values[0] = static_cast<float>(expected + 1.02e-5);
  EXPECT_EQ(judge(c, r, Profile::pytorch).verdict, Verdict::fail);
}

TEST(Verdict, WrongRejectionsAndAcceptances) {
  const SuiteCase valid = oracle_case(kCe, Dtype::float64);
  const Outcome refused = judge(valid, {ImplResult::Kind::rejected, {}, "IndexError: nope", ""}, Profile::strict);
  EXPECT_EQ(refused.verdict, Verdict::fail);
  EXPECT_EQ(refused.reason, "rejected a valid input: IndexError: nope");

  json bad = kCe;
  bad["inputs"]["target"] = json::array({5});
  const SuiteCase invalid = oracle_case(bad, Dtype::float64);
  ASSERT_EQ(invalid.expect, Expect::invalid);
  EXPECT_EQ(judge(invalid, {ImplResult::Kind::rejected, {}, "out of bounds", ""}, Profile::strict).verdict,
            Verdict::rejected_ok);
  const Outcome accepted =
      judge(invalid, {ImplResult::Kind::outputs, {{"loss", {1}, {0.0}}}, "", ""}, Profile::strict);
  EXPECT_EQ(accepted.verdict, Verdict::fail);
  EXPECT_EQ(accepted.reason,
            "accepted an input the oracle rejects (cross_entropy: Target 5 is out of bounds. (target(0,); valid class "
            "indices are 0..4, or ignore_index -100))");
  EXPECT_EQ(judge(invalid, {ImplResult::Kind::broken, {}, "adapter crashed", ""}, Profile::strict).reason,
            "adapter crashed");
}

TEST(Verdict, UnsupportedIsItsOwnVerdictForValidAndInvalidCases) {
  const SuiteCase valid = oracle_case(kCe, Dtype::float64);
  const Outcome o = judge(valid, {ImplResult::Kind::unsupported, {}, "optax has no class weights", ""}, Profile::strict);
  EXPECT_EQ(o.verdict, Verdict::unsupported);
  EXPECT_EQ(o.reason, "unsupported: optax has no class weights");
  EXPECT_EQ(o.compared, 0u);
  json bad = kCe;
  bad["inputs"]["target"] = json::array({5});
  const SuiteCase invalid = oracle_case(bad, Dtype::float64);
  ASSERT_EQ(invalid.expect, Expect::invalid);
  // Not rejected-ok: the library was never asked.
  EXPECT_EQ(judge(invalid, {ImplResult::Kind::unsupported, {}, "no", ""}, Profile::strict).verdict, Verdict::unsupported);
  EXPECT_STREQ(verdict_name(Verdict::unsupported), "unsupported");
}

TEST(Verdict, TheLargestRelativeErrorSkipsExactZeros) {
  const SuiteCase c = oracle_case(kCe, Dtype::float32);
  ImplResult r = reference_answer(kCe, Dtype::float32);
  const Outcome exact = judge(c, r, Profile::strict);
  EXPECT_GE(exact.max_relative, 0.0L);
  EXPECT_LE(exact.max_relative, 0x1p-24L);
  r.outputs[0].values[0] = static_cast<float>(r.outputs[0].values[0] * (1 + 0x1p-10));
  const Outcome off = judge(c, r, Profile::pytorch);
  EXPECT_EQ(off.max_relative_at, "loss[0]");
  EXPECT_NEAR(static_cast<double>(off.max_relative), 0x1p-10, 0x1p-20);
}

TEST(Verdict, MissingUnknownAndMisshapenOutputsFail) {
  const SuiteCase c = oracle_case(kCe, Dtype::float64);
  ImplResult r = reference_answer(kCe, Dtype::float64);
  ImplResult no_loss = r;
  no_loss.outputs.erase(no_loss.outputs.begin());
  EXPECT_EQ(judge(c, no_loss, Profile::strict).reason, "no output 'loss'");
  ImplResult typo = r;
  typo.outputs[2].name = "grad_inputs";
  EXPECT_EQ(judge(c, typo, Profile::strict).reason,
            "unknown output 'grad_inputs' (this loss has: loss, per_position, grad_input)");
  ImplResult shape = r;
  shape.outputs[0].shape = {};
  EXPECT_EQ(judge(c, shape, Profile::strict).reason, "loss: shape (), expected (1,)");
  // Gradients are optional: an adapter without them is judged on what it gives.
  ImplResult forward_only = r;
  forward_only.outputs.resize(2);
  const Outcome o = judge(c, forward_only, Profile::strict);
  EXPECT_EQ(o.verdict, Verdict::pass);
  EXPECT_EQ(o.compared, 2u);
}

TEST(Verdict, NanOnlyCasesAreMistrustedAndNanWhereAValueIsDueFails) {
  const json nan_case = json::parse(R"({"id":"n","loss":"softmax","inputs":{"input":[["nan",1,2]]}})");
  const SuiteCase c = oracle_case(nan_case, Dtype::float64);
  const Outcome o = judge(c, reference_answer(nan_case, Dtype::float64), Profile::strict);
  EXPECT_EQ(o.verdict, Verdict::mistrusted);
  EXPECT_EQ(o.reason, "nothing to compare: every expected value is NaN, or the outputs are empty");

  const SuiteCase ce = oracle_case(kCe, Dtype::float64);
  ImplResult r = reference_answer(kCe, Dtype::float64);
  r.outputs[2].values[1] = std::numeric_limits<double>::quiet_NaN();
  const Outcome nan_out = judge(ce, r, Profile::pytorch);
  EXPECT_EQ(nan_out.verdict, Verdict::fail);
  EXPECT_EQ(nan_out.reason.rfind("grad_input[1]: got nan, expected 0x1.984597d8589d2p-8", 0), 0u) << nan_out.reason;
}

TEST(Verdict, AnAcceptableVectorAnsweredByAnotherConventionIsAcceptable) {
  // The mean over nothing: NaN for PyTorch, 0 for Keras.
  const json all_ignored = json::parse(
      R"({"id":"a","loss":"cross_entropy","inputs":{"input":[[1,2,3]],"target":[-100]}})");
  SuiteCase c = oracle_case(all_ignored, Dtype::float64);
  c.expect = Expect::acceptable;
  ImplResult keras = reference_answer(all_ignored, Dtype::float64);
  keras.outputs[0].values[0] = 0;
  const Outcome o = judge(c, keras, Profile::strict);
  EXPECT_EQ(o.verdict, Verdict::acceptable);
  EXPECT_EQ(o.reason, "another convention than the oracle's: loss[0]: got 0x0p+0, expected NaN");
  EXPECT_EQ(judge(c, reference_answer(all_ignored, Dtype::float64), Profile::strict).verdict, Verdict::pass);
  // A finite value off is no convention: it fails as anywhere.
  ImplResult off = keras;
  off.outputs[1].values[0] = 0x1p-60;  // per_position[0], exactly 0 for an ignored position
  const Outcome o2 = judge(c, off, Profile::strict);
  EXPECT_EQ(o2.verdict, Verdict::fail);
  EXPECT_EQ(o2.reason.rfind("per_position[0]: got 0x1p-60, expected 0x0p+0", 0), 0u) << o2.reason;
}

TEST(Verdict, ADeclaredConventionMakesSpecialValueDifferencesAcceptable) {
  // Full smoothing with a -inf logit at the target: PyTorch's (1 - e) nll is 0 * inf = NaN;
  // optax's smoothed labels give 1/3 * inf = inf.
  const json smoothed = json::parse(
      R"({"id":"s","loss":"cross_entropy","params":{"label_smoothing":1.0,"reduction":"none"},)"
      R"("inputs":{"input":[["-inf",2,3],[0.5,-1,0]],"target":[0,2]}})");
  const SuiteCase c = oracle_case(smoothed, Dtype::float64);
  ASSERT_EQ(c.expect, Expect::valid);
  ImplResult optax = reference_answer(smoothed, Dtype::float64);
  optax.outputs[0].values[0] = std::numeric_limits<double>::infinity();  // loss[0]
  const Outcome undeclared = judge(c, optax, Profile::pytorch);
  EXPECT_EQ(undeclared.verdict, Verdict::fail);
  EXPECT_EQ(undeclared.reason, "loss[0]: got inf, expected NaN");
  optax.convention = "labels-smoothed-first";
  const Outcome declared = judge(c, optax, Profile::pytorch);
  EXPECT_EQ(declared.verdict, Verdict::acceptable);
  EXPECT_EQ(declared.reason, "convention labels-smoothed-first: loss[0]: got inf, expected NaN");
  // The convention covers special values only.
  ImplResult off = optax;
  off.outputs[0].values[1] *= 1 + 0x1p-20;
  EXPECT_EQ(judge(c, off, Profile::pytorch).verdict, Verdict::fail);
  // An unknown name declares nothing.
  optax.convention = "whatever-we-do";
  EXPECT_EQ(judge(c, optax, Profile::pytorch).verdict, Verdict::fail);
  EXPECT_TRUE(known_convention("labels-smoothed-first"));
  EXPECT_FALSE(known_convention("whatever-we-do"));
}

}  // namespace
