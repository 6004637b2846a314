// The certify and cases commands as a user runs them: exit codes, usage
// errors and their messages, certificates on disk, cases that `eval` reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_command.hpp"

namespace {

using lossoracle::test::golden_dir;
using lossoracle::test::lossoracle;
using lossoracle::test::run_command;
using nlohmann::json;

std::string certify(const std::string& args) {
  return lossoracle() + " certify --golden " + lossoracle::test::quoted(golden_dir()) + " " + args;
}

TEST(CertifyCommand, ReferencePassesAndTheSummaryAddsUp) {
  const auto r = run_command(certify("--impl reference --loss softmax --loss nll_loss --suite smoke"));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const auto at = r.out.find("tests: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::istringstream line(r.out.substr(at));
  std::string word;
  std::size_t total = 0, sum = 0, n = 0;
  line >> word >> total;
  for (const char* name : {"passed:", "failed:", "mistrusted:", "rejected-ok:", "acceptable:", "unsupported:"}) {
    line >> word >> n;
    EXPECT_EQ(word, name);
    sum += n;
  }
  EXPECT_GT(total, 300u);
  EXPECT_EQ(sum, total);
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
  EXPECT_EQ(run_command(lossoracle() + " cases --loss softmax --dtype float16").status, 2);
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
