#include "golden/source_case.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

namespace lossoracle::golden {

using nlohmann::json;

namespace {

const std::set<std::string> kResults{"valid", "invalid", "acceptable"};
const std::set<std::string> kCaseKeys{"loss", "params", "inputs"};
const std::set<std::string> kMetaKeys{"tcId", "comment", "flags", "result", "printed", "source", "retired"};

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw SourceError(where + ": " + message);
}

std::string text_field(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j.at(key).is_string() || j.at(key).get<std::string>().empty())
    fail(where, std::string("\"") + key + "\" must be a non-empty string");
  return j.at(key).get<std::string>();
}

// A printed number as a document shows it: optional sign, digits, optional
// fraction, optional exponent ("2.8050", "9.2457e-01"). Kept as text because
// the digits shown are the information.
bool is_printed_number(const std::string& s) {
  static const std::regex re(R"(-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
  return std::regex_match(s, re);
}

json check_printed(const json& p, const std::string& where) {
  if (!p.is_object() || p.empty()) fail(where, "\"printed\" must be an object {output: digits or [digits|null, ...]}");
  json normalised = json::object();
  for (const auto& [name, v] : p.items()) {
    json values = v.is_array() ? v : json::array({v});
    bool any = false;
    for (const json& e : values) {
      if (e.is_null()) continue;
      if (!e.is_string() || !is_printed_number(e.get<std::string>()))
        fail(where, "printed." + name + ": each entry must be the printed digits as a string (\"2.8050\") or null");
      any = true;
    }
    if (!any) fail(where, "printed." + name + ": nothing printed");
    normalised[name] = values;
  }
  return normalised;
}

json check_source(const json& s, const std::string& where) {
  if (!s.is_object()) fail(where, "\"source\" must be an object {document, location[, recovered]}");
  text_field(s, "document", where + ": source");
  text_field(s, "location", where + ": source");
  for (const auto& [key, v] : s.items()) {
    if (key == "recovered") {
      if (!v.is_object()) fail(where, "source.recovered must map input names to \"seedNNN.tensor\"");
      for (const auto& [input, ref] : v.items())
        if (!ref.is_string()) fail(where, "source.recovered." + input + " must be a string");
    } else if (key != "document" && key != "location") {
      fail(where, "source: unknown field \"" + key + "\" (expected document, location, recovered)");
    }
  }
  return s;
}

}  // namespace

SourceCase parse_source_line(const std::string& line, const std::string& where) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    fail(where, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) fail(where, "a source line must be a JSON object");
  SourceCase c;
  c.where = where;
  for (const auto& [key, v] : j.items())
    if (!kCaseKeys.count(key) && !kMetaKeys.count(key))
      fail(where, "unknown field \"" + key + "\" (case: loss, params, inputs; metadata: tcId, comment, flags, "
                  "result, printed, source, retired)");
  if (!j.contains("tcId") || !j.at("tcId").is_number_integer() || j.at("tcId").get<std::int64_t>() < 1)
    fail(where, "\"tcId\" must be a positive integer");
  c.tc_id = j.at("tcId").get<std::int64_t>();
  c.loss = text_field(j, "loss", where);
  if (j.contains("retired")) {
    // A retired line keeps its tcId out of circulation; it carries nothing else.
    c.retired = text_field(j, "retired", where);
    for (const auto& [key, v] : j.items())
      if (key != "tcId" && key != "loss" && key != "retired")
        fail(where, "a retired line holds only tcId, loss and retired (the reason)");
    return c;
  }
  c.comment = text_field(j, "comment", where);
  if (!j.contains("flags") || !j.at("flags").is_array()) fail(where, "\"flags\" must be an array of flag names");
  for (const json& f : j.at("flags")) {
    if (!f.is_string()) fail(where, "\"flags\" must be an array of flag names");
    const std::string name = f.get<std::string>();
    if (std::find(c.flags.begin(), c.flags.end(), name) != c.flags.end()) fail(where, "flag " + name + " repeated");
    c.flags.push_back(name);
  }
  if (j.contains("result")) {
    if (!j.at("result").is_string() || !kResults.count(j.at("result").get<std::string>()))
      fail(where, "\"result\" must be valid, invalid or acceptable");
    c.result = j.at("result").get<std::string>();
  }
  if (j.contains("printed")) c.printed = check_printed(j.at("printed"), where);
  if (j.contains("source")) c.source = check_source(j.at("source"), where);
  if (!c.printed.is_null() && c.source.is_null()) fail(where, "printed digits need a \"source\" saying where they were printed");
  c.request = json::object();
  for (const auto& key : kCaseKeys)
    if (j.contains(key)) c.request[key] = j.at(key);
  return c;
}

std::vector<SourceCase> read_sources(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) throw SourceError(dir.string() + ": not a directory");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<SourceCase> cases;
  for (const auto& path : files) {
    std::ifstream in(path);
    if (!in) throw SourceError(path.string() + ": cannot open");
    std::string line;
    for (long n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      cases.push_back(parse_source_line(line, path.filename().string() + ":" + std::to_string(n)));
    }
  }
  return cases;
}

}  // namespace lossoracle::golden
