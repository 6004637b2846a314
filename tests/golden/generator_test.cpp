// `lossoracle golden` on small throwaway source folders: what it writes, that
// it is deterministic, and that each mistake an author can make in a source
// line stops it with the file and line named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/golden_command.hpp"
#include "golden/generator.hpp"
#include "golden/json_schema.hpp"
#include "golden/vector_checks.hpp"
#include "golden/source_case.hpp"
#include "golden_files.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using lossoracle::golden::SourceError;

const char* kFlags = R"({
  "basic-flag": {"bugType": "BASIC", "description": "an ordinary case"},
  "bad-input": {"bugType": "MALFORMED_INPUT", "description": "must be rejected"},
  "mean-over-nothing": {"bugType": "CONVENTION", "description": "libraries differ"}
})";

const std::string kValid =
    R"({"tcId": 1, "comment": "c", "flags": ["basic-flag"], "loss": "softmax", "inputs": {"input": [[0, 0]]}})";
const std::string kInvalid =
    R"({"tcId": 2, "comment": "c", "flags": ["bad-input"], "result": "invalid", "loss": "softmax", "inputs": {"input": 1}})";

class Folder : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() /
           ("lossoracle_golden_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root);
    fs::create_directories(root / "sources");
    write("sources/flags.json", kFlags);
  }
  void TearDown() override { fs::remove_all(root); }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream(root / rel, std::ios::binary) << text;
  }
  std::string error_of(const std::string& lines) {
    write("sources/a.jsonl", lines);
    try {
      lossoracle::golden::generate(root / "sources");
    } catch (const SourceError& e) {
      return e.what();
    }
    return "";
  }
  int run(bool check, std::string* out = nullptr) {
    lossoracle::cli::GoldenOptions o;
    o.sources = (root / "sources").string();
    o.out = (root / "vectors").string();
    o.check = check;
    std::ostringstream so, se;
    const int rc = lossoracle::cli::run_golden(o, so, se);
    if (out) *out = so.str() + se.str();
    return rc;
  }

  fs::path root;
};

TEST_F(Folder, WritesOneFilePerLossAndIsDeterministic) {
  write("sources/a.jsonl", kValid + "\n\n" + kInvalid + "\n");
  write("sources/b.jsonl",
        R"({"tcId": 1, "comment": "c", "flags": [], "loss": "log_softmax", "inputs": {"input": [1, 2]}})" "\n");
  const auto first = lossoracle::golden::generate(root / "sources");
  EXPECT_EQ(first, lossoracle::golden::generate(root / "sources"));
  ASSERT_EQ(first.size(), 2u);
  const json softmax = json::parse(first.at("softmax_test.json"));
  EXPECT_EQ(softmax["numberOfTests"], 2);
  EXPECT_EQ(softmax["notes"].size(), 2u);  // only the flags it uses
  const json& valid = softmax["testGroups"][0]["tests"][0];
  EXPECT_EQ(valid["outputs"]["loss"]["f64"], json::array({"0x1p-1", "0x1p-1"}));
  EXPECT_EQ(valid["inputs"]["input"], json::parse(R"({"shape": [1, 2], "data": ["0x0p+0", "0x0p+0"]})"));
  const json& invalid = softmax["testGroups"][0]["tests"][1];
  EXPECT_EQ(invalid["error"]["field"], "inputs.input");
  EXPECT_FALSE(invalid.contains("outputs"));
}

TEST_F(Folder, CommandWritesChecksAndRemovesStaleFiles) {
  write("sources/a.jsonl", kValid + "\n");
  fs::create_directories(root / "vectors");
  write("vectors/gone_test.json", "{}");
  std::string out;
  EXPECT_EQ(run(true, &out), 1) << out;  // missing softmax file, stale gone file
  EXPECT_EQ(run(false, &out), 0) << out;
  EXPECT_FALSE(fs::exists(root / "vectors/gone_test.json"));
  EXPECT_TRUE(fs::exists(root / "vectors/softmax_test.json"));
  EXPECT_EQ(run(true, &out), 0) << out;
  write("vectors/softmax_test.json", golden_test::read_text(root / "vectors/softmax_test.json") + " ");
  EXPECT_EQ(run(true, &out), 1) << out;
  EXPECT_NE(out.find("softmax_test.json  1 tests  differs"), std::string::npos) << out;
}

TEST_F(Folder, SourceMistakesAreReportedWithTheirLine) {
  const std::string line2 = "a.jsonl:2: ";
  EXPECT_EQ(error_of(kValid + "\n" + kValid + "\n").rfind(line2 + "tcId 1 of softmax is already used at a.jsonl:1", 0), 0u);
  EXPECT_EQ(error_of(kValid + "\n" + R"({"tcId": 1, "loss": "softmax", "retired": "superseded"})" "\n").rfind(line2, 0), 0u);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": ["nope"], "loss": "softmax", "inputs": {"input": [1]}})")
                .find("unknown flag \"nope\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": [], "result": "invalid", "loss": "softmax", "inputs": {"input": [1]}})")
                .find("declared invalid, but the oracle accepts it"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": [], "loss": "softmax", "inputs": {"input": 1}})")
                .find("declared valid, but the oracle rejects it"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": [], "loss": "softmax", "inputs": {"input": [1]}, "source": {"document": "d", "location": "l"}, "printed": {"loss": ["1", "2"]}})")
                .find("2 entries for an output of 1 elements"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": [], "loss": "softmax", "inputs": {"input": [1]}, "printed": {"loss": "1"}})")
                .find("need a \"source\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": ["basic-flag"], "result": "acceptable", "loss": "softmax", "inputs": {"input": [1]}})")
                .find("bugType CONVENTION"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": [], "loss": "softmax", "inputs": {"input": [1]}, "id": 3})")
                .find("unknown field \"id\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 0, "comment": "c", "flags": [], "loss": "softmax", "inputs": {"input": [1]}})")
                .find("positive integer"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"tcId": 1, "comment": "c", "flags": [], "loss": "no_such_loss", "inputs": {"input": [1]}})")
                .find("unknown loss"),
            std::string::npos);
}

TEST_F(Folder, RetiredTcIdsAreReservedAndNotGenerated) {
  write("sources/a.jsonl", kValid + "\n" + R"({"tcId": 7, "loss": "softmax", "retired": "duplicate of tcId 1"})" "\n");
  const auto files = lossoracle::golden::generate(root / "sources");
  EXPECT_EQ(json::parse(files.at("softmax_test.json"))["numberOfTests"], 1);
}

}  // namespace

namespace {

std::vector<std::string> rule_breaks(const json& file, const std::string& name) {
  static const lossoracle::golden::JsonSchema schema(
      golden_test::read_json(golden_test::kGolden / "schema" / "loss_test_schema_v1.json"));
  std::vector<std::string> all = schema.validate(file);
  for (const auto& p : lossoracle::golden::check_vector_file(file, name)) all.push_back(p);
  return all;
}

// nll_loss's per-position value is -input[target], exactly: 1 + 2^-8, a
// bfloat16 midpoint (between 1 and 1 + 2^-7) that binary16 holds.
const std::string kNarrowMidpoint =
    R"({"tcId": 1, "comment": "c", "flags": ["basic-flag"], "loss": "nll_loss", "params": {"reduction": "none"},)"
    R"( "inputs": {"input": [["-0x1.01p+0", "0x0p+0"]], "target": [0]}})";

TEST_F(Folder, HalfFormatsAddBf16AndF16ToEveryOutputAndKeepTheRules) {
  write("sources/a.jsonl", kNarrowMidpoint + "\n");
  const json plain = json::parse(lossoracle::golden::generate(root / "sources").at("nll_loss_test.json"));
  const json half =
      json::parse(lossoracle::golden::generate(root / "sources", {}, true).at("nll_loss_test.json"));
  const json& p = plain["testGroups"][0]["tests"][0]["outputs"]["loss"];
  const json& h = half["testGroups"][0]["tests"][0]["outputs"]["loss"];
  EXPECT_FALSE(p.contains("bf16") || p.contains("f16")) << "the default files stay as they were";
  EXPECT_EQ(p["status"], json::array({"exact"}));
  EXPECT_EQ(h["bf16"], json::array({"0x1p+0"}));
  EXPECT_EQ(h["f16"], json::array({"0x1.01p+0"}));
  EXPECT_EQ(h["status"], json::array({"tie"})) << "a bfloat16 midpoint is a tie where bf16 is given";
  EXPECT_EQ(h["f64"], p["f64"]);
  EXPECT_EQ(half["testGroups"][0]["tests"][0]["outputs"]["grad_input"]["bf16"], json::array({"-0x1p+0", "0x0p+0"}));
  EXPECT_NE(half["header"][2].get<std::string>().find("bfloat16 (bf16) and binary16 (f16)"), std::string::npos);

  EXPECT_TRUE(rule_breaks(half, "nll_loss_test.json").empty());
  const std::vector<std::pair<const char*, json>> damages = {
      {"bf16 not a bfloat16 value", json::array({"0x1.01p+0"})},
      {"f16 not a binary16 value", json::array({"0x1.0001p+0"})},
      {"bf16 of the wrong sign", json::array({"-0x1p+0"})},
      {"bf16 not a hex float", json::array({"1"})},
      {"bf16 of the wrong length", json::array({"0x1p+0", "0x1p+0"})},
  };
  for (const auto& [what, value] : damages) {
    json damaged = half;
    damaged["testGroups"][0]["tests"][0]["outputs"]["loss"][std::string(what).substr(0, 4) == "f16 " ? "f16" : "bf16"] =
        value;
    EXPECT_FALSE(rule_breaks(damaged, "nll_loss_test.json").empty()) << "not caught: " << what;
  }
  json beyond = half;  // 65536 is no binary16 value: its range ends at 65504
  beyond["testGroups"][0]["tests"][0]["outputs"]["loss"]["f16"] = json::array({"0x1p+16"});
  EXPECT_FALSE(rule_breaks(beyond, "nll_loss_test.json").empty()) << "not caught: f16 beyond the range";

  lossoracle::cli::GoldenOptions o;
  o.sources = (root / "sources").string();
  o.out = (root / "vectors").string();
  o.half_formats = true;
  std::ostringstream so, se;
  ASSERT_EQ(lossoracle::cli::run_golden(o, so, se), 0) << se.str();
  EXPECT_EQ(json::parse(golden_test::read_text(root / "vectors/nll_loss_test.json")), half);
}

}  // namespace
