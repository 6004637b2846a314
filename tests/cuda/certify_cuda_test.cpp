// `lossoracle certify --impl cuda` as a user runs it: with no compiled tier
// or no device it refuses (exit 2) saying which; with a device it certifies.
#include <gtest/gtest.h>

#include <string>

#include "tests/certify/run_command.hpp"
#if defined(LOSSORACLE_HAVE_CUDA)
#include "cuda/api.hpp"
#endif

namespace {

using lossoracle::test::golden_dir;
using lossoracle::test::lossoracle;
using lossoracle::test::run_command;

std::string certify(const std::string& args) {
  return lossoracle() + " certify --golden " + lossoracle::test::quoted(golden_dir()) + " " + args;
}

TEST(CertifyCuda, RefusesSayingWhyOrRuns) {
  const auto r = run_command(certify("--impl cuda --loss cross_entropy"));
#if !defined(LOSSORACLE_HAVE_CUDA)
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "lossoracle certify: --impl cuda: the CUDA tier was not compiled (LOSSORACLE_CUDA was off when "
            "lossoracle was configured: no usable nvcc, or turned off; see docs/cuda.md)\n");
#else
  std::string why;
  if (!lossoracle::cuda::device_available(&why)) {
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "lossoracle certify: --impl cuda: " + why + "\n");
    return;
  }
  // A device: the kernels answer every case of the smoke suite (the verdicts
  // are the certificate's business; a broken or refused run is not).
  EXPECT_TRUE(r.status == 0 || r.status == 1) << r.err;
  EXPECT_NE(r.out.find("tests: "), std::string::npos) << r.out;
#endif
}

}  // namespace
