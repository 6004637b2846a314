// The adapters of python/lossoracle_adapters/ for optax, dlordinal,
// unit_scaling and incendio, each on cases that show its mapping: what its
// library cannot express is `unsupported` with the reason, its own errors are
// rejections, a convention it differs by is mapped (optax's label smoothing),
// its extra outputs are compared (unit_scaling's unit-scaled backward), and
// its version reaches the certificate. They need the libraries in .venv
// (scripts/install-deps.sh --python); each test skips, saying so, without them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "run_command.hpp"

namespace {

using lossoracle::test::golden_dir;
using lossoracle::test::lossoracle;
using lossoracle::test::quoted;
using lossoracle::test::run_command;

const std::string kPython = std::string(LOSSORACLE_SOURCE_DIR) + "/.venv/bin/python";

// Installed, as far as Python can find it: unit_scaling and incendio import
// only through their adapters' shims, so they are not imported here.
bool importable(const std::string& module) {
  return std::filesystem::exists(kPython) &&
         run_command(quoted(kPython) + " -c 'import importlib.util as u, sys; sys.exit(u.find_spec(\"" + module +
                     "\") is None)'")
                 .status == 0;
}

std::string impl(const std::string& adapter) {
  return "external:PYTHONPATH=" + std::string(LOSSORACLE_SOURCE_DIR) + "/python " + kPython +
         " -m lossoracle_adapters." + adapter;
}

lossoracle::test::CommandResult certify(const std::string& adapter, const std::string& args) {
  return run_command(lossoracle() + " certify --golden " + quoted(golden_dir()) + " --impl " + quoted(impl(adapter)) +
                     " --suite smoke --dtype float64 --profile pytorch " + args);
}

#define SKIP_WITHOUT(module)                                                                         \
  if (!importable(module))                                                                           \
  GTEST_SKIP() << module << " is not importable by " << kPython                                      \
               << ": ./scripts/install-deps.sh --python installs it"

TEST(OptaxAdapter, ClassWeightsAreUnsupportedWithTheReason) {
  SKIP_WITHOUT("optax");
  const auto r = certify("jax_optax", "--loss cross_entropy --case golden-18");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: unsupported (unsupported: optax has no class weights (softmax_cross_entropy and "
                       "_with_integer_labels take none))\n"),
            std::string::npos)
      << r.out;
}

TEST(OptaxAdapter, ANegativeLabelSmoothingIsPytorchsNoSmoothing) {
  SKIP_WITHOUT("optax");
  // optax.smooth_labels would apply alpha = -1/2; the registry's label_smoothing
  // is PyTorch's, which smooths only when it is positive.
  const auto r = certify("jax_optax", "--loss cross_entropy --case golden-26");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: pass\n"), std::string::npos) << r.out;
}

TEST(OptaxAdapter, SmoothedLabelsAreAcceptableWhereTheOraclesValueIsNaN) {
  SKIP_WITHOUT("optax");
  // label_smoothing 1 and a -inf logit at the target: PyTorch's 0 * inf is NaN, optax's loss inf.
  const auto r = run_command(lossoracle() + " certify --golden " + quoted(golden_dir()) + " --impl " +
                             quoted(impl("jax_optax")) +
                             " --suite standard --dtype float64 --profile pytorch --loss cross_entropy"
                             " --case corner-neg-inf-input-25");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: acceptable (convention labels-smoothed-first: loss[0]: got inf, expected NaN)\n"),
            std::string::npos)
      << r.out;
}

TEST(OptaxAdapter, ReportsItsVersionsInTheCertificate) {
  SKIP_WITHOUT("optax");
  const auto dir = std::filesystem::temp_directory_path() / ("lossoracle-optax-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto r = certify("jax_optax", "--loss smooth_labels --case golden-1 --out " + dir.string());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const auto cert = nlohmann::json::parse(lossoracle::test::slurp(dir / "certificate.json"));
  EXPECT_EQ(cert["versions"]["optax"], "0.2.3") << cert["versions"].dump();
  EXPECT_EQ(cert["versions"]["jax"], "0.4.30") << cert["versions"].dump();
  std::filesystem::remove_all(dir);
}

TEST(DlordinalAdapter, ReductionsOtherThanMeanAreUnsupported) {
  SKIP_WITHOUT("dlordinal");
  const auto r = certify("dlordinal_slace", "--loss slace --case random-0");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: unsupported (unsupported: dlordinal's SLACELoss has only the mean reduction, not "
                       "'sum')\n"),
            std::string::npos)
      << r.out;
}

TEST(DlordinalAdapter, ANegativeTargetIsAcceptedSilentlyAsTheSpecRecords) {
  SKIP_WITHOUT("dlordinal");
  const auto r = certify("dlordinal_slace", "--loss slace --case golden-6");
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: fail (accepted an input the oracle rejects (slace: target(0,) = -1 is negative; "
                       "dlordinal accepts it silently"),
            std::string::npos)
      << r.out;
}

TEST(UnitScalingAdapter, ItsBackwardIsComparedAsTheUnitScaledGradient) {
  SKIP_WITHOUT("unit_scaling");
  const auto r = certify("graphcore_unit_scaling", "--loss unit_scaled_cross_entropy --case golden-1");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("  grad_input_unit_scaled[0] "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: pass\n"), std::string::npos) << r.out;
}

TEST(IncendioAdapter, ANegativeAlphaIsIncendiosNameError) {
  SKIP_WITHOUT("incendio");
  const auto r = certify("incendio_soft_labels", "--loss smooth_soft_labels --case golden-3");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rejected: NameError: name 'InvalidArgumentError' is not defined\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("verdict: rejected-ok"), std::string::npos) << r.out;
}

}  // namespace
