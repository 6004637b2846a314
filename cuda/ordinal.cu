// sord kernel (cuda/ordinal.cuh's per-class core): one block per row, classes
// strided over the threads. Pass 1 merges the logits' softmax statistics and
// the soft labels' (binary64) by kernels.cuh's fixed tree; pass 2 sums the
// terms q_c log p_c by the same tree; pass 3 writes the gradient, each class
// read and written by one thread only (the gradient may overwrite x).
// Nothing is atomic but the error word. cuda/ordinal_host.cpp runs the same
// order on the CPU.
#include "cuda/launch_rows.cuh"
#include "cuda/ordinal.cuh"
#include "cuda/ordinal_launch.hpp"

namespace lossoracle::cuda::kernels {

template <class T>
__global__ void __launch_bounds__(kBlock)
    sord_kernel(OrdinalCall call, launch::RowProblem p, launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  __shared__ __align__(16) unsigned char stats_raw[kBlock * sizeof(SoftmaxStats<double>)];
  SoftmaxStats<A>* xstats = reinterpret_cast<SoftmaxStats<A>*>(stats_raw);
  SoftmaxStats<double>* qstats = reinterpret_cast<SoftmaxStats<double>*>(stats_raw);
  __shared__ A buf[kBlock];
  const std::int64_t C = p.classes;
  const T* x = static_cast<const T*>(t.x);
  const A divisor = A(p.divisor);
  const A nan = quiet_nan<A>();
  auto merge_stats = [](const auto& a, const auto& b) { return std::decay_t<decltype(a)>::merge(a, b); };

  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* xr = x + row * C;
    const std::int64_t y = t.target[row];
    if (y < 0 || y >= C) {  // never clamped: flagged, and the row is NaN
      if (threadIdx.x == 0) {
        atomicMin(w.error, static_cast<unsigned long long>(row));
        if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, nan);
        if (p.reduce) static_cast<A*>(w.row_loss)[row] = nan;
      }
      if (t.grad)
        for (std::int64_t k = threadIdx.x; k < C; k += kBlock) store_to(static_cast<T*>(t.grad) + row * C + k, nan);
      continue;
    }
    const A g = t.grad_output ? load_as<A>(static_cast<const T*>(t.grad_output) + (p.grad_output_per_row ? row : 0))
                              : A(1);
    const A g_base = in_base(call, A(g / divisor));

    SoftmaxRow<A> sm{};
    if (call.use_logits) {
      SoftmaxStats<A> mine;
      for (std::int64_t k = threadIdx.x; k < C; k += kBlock) mine.push(load_as<A>(xr + k));
      sm = softmax_row(block_merge(mine, xstats, merge_stats));
    }
    SoftmaxStats<double> qmine;
    for (std::int64_t k = threadIdx.x; k < C; k += kBlock) qmine.push(sord_label_arg(call, C, y, k));
    const SoftmaxRow<double> lab = softmax_row(block_merge(qmine, qstats, merge_stats));

    A terms(0);
    for (std::int64_t k = threadIdx.x; k < C; k += kBlock)
      terms = terms + sord_term(call, sm, sord_label<A>(lab, sord_label_arg(call, C, y, k)), load_as<A>(xr + k));
    terms = block_merge(terms, buf, Sum<A>{});
    if (t.grad)
      for (std::int64_t k = threadIdx.x; k < C; k += kBlock)
        store_to(static_cast<T*>(t.grad) + row * C + k,
                 sord_grad(call, sm, sord_label<A>(lab, sord_label_arg(call, C, y, k)), load_as<A>(xr + k), g_base));
    if (threadIdx.x == 0) {
      const A l = in_base(call, A(-terms));
      if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, l);
      if (p.reduce) static_cast<A*>(w.row_loss)[row] = l;
    }
    __syncthreads();
  }
}

}  // namespace lossoracle::cuda::kernels

namespace lossoracle::cuda::launch {

cudaError_t sord_rows(Storage s, const RowProblem& p, const OrdinalParams& params, const RowTensors& t,
                      const Workspace& w, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    kernels::sord_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(
        OrdinalCall{params.alpha, params.use_logits, params.ln_base, params.distance}, p, t, w);
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
