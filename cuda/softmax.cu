// log_softmax, softmax and entropy kernels (cuda/softmax.cuh's row policies).
#include "cuda/launch_rows.cuh"
#include "cuda/problem.hpp"

namespace lossoracle::cuda::launch {

cudaError_t softmax_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w,
                         cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    if (p.kind == static_cast<int>(Kind::entropy)) return kernels::launch_rows<T>(EntropyRow<A>{A(p.divisor)}, p, t, w, stream);
    if (p.kind == static_cast<int>(Kind::log_softmax))
      return kernels::launch_rows<T>(LogSoftmaxRow<A>{}, p, t, w, stream);
    return kernels::launch_rows<T>(SoftmaxOutRow<A>{}, p, t, w, stream);
  });
}

}  // namespace lossoracle::cuda::launch
