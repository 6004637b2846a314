#include "properties/subject.hpp"

#include <algorithm>
#include <stdexcept>

#include "certify/draft.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "reference/oracle.hpp"

namespace lossoracle::properties {

std::vector<Bound> Answer::at(const std::string& name) const {
  auto it = outputs.find(name);
  if (it == outputs.end()) throw std::runtime_error("the answer has no output '" + name + "'");
  return it->second;
}

Bound Answer::loss() const {
  const auto v = at("loss");
  if (v.size() != 1) throw std::runtime_error("the loss has " + std::to_string(v.size()) + " values, not 1");
  return v[0];
}

nlohmann::json query_request(const Query& q) {
  certify::Draft d;
  d.params = q.params;
  d.inputs = q.inputs;
  return certify::draft_request("property", q.loss, d);
}

bool ReferenceSubject::implements(const std::string& loss) const {
  for (const LossInfo& info : loss_registry())
    if (info.name == loss) return true;
  return false;
}

Answer ReferenceSubject::evaluate(const Query& q) {
  Answer a;
  reference::OracleAnswer oracle;
  try {
    LossCase c = case_from_json(query_request(q));
    const LossInfo& info = find_loss(c.loss);
    resolve_case(info, c);
    oracle = reference::evaluate_correctly_rounded(info.oracle, c, {bits_, bits_});
  } catch (const std::exception& e) {
    a.rejected = true;
    a.message = e.what();
    return a;
  }
  for (const auto& out : oracle.outputs) {
    auto& bounds = a.outputs[out.name];
    for (const auto& v : out.values) {
      if (v.status == reference::ProofStatus::nan)
        bounds.push_back({NAN, NAN});
      else
        bounds.push_back({v.lower, v.upper});
    }
  }
  return a;
}

Answer ImplementationSubject::evaluate(const Query& q) {
  Answer a;
  const certify::ImplResult r = impl_->evaluate(query_request(q), certify::Dtype::float64);
  if (r.kind == certify::ImplResult::Kind::broken) throw std::runtime_error(name() + " broke: " + r.message);
  if (r.kind == certify::ImplResult::Kind::rejected) {
    a.rejected = true;
    a.message = r.message;
    return a;
  }
  double scale = 0;
  for (const auto& [name, t] : q.inputs)
    for (double v : t.values)
      if (std::isfinite(v)) scale = std::max(scale, std::fabs(v));
  for (const auto& out : r.outputs) {
    auto& bounds = a.outputs[out.name];
    for (double v : out.values) {
      // Near the overflow threshold binary64 arithmetic (a log-sum-exp, a
      // log-softmax of -1.8e308) overflows where the exact value is finite,
      // and a NaN or infinity there (PyTorch's too) tells nothing: it
      // becomes the whole line, which meets everything and decides nothing.
      if (!std::isfinite(v) && scale >= 0x1p1000) {
        bounds.push_back({-HUGE_VAL, HUGE_VAL});
        continue;
      }
      const double d = std::isfinite(v) ? slack_ * std::max(std::fabs(v), scale) : 0.0;
      bounds.push_back({v - d, v + d});
    }
  }
  return a;
}

}  // namespace lossoracle::properties
