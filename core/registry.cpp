#include "core/registry.hpp"

#include "core/error.hpp"
#include "core/hexfloat.hpp"
#include "core/loss_list.hpp"
#include "cuda/problem.hpp"
#include "optimized/evaluate.hpp"

namespace lossoracle {

namespace {

std::vector<LossInfo> build() {
  std::vector<LossInfo> out;
  for (auto& d : loss_definitions<reference::Real>()) {
    // Each tier says which losses it binds; the registry is where users see it.
    d.info.optimized = optimized::is_bound(d.info.name);
    for (const std::string& name : cuda::cuda_loss_names()) d.info.cuda = d.info.cuda || name == d.info.name;
    out.push_back(std::move(d.info));
  }
  return out;
}

bool type_matches(ParamType t, const ParamValue& v) {
  switch (t) {
    case ParamType::boolean: return std::holds_alternative<bool>(v);
    case ParamType::integer: return std::holds_alternative<std::int64_t>(v);
    case ParamType::real: return std::holds_alternative<double>(v) || std::holds_alternative<std::int64_t>(v);
    case ParamType::text: return std::holds_alternative<std::string>(v);
  }
  return false;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

const std::vector<LossInfo>& loss_registry() {
  static const std::vector<LossInfo> registry = build();
  return registry;
}

const LossInfo& find_loss(const std::string& name) {
  std::vector<std::string> names;
  for (const LossInfo& info : loss_registry()) {
    if (info.name == name) return info;
    names.push_back(info.name);
  }
  throw InputError("loss", "unknown loss '" + name + "' (known: " + joined(names) + ")");
}

void resolve_case(const LossInfo& info, LossCase& c) {
  // JSON has no number for inf or NaN: a real parameter may be spelled "inf",
  // "-inf" or "nan" (as tensor entries may), e.g. dlordinal's alpha = inf.
  for (const ParamSpec& p : info.params) {
    const auto given = c.params.all().find(p.name);
    if (p.type != ParamType::real || given == c.params.all().end()) continue;
    const auto* text = std::get_if<std::string>(&given->second);
    if (text && (*text == "inf" || *text == "-inf" || *text == "nan")) c.params.set(p.name, *parse_real(*text));
  }
  for (const auto& [name, value] : c.params.all()) {
    const ParamSpec* spec = nullptr;
    for (const ParamSpec& p : info.params)
      if (p.name == name) spec = &p;
    if (!spec) {
      std::vector<std::string> known;
      for (const ParamSpec& p : info.params) known.push_back(p.name);
      throw InputError("params." + name, info.name + ": unknown parameter '" + name + "' (known: " +
                                             (known.empty() ? "none" : joined(known)) + ")");
    }
    if (!type_matches(spec->type, value))
      throw InputError("params." + name,
                       info.name + ": parameter '" + name + "' must be " +
                           (spec->type == ParamType::integer ? "an " : "a ") + param_type_name(spec->type));
    if (!spec->choices.empty()) {
      const std::string& s = std::get<std::string>(value);
      bool ok = false;
      for (const auto& choice : spec->choices) ok = ok || choice == s;
      if (!ok)
        throw InputError("params." + name, info.name + ": " + s + " is not a valid value for " + name +
                                               " (expected one of: " + joined(spec->choices) + ")");
    }
  }
  for (const ParamSpec& p : info.params) {
    if (c.params.has(p.name)) continue;
    if (p.presence == ParamPresence::required)
      throw InputError("params." + p.name, info.name + ": missing required parameter '" + p.name + "'");
    if (p.presence == ParamPresence::defaulted) c.params.set(p.name, p.default_value);
  }
  for (const auto& [name, tensor] : c.inputs) {
    bool known = false;
    for (const InputSpec& in : info.inputs) known = known || in.name == name;
    if (!known) {
      std::vector<std::string> names;
      for (const InputSpec& in : info.inputs) names.push_back(in.name);
      throw InputError("inputs." + name, info.name + ": unknown input '" + name + "' (known: " + joined(names) + ")");
    }
  }
  for (const InputSpec& in : info.inputs)
    if (in.required && !c.find(in.name))
      throw InputError("inputs." + in.name, info.name + ": missing input '" + in.name + "'");
}

}  // namespace lossoracle
