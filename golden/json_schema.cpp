#include "golden/json_schema.hpp"

#include <regex>
#include <set>
#include <stdexcept>

namespace lossoracle::golden {

using nlohmann::json;

namespace {

// Keywords that constrain values, and those that only annotate.
const std::set<std::string> kAssertions{"type",    "enum",      "const",   "properties", "required",
                                        "additionalProperties", "propertyNames", "items", "minItems",
                                        "uniqueItems", "pattern", "minLength", "minimum", "$ref", "allOf",
                                        "oneOf",   "not",       "if",      "then",       "else"};
const std::set<std::string> kAnnotations{"$schema", "$id", "$defs", "$comment", "title", "description", "examples"};

bool has_type(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  throw std::invalid_argument("JSON Schema: unknown type \"" + type + "\"");
}

std::string pointer_token(const std::string& key) {
  std::string out;
  for (char ch : key) out += ch == '~' ? "~0" : ch == '/' ? "~1" : std::string(1, ch);
  return out;
}

}  // namespace

JsonSchema::JsonSchema(json schema) : root_(std::move(schema)) { check_keywords(root_, "#"); }

void JsonSchema::check_keywords(const json& schema, const std::string& where) const {
  if (schema.is_boolean()) return;
  if (!schema.is_object()) throw std::invalid_argument("JSON Schema " + where + ": a schema is an object or a boolean");
  for (const auto& [key, v] : schema.items()) {
    if (!kAssertions.count(key) && !kAnnotations.count(key))
      throw std::invalid_argument("JSON Schema " + where + ": keyword \"" + key + "\" is not implemented");
    if (key == "properties" || key == "$defs")
      for (const auto& [name, sub] : v.items()) check_keywords(sub, where + "/" + key + "/" + name);
    else if (key == "allOf" || key == "oneOf")
      for (std::size_t i = 0; i < v.size(); ++i) check_keywords(v[i], where + "/" + key + "/" + std::to_string(i));
    else if (key == "additionalProperties" || key == "propertyNames" || key == "items" || key == "not" ||
             key == "if" || key == "then" || key == "else")
      check_keywords(v, where + "/" + key);
    else if (key == "$ref")
      resolve(v.get<std::string>());
    else if (key == "pattern")
      std::regex(v.get<std::string>(), std::regex::ECMAScript);  // throws on a bad pattern
  }
}

const json& JsonSchema::resolve(const std::string& ref) const {
  if (ref.rfind("#/", 0) != 0) throw std::invalid_argument("JSON Schema: only local $ref \"#/...\" is implemented: " + ref);
  try {
    return root_.at(json::json_pointer(ref.substr(1)));
  } catch (const json::exception&) {
    throw std::invalid_argument("JSON Schema: $ref " + ref + " points nowhere");
  }
}

const std::regex& JsonSchema::compiled(const std::string& pattern) const {
  // Vector files hold thousands of hex strings; compile each pattern once.
  auto it = patterns_.find(pattern);
  if (it == patterns_.end()) it = patterns_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
  return it->second;
}

bool JsonSchema::matches(const json& schema, const json& value) const {
  std::vector<std::string> errors;
  validate(schema, value, "", errors);
  return errors.empty();
}

std::vector<std::string> JsonSchema::validate(const json& document) const {
  std::vector<std::string> errors;
  validate(root_, document, "", errors);
  return errors;
}

void JsonSchema::validate(const json& schema, const json& value, const std::string& path,
                          std::vector<std::string>& errors) const {
  const std::string at = path.empty() ? "/" : path;
  auto error = [&](const std::string& message) { errors.push_back(at + ": " + message); };
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) error("no value is allowed here");
    return;
  }
  if (schema.contains("$ref")) validate(resolve(schema.at("$ref").get<std::string>()), value, path, errors);
  if (schema.contains("type")) {
    const json& t = schema.at("type");
    bool ok = false;
    for (const json& name : t.is_array() ? t : json::array({t})) ok = ok || has_type(value, name.get<std::string>());
    if (!ok) error("expected type " + t.dump() + ", got " + value.type_name());
  }
  if (schema.contains("const") && value != schema.at("const")) error("must be " + schema.at("const").dump());
  if (schema.contains("enum")) {
    bool ok = false;
    for (const json& e : schema.at("enum")) ok = ok || value == e;
    if (!ok) error(value.dump() + " is not one of " + schema.at("enum").dump());
  }
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (schema.contains("minLength") && s.size() < schema.at("minLength").get<std::size_t>())
      error("shorter than " + schema.at("minLength").dump() + " characters");
    if (schema.contains("pattern") && !std::regex_search(s, compiled(schema.at("pattern").get<std::string>())))
      error("\"" + s + "\" does not match " + schema.at("pattern").dump());
  }
  if (value.is_number() && schema.contains("minimum") && value.get<double>() < schema.at("minimum").get<double>())
    error(value.dump() + " is below the minimum " + schema.at("minimum").dump());
  if (value.is_object()) {
    if (schema.contains("required"))
      for (const json& name : schema.at("required"))
        if (!value.contains(name.get<std::string>())) error("missing required property " + name.dump());
    const json properties = schema.value("properties", json::object());
    for (const auto& [key, v] : value.items()) {
      const std::string sub = path + "/" + pointer_token(key);
      if (schema.contains("propertyNames") && !matches(schema.at("propertyNames"), json(key)))
        error("property name \"" + key + "\" is not allowed");
      if (properties.contains(key))
        validate(properties.at(key), v, sub, errors);
      else if (schema.contains("additionalProperties"))
        validate(schema.at("additionalProperties"), v, sub, errors);
    }
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema.at("minItems").get<std::size_t>())
      error("fewer than " + schema.at("minItems").dump() + " items");
    if (schema.value("uniqueItems", false))
      for (std::size_t i = 0; i < value.size(); ++i)
        for (std::size_t j = i + 1; j < value.size(); ++j)
          if (value[i] == value[j]) error("items " + std::to_string(i) + " and " + std::to_string(j) + " are equal");
    if (schema.contains("items"))
      for (std::size_t i = 0; i < value.size(); ++i)
        validate(schema.at("items"), value[i], path + "/" + std::to_string(i), errors);
  }
  if (schema.contains("allOf"))
    for (const json& sub : schema.at("allOf")) validate(sub, value, path, errors);
  if (schema.contains("oneOf")) {
    int n = 0;
    for (const json& sub : schema.at("oneOf")) n += matches(sub, value) ? 1 : 0;
    if (n != 1) error("must match exactly one of the oneOf schemas (matches " + std::to_string(n) + ")");
  }
  if (schema.contains("not") && matches(schema.at("not"), value)) error("matches a schema it must not match");
  if (schema.contains("if")) {
    const bool cond = matches(schema.at("if"), value);
    if (cond && schema.contains("then")) validate(schema.at("then"), value, path, errors);
    if (!cond && schema.contains("else")) validate(schema.at("else"), value, path, errors);
  }
}

}  // namespace lossoracle::golden
