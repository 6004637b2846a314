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

}  // namespace lossoracle::cuda::kernels
