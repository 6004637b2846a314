// The soft-label family on the host build: cuda/soft_label.cuh's row
// policies driven as the kernels drive them (cuda/soft_label.cu).
#include "cuda/host_rows.hpp"
#include "cuda/soft_label.cuh"

namespace lossoracle::cuda::host {

template <class A>
std::vector<HostOutput> soft_label_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> y = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  SmoothSoftLabelsRow<A> policy;
  policy.alpha = A(p.label_smoothing);
  policy.spread = policy.alpha / A(static_cast<double>(p.classes));
  std::vector<A> value(y.size()), grad(y.size()), unused(p.positions());
  auto inputs_of = [](std::int64_t, std::int64_t) { return RowInputs<A>{}; };
  run_rows<A>(lanes, policy, p, y, go, A(1), none, nullptr, inputs_of, value, grad, nullptr, unused);
  return {{"loss", p.input_shape, widen(value)}, {"grad_input", p.input_shape, widen(grad)}};
}

template std::vector<HostOutput> soft_label_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> soft_label_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda::host
