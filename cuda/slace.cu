// slace kernel (cuda/slace.cuh's per-group core): one block per row. Pass 1
// takes the row's softmax statistics (strided classes, kernels.cuh's tree);
// then the row's groups h = |k - y| are visited in tiles of kBlock, thread i
// holding group tile * kBlock + i: phase A sums each tile's masses and soft
// labels, phase B forms acc_h and tail_h (tile carry plus a Hillis-Steele
// scan, fixed order) and the loss and backward sums, phase C the gradient.
// The tiles' carries live in dynamic shared memory (4 per tile), so rows of
// any length run with O(C / kBlock) shared memory; nothing is atomic but the
// error word. cuda/slace_host.cpp runs the same order on the CPU.
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
  A* mass_before = reinterpret_cast<A*>(carries_raw);
  A* mass_after = mass_before + max_tiles;
  A* left_before = mass_after + max_tiles;
  A* right_after = left_before + max_tiles;

  const T* x = static_cast<const T*>(t.x);
  const T* weight = static_cast<const T*>(t.weight);
  const A divisor = A(p.divisor);
  const A nan = quiet_nan<A>();

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
    const SlaceGroups G = slace_groups(C, y);
    const A w_y = weight ? load_as<A>(weight + y) : A(1);
    const A g = t.grad_output ? load_as<A>(static_cast<const T*>(t.grad_output) + (p.grad_output_per_row ? row : 0))
                              : A(1);
    const A s_w = (g / divisor) * w_y;

    SoftmaxRow<A> sm{};
    if (call.use_logits) {
      SoftmaxStats<A> mine;
      for (std::int64_t k = threadIdx.x; k < C; k += kBlock) mine.push(load_as<A>(xr + k));
      sm = softmax_row(block_merge(mine, stats, [](const SoftmaxStats<A>& a, const SoftmaxStats<A>& b) {
        return SoftmaxStats<A>::merge(a, b);
      }));
    }
    auto p_at = [&](std::int64_t k) { return call.use_logits ? sm.p(load_as<A>(xr + k)) : load_as<A>(xr + k); };
    auto mass = [&](std::int64_t h) {
      if (h >= G.H) return A(0);
      const std::int64_t lo = G.lo(h), hi = G.hi(h);
      return (lo >= 0 ? p_at(lo) : A(0)) + (hi >= 0 ? p_at(hi) : A(0));
    };
    const std::int64_t H = G.count(), T_ = (H + kBlock - 1) / kBlock;

    // Phase A: tile masses and Z.
    A Z(0);
    for (std::int64_t tile = 0; tile < T_; ++tile) {
      const std::int64_t h = tile * kBlock + threadIdx.x;
      const A m = block_merge(mass(h), buf, Sum<A>{});
      const A z = block_merge(h < H ? A(G.size(h)) * slace_label(call, G, h) : A(0), buf, Sum<A>{});
      Z = Z + z;
      if (threadIdx.x == 0) mass_before[tile] = m;  // the tile's mass until the carries below
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      // Exclusive carries in the host build's order (carry_before / carry_after).
      for (std::int64_t tile = T_; tile-- > 0;) mass_after[tile] = tile + 1 < T_ ? mass_after[tile + 1] + mass_before[tile + 1] : A(0);
      A run(0);
      for (std::int64_t tile = 0; tile < T_; ++tile) {
        const A m = mass_before[tile];
        mass_before[tile] = run;
        run = run + m;
      }
    }
    __syncthreads();

    auto terms_of = [&](std::int64_t tile) {
      const std::int64_t h = tile * kBlock + threadIdx.x;
      const A m = mass(h);
      A pre_excl, suf_excl;
      const A pre = block_scan<A, false>(m, buf, pre_excl);
      block_scan<A, true>(m, buf, suf_excl);
      if (h >= H) return SlaceGroupTerms<A>{A(0), A(0), A(0)};
      const A acc = mass_before[tile] + pre;
      const A tail = mass_after[tile] + suf_excl;
      return slace_group_terms(call, G.size(h), slace_label(call, G, h) / Z, acc, tail, s_w);
    };

    // Phase B: the loss and the tiles' backward sums.
    A terms(0);
    for (std::int64_t tile = 0; tile < T_; ++tile) {
      const SlaceGroupTerms<A> tt = terms_of(tile);
      terms = terms + block_merge(tt.loss_term, buf, Sum<A>{});
      const A l = block_merge(tt.left, buf, Sum<A>{});
      const A r = block_merge(tt.right, buf, Sum<A>{});
      if (threadIdx.x == 0) {
        left_before[tile] = l;
        right_after[tile] = r;
      }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      carry_before(left_before, T_);
      carry_after(right_after, T_);
    }
    __syncthreads();

    // Phase C: the gradient. After pass 1 a class is read only by the thread
    // holding its group, which writes it last: the gradient may overwrite x.
    for (std::int64_t tile = 0; tile < T_; ++tile) {
      const std::int64_t h = tile * kBlock + threadIdx.x;
      const SlaceGroupTerms<A> tt = terms_of(tile);
      A left_excl, right_excl;
      block_scan<A, false>(tt.left, buf, left_excl);
      const A right_incl = block_scan<A, true>(tt.right, buf, right_excl);
      if (h < H && t.grad) {
        const A left = left_before[tile] + left_excl;
        const A right = right_after[tile] + right_incl;
        const std::int64_t lo = G.lo(h), hi = G.hi(h);
        const A glo = lo >= 0 ? slace_grad(call, sm, load_as<A>(xr + lo), right, left) : A(0);
        const A ghi = hi >= 0 ? slace_grad(call, sm, load_as<A>(xr + hi), right, left) : A(0);
        if (lo >= 0) store_to(static_cast<T*>(t.grad) + row * C + lo, glo);
        if (hi >= 0) store_to(static_cast<T*>(t.grad) + row * C + hi, ghi);
      }
    }
    if (threadIdx.x == 0) {
      const A l = slace_row_loss(terms, w_y);
      if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, l);
      if (p.reduce) static_cast<A*>(w.row_loss)[row] = l;
    }
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
