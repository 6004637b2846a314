// Every committed vector file keeps the format's rules: the JSON Schema in
// golden/schema (structure) and golden/vector_checks (what a schema cannot
// say). The mutation tests show that each kind of damage is caught, so a
// passing run means something.
#include <gtest/gtest.h>

#include <functional>

#include "golden/json_schema.hpp"
#include "golden/vector_checks.hpp"
#include "golden_files.hpp"

namespace {

using nlohmann::json;
using lossoracle::golden::JsonSchema;
using namespace golden_test;

const JsonSchema& schema() {
  static const JsonSchema s(read_json(kGolden / "schema" / "loss_test_schema_v1.json"));
  return s;
}

std::vector<std::string> problems(const json& file, const std::string& name) {
  std::vector<std::string> all = schema().validate(file);
  for (const auto& p : lossoracle::golden::check_vector_file(file, name)) all.push_back(p);
  return all;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

TEST(GoldenSchema, EveryCommittedVectorFileKeepsTheRules) {
  const auto files = committed_vectors();
  ASSERT_FALSE(files.empty());
  for (const auto& [name, file] : files) {
    EXPECT_TRUE(std::filesystem::exists(kGolden / "schema" / file.at("schema").get<std::string>()))
        << name << " names a schema that is not in golden/schema";
    const auto found = problems(file, name);
    EXPECT_TRUE(found.empty()) << name << ":" << joined(found);
  }
}

// A copy of a committed file and the path of one valid test in it, to damage.
struct Specimen {
  json file;
  json& test() { return file["testGroups"][0]["tests"][0]; }
};

Specimen specimen() {
  for (const auto& [name, file] : committed_vectors()) {
    const json& t = file.at("testGroups").at(0).at("tests").at(0);
    if (t.contains("outputs") && t.at("outputs").contains("loss") && !t.at("outputs").at("loss").at("f64").empty() &&
        t.at("outputs").at("loss").at("status")[0] == "proved")
      return {file};
  }
  throw std::runtime_error("no committed file whose first test has a proved loss");
}

struct Damage {
  const char* what;
  std::function<void(Specimen&)> apply;
};

TEST(GoldenSchema, EachKindOfDamageIsCaught) {
  const std::vector<Damage> damages = {
      {"test without tcId", [](Specimen& s) { s.test().erase("tcId"); }},
      {"result outside the enum", [](Specimen& s) { s.test()["result"] = "maybe"; }},
      {"f64 not a canonical hex float", [](Specimen& s) { s.test()["outputs"]["loss"]["f64"][0] = "1.5"; }},
      {"f64 changed to another number", [](Specimen& s) { s.test()["outputs"]["loss"]["f64"][0] = "0x1.8p+1"; }},
      {"f32 not a binary32 value",
       [](Specimen& s) { s.test()["outputs"]["loss"]["f32"][0] = "0x1.0000000001p+0"; }},
      {"status outside the enum", [](Specimen& s) { s.test()["outputs"]["loss"]["status"][0] = "probably"; }},
      {"status claims nan", [](Specimen& s) { s.test()["outputs"]["loss"]["status"][0] = "nan"; }},
      {"parallel arrays of different lengths",
       [](Specimen& s) { s.test()["outputs"]["loss"]["decimal"].push_back("0"); }},
      {"printed of the wrong length", [](Specimen& s) { s.test()["outputs"]["loss"]["printed"] = json::array(); }},
      {"duplicate tcId",
       [](Specimen& s) { s.file["testGroups"][0]["tests"].push_back(s.test()); s.file["numberOfTests"] = s.file["numberOfTests"].get<int>() + 1; }},
      {"numberOfTests off by one", [](Specimen& s) { s.file["numberOfTests"] = s.file["numberOfTests"].get<int>() + 1; }},
      {"a flag without a note", [](Specimen& s) { s.test()["flags"].push_back("never-explained"); }},
      {"a note no test uses",
       [](Specimen& s) { s.file["notes"]["unused-flag"] = {{"bugType", "BASIC"}, {"description", "x"}}; }},
      {"a note with an unknown bugType", [](Specimen& s) { s.file["notes"].begin()->operator[]("bugType") = "BUG"; }},
      {"unknown top-level field", [](Specimen& s) { s.file["extra"] = 1; }},
      {"valid test with an error", [](Specimen& s) { s.test()["error"] = {{"field", "x"}, {"message", "y"}}; }},
      {"invalid test with outputs", [](Specimen& s) { s.test()["result"] = "invalid"; }},
      {"input data not matching its shape", [](Specimen& s) { s.test()["inputs"]["input"]["data"].push_back("0x1p+0"); }},
      {"input value not a hex float", [](Specimen& s) { s.test()["inputs"]["input"]["data"][0] = "0.5"; }},
      {"group without a parameter of the loss", [](Specimen& s) { s.file["testGroups"][0]["params"].erase("reduction"); }},
      {"algorithm that is not the file's loss", [](Specimen& s) { s.file["algorithm"] = "softmax"; }},
  };
  const Specimen pristine = specimen();
  const std::string name = pristine.file.at("algorithm").get<std::string>() + "_test.json";
  ASSERT_TRUE(problems(pristine.file, name).empty());
  for (const Damage& d : damages) {
    Specimen s = pristine;
    d.apply(s);
    EXPECT_FALSE(problems(s.file, name).empty()) << "not caught: " << d.what;
  }
}

TEST(GoldenSchema, ValidatorRefusesKeywordsItDoesNotImplement) {
  EXPECT_THROW(JsonSchema(json::parse(R"({"type": "array", "maxItems": 3})")), std::invalid_argument);
  EXPECT_THROW(JsonSchema(json::parse(R"({"$ref": "#/$defs/Missing"})")), std::invalid_argument);
  EXPECT_THROW(JsonSchema(json::parse(R"({"properties": {"a": {"format": "uri"}}})")), std::invalid_argument);
}

TEST(GoldenSchema, ValidatorKeywordsBehaveAsJsonSchemaSays) {
  const JsonSchema s(json::parse(R"({
    "type": "object", "required": ["n"], "additionalProperties": false,
    "properties": {"n": {"type": "integer", "minimum": 1},
                   "s": {"type": "string", "pattern": "^a+$"},
                   "k": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                   "u": {"type": "array", "uniqueItems": true, "minItems": 1}},
    "if": {"properties": {"n": {"const": 2}}}, "then": {"required": ["s"]}})"));
  EXPECT_TRUE(s.validate(json::parse(R"({"n": 1})")).empty());
  EXPECT_TRUE(s.validate(json::parse(R"({"n": 2, "s": "aa", "k": null, "u": [1, 2]})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 0})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 1.5})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 1, "x": 1})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 1, "s": "ab"})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 1, "k": 3})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 1, "u": [1, 1]})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 1, "u": []})")).empty());
  EXPECT_FALSE(s.validate(json::parse(R"({"n": 2})")).empty());
}

}  // namespace
