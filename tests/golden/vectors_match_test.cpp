// The committed vectors are what the oracle says today. Regenerating them
// from golden/sources must give the committed files byte for byte; and each
// committed test, read back the way a consumer reads it (the file's
// algorithm, the group's parameters, the test's inputs), must give the
// recorded outputs or error. When the oracle changes a value on purpose,
// rerun `lossoracle golden` and review the diff.
#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "golden/generator.hpp"
#include "golden_files.hpp"

namespace {

using nlohmann::json;
using namespace golden_test;

std::string first_difference(const std::string& want, const std::string& have) {
  std::istringstream a(want), b(have);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) return "identical lines, different bytes";
    if (la != lb || ga != gb)
      return "line " + std::to_string(line) + ":\n  regenerated: " + (ga ? la : "<end>") +
             "\n  committed:   " + (gb ? lb : "<end>");
  }
}

TEST(GoldenVectors, CommittedFilesAreWhatTheSourcesGive) {
  const lossoracle::golden::GoldenFiles generated = lossoracle::golden::generate(kSources);
  ASSERT_FALSE(generated.empty());
  std::set<std::string> committed;
  for (const auto& entry : std::filesystem::directory_iterator(kVectors))
    if (entry.path().extension() == ".json") committed.insert(entry.path().filename().string());
  for (const auto& [name, text] : generated) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(committed.count(name)) << "not committed; run: lossoracle golden --sources golden/sources --out golden/vectors";
    const std::string have = read_text(kVectors / name);
    EXPECT_TRUE(have == text) << "golden/vectors/" << name << " no longer matches the oracle; first difference at "
                              << first_difference(text, have)
                              << "\nIf the change is intended, run: lossoracle golden --sources golden/sources --out golden/vectors";
  }
  for (const std::string& name : committed)
    EXPECT_TRUE(generated.count(name)) << "golden/vectors/" << name << " is produced by no source line";
}

// The parts of an answer a vector records (everything but `printed`, which
// comes from the document, not the oracle).
json recorded_outputs(const json& outputs) {
  json out = outputs;
  for (auto& [name, o] : out.items()) o.erase("printed");
  return out;
}

TEST(GoldenVectors, EachCommittedTestReplaysFromItsOwnInputs) {
  const auto files = committed_vectors();
  ASSERT_FALSE(files.empty());
  std::size_t replayed = 0;
  for_each_test(files, [&](const std::string& file_name, const json& file, const json& group, const json& test) {
    SCOPED_TRACE(file_name + " tcId " + test.at("tcId").dump());
    const json request = {{"loss", file.at("algorithm")}, {"params", group.at("params")}, {"inputs", test.at("inputs")}};
    try {
      lossoracle::LossCase c = lossoracle::case_from_json(request);
      const lossoracle::LossInfo& info = lossoracle::find_loss(c.loss);
      lossoracle::resolve_case(info, c);
      const auto answer = lossoracle::reference::evaluate_correctly_rounded(info.oracle, c);
      ASSERT_NE(test.at("result"), "invalid") << "the oracle accepts an input the vector says to reject";
      EXPECT_EQ(lossoracle::answer_to_json(answer).at("outputs"), recorded_outputs(test.at("outputs")));
    } catch (const lossoracle::InputError& e) {
      ASSERT_EQ(test.at("result"), "invalid") << "the oracle rejects it: " << e.field() << ": " << e.what();
      EXPECT_EQ(json({{"field", e.field()}, {"message", e.what()}}), test.at("error"));
    }
    ++replayed;
  });
  EXPECT_GT(replayed, 0u);
}

}  // namespace
