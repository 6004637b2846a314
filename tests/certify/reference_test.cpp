// The reference tier certified by its own oracle: the control of every
// certificate. If it does not pass `strict` on a suite, the suite (or the
// judging) is broken. Also: suites are seeded and deterministic, float32
// suites hold float32 inputs, a reproduction builds exactly its case.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "certify/golden_cases.hpp"
#include "certify/reference_impl.hpp"
#include "certify/run.hpp"
#include "certify/suite.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "run_command.hpp"

namespace {

using namespace lossoracle;
using namespace lossoracle::certify;

SuiteOptions smoke(Dtype d, std::uint64_t seed = 1) {
  SuiteOptions o;
  o.dtype = d;
  o.seed = seed;
  o.golden_dir = test::golden_dir();
  return o;
}

TEST(CertifyReference, PassesStrictOnTheSmokeSuiteOfEveryLoss) {
  CertifyOptions o;
  for (const LossInfo& info : loss_registry()) o.losses.push_back(info.name);
  o.golden_dir = test::golden_dir();
  ReferenceImplementation impl;
  std::ostringstream out, err;
  const CertifyRun run = run_certify(o, impl, out, err);
  const Tally& t = run.tally;
  EXPECT_EQ(t.failed, 0u) << out.str();
  EXPECT_EQ(t.acceptable, 0u) << "the reference follows the oracle's convention on acceptable vectors";
  EXPECT_EQ(t.total, t.passed + t.failed + t.mistrusted + t.rejected_ok + t.acceptable);
  EXPECT_EQ(t.total, run.records.size());
  EXPECT_GT(t.rejected_ok, 0u);
  // No vacuous pass: every loss and dtype has cases that discriminate.
  for (const std::string& loss : o.losses)
    for (Dtype d : o.dtypes) {
      std::size_t passed = 0;
      for (const CaseRecord& r : run.records) passed += r.loss == loss && r.dtype == d && r.outcome.verdict == Verdict::pass;
      EXPECT_GE(passed, 20u) << loss << " " << dtype_name(d);
    }
}

TEST(CertifySuite, IsDeterministicAndTheSeedChangesOnlyRandomCases) {
  const auto a = build_suite("cross_entropy", smoke(Dtype::float32));
  const auto b = build_suite("cross_entropy", smoke(Dtype::float32));
  const auto c = build_suite("cross_entropy", smoke(Dtype::float32, 2));
  ASSERT_EQ(a.size(), b.size());
  std::size_t random_differ = 0, fixed_same = 0, fixed = 0;
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].request, b[i].request) << a[i].id;
  for (const SuiteCase& x : a)
    for (const SuiteCase& y : c)
      if (x.id == y.id) {
        if (x.id.rfind("random-", 0) == 0) random_differ += x.request != y.request;
        else {
          ++fixed;
          fixed_same += x.request == y.request;
        }
      }
  EXPECT_GT(fixed, 0u);
  EXPECT_EQ(fixed_same, fixed);
  EXPECT_GT(random_differ, 40u);
}

TEST(CertifySuite, ASmokeSuiteMixesGoldenCornerAndRandomCases) {
  std::size_t golden = 0, corner = 0, random = 0, invalid = 0, acceptable = 0;
  for (const SuiteCase& c : build_suite("cross_entropy", smoke(Dtype::float64))) {
    golden += c.id.rfind("golden-", 0) == 0;
    corner += c.id.rfind("corner-", 0) == 0;
    random += c.id.rfind("random-", 0) == 0;
    invalid += c.expect == Expect::invalid;
    acceptable += c.expect == Expect::acceptable;
  }
  std::size_t golden_acceptable = 0, golden_invalid = 0;
  const auto vectors = read_golden(test::golden_dir(), "cross_entropy");
  for (const GoldenTest& g : vectors) {
    golden_acceptable += g.result == "acceptable";
    golden_invalid += g.result == "invalid";
  }
  EXPECT_EQ(golden, vectors.size());  // every golden vector of the loss
  EXPECT_GT(corner, 20u);
  EXPECT_GT(random, 40u);
  EXPECT_EQ(acceptable, golden_acceptable);
  EXPECT_GT(invalid, golden_invalid);  // and the out-of-range corners
}

TEST(CertifySuite, OutOfRangeTargetsMustBeRejected) {
  std::size_t seen = 0;
  for (const SuiteCase& c : build_suite("nll_loss", smoke(Dtype::float64)))
    if (c.id.rfind("corner-target-out-of-range-", 0) == 0) {
      ++seen;
      EXPECT_EQ(c.expect, Expect::invalid);
      EXPECT_NE(c.rejection.find("Target 1048576 is out of bounds."), std::string::npos) << c.rejection;
    }
  EXPECT_GT(seen, 0u);
}

TEST(CertifySuite, Float32SuitesHoldFloat32Inputs) {
  for (const SuiteCase& c : build_suite("kl_div", smoke(Dtype::float32))) {
    if (c.expect == Expect::invalid) continue;
    for (const auto& [name, tensor] : c.request.at("inputs").items())
      for (double v : tensor_from_json(tensor, name).values) EXPECT_TRUE(representable(Dtype::float32, v)) << c.id;
  }
}

TEST(CertifySuite, AReproductionBuildsExactlyItsCase) {
  const auto all = build_suite("softmax", smoke(Dtype::float64));
  for (const char* id : {"random-7", "corner-ties-1", "golden-3"}) {
    SuiteOptions o = smoke(Dtype::float64);
    o.only_id = id;
    const auto one = build_suite("softmax", o);
    ASSERT_EQ(one.size(), 1u) << id;
    bool found = false;
    for (const SuiteCase& c : all)
      if (c.id == id) {
        found = true;
        EXPECT_EQ(c.request, one[0].request);
      }
    EXPECT_TRUE(found) << id;
  }
}

TEST(CertifySuite, ALossWithoutGoldenVectorsIsAnError) {
  SuiteOptions o = smoke(Dtype::float64);
  o.golden_dir = std::filesystem::temp_directory_path() / "lossoracle-no-vectors-here";
  try {
    build_suite("softmax", o);
    FAIL() << "expected SuiteError";
  } catch (const SuiteError& e) {
    EXPECT_EQ(std::string(e.what()),
              "no golden vectors for softmax (" + (o.golden_dir / "softmax_test.json").string() +
                  "): every suite starts from them; add golden/sources/softmax.jsonl and run lossoracle golden "
                  "(docs/golden-format.md)");
  }
}

}  // namespace
