// unit_scaled_cross_entropy kernels (cuda/unit_scaled.cuh's row policies).
#include <cmath>

#include "cuda/launch_rows.cuh"
#include "cuda/problem.hpp"
#include "cuda/unit_scaled.cuh"

namespace lossoracle::cuda::launch {

cudaError_t unit_scaled_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, double mult,
                             bool mean, bool target_divided, cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    UnitScaledCall<A> call;
    const double V = static_cast<double>(p.classes);
    call.mult = A(mult);
    call.unit_scale = A(V / std::sqrt(V - 1.0));
    call.batch = A(p.divisor);
    call.divide = mean;
    call.target_divided = target_divided;
    if (p.kind == static_cast<int>(Kind::unit_scaled_probs))
      return kernels::launch_rows<T>(UnitScaledProbsRow<A>{call}, p, t, w, stream);
    return kernels::launch_rows<T>(UnitScaledIndexRow<A>{call}, p, t, w, stream);
  });
}

}  // namespace lossoracle::cuda::launch
