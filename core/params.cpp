#include "core/params.hpp"

#include "core/error.hpp"

namespace lossoracle {

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::boolean: return "boolean";
    case ParamType::integer: return "integer";
    case ParamType::real: return "number";
    case ParamType::text: return "string";
  }
  return "?";
}

const ParamValue& Params::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw InputError("params." + name, "missing parameter '" + name + "'");
  return it->second;
}

bool Params::boolean(const std::string& name) const {
  if (auto* b = std::get_if<bool>(&get(name))) return *b;
  throw InputError("params." + name, "parameter '" + name + "' must be a boolean");
}

std::int64_t Params::integer(const std::string& name) const {
  if (auto* i = std::get_if<std::int64_t>(&get(name))) return *i;
  throw InputError("params." + name, "parameter '" + name + "' must be an integer");
}

double Params::real(const std::string& name) const {
  const ParamValue& v = get(name);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw InputError("params." + name, "parameter '" + name + "' must be a number");
}

const std::string& Params::text(const std::string& name) const {
  if (auto* s = std::get_if<std::string>(&get(name))) return *s;
  throw InputError("params." + name, "parameter '" + name + "' must be a string");
}

}  // namespace lossoracle
