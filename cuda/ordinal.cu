// The ordinal family's kernels (cuda/ordinal.cuh's per-class core), one
// block per row, nothing atomic but the error word; cuda/ordinal_host.cpp
// runs the same orders on the CPU.
// sord: classes strided over the threads. Pass 1 merges the logits' softmax
// statistics and the soft labels' (binary64) by kernels.cuh's fixed tree;
// pass 2 sums the terms q_c log p_c by the same tree; pass 3 writes the
// gradient, each class read and written by one thread only (the gradient
// may overwrite x).
// oll: as sord for the statistics (plus the first class at the maximum and,
// where the others' sum is tiny, their own statistics) and the loss; the
// gradient's sums over the other classes visit the classes in tiles of
// kBlock (scan.cuh's block scans and carries).
// acc_loss, slace_prox: slace's kernel (cuda/slace.cu) over the groups of
// cuda/ordinal.cuh's OrdinalGroups, with their labels and no epsilon.
#include "cuda/launch_rows.cuh"
#include "cuda/ordinal.cuh"
#include "cuda/ordinal_launch.hpp"
#include "cuda/scan.cuh"

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
  auto merge_stats = [](const auto& a, const auto& b) { return std::decay_t<decltype(a)>::merge(a, b); };

  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* xr = x + row * C;
    const std::int64_t y = t.target[row];
    if (bad_target_row<T>(row, y, p, t, w)) continue;
    const A g_base = in_base(call, A(row_cotangent<T>(row, p, t) / divisor));

    SoftmaxRow<A> sm{};
    if (call.use_logits) sm = softmax_row(block_row_stats(xr, C, xstats));
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
    store_row_loss<T>(row, in_base(call, A(-terms)), p, t, w);
    __syncthreads();
  }
}


template <class T>
__global__ void __launch_bounds__(kBlock)
    oll_kernel(OrdinalCall call, launch::RowProblem p, launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  static_assert(sizeof(SoftmaxStats<A>) >= sizeof(std::int64_t), "the index buffer shares the statistics' memory");
  __shared__ __align__(16) unsigned char stats_raw[kBlock * sizeof(SoftmaxStats<A>)];
  SoftmaxStats<A>* stats = reinterpret_cast<SoftmaxStats<A>*>(stats_raw);
  std::int64_t* index_buf = reinterpret_cast<std::int64_t*>(stats_raw);
  __shared__ A buf[kBlock];
  extern __shared__ __align__(16) unsigned char carries_raw[];
  const std::int64_t C = p.classes, tiles = (C + kBlock - 1) / kBlock;
  A* v_before = reinterpret_cast<A*>(carries_raw);
  A* v_after = v_before + tiles;
  const T* x = static_cast<const T*>(t.x);
  const A divisor = A(p.divisor);
  auto merge_stats = [](const SoftmaxStats<A>& a, const SoftmaxStats<A>& b) { return SoftmaxStats<A>::merge(a, b); };

  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* xr = x + row * C;
    const std::int64_t y = t.target[row];
    if (bad_target_row<T>(row, y, p, t, w)) continue;
    const A g_base = in_base(call, A(row_cotangent<T>(row, p, t) / divisor));

    OllRow<A> r{};
    if (call.use_logits) {
      const SoftmaxStats<A> all = block_row_stats(xr, C, stats);
      std::int64_t first = C;
      for (std::int64_t k = threadIdx.x; k < C && first == C; k += kBlock)
        if (load_as<A>(xr + k) == all.max) first = k;
      const std::int64_t top =
          block_merge(first, index_buf, [](std::int64_t a, std::int64_t b) { return a < b ? a : b; });
      SoftmaxStats<A> others;
      if (oll_needs_others(all)) {
        SoftmaxStats<A> o;
        for (std::int64_t k = threadIdx.x; k < C; k += kBlock)
          if (k != top) o.push(load_as<A>(xr + k));
        others = block_merge(o, stats, merge_stats);
      }
      r = oll_row(all, top, others);
    }

    A terms(0);
    for (std::int64_t k = threadIdx.x; k < C; k += kBlock)
      terms = terms + oll_term(oll_weight(call, C, y, k), oll_log_complement(call.use_logits, r, k, load_as<A>(xr + k)));
    terms = block_merge(terms, buf, Sum<A>{});

    if (t.grad && !call.use_logits) {
      for (std::int64_t k = threadIdx.x; k < C; k += kBlock)
        store_to(static_cast<T*>(t.grad) + row * C + k,
                 oll_grad_probability(load_as<A>(xr + k), oll_weight(call, C, y, k), g_base));
    } else if (t.grad) {
      // Each tile's sum of v, then the carries; every class is read before
      // any is written, after which each class is read and written by its
      // own thread only (the gradient may overwrite x).
      auto v_at = [&](std::int64_t k) { return k < C ? oll_v(r, k, load_as<A>(xr + k), oll_weight(call, C, y, k)) : A(0); };
      tile_carries(tiles, buf, v_before, v_after, v_at);
      const double w_top = r.top < C ? oll_weight(call, C, y, r.top) : 0.0;
      for (std::int64_t tile = 0; tile < tiles; ++tile) {
        const std::int64_t k = tile * kBlock + threadIdx.x;
        const A v = v_at(k);
        A pre_excl, suf_excl;
        block_scan<A, false>(v, buf, pre_excl);
        block_scan<A, true>(v, buf, suf_excl);
        if (k < C) {
          const A others = (v_before[tile] + pre_excl) + (v_after[tile] + suf_excl);
          store_to(static_cast<T*>(t.grad) + row * C + k,
                   oll_grad_logit(r, k, load_as<A>(xr + k), oll_weight(call, C, y, k), w_top, others, g_base));
        }
      }
    }
    store_row_loss<T>(row, in_base(call, A(-terms)), p, t, w);
    __syncthreads();
  }
}

template <class T>
__global__ void __launch_bounds__(kBlock)
    accumulating_kernel(OrdinalCall call, launch::RowProblem p, launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  __shared__ __align__(16) unsigned char stats_raw[kBlock * sizeof(SoftmaxStats<A>)];
  SoftmaxStats<A>* stats = reinterpret_cast<SoftmaxStats<A>*>(stats_raw);
  __shared__ A buf[kBlock];
  extern __shared__ __align__(16) unsigned char carries_raw[];
  const std::int64_t C = p.classes;
  const std::int64_t max_tiles = (C + kBlock - 1) / kBlock;
  A* carries = reinterpret_cast<A*>(carries_raw);
  const T* x = static_cast<const T*>(t.x);
  const A divisor = A(p.divisor);
  const SlaceCall<A> terms_call = accumulating_terms_call<A>(call.use_logits);

  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* xr = x + row * C;
    const std::int64_t y = t.target[row];
    if (bad_target_row<T>(row, y, p, t, w)) continue;
    const OrdinalGroups G = ordinal_groups(call, C, y);
    const A s = in_base(call, A(row_cotangent<T>(row, p, t) / divisor));

    SoftmaxRow<A> sm{};
    if (call.use_logits) sm = softmax_row(block_row_stats(xr, C, stats));
    auto p_at = [&](std::int64_t k) { return call.use_logits ? sm.p(load_as<A>(xr + k)) : load_as<A>(xr + k); };
    auto mass = [&](std::int64_t h) {
      A m(0);
      for (std::int64_t i = 0; i < G.size(h); ++i) m = m + p_at(G.member(h, i));
      return m;
    };
    const std::int64_t H = G.count();

    // A group's classes are read and written by the thread holding it only
    // (the gradient may overwrite x).
    const A terms = grouped_row<A>(
        H, max_tiles, buf, carries, mass,
        [&](std::int64_t h, A acc, A tail) {
          return slace_group_terms(terms_call, static_cast<int>(G.size(h)), ordinal_group_label<A>(call, C, y, h),
                                   acc, tail, s);
        },
        [&](std::int64_t h, A right, A left) {
          if (!t.grad) return;
          for (std::int64_t i = 0; i < G.size(h); ++i) {
            const std::int64_t k = G.member(h, i);
            store_to(static_cast<T*>(t.grad) + row * C + k, slace_grad(terms_call, sm, load_as<A>(xr + k), right, left));
          }
        });
    store_row_loss<T>(row, in_base(call, A(-terms)), p, t, w);
    __syncthreads();
  }
}

}  // namespace lossoracle::cuda::kernels

namespace lossoracle::cuda::launch {

namespace {

OrdinalCall ordinal_call(const OrdinalParams& params) {
  OrdinalCall c{params.alpha, params.use_logits, params.ln_base, params.distance};
  c.groups = params.groups;
  c.labels = params.labels;
  return c;
}

// A kernel with `per_tile` values of A per tile of kBlock classes in dynamic shared memory.
template <class Kernel>
cudaError_t launch_tiled(Kernel kernel, std::size_t value_bytes, int per_tile, const RowProblem& p,
                         const OrdinalParams& params, const RowTensors& t, const Workspace& w, cudaStream_t stream) {
  const std::int64_t tiles = (p.classes + kernels::kBlock - 1) / kernels::kBlock;
  const std::size_t bytes = static_cast<std::size_t>(per_tile * tiles) * value_bytes;
  if (bytes > 48 * 1024) {
    const cudaError_t e =
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
    if (e != cudaSuccess) return e;
  }
  kernel<<<kernels::grid_for(p.rows), kernels::kBlock, bytes, stream>>>(ordinal_call(params), p, t, w);
  return cudaGetLastError();
}

}  // namespace

cudaError_t oll_rows(Storage s, const RowProblem& p, const OrdinalParams& params, const RowTensors& t,
                     const Workspace& w, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    return launch_tiled(&kernels::oll_kernel<T>, sizeof(acc_t<T>), 2, p, params, t, w, stream);
  });
}

cudaError_t accumulating_rows(Storage s, const RowProblem& p, const OrdinalParams& params, const RowTensors& t,
                              const Workspace& w, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    return launch_tiled(&kernels::accumulating_kernel<T>, sizeof(acc_t<T>), 4, p, params, t, w, stream);
  });
}

cudaError_t sord_rows(Storage s, const RowProblem& p, const OrdinalParams& params, const RowTensors& t,
                      const Workspace& w, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    kernels::sord_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(
        ordinal_call(params), p, t, w);
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
