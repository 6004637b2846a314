// External implementations with planted faults (tests/certify/adapters/planted.py,
// a copy of the reference answering through `lossoracle eval`): a value one ulp
// off, an out-of-range target accepted, a crash, a hang, garbage, values not
// of the dtype. Each is caught with a message naming the case and a
// reproduction line, and lossoracle exits 1 without going down with the adapter.
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

class PlantedAdapter : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(LOSSORACLE_PYTHON))
      GTEST_SKIP() << "no python3 found at configure time: the planted adapters are Python scripts";
  }
  static std::string impl(const std::string& mode) {
    return "external:" + std::string(LOSSORACLE_PYTHON) + " " + LOSSORACLE_SOURCE_DIR +
           "/tests/certify/adapters/planted.py " + LOSSORACLE_BINARY + " " + mode;
  }
  static lossoracle::test::CommandResult certify(const std::string& mode, const std::string& args) {
    return run_command(lossoracle() + " certify --golden " + quoted(golden_dir()) + " --impl " + quoted(impl(mode)) +
                       " " + args);
  }
  // The reproduction line lossoracle prints for a case of this run.
  static std::string repro(const std::string& mode, const std::string& loss, const std::string& dtype,
                           const std::string& case_id, const std::string& extra = "") {
    return "__REPRO: lossoracle certify --impl " + quoted(impl(mode)) + " --loss " + loss + " --suite smoke --dtype " +
           dtype + " --seed 1 --profile strict --golden " + golden_dir() + extra + " --case " + case_id + "\n";
  }
  // A run that failed (exit 1) and printed this failure line.
  static void expect_failure(const lossoracle::test::CommandResult& r, const std::string& line) {
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.out.find(line), std::string::npos) << r.out;
  }
};

// In every dtype: in bfloat16 and float16 its answers are the oracle's own
// roundings to them (`lossoracle eval --half-formats`).
TEST_F(PlantedAdapter, AnHonestCopyPasses) {
  for (const char* dtypes : {"", " --dtype bfloat16 --dtype float16"}) {
    const auto r = certify("honest", std::string("--loss softmax --loss nll_loss --suite smoke") + dtypes);
    EXPECT_EQ(r.status, 0) << dtypes << r.out << r.err;
    EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << dtypes;
  }
}

TEST_F(PlantedAdapter, AValueOneUlpOffIsCaughtWithItsReproduction) {
  const auto r = certify("nudge golden-1", "--loss softmax --dtype float64 --suite smoke");
  expect_failure(r, "1:FAILED softmax float64 golden-1 (loss[0]: got 0x1.d961d45c6239dp-1, expected "
                    "0x1.d961d45c6239cp-1 (1.45 ulp, rel 1.74e-16)) " +
                    repro("nudge golden-1", "softmax", "float64", "golden-1"));
  EXPECT_NE(r.out.find(" failed: 1 "), std::string::npos) << r.out;
  // The reproduction line reproduces, alone.
  const std::string line = repro("nudge golden-1", "softmax", "float64", "golden-1");
  const std::string command = line.substr(std::string("__REPRO: lossoracle").size(), line.size() - 1 - 19);
  const auto again = run_command(lossoracle() + command);
  EXPECT_EQ(again.status, 1) << again.out << again.err;
  EXPECT_NE(again.out.find("verdict: fail (loss[0]: got 0x1.d961d45c6239dp-1"), std::string::npos) << again.out;
  // Within the tight profile's budget.
  EXPECT_EQ(certify("nudge golden-1", "--loss softmax --dtype float64 --suite smoke --profile tight").status, 0);
}

TEST_F(PlantedAdapter, AnAcceptedOutOfRangeTargetIsCaught) {
  const auto r = certify("accept-out-of-range", "--loss nll_loss --dtype float32 --suite smoke");
  expect_failure(r, ":FAILED nll_loss float32 corner-target-out-of-range-1 (accepted an input the oracle rejects "
                    "(nll_loss: Target 1048576 is out of bounds. (target(0,); valid class indices are 0..2, or "
                    "ignore_index -100))) " +
                    repro("accept-out-of-range", "nll_loss", "float32", "corner-target-out-of-range-1"));
}

TEST_F(PlantedAdapter, ACrashFailsItsCaseAndTheAdapterIsRestarted) {
  const auto r = certify("crash golden-2", "--loss softmax --dtype float64 --suite smoke");
  expect_failure(r, "2:FAILED softmax float64 golden-2 (adapter exited with status 3 while answering case "
                    "golden-2; its stderr ends: planted crash) " +
                    repro("crash golden-2", "softmax", "float64", "golden-2"));
  EXPECT_NE(r.out.find(" failed: 1 "), std::string::npos) << r.out;
}

// The timeout is 5 s, not 1: the honest cases are answered by the oracle
// through `lossoracle eval`, and on a loaded 2-core machine (load 9, several
// builds) one of them took longer than 1 s and failed too.
TEST_F(PlantedAdapter, AHangIsKilledAfterTheTimeout) {
  const auto r = certify("hang golden-2", "--loss softmax --dtype float64 --suite smoke --timeout 5 --startup-timeout 20");
  expect_failure(r, "2:FAILED softmax float64 golden-2 (adapter did not answer case golden-2 within 5 s (killed)) " +
                    repro("hang golden-2", "softmax", "float64", "golden-2", " --timeout 5 --startup-timeout 20"));
  EXPECT_NE(r.out.find(" failed: 1 "), std::string::npos) << r.out;
}

TEST_F(PlantedAdapter, GarbageIsCaught) {
  const auto r = certify("garbage golden-2", "--loss softmax --dtype float64 --suite smoke");
  expect_failure(r, "2:FAILED softmax float64 golden-2 (adapter answered case golden-2 with a line that is not "
                    "JSON: this is not JSON) ");
  EXPECT_NE(r.out.find(" failed: 1 "), std::string::npos) << r.out;
}

TEST_F(PlantedAdapter, AnAdapterThatAlwaysCrashesIsGivenUpAfterThreeCases) {
  const auto r = certify("crash-always", "--loss softmax --dtype float64 --suite smoke --max-failures-shown 4");
  expect_failure(r, "4:FAILED softmax float64 golden-4 (not run: the adapter failed 3 cases in a row (last: adapter "
                    "exited with status 3 while answering case golden-3; its stderr ends: planted crash)) ");
  EXPECT_NE(r.out.find(" passed: 0 failed: 85 "), std::string::npos) << r.out;
}

TEST_F(PlantedAdapter, AnUnsupportedCaseIsCountedApartNeverAsAPass) {
  const auto dir = std::filesystem::temp_directory_path() / ("lossoracle-unsupported-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto r = certify("unsupported golden-2", "--loss softmax --dtype float64 --suite smoke --out " + dir.string());
  // Unsupported is not a failure of the run, and not a pass either.
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" failed: 0 mistrusted: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" acceptable: 0 unsupported: 1\n"), std::string::npos) << r.out;
  const nlohmann::json cert = nlohmann::json::parse(lossoracle::test::slurp(dir / "certificate.json"));
  EXPECT_EQ(cert["summary"]["unsupported"], 1);
  EXPECT_EQ(cert["verdict"], "partial") << "some cases passed, one was unsupported";
  EXPECT_EQ(cert["versions"]["planted"], "1.0");
  const std::string md = lossoracle::test::slurp(dir / "certificate.md");
  EXPECT_NE(md.find("- versions (as the implementation reports them): planted 1.0;"), std::string::npos) << md;
  EXPECT_NE(md.find("## softmax (float64): partial\n"), std::string::npos) << md;
  std::filesystem::remove_all(dir);
  // The case alone says why.
  const auto one = certify("unsupported golden-2", "--loss softmax --dtype float64 --suite smoke --case golden-2");
  EXPECT_EQ(one.status, 0) << one.err;
  EXPECT_NE(one.out.find("unsupported: planted: this library has no such case\n"
                         "verdict: unsupported (unsupported: planted: this library has no such case)\n"),
            std::string::npos)
      << one.out;
  EXPECT_NE(one.out.find("tests: 1 passed: 0 failed: 0 mistrusted: 0 rejected-ok: 0 acceptable: 0 unsupported: 1\n"),
            std::string::npos)
      << one.out;
}

TEST_F(PlantedAdapter, UnsupportedWithoutAReasonAndMalformedVersionsAreProtocolErrors) {
  const auto empty = certify("unsupported-empty golden-2", "--loss softmax --dtype float64 --suite smoke");
  expect_failure(empty, "2:FAILED softmax float64 golden-2 (adapter answered case golden-2 with \"unsupported\" "
                        "that is not a non-empty string (the reason): \"\") ");
  const auto versions = certify("versions-not-text golden-3", "--loss softmax --dtype float64 --suite smoke");
  expect_failure(versions, "3:FAILED softmax float64 golden-3 (adapter answered case golden-3 with \"versions\" "
                           "that is not an object of strings: {\"planted\":1}) ");
}

TEST_F(PlantedAdapter, AnUnknownConventionIsAProtocolError) {
  const auto r = certify("convention-unknown golden-2", "--loss softmax --dtype float64 --suite smoke");
  expect_failure(r, "2:FAILED softmax float64 golden-2 (adapter answered case golden-2 with the convention "
                    "\"whatever-we-do\", not one of: labels-smoothed-first) ");
}

// A float32 answer to a bfloat16 request: what an adapter that forgot to
// convert its outputs would send.
TEST_F(PlantedAdapter, Float32ValuesForABfloat16RequestAreCaught) {
  const auto r = certify("float32-values", "--loss softmax --dtype bfloat16 --suite smoke --case golden-2");
  expect_failure(r, "not a bfloat16 value) ");
}

TEST_F(PlantedAdapter, ValuesThatAreNotOfTheDtypeAreCaught) {
  const auto r = certify("float64-values", "--loss softmax --dtype float32 --suite smoke");
  expect_failure(r, "1:FAILED softmax float32 golden-1 (adapter answered case golden-1 with "
                    "outputs.grad_input[0] = 0x0.0000000000001p-1022, not a float32 value) ");
}

}  // namespace
