// The soft-label family's kernels (cuda/soft_label.cuh's row policies).
#include "cuda/launch_rows.cuh"
#include "cuda/soft_label.cuh"

namespace lossoracle::cuda::launch {

cudaError_t soft_label_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, double alpha,
                            cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    SmoothSoftLabelsRow<A> policy;
    policy.alpha = A(alpha);
    policy.spread = policy.alpha / A(static_cast<double>(p.classes));
    return kernels::launch_rows<T>(policy, p, t, w, stream);
  });
}

}  // namespace lossoracle::cuda::launch
