#include "golden/vector_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/hexfloat.hpp"
#include "core/registry.hpp"
#include "golden/generator.hpp"

namespace lossoracle::golden {

using nlohmann::json;

namespace {

class Checker {
 public:
  std::vector<std::string> problems;

  void expect(bool ok, const std::string& where, const std::string& what) {
    if (!ok) problems.push_back(where + ": " + what);
  }

  // A hex float or inf/-inf/nan, as hex64 writes it.
  std::optional<double> hex_value(const json& v) {
    if (!v.is_string()) return std::nullopt;
    const std::string s = v.get<std::string>();
    if (s != "nan" && s != "inf" && s != "-inf" && s.find("0x") == std::string::npos) return std::nullopt;
    return parse_real(s);
  }

  std::int64_t element_count(const json& shape, const std::string& where) {
    std::int64_t n = 1;
    if (!shape.is_array()) {
      expect(false, where, "shape must be an array");
      return -1;
    }
    for (const json& d : shape) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0) {
        expect(false, where, "shape entries must be non-negative integers");
        return -1;
      }
      n *= d.get<std::int64_t>();
    }
    return n;
  }

  void check_tensor(const json& t, const std::string& where) {
    if (!t.is_object() || !t.contains("shape") || !t.contains("data")) {
      expect(false, where, "a tensor {shape, data} (only an invalid test may give an unreadable input verbatim)");
      return;
    }
    const std::int64_t n = element_count(t.at("shape"), where);
    expect(t.at("data").is_array() && static_cast<std::int64_t>(t.at("data").size()) == n, where,
           "data must hold as many values as the shape");
    if (!t.at("data").is_array()) return;
    for (std::size_t i = 0; i < t.at("data").size(); ++i)
      expect(hex_value(t.at("data")[i]).has_value(), where + ".data[" + std::to_string(i) + "]",
             "not a hex float, inf, -inf or nan");
  }

  void check_value(const json& out, std::size_t i, const std::string& where) {
    const std::string status = out.at("status")[i].is_string() ? out.at("status")[i].get<std::string>() : "";
    const json& f64 = out.at("f64")[i];
    const json& f32 = out.at("f32")[i];
    const json& decimal = out.at("decimal")[i];
    if (status == "unresolved") {
      expect(f64.is_null() && f32.is_null(), where, "an unresolved value has null f64 and f32");
      for (const char* key : {"bf16", "f16"})
        if (out.contains(key) && out.at(key).is_array() && i < out.at(key).size())
          expect(out.at(key)[i].is_null(), where, std::string("an unresolved value has null ") + key);
      return;
    }
    const auto d = hex_value(f64);
    const auto s = hex_value(f32);
    if (!d || !s || !decimal.is_string()) {
      expect(false, where, "f64 and f32 must be hex floats (or inf/-inf/nan) and decimal a string");
      return;
    }
    expect(std::isnan(*s) || static_cast<double>(static_cast<float>(*s)) == *s, where, "f32 is not a binary32 value");
    expect((status == "nan") == std::isnan(*d) && std::isnan(*d) == std::isnan(*s), where,
           "status nan exactly when the values are NaN");
    if (std::isnan(*d)) return;
    // The decimal is the exact value to 40 digits: it must round to the same
    // binary64 and binary32 as the f64 and f32 fields claim.
    const std::string text = decimal.get<std::string>();
    const double dd = std::strtod(text.c_str(), nullptr);
    const float df = std::strtof(text.c_str(), nullptr);
    expect(dd == *d, where, "decimal " + text + " does not round to f64 " + f64.get<std::string>());
    expect(df == static_cast<float>(*s), where, "decimal " + text + " does not round to f32 " + f32.get<std::string>());
    check_narrow(out, "bf16", i, where, {8, -126, 127});
    check_narrow(out, "f16", i, where, {11, -14, 15});
  }

  struct NarrowFormat {
    int precision, emin, emax;  // significand bits, exponents of the smallest normal and the largest binade
  };

  // An optional bf16 or f16 entry (`lossoracle golden --half-formats`): a
  // value of that format, its sign and NaN-ness agreeing with f64's.
  void check_narrow(const json& out, const char* key, std::size_t i, const std::string& where, NarrowFormat f) {
    if (!out.contains(key) || !out.at(key).is_array() || i >= out.at(key).size()) return;
    const auto v = hex_value(out.at(key)[i]);
    const auto d = hex_value(out.at("f64")[i]);
    if (!v || !d) {
      expect(false, where, std::string(key) + " must be a hex float (or inf/-inf/nan)");
      return;
    }
    expect(std::isnan(*v) == std::isnan(*d) && (std::isnan(*v) || std::signbit(*v) == std::signbit(*d) || *v == 0 || *d == 0),
           where, std::string(key) + " disagrees with f64 in sign or NaN-ness");
    if (!std::isfinite(*v) || *v == 0) return;
    const int quantum = std::max(std::ilogb(*v), f.emin) - f.precision + 1;
    const double count = std::ldexp(*v, -quantum);
    const double largest = std::ldexp(2.0 - std::ldexp(1.0, 1 - f.precision), f.emax);
    expect(count == std::nearbyint(count) && std::fabs(*v) <= largest, where,
           std::string(key) + " is not a value of its format");
  }

  void check_output(const json& out, const std::string& where) {
    if (!out.is_object() || !out.contains("shape") || !out.contains("status")) return;  // the schema reports it
    const std::int64_t n = element_count(out.at("shape"), where);
    bool lengths_ok = true;
    for (const char* key : {"f64", "f32", "bf16", "f16", "decimal", "status", "printed"}) {
      if (!out.contains(key)) continue;
      const bool ok = out.at(key).is_array() && static_cast<std::int64_t>(out.at(key).size()) == n;
      expect(ok, where + "." + key, "must hold one entry per element of the shape");
      lengths_ok = lengths_ok && ok;
    }
    if (!lengths_ok || !out.contains("f64") || !out.contains("f32") || !out.contains("decimal")) return;
    bool unresolved = false;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      check_value(out, i, where + "[" + std::to_string(i) + "]");
      unresolved = unresolved || out.at("status")[i] == "unresolved";
    }
    expect(out.contains("enclosure") == unresolved, where, "an enclosure is given exactly when a value is unresolved");
  }

  void check_test(const json& test, const json& params, const LossInfo* info, std::set<std::string>& used_flags) {
    const std::string where = "tcId " + (test.contains("tcId") ? test.at("tcId").dump() : std::string("?"));
    const std::string result = test.value("result", "");
    if (test.contains("flags") && test.at("flags").is_array())
      for (const json& f : test.at("flags"))
        if (f.is_string()) used_flags.insert(f.get<std::string>());
    if (result == "invalid") return;  // inputs and parameters may be anything the test rejects
    if (test.contains("inputs") && test.at("inputs").is_object())
      for (const auto& [name, t] : test.at("inputs").items()) check_tensor(t, where + ": inputs." + name);
    if (info && params.is_object())
      for (const auto& [name, v] : params.items()) {
        bool known = false;
        for (const ParamSpec& p : info->params) known = known || p.name == name;
        expect(known, where, "parameter " + name + " is not one of " + info->name + "'s (only invalid tests may have it)");
      }
    if (test.contains("outputs") && test.at("outputs").is_object())
      for (const auto& [name, out] : test.at("outputs").items()) check_output(out, where + ": outputs." + name);
  }
};

}  // namespace

std::vector<std::string> check_vector_file(const json& file, const std::string& file_name) {
  Checker c;
  if (!file.is_object() || !file.contains("algorithm") || !file.at("algorithm").is_string() ||
      !file.contains("testGroups") || !file.at("testGroups").is_array()) {
    c.expect(false, file_name, "needs a string algorithm and an array testGroups");
    return c.problems;
  }
  const std::string loss = file.at("algorithm").get<std::string>();
  c.expect(file_name == vector_file_name(loss), file_name, "the file of " + loss + " is " + vector_file_name(loss));
  const LossInfo* info = nullptr;
  try {
    info = &find_loss(loss);
  } catch (const InputError& e) {
    c.expect(false, file_name, e.what());
  }
  std::set<std::string> used_flags;
  std::map<std::int64_t, int> tc_ids;
  std::size_t count = 0;
  for (const json& group : file.at("testGroups")) {
    if (!group.is_object() || !group.contains("tests") || !group.at("tests").is_array()) continue;
    if (info && group.contains("params") && group.at("params").is_object())
      for (const ParamSpec& p : info->params)
        c.expect(group.at("params").contains(p.name) || p.presence != ParamPresence::defaulted, file_name,
                 "a group lacks parameter " + p.name);
    for (const json& test : group.at("tests")) {
      ++count;
      if (test.is_object() && test.contains("tcId") && test.at("tcId").is_number_integer())
        c.expect(++tc_ids[test.at("tcId").get<std::int64_t>()] == 1, file_name,
                 "tcId " + test.at("tcId").dump() + " is used twice");
      if (test.is_object()) c.check_test(test, group.value("params", json::object()), info, used_flags);
    }
  }
  c.expect(file.value("numberOfTests", json()) == json(count), file_name,
           "numberOfTests must be " + std::to_string(count) + ", the number of tests");
  const json notes = file.value("notes", json::object());
  for (const std::string& f : used_flags) c.expect(notes.contains(f), file_name, "flag " + f + " has no entry in notes");
  if (notes.is_object())
    for (const auto& [name, note] : notes.items())
      c.expect(used_flags.count(name) != 0, file_name, "notes explain " + name + ", which no test uses");
  return c.problems;
}

}  // namespace lossoracle::golden
