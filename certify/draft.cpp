#include "certify/draft.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/protocol.hpp"

namespace lossoracle::certify {

bool draft_from_json(const nlohmann::json& params, const nlohmann::json& inputs, Draft& out) {
  out.params = params.is_object() ? params : nlohmann::json::object();
  out.inputs.clear();
  try {
    for (const auto& [name, value] : inputs.items()) out.inputs[name] = tensor_from_json(value, "inputs." + name);
  } catch (const InputError&) {
    return false;
  }
  return true;
}

nlohmann::json draft_request(const std::string& id, const std::string& loss, const Draft& d) {
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& [name, t] : d.inputs) inputs[name] = tensor_to_json(t);
  return {{"id", id}, {"loss", loss}, {"params", d.params}, {"inputs", inputs}};
}

void round_inputs(Draft& d, Dtype dtype) {
  for (auto& [name, t] : d.inputs)
    for (double& v : t.values) v = round_to(dtype, v);
}

bool all_integral(const Tensor& t) {
  for (double v : t.values)
    if (!std::isfinite(v) || v != std::floor(v)) return false;
  return true;
}

}  // namespace lossoracle::certify
