// cross_entropy (class indices, probabilities) and nll_loss kernels, and the
// class-index pre-pass (cuda/cross_entropy.cuh's row policies).
#include "cuda/cross_entropy.cuh"
#include "cuda/launch_rows.cuh"
#include "cuda/problem.hpp"

namespace lossoracle::cuda::launch {

cudaError_t cross_entropy_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w,
                               cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    if (p.kind == static_cast<int>(Kind::cross_entropy_probs))
      return kernels::launch_rows<T>(CrossEntropyProbsRow<A>{kernels::call_of<A>(p)}, p, t, w, stream);
    return kernels::launch_rows<T>(CrossEntropyIndexRow<A>{kernels::call_of<A>(p)}, p, t, w, stream);
  });
}

cudaError_t nll(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    kernels::nll_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(p, t, w);
    return cudaGetLastError();
  });
}

cudaError_t target_weights(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w,
                           cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    if (p.rows > 0) {
      const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((p.rows + 255) / 256, 65535));
      kernels::target_weight_kernel<T><<<blocks, 256, 0, stream>>>(p, t, w);
    }
    kernels::partial_sum_kernel<A, A><<<kPartials, kernels::kBlock, 0, stream>>>(
        static_cast<const A*>(w.row_weight), p.rows, static_cast<A*>(w.partials));
    kernels::final_sum_kernel<T, A><<<1, kernels::kBlock, 0, stream>>>(
        static_cast<const A*>(w.partials), static_cast<int>(kPartials), A(1), nullptr,
        static_cast<A*>(w.target_weight_total), nullptr);
    if (t.weight) {
      kernels::partial_sum_kernel<T, A><<<kPartials, kernels::kBlock, 0, stream>>>(
          static_cast<const T*>(t.weight), p.classes, static_cast<A*>(w.partials));
      kernels::final_sum_kernel<T, A><<<1, kernels::kBlock, 0, stream>>>(
          static_cast<const A*>(w.partials), static_cast<int>(kPartials), A(1), nullptr,
          static_cast<A*>(w.weight_sum), nullptr);
    }
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
