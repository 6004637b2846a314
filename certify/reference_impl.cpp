#include "certify/reference_impl.hpp"

#include "core/protocol.hpp"
#include "core/registry.hpp"

namespace lossoracle::certify {

ImplResult ReferenceImplementation::evaluate(const nlohmann::json& request, Dtype dtype) {
  ImplResult r;
  reference::OracleAnswer answer;
  try {
    LossCase c = case_from_json(request);
    const LossInfo& info = find_loss(c.loss);
    resolve_case(info, c);
    answer = reference::evaluate_correctly_rounded(info.oracle, c, options_);
  } catch (const std::exception& e) {
    r.kind = ImplResult::Kind::rejected;
    r.message = e.what();
    return r;
  }
  r.kind = ImplResult::Kind::outputs;
  for (const auto& o : answer.outputs) {
    ImplOutput out{o.name, o.shape, {}};
    for (const auto& v : o.values) {
      // An unresolved value has no certified rounding; its enclosure's
      // midpoint is what a caller of the oracle would use.
      const double x = !oracle_decided(dtype, v) ? v.lower / 2 + v.upper / 2
                                                                       : oracle_rounding(dtype, v);
      out.values.push_back(round_to(dtype, x));
    }
    r.outputs.push_back(std::move(out));
  }
  return r;
}

}  // namespace lossoracle::certify
