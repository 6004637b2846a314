// The CUDA tier's kernel templates (device code; included by the per-family
// .cu files). Every row kernel runs a row policy of cuda/*.cuh, the same
// code the host build runs in CI:
//   one block per position; pass 1 pushes each thread's strided classes into
//   a partial state, merged by a fixed tree in shared memory (deterministic:
//   no atomics, the same order on every run); finish; pass 2 writes outputs.
// When the row fits in shared memory (CACHE), pass 1 keeps it there and the
// logits are read from global memory once; otherwise pass 2 reads them again.
// Offsets are 64-bit throughout: N C may exceed 2^31.
#pragma once

#include <cstdint>

#include "cuda/cross_entropy.cuh"
#include "cuda/launch.hpp"
#include "cuda/storage.cuh"

namespace lossoracle::cuda::kernels {

constexpr int kBlock = 512;

// Fixed-order tree over one value per thread; every thread gets the result.
template <class V, class Merge>
__device__ V block_merge(V mine, V* buf, Merge merge) {
  buf[threadIdx.x] = mine;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) buf[threadIdx.x] = merge(buf[threadIdx.x], buf[threadIdx.x + s]);
    __syncthreads();
  }
  const V out = buf[0];
  __syncthreads();
  return out;
}

template <class A>
struct Sum {
  __device__ A operator()(A a, A b) const { return a + b; }
};

// For the one-block-per-row kernels with a class index per row (slace, the
// ordinal family): a target outside [0, C) is reported through the error
// word (the smallest row wins) and makes the row NaN, never clamped; true
// when it did.
template <class T>
__device__ bool bad_target_row(std::int64_t row, std::int64_t y, const launch::RowProblem& p,
                               const launch::RowTensors& t, const launch::Workspace& w) {
  using A = acc_t<T>;
  if (y >= 0 && y < p.classes) return false;
  const A nan = quiet_nan<A>();
  if (threadIdx.x == 0) {
    atomicMin(w.error, static_cast<unsigned long long>(row));
    if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, nan);
    if (p.reduce) static_cast<A*>(w.row_loss)[row] = nan;
  }
  if (t.grad)
    for (std::int64_t k = threadIdx.x; k < p.classes; k += kBlock)
      store_to(static_cast<T*>(t.grad) + row * p.classes + k, nan);
  return true;
}

// The row's cotangent: grad_output's (per row or one for all), else 1.
template <class T>
__device__ acc_t<T> row_cotangent(std::int64_t row, const launch::RowProblem& p, const launch::RowTensors& t) {
  using A = acc_t<T>;
  return t.grad_output ? load_as<A>(static_cast<const T*>(t.grad_output) + (p.grad_output_per_row ? row : 0)) : A(1);
}

// The row's loss, by thread 0: to per_position and, when reduced, the workspace.
template <class T>
__device__ void store_row_loss(std::int64_t row, acc_t<T> l, const launch::RowProblem& p, const launch::RowTensors& t,
                               const launch::Workspace& w) {
  if (threadIdx.x != 0) return;
  if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, l);
  if (p.reduce) static_cast<acc_t<T>*>(w.row_loss)[row] = l;
}

// The softmax statistics of one contiguous row of C values: strided over
// the block, merged by the fixed tree (buf: kBlock statistics).
template <class T, class A>
__device__ SoftmaxStats<A> block_row_stats(const T* xr, std::int64_t C, SoftmaxStats<A>* buf) {
  SoftmaxStats<A> mine;
  for (std::int64_t k = threadIdx.x; k < C; k += kBlock) mine.push(load_as<A>(xr + k));
  return block_merge(mine, buf, [](const SoftmaxStats<A>& a, const SoftmaxStats<A>& b) { return SoftmaxStats<A>::merge(a, b); });
}

// Reads the row's per-call inputs (target, weight, cotangent); an
// out-of-range class index is reported through the error word (the smallest
// such position wins, so the report does not depend on scheduling) and
// makes the row NaN: never clamped.
template <class T, class A>
__device__ RowInputs<A> row_inputs(const launch::RowProblem& p, const launch::RowTensors& t,
                                   const launch::Workspace& w, std::int64_t row, std::int64_t base,
                                   std::int64_t& y) {
  RowInputs<A> in;
  y = -1;
  const T* x = static_cast<const T*>(t.x);
  if (t.target) {
    const std::int64_t v = t.target[row];
    in.ignored = v == p.ignore_index;
    if (!in.ignored && (v < 0 || v >= p.classes)) {
      if (threadIdx.x == 0) atomicMin(w.error, static_cast<unsigned long long>(row));
      in.x_target = quiet_nan<A>();
    } else if (!in.ignored) {
      y = v;
      in.x_target = load_as<A>(x + base + v * p.inner);
      in.w_target = t.weight ? load_as<A>(static_cast<const T*>(t.weight) + v) : A(1);
    }
  }
  if (t.grad_output) in.g = load_as<A>(static_cast<const T*>(t.grad_output) + (p.grad_output_per_row ? row : 0));
  if (in.x_target != in.x_target) in.g = quiet_nan<A>();
  // sum_c w_c: computed by the class-index pre-pass (the only user), else C.
  in.weight_sum = t.weight && t.target ? *static_cast<const A*>(w.weight_sum) : A(static_cast<double>(p.classes));
  in.aux_ref = t.aux ? load_as<A>(static_cast<const T*>(t.aux) + base) : A(1);
  return in;
}

template <class T, class Policy, bool CACHE>
__global__ void __launch_bounds__(kBlock)
    row_kernel(Policy policy, launch::RowProblem p, launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  using State = typename Policy::State;
  // Raw storage: State has default member initialisers, which __shared__ forbids.
  __shared__ __align__(16) unsigned char states_raw[kBlock * sizeof(State)];
  State* states = reinterpret_cast<State*>(states_raw);
  __shared__ A sums[kBlock];
  extern __shared__ __align__(16) unsigned char row_cache_raw[];
  T* row_cache = reinterpret_cast<T*>(row_cache_raw);

  if (p.divisor_on_device) policy.set_divisor(*static_cast<const A*>(w.target_weight_total));
  const T* x = static_cast<const T*>(t.x);
  const T* aux = static_cast<const T*>(t.aux);
  const T* weight = static_cast<const T*>(t.weight);
  const A aux_default = A(1);
  const std::int64_t C = p.classes, inner = p.inner;

  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const std::int64_t base = (row / inner) * C * inner + row % inner;
    std::int64_t y;
    const RowInputs<A> in = row_inputs<T, A>(p, t, w, row, base, y);

    State state = policy.initial(in);
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) {
      const std::int64_t k = base + c * inner;
      const T raw = x[k];
      if (CACHE) row_cache[c] = raw;
      policy.push(state, load_as<A>(&raw), aux ? load_as<A>(aux + k) : aux_default,
                  weight ? load_as<A>(weight + c) : A(1));
    }
    state = block_merge(state, states, [](const State& a, const State& b) { return State::merge(a, b); });
    const auto consts = policy.finish(state, in);

    A terms(0);
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) {
      const std::int64_t k = base + c * inner;
      const A xv = CACHE ? load_as<A>(row_cache + c) : load_as<A>(x + k);
      const ElementOut<A> o = policy.element(consts, c == y, xv, aux ? load_as<A>(aux + k) : aux_default,
                                             weight ? load_as<A>(weight + c) : A(1));
      // The gradient may overwrite x in place: x[k] was read above by this
      // same thread, and no other thread reads it after pass 1.
      if (t.value) store_to(static_cast<T*>(t.value) + k, o.value);
      if (t.grad) store_to(static_cast<T*>(t.grad) + k, o.grad);
      if (t.grad_target) store_to(static_cast<T*>(t.grad_target) + k, o.grad_target);
      terms += o.loss_term;
    }
    terms = block_merge(terms, sums, Sum<A>{});
    if (threadIdx.x == 0) {
      const A l = policy.row_loss(consts, terms);
      if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, l);
      if (p.reduce) static_cast<A*>(w.row_loss)[row] = l;
    }
  }
}

// nll_loss: reads x[y] alone, writes the whole gradient row (zeros but at y).
template <class T>
__global__ void __launch_bounds__(kBlock)
    nll_kernel(launch::RowProblem p, launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  const std::int64_t C = p.classes, inner = p.inner;
  const A divisor = p.divisor_on_device ? *static_cast<const A*>(w.target_weight_total) : A(p.divisor);
  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const std::int64_t base = (row / inner) * C * inner + row % inner;
    std::int64_t y;
    const RowInputs<A> in = row_inputs<T, A>(p, t, w, row, base, y);
    __syncthreads();  // every thread has read x[y] before any gradient (possibly in place) is written
    const A gy = nll_target_grad(in.g, divisor, in.w_target, in.ignored);
    if (t.grad)
      for (std::int64_t c = threadIdx.x; c < C; c += kBlock)
        store_to(static_cast<T*>(t.grad) + base + c * inner, c == y ? gy : (y < 0 && !in.ignored ? in.g : A(0)));
    if (threadIdx.x == 0) {
      const A l = nll_row_loss(in.x_target, in.w_target, in.ignored);
      if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, l);
      if (p.reduce) static_cast<A*>(w.row_loss)[row] = l;
    }
    __syncthreads();
  }
}

// Per-position target weights (0 where ignored) and the class-index check.
template <class T>
__global__ void target_weight_kernel(launch::RowProblem p, launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t row = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; row < p.rows;
       row += stride) {
    const std::int64_t v = t.target[row];
    A wy(0);
    if (v != p.ignore_index) {
      if (v < 0 || v >= p.classes) {
        atomicMin(w.error, static_cast<unsigned long long>(row));
        wy = quiet_nan<A>();
      } else {
        wy = t.weight ? load_as<A>(static_cast<const T*>(t.weight) + v) : A(1);
      }
    }
    static_cast<A*>(w.row_weight)[row] = wy;
  }
}

// Deterministic sum: stage 1 gives each of launch::kPartials blocks a fixed
// contiguous slice; stage 2 (one block) sums the partials. Same order on
// every run and every device.
template <class In, class A>
__global__ void __launch_bounds__(kBlock) partial_sum_kernel(const In* v, std::int64_t n, A* partials) {
  __shared__ A sums[kBlock];
  const std::int64_t slice = (n + gridDim.x - 1) / gridDim.x;
  const std::int64_t begin = blockIdx.x * slice;
  const std::int64_t end = begin + slice < n ? begin + slice : n;
  A s(0);
  for (std::int64_t k = begin + threadIdx.x; k < end; k += kBlock) s += load_as<A>(v + k);
  s = block_merge(s, sums, Sum<A>{});
  if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

// out = sum of the partials / divisor (divisor_dev when given); stored as A
// into out_acc and, when out_store is given, rounded into T.
template <class T, class A>
__global__ void __launch_bounds__(kBlock)
    final_sum_kernel(const A* partials, int count, A divisor, const A* divisor_dev, A* out_acc, T* out_store) {
  __shared__ A sums[kBlock];
  A s(0);
  for (int k = threadIdx.x; k < count; k += kBlock) s += partials[k];
  s = block_merge(s, sums, Sum<A>{});
  if (threadIdx.x == 0) {
    const A total = divisor_dev ? s / *divisor_dev : (divisor == A(1) ? s : s / divisor);
    if (out_acc) *out_acc = total;
    if (out_store) store_to(out_store, total);
  }
}

}  // namespace lossoracle::cuda::kernels
