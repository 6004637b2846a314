#include "golden/generator.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include "core/error.hpp"
#include "core/hexfloat.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "golden/json_text.hpp"
#include "golden/source_case.hpp"
#include "golden/vector_checks.hpp"

namespace lossoracle::golden {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw SourceError(where + ": " + message);
}

ordered_json ordered(const json& j) { return ordered_json::parse(j.dump()); }

ordered_json load_flags(const std::filesystem::path& dir) {
  const auto path = dir / kFlagsFile;
  std::ifstream in(path);
  if (!in) throw SourceError(path.string() + ": cannot open (the flag table every source line's flags come from)");
  ordered_json flags;
  try {
    flags = ordered_json::parse(in);
  } catch (const json::exception& e) {
    throw SourceError(path.string() + ": not JSON: " + e.what());
  }
  // The vector files copy these entries into their notes, where the schema
  // checks them; checking here too reports the mistake at its source.
  const std::string where = std::string(kFlagsFile);
  if (!flags.is_object()) fail(where, "must be an object {flag: {description, bugType, links?}}");
  for (const auto& [name, note] : flags.items()) {
    if (!note.is_object() || !note.contains("description") || !note.contains("bugType"))
      fail(where, name + ": needs description and bugType");
    for (const auto& [key, v] : note.items())
      if (key != "description" && key != "bugType" && key != "links") fail(where, name + ": unknown field " + key);
  }
  return flags;
}

ordered_json param_json(ParamType type, const json& given) {
  // Reals are written as hex floats so that a group's parameters are exact,
  // like its inputs; anything else (including an ill-typed value an invalid
  // case is about) is kept as the source gave it.
  if (type == ParamType::real && given.is_number()) return hex64(given.get<double>());
  return ordered(given);
}

ordered_json default_json(const ParamValue& v) {
  return std::visit(
      [](const auto& x) -> ordered_json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, double>) return hex64(x);
        else return x;
      },
      v);
}

// Every parameter of the loss, defaults filled in, so a vector never depends
// on the defaults of whichever version of the registry reads it. A parameter
// without a default (required, or None in the source library) appears only
// when the case gives it: its absence is what None means.
ordered_json group_params(const LossInfo& info, const SourceCase& sc) {
  const json given = sc.request.value("params", json::object());
  if (!given.is_object()) fail(sc.where, "\"params\" must be an object");
  ordered_json params = ordered_json::object();
  for (const ParamSpec& p : info.params) {
    if (given.contains(p.name)) params[p.name] = param_json(p.type, given.at(p.name));
    else if (p.presence == ParamPresence::defaulted) params[p.name] = default_json(p.default_value);
  }
  for (const auto& [name, v] : given.items())  // names the loss does not know: only in invalid cases
    if (!params.contains(name)) params[name] = ordered(v);
  return params;
}

ordered_json canonical_tensor(const json& given, const std::string& field) {
  try {
    const Tensor t = tensor_from_json(given, field);
    ordered_json data = ordered_json::array();
    for (double v : t.values) data.push_back(hex64(v));
    return {{"shape", t.shape}, {"data", data}};
  } catch (const InputError&) {
    return ordered(given);  // unreadable as a tensor: the invalid case is about exactly this text
  }
}

ordered_json canonical_inputs(const LossInfo& info, const SourceCase& sc) {
  if (!sc.request.contains("inputs") || !sc.request.at("inputs").is_object())
    fail(sc.where, "\"inputs\" must be an object of named tensors");
  const json& given = sc.request.at("inputs");
  ordered_json inputs = ordered_json::object();
  for (const InputSpec& in : info.inputs)
    if (given.contains(in.name)) inputs[in.name] = canonical_tensor(given.at(in.name), "inputs." + in.name);
  for (const auto& [name, v] : given.items())
    if (!inputs.contains(name)) inputs[name] = canonical_tensor(v, "inputs." + name);
  return inputs;
}

ordered_json outputs_json(const reference::OracleAnswer& answer, const SourceCase& sc, bool half_formats) {
  const json all = answer_to_json(answer, half_formats).at("outputs");
  ordered_json outputs = ordered_json::object();
  for (const auto& o : answer.outputs) {
    const json& src = all.at(o.name);
    ordered_json out = {{"shape", o.shape}, {"f64", ordered(src.at("f64"))}, {"f32", ordered(src.at("f32"))}};
    if (half_formats) {
      out["bf16"] = ordered(src.at("bf16"));
      out["f16"] = ordered(src.at("f16"));
    }
    out["decimal"] = ordered(src.at("decimal"));
    out["status"] = ordered(src.at("status"));
    if (src.contains("enclosure")) out["enclosure"] = ordered(src.at("enclosure"));
    outputs[o.name] = out;
  }
  if (sc.printed.is_null()) return outputs;
  for (const auto& [name, digits] : sc.printed.items()) {
    if (!outputs.contains(name)) fail(sc.where, "printed." + name + ": the loss has no output of that name");
    if (digits.size() != outputs[name]["status"].size())
      fail(sc.where, "printed." + name + ": " + std::to_string(digits.size()) + " entries for an output of " +
                         std::to_string(outputs[name]["status"].size()) + " elements (use null for unprinted ones)");
    outputs[name]["printed"] = ordered(digits);
  }
  return outputs;
}

ordered_json make_test(const LossInfo& info, const SourceCase& sc, const ordered_json& flag_table,
                       const reference::OracleOptions& options, bool half_formats) {
  for (const std::string& f : sc.flags)
    if (!flag_table.contains(f)) fail(sc.where, "unknown flag \"" + f + "\" (add it to " + kFlagsFile + ")");
  if (sc.result == "acceptable" &&
      std::none_of(sc.flags.begin(), sc.flags.end(),
                   [&](const std::string& f) { return flag_table.at(f).value("bugType", "") == "CONVENTION"; }))
    fail(sc.where, "an acceptable result must carry a flag of bugType CONVENTION naming where libraries differ");
  ordered_json test;
  test["tcId"] = sc.tc_id;
  test["comment"] = sc.comment;
  test["flags"] = sc.flags;
  if (!sc.source.is_null()) test["source"] = ordered(sc.source);
  test["inputs"] = canonical_inputs(info, sc);
  test["result"] = sc.result;
  try {
    LossCase c = case_from_json(sc.request);
    resolve_case(info, c);
    const reference::OracleAnswer answer = reference::evaluate_correctly_rounded(info.oracle, c, options);
    if (sc.result == "invalid") fail(sc.where, "declared invalid, but the oracle accepts it");
    test["outputs"] = outputs_json(answer, sc, half_formats);
  } catch (const InputError& e) {
    if (sc.result != "invalid")
      fail(sc.where, "declared " + sc.result + ", but the oracle rejects it: " + e.field() + ": " + e.what());
    if (!sc.printed.is_null()) fail(sc.where, "an invalid case has no outputs to print");
    test["error"] = {{"field", e.field()}, {"message", e.what()}};
  }
  return test;
}

std::vector<std::string> header(const LossInfo& info, bool half_formats) {
  return {
      "Test vectors for " + info.name + ": " + info.summary + ".",
      "Semantics: " + info.source + ", as docs/spec.md specifies it. Inputs are exact (hex floats).",
      std::string("Expected outputs are the oracle's: each exact value correctly rounded to binary64 (f64) and "
                  "binary32 (f32), ") +
          (half_formats ? "bfloat16 (bf16) and binary16 (f16), each directly from the exact value, " : "") +
          "40 significant digits (decimal) and the proof status (docs/protocol.md).",
      std::string("Generated by `lossoracle golden --sources golden/sources --out golden/vectors") +
          (half_formats ? " --half-formats" : "") +
          "` from golden/sources/*.jsonl (edit those, not this file). Format: docs/golden-format.md.",
  };
}

std::string generate_file(const LossInfo& info, std::vector<const SourceCase*> cases, const ordered_json& flag_table,
                          const reference::OracleOptions& options, bool half_formats) {
  std::sort(cases.begin(), cases.end(), [](const auto* a, const auto* b) { return a->tc_id < b->tc_id; });
  // Groups share parameters; they appear in the order of their first tcId so
  // that adding a case never reorders what is already there.
  std::vector<std::string> group_keys;
  std::map<std::string, ordered_json> groups;
  std::set<std::string> used_flags;
  std::size_t count = 0;
  for (const SourceCase* sc : cases) {
    const ordered_json params = group_params(info, *sc);
    const std::string key = params.dump();
    if (!groups.count(key)) {
      group_keys.push_back(key);
      groups[key] = {{"type", "LossTest"}, {"params", params}, {"tests", ordered_json::array()}};
    }
    groups[key]["tests"].push_back(make_test(info, *sc, flag_table, options, half_formats));
    used_flags.insert(sc->flags.begin(), sc->flags.end());
    ++count;
  }
  ordered_json notes = ordered_json::object();
  for (const auto& [name, note] : flag_table.items())
    if (used_flags.count(name)) notes[name] = note;
  ordered_json file;
  file["algorithm"] = info.name;
  file["schema"] = kSchemaName;
  file["generatorVersion"] = kGeneratorVersion;
  file["numberOfTests"] = count;
  file["header"] = header(info, half_formats);
  file["notes"] = notes;
  file["testGroups"] = ordered_json::array();
  for (const auto& key : group_keys) file["testGroups"].push_back(groups[key]);
  // A file that fails the format's own rules is a generator bug, not a
  // source problem: refuse to hand it out.
  const auto problems = check_vector_file(json::parse(file.dump()), vector_file_name(info.name));
  if (!problems.empty()) throw std::logic_error("generated " + vector_file_name(info.name) + ": " + problems.front());
  return to_text(file) + "\n";
}

}  // namespace

std::string vector_file_name(const std::string& loss) { return loss + "_test.json"; }

GoldenFiles generate(const std::filesystem::path& sources_dir, const reference::OracleOptions& options,
                     bool half_formats) {
  const ordered_json flag_table = load_flags(sources_dir);
  const std::vector<SourceCase> cases = read_sources(sources_dir);
  std::map<std::string, std::vector<const SourceCase*>> by_loss;
  std::map<std::pair<std::string, std::int64_t>, std::string> seen;
  for (const SourceCase& sc : cases) {
    try {
      find_loss(sc.loss);
    } catch (const InputError& e) {
      fail(sc.where, e.what());
    }
    const auto [it, fresh] = seen.emplace(std::make_pair(sc.loss, sc.tc_id), sc.where);
    if (!fresh)
      fail(sc.where, "tcId " + std::to_string(sc.tc_id) + " of " + sc.loss + " is already used at " + it->second +
                         " (tcIds are never reused; take the next free one)");
    if (!sc.retired) by_loss[sc.loss].push_back(&sc);
  }
  GoldenFiles files;
  for (const auto& [loss, list] : by_loss)
    files[vector_file_name(loss)] = generate_file(find_loss(loss), list, flag_table, options, half_formats);
  return files;
}

}  // namespace lossoracle::golden
