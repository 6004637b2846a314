#include "core/registry.hpp"

#include "core/error.hpp"
#include "reference/evaluators.hpp"

namespace lossoracle {

namespace {

namespace ref = reference;

ParamSpec reduction(const char* def, std::vector<std::string> choices = {"none", "sum", "mean"}) {
  return {"reduction", ParamType::text, std::string(def), std::move(choices),
          "none: per position; sum; mean (see docs/spec.md for each loss's denominator)"};
}
const ParamSpec kIgnoreIndex{"ignore_index", ParamType::integer, std::int64_t{-100}, {},
                             "positions whose target equals it contribute nothing (class-index targets only)"};
const InputSpec kInput{"input", true, "logits (or log-probabilities for nll_loss), (C) or (N, C, d1..dk)"};
const InputSpec kWeight{"weight", false, "class weights, shape (C)"};
const InputSpec kGradOutput{"grad_output", false, "cotangent of the output for the backward pass; ones by default"};

std::vector<LossInfo> build() {
  return {
      {"log_softmax", "softmax", "log of softmax along the class dimension", "PyTorch F.log_softmax(dim=1)",
       {}, {kInput, kGradOutput}, ref::eval_log_softmax},
      {"softmax", "softmax", "softmax along the class dimension", "PyTorch F.softmax(dim=1)",
       {}, {kInput, kGradOutput}, ref::eval_softmax},
      {"entropy", "softmax", "Shannon entropy (nats) of each distribution along the class dimension",
       "torch.special.entr(p).sum(dim=1)",
       {reduction("none")}, {{"input", true, "probabilities, (C) or (N, C, d1..dk)"}, kGradOutput}, ref::eval_entropy},
      {"nll_loss", "cross_entropy", "negative log-likelihood of class indices given log-probabilities",
       "PyTorch F.nll_loss",
       {reduction("mean"), kIgnoreIndex},
       {kInput, {"target", true, "class indices, () or (N, d1..dk)"}, kWeight, kGradOutput}, ref::eval_nll_loss},
      {"cross_entropy", "cross_entropy",
       "cross entropy of logits against class indices or class probabilities (chosen by the target's shape)",
       "PyTorch F.cross_entropy",
       {reduction("mean"), kIgnoreIndex,
        {"label_smoothing", ParamType::real, 0.0, {}, "epsilon in [0, 1]; targets become (1-eps) t + eps/C"}},
       {kInput, {"target", true, "class indices (N, d1..dk) or probabilities shaped like input"}, kWeight, kGradOutput},
       ref::eval_cross_entropy},
      {"kl_div", "kl_div", "Kullback-Leibler divergence KL(target || q) with input = log q", "PyTorch F.kl_div",
       {reduction("mean", {"none", "sum", "mean", "batchmean"}),
        {"log_target", ParamType::boolean, false, {}, "the target is given as log-probabilities"}},
       {{"input", true, "log-probabilities log q, any shape"}, {"target", true, "probabilities (or their logs), same shape"},
        kGradOutput},
       ref::eval_kl_div},
  };
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
                       info.name + ": parameter '" + name + "' must be a " + param_type_name(spec->type));
    if (!spec->choices.empty()) {
      const std::string& s = std::get<std::string>(value);
      bool ok = false;
      for (const auto& choice : spec->choices) ok = ok || choice == s;
      if (!ok)
        throw InputError("params." + name, info.name + ": " + s + " is not a valid value for " + name +
                                               " (expected one of: " + joined(spec->choices) + ")");
    }
  }
  for (const ParamSpec& p : info.params)
    if (!c.params.has(p.name)) c.params.set(p.name, p.default_value);
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
