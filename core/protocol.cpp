#include "core/protocol.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.hpp"
#include "core/hexfloat.hpp"
#include "core/npy.hpp"

namespace lossoracle {

using nlohmann::json;

namespace {

double value_from_json(const json& j, const std::string& field) {
  if (j.is_number_float()) return j.get<double>();
  if (j.is_number_integer()) {
    // Exactness: an integer beyond 2^53 may not be a binary64.
    const auto i = j.is_number_unsigned() ? static_cast<long double>(j.get<std::uint64_t>())
                                          : static_cast<long double>(j.get<std::int64_t>());
    const double d = static_cast<double>(i);
    if (static_cast<long double>(d) != i)
      throw InputError(field, field + ": integer " + j.dump() + " is not exactly a binary64; give it as a hex float");
    return d;
  }
  if (j.is_string()) {
    if (auto v = parse_real(j.get<std::string>())) return *v;
    throw InputError(field, field + ": \"" + j.get<std::string>() +
                                "\" is not a number (expected a JSON number, a hex float like \"0x1.8p+1\", "
                                "\"inf\", \"-inf\" or \"nan\")");
  }
  throw InputError(field, field + ": expected a number, got " + std::string(j.type_name()));
}

void flatten(const json& j, const std::string& field, std::size_t depth, Shape& shape, std::vector<double>& out) {
  if (!j.is_array()) {
    if (depth != shape.size())
      throw InputError(field, field + ": ragged nested array (a number at depth " + std::to_string(depth) +
                                  ", expected depth " + std::to_string(shape.size()) + ")");
    out.push_back(value_from_json(j, field));
    return;
  }
  if (depth == shape.size()) {
    if (!out.empty())
      throw InputError(field, field + ": ragged nested array (an array where a number was expected)");
    shape.push_back(static_cast<std::int64_t>(j.size()));
  } else if (depth > shape.size() || shape[depth] != static_cast<std::int64_t>(j.size())) {
    throw InputError(field, field + ": ragged nested array (length " + std::to_string(j.size()) + " at depth " +
                                std::to_string(depth) + ", expected " +
                                (depth < shape.size() ? std::to_string(shape[depth]) : std::string("a number")) + ")");
  }
  for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], field + "[" + std::to_string(i) + "]", depth + 1, shape, out);
}

// One format's roundings: `pick` reads it off a RoundedValue as hex text.
template <class Pick>
json hex_array(const std::vector<reference::RoundedValue>& vs, bool half_formats, Pick pick) {
  json a = json::array();
  for (const auto& v : vs) {
    if (!reference::rounding_decided(v, half_formats))
      a.push_back(nullptr);
    else
      a.push_back(pick(v));
  }
  return a;
}



}  // namespace

const char* reported_status(const reference::RoundedValue& v, bool half_formats) {
  if (half_formats && v.status == reference::ProofStatus::exact && (v.tie_bf16 || v.tie_f16)) return "tie";
  // An answer in four formats is decided in all four, or reported unresolved.
  if (!reference::rounding_decided(v, half_formats)) return reference::status_name(reference::ProofStatus::unresolved);
  return reference::status_name(v.status);
}

Tensor tensor_from_json(const json& j, const std::string& field) {
  Tensor t;
  if (j.is_object()) {
    if (!j.contains("shape") || !j.contains("data"))
      throw InputError(field, field + ": a tensor object needs \"shape\" and \"data\"");
    const json& s = j.at("shape");
    if (!s.is_array()) throw InputError(field + ".shape", field + ".shape: expected an array of extents");
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (!s[i].is_number_integer() || s[i].get<std::int64_t>() < 0)
        throw InputError(field + ".shape", field + ".shape[" + std::to_string(i) + "]: expected a non-negative integer");
      t.shape.push_back(s[i].get<std::int64_t>());
    }
    const json& d = j.at("data");
    if (!d.is_array()) throw InputError(field + ".data", field + ".data: expected a flat array of numbers");
    for (std::size_t i = 0; i < d.size(); ++i)
      t.values.push_back(value_from_json(d[i], field + ".data[" + std::to_string(i) + "]"));
    if (element_count(t.shape) != static_cast<std::int64_t>(t.values.size()))
      throw InputError(field, field + ": shape " + shape_text(t.shape) + " holds " +
                                  std::to_string(element_count(t.shape)) + " elements but data has " +
                                  std::to_string(t.values.size()));
    return t;
  }
  flatten(j, field, 0, t.shape, t.values);
  if (element_count(t.shape) != static_cast<std::int64_t>(t.values.size()))
    throw InputError(field, field + ": ragged nested array");
  return t;
}

json tensor_to_json(const Tensor& t) {
  json data = json::array();
  for (double v : t.values) data.push_back(hex64(v));
  return {{"shape", t.shape}, {"data", data}};
}

LossCase case_from_json(const json& j) {
  if (!j.is_object()) throw InputError("case", "a case must be a JSON object");
  LossCase c;
  if (!j.contains("loss") || !j.at("loss").is_string()) throw InputError("loss", "missing string field \"loss\"");
  c.loss = j.at("loss").get<std::string>();
  if (j.contains("params")) {
    const json& p = j.at("params");
    if (!p.is_object()) throw InputError("params", "\"params\" must be an object");
    for (const auto& [name, v] : p.items()) {
      if (v.is_boolean()) c.params.set(name, v.get<bool>());
      else if (v.is_number_integer()) c.params.set(name, v.get<std::int64_t>());
      else if (v.is_number_float()) c.params.set(name, v.get<double>());
      else if (v.is_string()) {
        // Hex-float strings are reals; other strings stay text (e.g. reduction).
        const std::string s = v.get<std::string>();
        if (s.rfind("0x", 0) == 0 || s.rfind("-0x", 0) == 0) {
          auto r = parse_real(s);
          if (!r) throw InputError("params." + name, "params." + name + ": \"" + s + "\" is not a hex float");
          c.params.set(name, *r);
        } else {
          c.params.set(name, s);
        }
      } else {
        throw InputError("params." + name, "params." + name + ": expected a boolean, number or string");
      }
    }
  }
  if (!j.contains("inputs") || !j.at("inputs").is_object())
    throw InputError("inputs", "missing object field \"inputs\"");
  for (const auto& [name, v] : j.at("inputs").items()) {
    const std::string field = "inputs." + name;
    if (v.is_object() && v.contains("npy")) {
      // A tensor from a file (docs/protocol.md, "Tensors from .npy files"),
      // in eval cases only: adapters' answers are read by tensor_from_json.
      if (v.size() != 1 || !v.at("npy").is_string())
        throw InputError(field + ".npy", field + ".npy: a tensor from a file is {\"npy\": \"path\"} alone, the path a string");
      c.inputs[name] = read_npy(v.at("npy").get<std::string>(), field + ".npy");
      continue;
    }
    c.inputs[name] = tensor_from_json(v, field);
  }
  for (const auto& [key, v] : j.items())
    if (key != "loss" && key != "params" && key != "inputs" && key != "id")
      throw InputError(key, "unknown field \"" + key + "\" (expected id, loss, params, inputs)");
  return c;
}

void check_integer_literals(const std::string& line) {
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
      continue;
    }
    if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '-')) continue;
    std::size_t end = i + (ch == '-' ? 1 : 0);
    while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) ++end;
    const bool integral = end == line.size() || (line[end] != '.' && line[end] != 'e' && line[end] != 'E');
    std::string digits = line.substr(i, end - i);
    if (integral && digits.size() > 18) {
      // Exact when the binary64 nearest to it prints back as the same integer.
      const double d = std::strtod(digits.c_str(), nullptr);
      char buf[400];
      std::snprintf(buf, sizeof buf, "%.0f", d);
      std::string canonical = digits;
      const bool negative = canonical[0] == '-';
      if (negative) canonical.erase(0, 1);
      canonical.erase(0, std::min(canonical.find_first_not_of('0'), canonical.size() - 1));
      if (negative && canonical != "0") canonical.insert(0, "-");
      if (canonical != buf)
        throw InputError("json", "integer " + digits + " at column " + std::to_string(i + 1) +
                                     " is not exactly a binary64; give it as a hex float");
    }
    // Skip the rest of the number token (fraction, exponent).
    while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '.' ||
                                 line[end] == '+' || line[end] == '-'))
      ++end;
    i = end - 1;
  }
}

json answer_to_json(const reference::OracleAnswer& a, bool half_formats) {
  json outputs = json::object();
  for (const auto& o : a.outputs) {
    json statuses = json::array(), decimals = json::array();
    bool unresolved = false;
    for (const auto& v : o.values) {
      statuses.push_back(reported_status(v, half_formats));
      decimals.push_back(v.decimal);
      unresolved = unresolved || !reference::rounding_decided(v, half_formats);
    }
    json out = {{"shape", o.shape},
                {"f64", hex_array(o.values, half_formats, [](const reference::RoundedValue& v) { return hex64(v.f64); })},
                {"f32", hex_array(o.values, half_formats, [](const reference::RoundedValue& v) { return hex32(v.f32); })}};
    if (half_formats) {
      out["bf16"] = hex_array(o.values, half_formats, [](const reference::RoundedValue& v) { return hex32(v.bf16); });
      out["f16"] = hex_array(o.values, half_formats, [](const reference::RoundedValue& v) { return hex32(v.f16); });
    }
    out["decimal"] = decimals;
    out["status"] = statuses;
    if (unresolved) {
      json enclosure = json::array();
      for (const auto& v : o.values) enclosure.push_back({hex64(v.lower), hex64(v.upper)});
      out["enclosure"] = enclosure;
    }
    outputs[o.name] = out;
  }
  return {{"precision_bits", a.final_bits}, {"outputs", outputs}};
}

}  // namespace lossoracle
