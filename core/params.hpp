// A loss's scalar parameters (reduction, ignore_index, label_smoothing, ...)
// by name, typed, after defaults from the registry have been filled in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace lossoracle {

using ParamValue = std::variant<bool, std::int64_t, double, std::string>;

enum class ParamType { boolean, integer, real, text };
const char* param_type_name(ParamType t);

class Params {
 public:
  void set(const std::string& name, ParamValue v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, ParamValue>& all() const { return values_; }

  // Typed getters throw InputError naming the field when it is absent or of
  // another type; an integer is accepted where a real is asked for.
  bool boolean(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  double real(const std::string& name) const;
  const std::string& text(const std::string& name) const;

 private:
  const ParamValue& get(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
};

}  // namespace lossoracle
