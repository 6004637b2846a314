// The eval protocol end to end: answers per line, errors naming line and
// field, later lines still answered, exit codes of the binary.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/eval_command.hpp"

namespace {

using nlohmann::json;
using lossoracle::cli::EvalFormat;
using lossoracle::cli::run_eval;

std::vector<json> answer(const std::string& input, int* errors = nullptr) {
  std::istringstream in(input);
  std::ostringstream out;
  const int e = run_eval(in, out, {}, EvalFormat::jsonl);
  if (errors) *errors = e;
  std::vector<json> lines;
  std::istringstream answers(out.str());
  for (std::string line; std::getline(answers, line);) lines.push_back(json::parse(line));
  return lines;
}

TEST(Eval, AnswersEachLineInOrderAndEchoesId) {
  const auto lines = answer(
      R"({"id":"first","loss":"cross_entropy","params":{"reduction":"none"},"inputs":{"input":[[6,1,3,1,2]],"target":[0]}})"
      "\n\n"
      R"({"id":2,"loss":"softmax","inputs":{"input":[0,0]}})"
      "\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["id"], "first");
  EXPECT_EQ(lines[1]["id"], 2);
  const json& loss = lines[0]["outputs"]["loss"];
  EXPECT_EQ(loss["shape"], json::array({1}));
  EXPECT_EQ(loss["f64"][0], "0x1.41370d2b1320ap-4");
  EXPECT_EQ(loss["f32"][0], "0x1.41370ep-4");
  EXPECT_EQ(loss["status"][0], "proved");
  EXPECT_EQ(loss["decimal"][0].get<std::string>().substr(0, 20), "7.842164176799584818");
  EXPECT_EQ(lines[1]["outputs"]["loss"]["f64"], json::array({"0x1p-1", "0x1p-1"}));
  EXPECT_EQ(lines[1]["outputs"]["loss"]["status"], json::array({"exact", "exact"}));
}

TEST(Eval, BadLinesGetAnErrorNamingLineAndFieldAndLaterLinesAreAnswered) {
  int errors = 0;
  const auto lines = answer(
      "not json\n"
      R"({"id":"b","loss":"cross_entropy","inputs":{"input":[[1,2]],"target":[5]}})"
      "\n"
      R"({"id":"c","loss":"cross_entropy","inputs":{"input":[[1,2],[3]],"target":[0]}})"
      "\n"
      R"({"id":"d","loss":"cross_entropy","params":{"reduction":"avg"},"inputs":{"input":[[1,2]],"target":[0]}})"
      "\n"
      R"({"id":"e","loss":"softmax","inputs":{"input":[1,2]}})"
      "\n",
      &errors);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(errors, 4);
  EXPECT_EQ(lines[0]["line"], 1);
  EXPECT_EQ(lines[0]["error"]["field"], "json");
  EXPECT_EQ(lines[1]["line"], 2);
  EXPECT_EQ(lines[1]["id"], "b");
  EXPECT_EQ(lines[1]["error"]["field"], "inputs.target");
  EXPECT_NE(lines[1]["error"]["message"].get<std::string>().find("Target 5 is out of bounds."), std::string::npos);
  EXPECT_EQ(lines[2]["error"]["field"], "inputs.input[1]");
  EXPECT_EQ(lines[3]["error"]["field"], "params.reduction");
  EXPECT_EQ(lines[3]["error"]["message"],
            "cross_entropy: avg is not a valid value for reduction (expected one of: none, sum, mean)");
  EXPECT_TRUE(lines[4].contains("outputs"));
}

// JSON has no inf: a real parameter spelled "inf" reaches the loss's own
// range check instead of failing as a string.
TEST(Eval, RealParameterMaySpellInfinity) {
  const auto lines = answer(
      R"({"loss":"cross_entropy","params":{"label_smoothing":"inf"},"inputs":{"input":[[1,2]],"target":[0]}})"
      "\n"
      R"({"loss":"cross_entropy","params":{"label_smoothing":"lots"},"inputs":{"input":[[1,2]],"target":[0]}})"
      "\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["error"]["message"], "cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: inf");
  EXPECT_EQ(lines[1]["error"]["message"], "cross_entropy: parameter 'label_smoothing' must be a number");
}

TEST(Eval, NanByTheSemanticsIsReportedAsNan) {
  const auto lines = answer(R"({"loss":"cross_entropy","inputs":{"input":[[1,2,3]],"target":[-100]}})"
                            "\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outputs"]["loss"]["status"][0], "nan");
  EXPECT_EQ(lines[0]["outputs"]["loss"]["f64"][0], "nan");
  EXPECT_EQ(lines[0]["outputs"]["grad_input"]["status"], json::array({"exact", "exact", "exact"}));
}

TEST(Eval, UnresolvedValuesCarryNullAndAnEnclosure) {
  // The gradient's true value is 1 - 2 p with p = softmax(0, 2^-200)_0, about
  // 2^-201: nonzero, but an enclosure at 128 bits (capped there) is far wider.
  std::istringstream in(R"({"loss":"log_softmax","inputs":{"input":[0,"0x1p-200"]}})"
                        "\n");
  std::ostringstream out;
  run_eval(in, out, {128, 128}, EvalFormat::jsonl);
  const json a = json::parse(out.str());
  const json& g = a["outputs"]["grad_input"];
  EXPECT_EQ(g["status"][0], "unresolved");
  EXPECT_TRUE(g["f64"][0].is_null());
  ASSERT_TRUE(g.contains("enclosure"));
  EXPECT_EQ(g["enclosure"][0].size(), 2u);
}

TEST(Eval, BinaryExitCodes) {
  const std::string bin = LOSSORACLE_BINARY;
  const std::string good = "echo '{\"loss\":\"softmax\",\"inputs\":{\"input\":[1]}}' | " + bin + " eval > /dev/null";
  const std::string bad = "echo 'nope' | " + bin + " eval > /dev/null";
  const std::string usage = bin + " eval --format xml < /dev/null > /dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(good.c_str())), 0);
  EXPECT_EQ(WEXITSTATUS(std::system(bad.c_str())), 1);
  EXPECT_NE(WEXITSTATUS(std::system(usage.c_str())), 0);
}

}  // namespace

namespace {

// nll_loss's per-position value -input[target] is exact: 1 + 2^-8 is a
// bfloat16 midpoint (ties to 1), and 1 + 3 * 2^-11 a binary16 one (ties to
// 1 + 2^-9); neither is one of binary64 or binary32.
const std::string kNarrowTies =
    R"({"loss":"nll_loss","params":{"reduction":"none"},"inputs":{"input":[["-0x1.01p+0",0],[0,"-0x1.006p+0"]],"target":[0,1]}})"
    "\n";

TEST(Eval, HalfFormatsAddBf16AndF16AndReportTheirTies) {
  std::istringstream in(kNarrowTies);
  std::ostringstream out;
  ASSERT_EQ(run_eval(in, out, {}, EvalFormat::jsonl, true), 0);
  const json loss = json::parse(out.str())["outputs"]["loss"];
  EXPECT_EQ(loss["f64"], json::array({"0x1.01p+0", "0x1.006p+0"}));
  EXPECT_EQ(loss["bf16"], json::array({"0x1p+0", "0x1p+0"}));
  EXPECT_EQ(loss["f16"], json::array({"0x1.01p+0", "0x1.008p+0"}));
  EXPECT_EQ(loss["status"], json::array({"tie", "tie"}));

  const json plain = answer(kNarrowTies).at(0)["outputs"]["loss"];
  EXPECT_FALSE(plain.contains("bf16") || plain.contains("f16"));
  EXPECT_EQ(plain["status"], json::array({"exact", "exact"})) << "without them, no format of the answer is tied";
}

// smooth_soft_labels with every label positive gives t_c = y_c - a/3 + a/3:
// exactly y_c, through an enclosure that is never a point. y_0 = 1 + 2^-8 is
// a bfloat16 midpoint, so no precision decides its bfloat16 rounding; its
// binary64 and binary32 ones are proved all the same.
TEST(Eval, ANarrowFormatUndecidedLeavesTheWideOnesProved) {
  const std::string request =
      R"({"loss":"smooth_soft_labels","params":{"alpha":0.1},"inputs":{"input":[["0x1.01p+0","0x1p-1","0x1p-2"]]}})"
      "\n";
  const json plain = answer(request).at(0)["outputs"]["loss"];
  EXPECT_EQ(plain["status"], json::array({"proved", "proved", "proved"}));
  EXPECT_EQ(plain["f64"][0], "0x1.01p+0");
  EXPECT_EQ(plain["f32"][0], "0x1.01p+0");
  EXPECT_FALSE(plain.contains("enclosure"));

  std::istringstream in(request);
  std::ostringstream out;
  ASSERT_EQ(run_eval(in, out, {}, EvalFormat::jsonl, true), 0);
  const json four = json::parse(out.str())["outputs"]["loss"];
  EXPECT_EQ(four["status"], json::array({"unresolved", "proved", "proved"})) << "in four formats, all four or none";
  for (const char* key : {"f64", "f32", "bf16", "f16"}) EXPECT_TRUE(four[key][0].is_null()) << key;
  EXPECT_EQ(four["bf16"][1], "0x1p-1");
  EXPECT_TRUE(four.contains("enclosure"));
}

TEST(Eval, HalfFormatsInTheTable) {
  std::istringstream in(kNarrowTies);
  std::ostringstream out;
  ASSERT_EQ(run_eval(in, out, {}, EvalFormat::table, true), 0);
  EXPECT_NE(out.str().find("0x1.01p+0        0x1p+0        0x1.01p+0     tie\n"), std::string::npos) << out.str();
}

TEST(Eval, HalfFormatsFlagOfTheBinary) {
  const std::string command = "printf '%s' '" + kNarrowTies + "' | " + std::string(LOSSORACLE_BINARY) + " eval --half-formats";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_EQ(json::parse(text)["outputs"]["loss"]["bf16"], json::array({"0x1p+0", "0x1p+0"})) << text;
}

}  // namespace
