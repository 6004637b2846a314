// The PyTorch adapter (python/lossoracle_adapters/pytorch.py) certified on the
// smoke suite under the `pytorch` profile: PyTorch's float32 and float64
// results within torch.testing.assert_close's default tolerance of the exact
// values. Skipped, saying so, where Debian's python3 cannot import torch.
#include <gtest/gtest.h>

#include <filesystem>

#include "run_command.hpp"

namespace {

using lossoracle::test::golden_dir;
using lossoracle::test::lossoracle;
using lossoracle::test::quoted;
using lossoracle::test::run_command;

bool torch_importable() {
  return std::filesystem::exists(LOSSORACLE_PYTHON) &&
         run_command(quoted(LOSSORACLE_PYTHON) + " -c 'import torch'").status == 0;
}

std::string pytorch_impl() {
  return "external:PYTHONPATH=" + std::string(LOSSORACLE_SOURCE_DIR) + "/python " + LOSSORACLE_PYTHON +
         " -m lossoracle_adapters.pytorch";
}

TEST(PytorchAdapter, PassesThePytorchProfileOnTheSmokeSuite) {
  if (!torch_importable())
    GTEST_SKIP() << "torch is not importable by " << LOSSORACLE_PYTHON
                 << ": install python3-torch (scripts/install-deps.sh) to certify PyTorch";
  // nll_loss is left out: torch 1.13.1 accepts a 1-D target with a 1-D input
  // (golden tcId 16, docs/spec.md section 10), which PyTorch main rejects.
  const auto r = run_command(lossoracle() + " certify --golden " + quoted(golden_dir()) + " --impl " +
                             quoted(pytorch_impl()) +
                             " --loss log_softmax --loss softmax --loss entropy --loss cross_entropy --loss kl_div"
                             " --suite smoke --profile pytorch");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" failed: 0 "), std::string::npos) << r.out;
}

TEST(PytorchAdapter, FailsStrictSinceFloat32IsNotCorrectlyRounded) {
  if (!torch_importable()) GTEST_SKIP() << "torch is not importable by " << LOSSORACLE_PYTHON;
  const auto r = run_command(lossoracle() + " certify --golden " + quoted(golden_dir()) + " --impl " +
                             quoted(pytorch_impl()) + " --loss cross_entropy --dtype float32 --suite smoke");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(":FAILED cross_entropy float32 "), std::string::npos) << r.out;
}

// bfloat16 is computed by torch's bfloat16 kernels, not in float32 and rounded
// after: golden-1 (logits [6, 1, 3, 1, 2], target 0) comes back 0x1.34p-4, its
// log_softmax having rounded the log-sum-exp to bfloat16, where float32
// rounded to bfloat16 would give the correct 0x1.42p-4 (docs/certificates).
TEST(PytorchAdapter, ComputesInBfloat16) {
  if (!torch_importable()) GTEST_SKIP() << "torch is not importable by " << LOSSORACLE_PYTHON;
  const auto r = run_command(lossoracle() + " certify --golden " + quoted(golden_dir()) + " --impl " +
                             quoted(pytorch_impl()) +
                             " --loss cross_entropy --dtype bfloat16 --profile pytorch --case golden-1");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("loss[0]            expected 0x1.42p-4                got 0x1.34p-4"), std::string::npos) << r.out;
}

// torch 1.13.1 has no CPU float16 log_softmax: the adapter says so as
// `unsupported`, naming the kernel, and invalid inputs torch refuses before
// reaching it are still rejected.
TEST(PytorchAdapter, AMissingFloat16KernelIsUnsupportedNotAFailure) {
  if (!torch_importable()) GTEST_SKIP() << "torch is not importable by " << LOSSORACLE_PYTHON;
  const std::string base = lossoracle() + " certify --golden " + quoted(golden_dir()) + " --impl " +
                           quoted(pytorch_impl()) + " --loss cross_entropy --dtype float16 --profile pytorch";
  const auto one = run_command(base + " --case golden-1");
  EXPECT_EQ(one.status, 0) << one.out << one.err;
  EXPECT_NE(one.out.find("unsupported: torch "), std::string::npos) << one.out;
  EXPECT_NE(one.out.find(" has no float16 CPU kernel log_softmax_lastdim_kernel_impl"), std::string::npos) << one.out;
  const auto all = run_command(base + " --suite smoke");
  EXPECT_EQ(all.status, 0) << all.out << all.err;
  EXPECT_NE(all.out.find(" passed: 0 failed: 0 "), std::string::npos) << all.out;
  EXPECT_EQ(all.out.find(" unsupported: 0\n"), std::string::npos) << all.out;
  EXPECT_EQ(all.out.find(" rejected-ok: 0 "), std::string::npos) << all.out;
}

}  // namespace
