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

}  // namespace
