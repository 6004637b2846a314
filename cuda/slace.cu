// slace kernel (cuda/slace.cuh's per-group core): one block per row. Pass 1
// takes the row's softmax statistics (strided classes, kernels.cuh's tree);
// then the soft labels' normaliser Z over the row's groups h = |k - y| in
// tiles of kBlock, and the groups' three phases (cuda/scan.cuh's
// grouped_row: masses and carries, acc_h and tail_h by carry plus a
// Hillis-Steele scan in a fixed order with the loss and backward sums, the
// gradient). The tiles' carries live in dynamic shared memory (4 per tile),
// so rows of any length run with O(C / kBlock) shared memory; nothing is
// atomic but the error word. cuda/slace_host.cpp runs the same order on the
// CPU.
#include "cuda/launch_rows.cuh"
#include "cuda/scan.cuh"
#include "cuda/slace.cuh"
#include "cuda/slace_launch.hpp"

namespace lossoracle::cuda::kernels {

template <class T>
__global__ void __launch_bounds__(kBlock)
    slace_kernel(SlaceCall<acc_t<T>> call, launch::RowProblem p, launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  __shared__ __align__(16) unsigned char stats_raw[kBlock * sizeof(SoftmaxStats<A>)];
  SoftmaxStats<A>* stats = reinterpret_cast<SoftmaxStats<A>*>(stats_raw);
  __shared__ A buf[kBlock];
  extern __shared__ __align__(16) unsigned char carries_raw[];
  const std::int64_t C = p.classes;
  const std::int64_t max_tiles = (C + kBlock - 1) / kBlock;
  A* carries = reinterpret_cast<A*>(carries_raw);

  const T* x = static_cast<const T*>(t.x);
  const T* weight = static_cast<const T*>(t.weight);
  const A divisor = A(p.divisor);

  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* xr = x + row * C;
    const std::int64_t y = t.target[row];
    if (bad_target_row<T>(row, y, p, t, w)) continue;
    const SlaceGroups G = slace_groups(C, y);
    const A w_y = weight ? load_as<A>(weight + y) : A(1);
    const A s_w = (row_cotangent<T>(row, p, t) / divisor) * w_y;

    SoftmaxRow<A> sm{};
    if (call.use_logits) sm = softmax_row(block_row_stats(xr, C, stats));
    auto p_at = [&](std::int64_t k) { return call.use_logits ? sm.p(load_as<A>(xr + k)) : load_as<A>(xr + k); };
    auto mass = [&](std::int64_t h) {
      const std::int64_t lo = G.lo(h), hi = G.hi(h);
      return (lo >= 0 ? p_at(lo) : A(0)) + (hi >= 0 ? p_at(hi) : A(0));
    };
    const std::int64_t H = G.count(), T_ = (H + kBlock - 1) / kBlock;

    // Z = sum_h n_h exp(-alpha h), then the groups' three phases.
    A Z(0);
    for (std::int64_t tile = 0; tile < T_; ++tile) {
      const std::int64_t h = tile * kBlock + threadIdx.x;
      Z = Z + block_merge(h < H ? A(G.size(h)) * slace_label(call, G, h) : A(0), buf, Sum<A>{});
    }
    // After pass 1 a class is read only by the thread holding its group,
    // which writes it last: the gradient may overwrite x.
    const A terms = grouped_row<A>(
        H, max_tiles, buf, carries, mass,
        [&](std::int64_t h, A acc, A tail) {
          return slace_group_terms(call, G.size(h), slace_label(call, G, h) / Z, acc, tail, s_w);
        },
        [&](std::int64_t h, A right, A left) {
          if (!t.grad) return;
          const std::int64_t lo = G.lo(h), hi = G.hi(h);
          const A glo = lo >= 0 ? slace_grad(call, sm, load_as<A>(xr + lo), right, left) : A(0);
          const A ghi = hi >= 0 ? slace_grad(call, sm, load_as<A>(xr + hi), right, left) : A(0);
          if (lo >= 0) store_to(static_cast<T*>(t.grad) + row * C + lo, glo);
          if (hi >= 0) store_to(static_cast<T*>(t.grad) + row * C + hi, ghi);
        });
    store_row_loss<T>(row, slace_row_loss(terms, w_y), p, t, w);
    __syncthreads();
  }
}

}  // namespace lossoracle::cuda::kernels

namespace lossoracle::cuda::launch {

cudaError_t slace_rows(Storage s, const RowProblem& p, const SlaceParams& params, const RowTensors& t,
                       const Workspace& w, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    const std::int64_t tiles = (p.classes + kernels::kBlock - 1) / kernels::kBlock;
    const std::size_t bytes = static_cast<std::size_t>(4 * tiles) * sizeof(A);
    auto kernel = &kernels::slace_kernel<T>;
    if (bytes > 48 * 1024) {
      const cudaError_t e =
          cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
      if (e != cudaSuccess) return e;
    }
    kernel<<<kernels::grid_for(p.rows), kernels::kBlock, bytes, stream>>>(
        slace_call<A>(params.alpha, params.epsilon, params.use_logits), p, t, w);
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
