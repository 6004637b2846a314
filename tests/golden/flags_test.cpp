// Flags are claims about a test ("k-dim", "nan-expected", ...). Users filter
// vectors by them, so each claim that can be read off the test's own data is
// checked here; a flag this file does not know (one a later loss brings) is
// only required to be explained in notes, which the schema test checks.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include "core/hexfloat.hpp"
#include "core/registry.hpp"
#include "golden_files.hpp"

namespace {

using nlohmann::json;
using namespace golden_test;

struct View {
  const lossoracle::LossInfo& info;
  const json& params;
  const json& test;

  bool loss_has_param(const char* name) const {
    return std::any_of(info.params.begin(), info.params.end(), [&](const auto& p) { return p.name == name; });
  }
  bool loss_has_input(const char* name) const {
    return std::any_of(info.inputs.begin(), info.inputs.end(), [&](const auto& i) { return i.name == name; });
  }
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
  double real_param(const char* name) const { return *lossoracle::parse_real(params.at(name).get<std::string>()); }
  bool targets_ignored(bool all) const {
    if (shape("target") == shape("input")) return false;  // probability targets have no ignore_index
    const double ignore = static_cast<double>(params.at("ignore_index").get<std::int64_t>());
    const auto t = values("target");
    const auto n = std::count(t.begin(), t.end(), ignore);
    return all ? n == static_cast<long>(t.size()) && n > 0 : n > 0;
  }
};

bool any_of(const std::vector<double>& v, const std::function<bool(double)>& p) { return std::any_of(v.begin(), v.end(), p); }

// A claim, and when it can be read off a test at all: most are about a
// parameter or input that only some losses have (a later loss may use a
// flag in its own sense, e.g. label smoothing under another name).
struct Claim {
  std::function<bool(const View&)> applies;
  std::function<bool(const View&)> holds;
};
auto always = [](const View&) { return true; };
auto with_param = [](const char* name) { return [name](const View& v) { return v.loss_has_param(name); }; };
auto with_input = [](const char* name) { return [name](const View& v) { return v.loss_has_input(name); }; };
auto with_ignore = [](const View& v) { return v.loss_has_param("ignore_index") && v.loss_has_input("target"); };

// Claims of flags on tests that are not invalid (an invalid test's inputs may
// not even be tensors).
const std::map<std::string, Claim> kClaims = {
    {"float32-inputs", {always, [](const View& v) { return !any_of(v.all_values(), [](double x) { return !std::isnan(x) && static_cast<double>(static_cast<float>(x)) != x; }); }}},
    {"nan-expected", {always, [](const View& v) { return v.any_status("nan"); }}},
    {"non-finite-inputs", {always, [](const View& v) { return any_of(v.all_values(), [](double x) { return !std::isfinite(x); }); }}},
    {"all-ignored", {with_ignore, [](const View& v) { return v.targets_ignored(true); }}},
    {"ignore-index", {with_ignore, [](const View& v) { return v.targets_ignored(false); }}},
    {"ignored-nonfinite-gradient", {with_ignore, [](const View& v) { return v.targets_ignored(false) && any_of(v.values("input"), [](double x) { return !std::isfinite(x); }); }}},
    {"zero-weight", {with_input("weight"), [](const View& v) { return any_of(v.values("weight"), [](double x) { return x == 0; }); }}},
    {"class-weights", {with_input("weight"), [](const View& v) { return v.has_input("weight"); }}},
    {"grad-output", {with_input("grad_output"), [](const View& v) { return v.has_input("grad_output"); }}},
    {"label-smoothing", {with_param("label_smoothing"), [](const View& v) { return v.real_param("label_smoothing") != 0; }}},
    {"log-target", {with_param("log_target"), [](const View& v) { return v.param_text("log_target") == "true"; }}},
    {"reduction-batchmean", {with_param("reduction"), [](const View& v) { return v.param_text("reduction") == "\"batchmean\""; }}},
    {"mean-over-nothing", {with_param("reduction"), [](const View& v) { return v.param_text("reduction") == "\"mean\"" && v.test.at("result") == "acceptable" && v.test.at("outputs").at("loss").at("status")[0] == "nan"; }}},
    {"prob-target", {[](const View& v) { return v.info.name == "cross_entropy"; }, [](const View& v) { return v.shape("target") == v.shape("input"); }}},
    {"zero-probability", {[](const View& v) { return v.info.name == "entropy" || v.loss_has_input("target"); }, [](const View& v) { return any_of(v.values(v.info.name == "entropy" ? "input" : "target"), [](double x) { return x == 0; }); }}},
    {"k-dim", {with_input("input"), [](const View& v) { return v.shape("input").size() >= 3; }}},
    {"unbatched", {with_input("input"), [](const View& v) { return v.shape("input").size() == 1; }}},
    {"single-class", {with_input("input"), [](const View& v) { return v.shape("input").size() >= 2 && v.shape("input")[1] == 1; }}},
    {"empty", {with_input("input"), [](const View& v) { const json& s = v.shape("input"); return std::find(s.begin(), s.end(), json(0)) != s.end(); }}},
    {"huge-logits", {with_input("input"), [](const View& v) { return any_of(v.values("input"), [](double x) { return std::fabs(x) >= 1e3 && std::isfinite(x); }); }}},
};

bool printed_somewhere(const json& test) {
  if (!test.contains("outputs")) return false;
  for (const auto& [n, o] : test.at("outputs").items())
    if (o.contains("printed")) return true;
  return false;
}

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
    EXPECT_EQ(printed_somewhere(test), flagged(test, "printed-digits")) << where;
    const View v{lossoracle::find_loss(f.at("algorithm").get<std::string>()), group.at("params"), test};
    for (const json& flag : test.at("flags")) {
      const auto it = kClaims.find(flag.get<std::string>());
      if (it == kClaims.end() || !it->second.applies(v)) continue;
      EXPECT_TRUE(it->second.holds(v)) << where << ": flag " << it->first << " does not hold";
      ++checked[it->first];
    }
  });
  EXPECT_FALSE(checked.empty());
}

}  // namespace
