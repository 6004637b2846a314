// Fixed-order scans for the kernels that visit a row's classes or groups in
// tiles of kBlock (cuda/slace.cu, cuda/ordinal.cu): a Hillis-Steele scan
// inside a tile and exclusive carries across tiles, so that the sums do not
// depend on scheduling. cuda/host_scan.hpp runs the same order on the CPU.
#pragma once

#include "cuda/kernels.cuh"

namespace lossoracle::cuda::kernels {

// Inclusive prefix (suffix) sum over the block, Hillis-Steele: log2(kBlock)
// steps in a fixed order. excl: the exclusive sum (buf's neighbour).
template <class A, bool SUFFIX>
__device__ A block_scan(A v, A* buf, A& excl) {
  const int i = threadIdx.x;
  buf[i] = v;
  __syncthreads();
  for (int d = 1; d < kBlock; d <<= 1) {
    const bool has = SUFFIX ? i + d < kBlock : i >= d;
    const A other = has ? buf[SUFFIX ? i + d : i - d] : A(0);
    __syncthreads();
    if (has) v = SUFFIX ? v + other : other + v;
    buf[i] = v;
    __syncthreads();
  }
  excl = SUFFIX ? (i + 1 < kBlock ? buf[i + 1] : A(0)) : (i > 0 ? buf[i - 1] : A(0));
  __syncthreads();
  return v;
}

// In place, by one thread: v[t] becomes the sum of v[0..t) (left to right) ...
template <class A>
__device__ void carry_before(A* v, std::int64_t tiles) {
  A run(0);
  for (std::int64_t t = 0; t < tiles; ++t) {
    const A m = v[t];
    v[t] = run;
    run = run + m;
  }
}
// ... or of v(t..tiles) (right to left).
template <class A>
__device__ void carry_after(A* v, std::int64_t tiles) {
  A run(0);
  for (std::int64_t t = tiles; t-- > 0;) {
    const A m = v[t];
    v[t] = run;
    run = run + m;
  }
}

// Each tile's total of value(tile * kBlock + thread) by the fixed tree, then
// before[t] = the totals of the tiles before t, after[t] = of those after
// it (carry_before / carry_after).
template <class A, class Value>
__device__ void tile_carries(std::int64_t tiles, A* buf, A* before, A* after, Value value) {
  for (std::int64_t tile = 0; tile < tiles; ++tile) {
    const A total = block_merge(value(tile * kBlock + threadIdx.x), buf, Sum<A>{});
    if (threadIdx.x == 0) before[tile] = after[tile] = total;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    carry_before(before, tiles);
    carry_after(after, tiles);
  }
  __syncthreads();
}

// A row whose classes fall in H groups ordered by distance to the target
// (slace, acc_loss, slace_prox), thread i holding group tile * kBlock + i.
// Phase A: each tile's mass (`mass(h)`) and the tiles' carries. Phase B:
// acc_h (the mass up to and including h) and tail_h (after h) by carry plus
// scan, each group's terms `terms(h, acc_h, tail_h)` (a SlaceGroupTerms),
// the loss terms' sum and the tiles' backward sums. Phase C: `grad(h, right,
// left)`, right the right terms from h on, left the left terms before h.
// carries: 4 * max_tiles values in shared memory; returns the loss terms'
// sum (every thread). cuda/host_scan.hpp's grouped_row is its CPU mirror.
template <class A, class Mass, class Terms, class Grad>
__device__ A grouped_row(std::int64_t H, std::int64_t max_tiles, A* buf, A* carries, Mass mass, Terms terms,
                         Grad grad) {
  A* mass_before = carries;
  A* mass_after = mass_before + max_tiles;
  A* left_before = mass_after + max_tiles;
  A* right_after = left_before + max_tiles;
  const std::int64_t tiles = (H + kBlock - 1) / kBlock;
  auto mass_at = [&](std::int64_t h) { return h < H ? mass(h) : A(0); };

  tile_carries(tiles, buf, mass_before, mass_after, mass_at);

  using Terms_ = decltype(terms(std::int64_t(0), A(0), A(0)));
  auto terms_of = [&](std::int64_t tile) {
    const std::int64_t h = tile * kBlock + threadIdx.x;
    const A m = mass_at(h);
    A pre_excl, suf_excl;
    const A pre = block_scan<A, false>(m, buf, pre_excl);
    block_scan<A, true>(m, buf, suf_excl);
    if (h >= H) return Terms_{A(0), A(0), A(0)};
    return terms(h, mass_before[tile] + pre, mass_after[tile] + suf_excl);
  };

  A loss_terms(0);
  for (std::int64_t tile = 0; tile < tiles; ++tile) {
    const Terms_ tt = terms_of(tile);
    loss_terms = loss_terms + block_merge(tt.loss_term, buf, Sum<A>{});
    const A l = block_merge(tt.left, buf, Sum<A>{});
    const A r = block_merge(tt.right, buf, Sum<A>{});
    if (threadIdx.x == 0) {
      left_before[tile] = l;
      right_after[tile] = r;
    }
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    carry_before(left_before, tiles);
    carry_after(right_after, tiles);
  }
  __syncthreads();

  for (std::int64_t tile = 0; tile < tiles; ++tile) {
    const std::int64_t h = tile * kBlock + threadIdx.x;
    const Terms_ tt = terms_of(tile);
    A left_excl, right_excl;
    block_scan<A, false>(tt.left, buf, left_excl);
    const A right_incl = block_scan<A, true>(tt.right, buf, right_excl);
    if (h < H) grad(h, right_after[tile] + right_incl, left_before[tile] + left_excl);
  }
  return loss_terms;
}

}  // namespace lossoracle::cuda::kernels
