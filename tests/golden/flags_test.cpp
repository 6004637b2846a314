// Flags are claims about a test ("k-dim", "nan-expected", ...). Users filter
// vectors by them, so each claim that can be read off the test's own data is
// checked here; a flag this file does not know (one a later loss brings) is
// only required to be explained in notes, which the schema test checks.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "core/hexfloat.hpp"
#include "golden_files.hpp"

namespace {

using nlohmann::json;
using namespace golden_test;

struct View {
  const std::string& loss;
  const json& params;
  const json& test;

  bool has_input(const char* name) const { return test.at("inputs").contains(name); }
  const json& shape(const char* name) const { return test.at("inputs").at(name).at("shape"); }
  std::vector<double> values(const char* name) const {
    std::vector<double> v;
    if (has_input(name))
      for (const json& x : test.at("inputs").at(name).at("data")) v.push_back(*lossoracle::parse_real(x.get<std::string>()));
    return v;
  }
  std::vector<double> all_values() const {
    std::vector<double> v;
    for (const auto& [name, t] : test.at("inputs").items())
      for (const json& x : t.at("data")) v.push_back(*lossoracle::parse_real(x.get<std::string>()));
    return v;
  }
  bool any_status(const char* status) const {
    for (const auto& [name, out] : test.at("outputs").items())
      for (const json& s : out.at("status"))
        if (s == status) return true;
    return false;
  }
  std::string param_text(const char* name) const { return params.contains(name) ? params.at(name).dump() : ""; }
  bool targets_ignored(bool all) const {
    if (!params.contains("ignore_index") || !has_input("target") || shape("target") == shape("input")) return false;
    const double ignore = static_cast<double>(params.at("ignore_index").get<std::int64_t>());
    const auto t = values("target");
    const auto n = std::count(t.begin(), t.end(), ignore);
    return all ? n == static_cast<long>(t.size()) && n > 0 : n > 0;
  }
};

bool any_of(const std::vector<double>& v, const std::function<bool(double)>& p) { return std::any_of(v.begin(), v.end(), p); }
double real_param(const View& v, const char* name) { return *lossoracle::parse_real(v.params.at(name).get<std::string>()); }

// Claims of flags on tests that are not invalid (an invalid test's inputs may
// not even be tensors).
const std::map<std::string, std::function<bool(const View&)>> kClaims = {
    {"float32-inputs", [](const View& v) { return !any_of(v.all_values(), [](double x) { return !std::isnan(x) && static_cast<double>(static_cast<float>(x)) != x; }); }},
    {"nan-expected", [](const View& v) { return v.any_status("nan"); }},
    {"all-ignored", [](const View& v) { return v.targets_ignored(true); }},
    {"ignore-index", [](const View& v) { return v.targets_ignored(false); }},
    {"zero-weight", [](const View& v) { return any_of(v.values("weight"), [](double x) { return x == 0; }); }},
    {"class-weights", [](const View& v) { return v.has_input("weight"); }},
    {"label-smoothing", [](const View& v) { return v.params.contains("label_smoothing") && real_param(v, "label_smoothing") != 0; }},
    {"prob-target", [](const View& v) { return v.loss == "cross_entropy" && v.shape("target") == v.shape("input"); }},
    {"log-target", [](const View& v) { return v.param_text("log_target") == "true"; }},
    {"reduction-batchmean", [](const View& v) { return v.param_text("reduction") == "\"batchmean\""; }},
    {"k-dim", [](const View& v) { return v.shape("input").size() >= 3; }},
    {"unbatched", [](const View& v) { return v.shape("input").size() == 1; }},
    {"grad-output", [](const View& v) { return v.has_input("grad_output"); }},
    {"non-finite-inputs", [](const View& v) { return any_of(v.all_values(), [](double x) { return !std::isfinite(x); }); }},
    {"single-class", [](const View& v) { return v.shape("input").size() >= 2 && v.shape("input")[1] == 1; }},
    {"empty", [](const View& v) { const json& s = v.shape("input"); return std::find(s.begin(), s.end(), json(0)) != s.end(); }},
    {"huge-logits", [](const View& v) { return any_of(v.values("input"), [](double x) { return std::fabs(x) >= 1e3 && std::isfinite(x); }); }},
    {"zero-probability", [](const View& v) { return any_of(v.values(v.loss == "entropy" ? "input" : "target"), [](double x) { return x == 0; }); }},
    {"mean-over-nothing", [](const View& v) { return v.param_text("reduction") == "\"mean\"" && v.test.at("result") == "acceptable" && v.test.at("outputs").at("loss").at("status")[0] == "nan"; }},
    {"ignored-nonfinite-gradient", [](const View& v) { return v.targets_ignored(false) && any_of(v.values("input"), [](double x) { return !std::isfinite(x); }); }},
    {"printed-digits", [](const View& v) { for (const auto& [n, o] : v.test.at("outputs").items()) if (o.contains("printed")) return true; return false; }},
};

bool flagged(const json& test, const std::string& flag) {
  const json& f = test.at("flags");
  return std::find(f.begin(), f.end(), json(flag)) != f.end();
}

TEST(GoldenFlags, EveryCheckableFlagTellsTheTruth) {
  std::map<std::string, int> checked;
  for_each_test(committed_vectors(), [&](const std::string& file, const json& f, const json& group, const json& test) {
    const std::string where = file + " tcId " + test.at("tcId").dump();
    const bool invalid = test.at("result") == "invalid";
    EXPECT_EQ(invalid, flagged(test, "bad-input")) << where << ": bad-input is the flag of exactly the invalid tests";
    EXPECT_EQ(test.contains("source"), flagged(test, "from-document")) << where << ": from-document goes with a source";
    if (flagged(test, "as-published") || flagged(test, "equivalence")) {
      EXPECT_TRUE(flagged(test, "from-document")) << where;
    }
    if (flagged(test, "as-published")) {
      for (const auto& [name, t] : test.at("inputs").items()) {
        EXPECT_TRUE(name == "grad_output" || test.at("source").value("recovered", json::object()).contains(name))
            << where << ": as-published input " << name << " is not listed in source.recovered";
      }
    }
    if (invalid) return;
    const View v{f.at("algorithm").get_ref<const std::string&>(), group.at("params"), test};
    EXPECT_EQ(kClaims.at("printed-digits")(v), flagged(test, "printed-digits")) << where;
    for (const json& flag : test.at("flags")) {
      const auto it = kClaims.find(flag.get<std::string>());
      if (it == kClaims.end()) continue;
      EXPECT_TRUE(it->second(v)) << where << ": flag " << it->first << " does not hold";
      ++checked[it->first];
    }
  });
  EXPECT_FALSE(checked.empty());
}

}  // namespace
