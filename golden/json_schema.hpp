// A JSON Schema validator for the part of draft 2020-12 that the golden
// schemas use (listed in json_schema.cpp). The project takes no new
// dependency for it; instead a schema keyword outside that part is an error,
// so a schema can never lean on a rule that is silently not checked.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

namespace lossoracle::golden {

class JsonSchema {
 public:
  // Throws std::invalid_argument for a keyword this validator does not implement.
  explicit JsonSchema(nlohmann::json schema);

  // One message per violation, each starting with the JSON pointer of the
  // offending value ("/testGroups/0/tests/3/result: ..."); empty if valid.
  std::vector<std::string> validate(const nlohmann::json& document) const;

 private:
  void check_keywords(const nlohmann::json& schema, const std::string& where) const;
  bool matches(const nlohmann::json& schema, const nlohmann::json& value) const;
  void validate(const nlohmann::json& schema, const nlohmann::json& value, const std::string& path,
                std::vector<std::string>& errors) const;
  const nlohmann::json& resolve(const std::string& ref) const;
  const std::regex& compiled(const std::string& pattern) const;

  nlohmann::json root_;
  mutable std::map<std::string, std::regex> patterns_;
};

}  // namespace lossoracle::golden
