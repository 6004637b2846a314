#include "certify/optimized_impl.hpp"

#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "optimized/evaluate.hpp"

namespace lossoracle::certify {

ImplResult OptimizedImplementation::evaluate(const nlohmann::json& request, Dtype dtype) {
  ImplResult r;
  if (dtype != Dtype::float64 && dtype != Dtype::float32) {
    // The kernels exist in double and float only; answering from either would
    // judge another computation than the dtype's.
    r.kind = ImplResult::Kind::unsupported;
    r.message = std::string("the optimized tier computes in float64 and float32 only, not ") + dtype_name(dtype);
    return r;
  }
  LossCase c;
  try {
    c = case_from_json(request);
    const LossInfo& info = find_loss(c.loss);
    resolve_case(info, c);
  } catch (const std::exception& e) {
    r.kind = ImplResult::Kind::rejected;
    r.message = e.what();
    return r;
  }
  if (!optimized::is_bound(c.loss)) {
    // Counted apart, never a pass, and not a defect of the kernels it has.
    r.kind = ImplResult::Kind::unsupported;
    r.message = c.loss + ": not implemented by the optimized tier (LossInfo::optimized is false)";
    return r;
  }
  optimized::Outputs outputs;
  try {
    outputs = optimized::evaluate(c, dtype == Dtype::float32 ? optimized::Precision::f32 : optimized::Precision::f64);
  } catch (const std::exception& e) {
    r.kind = ImplResult::Kind::rejected;
    r.message = e.what();
    return r;
  }
  r.kind = ImplResult::Kind::outputs;
  for (auto& o : outputs) r.outputs.push_back({std::move(o.name), std::move(o.shape), std::move(o.values)});
  return r;
}

}  // namespace lossoracle::certify
