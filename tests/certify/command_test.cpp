// The certify and cases commands as a user runs them: exit codes, usage
// errors and their messages, certificates on disk, cases that `eval` reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "certify/dtype.hpp"
#include "core/error.hpp"
#include "core/protocol.hpp"
#include "run_command.hpp"

namespace {

using lossoracle::test::golden_dir;
using lossoracle::test::lossoracle;
using lossoracle::test::run_command;
using nlohmann::json;

const std::string kUnknownDtype =
    "--dtype: unknown dtype 'float8' (known: float64, float32, bfloat16, float16)";

std::string certify(const std::string& args) {
  return lossoracle() + " certify --golden " + lossoracle::test::quoted(golden_dir()) + " " + args;
}

// The counts of the summary line "tests: N passed: .. unsupported: ..", by
// name ("tests", "passed", ...), in the order printed; empty without one.
std::vector<std::pair<std::string, std::size_t>> summary_counts(const std::string& out) {
  std::vector<std::pair<std::string, std::size_t>> counts;
  const auto at = out.find("tests: ");
  if (at == std::string::npos) return counts;
  std::istringstream line(out.substr(at, out.find('\n', at) - at));
  std::string word;
  for (std::size_t n = 0; line >> word >> n;) counts.emplace_back(word.substr(0, word.size() - 1), n);
  return counts;
}

TEST(CertifyCommand, ReferencePassesAndTheSummaryAddsUp) {
  const auto r = run_command(certify("--impl reference --loss softmax --loss nll_loss --suite smoke"));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const auto counts = summary_counts(r.out);
  ASSERT_EQ(counts.size(), 7u) << r.out;
  std::size_t sum = 0, k = 1;
  for (const char* name : {"passed", "failed", "mistrusted", "rejected-ok", "acceptable", "unsupported"}) {
    EXPECT_EQ(counts[k].first, name);
    sum += counts[k++].second;
  }
  EXPECT_EQ(counts[0].first, "tests");
  EXPECT_GT(counts[0].second, 300u);
  EXPECT_EQ(sum, counts[0].second);
}

TEST(CertifyCommand, UsageErrorsExitTwoWithAMessage) {
  struct Case {
    std::string args, message;
  };
  const Case cases[] = {
      {"--impl fast --loss softmax",
       "lossoracle certify: --impl fast: unknown implementation (known: cuda, optimized, reference, "
       "external:<command>)\n"},
      {"--impl external: --loss softmax",
       "lossoracle certify: --impl external: needs a command, e.g. external:'python3 -m "
       "lossoracle_adapters.pytorch'\n"},
      {"--impl reference --loss softmax --dtype float64 --case golden-999",
       "lossoracle certify: --case golden-999: no such case in the smoke suite of softmax (float64, seed 1); "
       "`lossoracle cases` lists them\n"},
      {"--impl reference --loss softmax --html", "lossoracle certify: --html needs --out\n"},
      {"--impl reference --loss softmax --dtype float32 --dtype bfloat16 --profile tight",
       "lossoracle certify: --profile tight: no error budget is documented for bfloat16 (docs/accuracy.md measures "
       "the optimized tier in float64 and float32 only); use --profile strict or pytorch for it\n"},
  };
  for (const Case& c : cases) {
    const auto r = run_command(certify(c.args));
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_EQ(r.err, c.message) << c.args;
  }
  const auto unknown = run_command(certify("--impl reference --loss softmaxx"));
  EXPECT_EQ(unknown.status, 2);
  EXPECT_EQ(unknown.err.rfind("lossoracle certify: unknown loss 'softmaxx' (known: ", 0), 0u) << unknown.err;
  EXPECT_EQ(run_command(certify("--impl reference --loss softmax --suite huge")).status, 2);
  EXPECT_EQ(run_command(certify("--loss softmax")).status, 2);
  const auto dtype = run_command(certify("--impl reference --loss softmax --dtype float8"));
  EXPECT_EQ(dtype.status, 2);
  EXPECT_EQ(dtype.err.substr(0, dtype.err.find('\n')), kUnknownDtype) << dtype.err;
  const auto cases_dtype = run_command(lossoracle() + " cases --loss softmax --dtype float8");
  EXPECT_EQ(cases_dtype.status, 2);
  EXPECT_EQ(cases_dtype.err.substr(0, cases_dtype.err.find('\n')), kUnknownDtype) << cases_dtype.err;
}

// The reference answers every dtype from the oracle's own rounding to it, so it
// passes strict in bfloat16 and float16 too: the control for those suites.
TEST(CertifyCommand, ReferencePassesStrictInBfloat16AndFloat16) {
  const auto r = run_command(
      certify("--impl reference --loss cross_entropy --loss kl_div --dtype bfloat16 --dtype float16 --suite smoke"));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" failed: 0 "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" passed: 0 "), std::string::npos) << r.out;
}

// The optimized tier has float and double kernels only: it declines the
// narrow dtypes per case, saying why, rather than answering from float.
TEST(CertifyCommand, TheOptimizedTierDeclinesTheNarrowDtypes) {
  const auto one = run_command(certify("--impl optimized --loss cross_entropy --dtype float16 --case golden-1"));
  EXPECT_EQ(one.status, 0) << one.out << one.err;
  EXPECT_NE(one.out.find("unsupported: the optimized tier computes in float64 and float32 only, not float16\n"),
            std::string::npos)
      << one.out;
  const auto all = run_command(certify("--impl optimized --loss cross_entropy --dtype bfloat16"));
  EXPECT_EQ(all.status, 0) << all.out << all.err;
  const auto counts = summary_counts(all.out);
  ASSERT_EQ(counts.size(), 7u) << all.out;
  EXPECT_EQ(counts[6].first, "unsupported");
  EXPECT_GT(counts[0].second, 0u);
  EXPECT_EQ(counts[6].second, counts[0].second) << all.out;
}

TEST(CertifyCommand, ACaseIsShownInFull) {
  const auto r = run_command(certify("--impl reference --loss softmax --dtype float64 --case golden-1"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("case golden-1: golden tcId 1: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("request: {\"id\":\"golden-1\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: pass\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tests: 1 passed: 1 failed: 0 mistrusted: 0 rejected-ok: 0 acceptable: 0 unsupported: 0\n"), std::string::npos);
}

TEST(CertifyCommand, WritesCertificates) {
  const auto dir = std::filesystem::temp_directory_path() / ("lossoracle-cert-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto r = run_command(certify("--impl reference --loss kl_div --suite smoke --out " + dir.string() + " --html"));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const json cert = json::parse(lossoracle::test::slurp(dir / "certificate.json"));
  EXPECT_EQ(cert["implementation"], "reference");
  EXPECT_EQ(cert["verdict"], "pass");
  EXPECT_EQ(cert["losses"].size(), 2u);  // kl_div in float64 and float32
  const json& s = cert["summary"];
  EXPECT_EQ(s["tests"].get<int>(), s["passed"].get<int>() + s["failed"].get<int>() + s["mistrusted"].get<int>() +
                                        s["rejected-ok"].get<int>() + s["acceptable"].get<int>() +
                                        s["unsupported"].get<int>());
  EXPECT_EQ(cert["versions"], json::object()) << "the reference reports no library versions";
  for (const json& loss : cert["losses"]) {
    EXPECT_EQ(loss["outputs_compared"], json::array({"loss", "per_position", "grad_input", "grad_target"}));
    int in_histogram = 0;
    for (const auto& [bucket, n] : loss["histogram_ulps"].items()) in_histogram += n.get<int>();
    EXPECT_GT(in_histogram, 0);
    EXPECT_EQ(loss["histogram_ulps"][">2^16"], 0);
    for (const json& g : loss["groups"]) EXPECT_TRUE(g["worst"].is_null() || g["worst"].contains("request"));
    // The reference is correctly rounded: in the normal range every relative error is at most
    // half an ulp, 2^-53 (float64) or 2^-24 (float32).
    ASSERT_TRUE(loss["worst_relative"].is_object()) << loss.dump();
    EXPECT_LE(loss["worst_relative"]["relative"].get<double>(), loss["dtype"] == "float64" ? 0x1p-53 : 0x1p-24)
        << loss["worst_relative"].dump();
    EXPECT_GT(loss["worst_relative"]["relative"].get<double>(), 0.0);
  }
  const std::string md = lossoracle::test::slurp(dir / "certificate.md");
  EXPECT_NE(md.find("## kl_div (float32): pass\n"), std::string::npos);
  EXPECT_NE(md.find("| `{\"log_target\":true,\"reduction\":\"batchmean\"}` |"), std::string::npos) << md;
  EXPECT_NE(md.find("| unsupported | worst ulp | worst rel | verdict |\n"), std::string::npos) << md;
  const std::string html = lossoracle::test::slurp(dir / "certificate.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  // Self-contained: nothing for a browser to fetch.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(CasesCommand, WritesEvalCasesThatEvalAnswers) {
  const std::string cases = lossoracle() + " cases --loss cross_entropy --suite smoke --dtype float32 --golden " +
                            lossoracle::test::quoted(golden_dir());
  const auto listed = run_command(cases);
  ASSERT_EQ(listed.status, 0) << listed.err;
  std::istringstream lines(listed.out);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const json c = json::parse(line);
    EXPECT_TRUE(c["id"].is_string());
    EXPECT_EQ(c["loss"], "cross_entropy");
  }
  EXPECT_GT(n, 100u);
  // Every case is a `lossoracle eval` case: eval answers each line, the
  // invalid ones with an error (hence exit status 1).
  const auto answered = run_command(cases + " | " + lossoracle() + " eval");
  EXPECT_EQ(answered.status, 1);
  std::istringstream answers(answered.out);
  std::size_t m = 0, errors = 0;
  for (std::string line; std::getline(answers, line); ++m) errors += json::parse(line).contains("error");
  EXPECT_EQ(m, n);
  EXPECT_GT(errors, 9u);
  EXPECT_LT(errors, n / 4);
}

}  // namespace

namespace {

// Values of real input tensors that `dtype` cannot hold, over a cases listing.
std::size_t unrepresentable(const std::string& listing, lossoracle::certify::Dtype dtype) {
  std::istringstream lines(listing);
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) {
    const json c = json::parse(line);
    for (const auto& [name, t] : c["inputs"].items()) {
      lossoracle::Tensor tensor;
      try {
        tensor = lossoracle::tensor_from_json(t, name);
      } catch (const lossoracle::InputError&) {
        continue;  // a bad-input vector's malformed tensor, kept as it is on purpose
      }
      for (double v : tensor.values) n += !lossoracle::certify::representable(dtype, v);
    }
  }
  return n;
}

// Every input of a bfloat16 or float16 suite is a value of that dtype (the
// float32 suite's are not all), so the oracle judges the inputs the
// implementation really receives.
TEST(CasesCommand, NarrowSuitesCarryValuesOfTheirDtype) {
  using lossoracle::certify::Dtype;
  const std::string cases = lossoracle() + " cases --loss cross_entropy --suite smoke --golden " +
                            lossoracle::test::quoted(golden_dir()) + " --dtype ";
  const auto f32 = run_command(cases + "float32");
  ASSERT_EQ(f32.status, 0) << f32.err;
  EXPECT_GT(unrepresentable(f32.out, Dtype::bfloat16), 100u);
  EXPECT_GT(unrepresentable(f32.out, Dtype::float16), 100u);
  for (const Dtype d : {Dtype::bfloat16, Dtype::float16}) {
    const auto narrow = run_command(cases + lossoracle::certify::dtype_name(d));
    ASSERT_EQ(narrow.status, 0) << narrow.err;
    EXPECT_GT(std::count(narrow.out.begin(), narrow.out.end(), '\n'), 100);
    EXPECT_EQ(unrepresentable(narrow.out, d), 0u) << lossoracle::certify::dtype_name(d);
  }
}

}  // namespace
