// The misclass kernels (cuda/cost_matrix.cuh): misclass_a and
// misclass_b_as_published elementwise; misclass_b one block per row (two
// merged row passes, then each element); misclass_a_logits one block per row,
// softmax's SoftmaxOutRow pass over the cotangents s D[y, c] (strided
// partial states, kernels.cuh's fixed tree), then each element.
// cuda/cost_matrix_host.cpp runs the same order on the CPU.
#include "cuda/cost_matrix.cuh"
#include "cuda/cost_matrix_launch.hpp"
#include "cuda/launch_rows.cuh"
#include "cuda/problem.hpp"

namespace lossoracle::cuda::kernels {

// The row's cost row, or null for a target outside [-C, C) (flagged).
template <class T>
__device__ const T* cost_row_of(const launch::RowProblem& p, const launch::RowTensors& t, const launch::Workspace& w,
                                std::int64_t row) {
  const std::int64_t y = t.target[row];
  if (y < -p.classes || y >= p.classes) {
    atomicMin(w.error, static_cast<unsigned long long>(row));
    return nullptr;
  }
  return static_cast<const T*>(t.aux) + cost_row(y, p.classes) * p.classes;
}

template <class T>
__device__ acc_t<T> element_cotangent(const launch::RowProblem& p, const launch::RowTensors& t, std::int64_t k) {
  using A = acc_t<T>;
  const A g = t.grad_output ? load_as<A>(static_cast<const T*>(t.grad_output) + (p.grad_output_per_row ? k : 0)) : A(1);
  return g / A(p.divisor);
}

template <class T, class A>
__device__ void store_element(const launch::RowProblem& p, const launch::RowTensors& t, const launch::Workspace& w,
                              std::int64_t k, A loss, A grad) {
  if (t.per_position) store_to(static_cast<T*>(t.per_position) + k, loss);
  if (p.reduce) static_cast<A*>(w.row_loss)[k] = loss;
  if (t.grad) store_to(static_cast<T*>(t.grad) + k, grad);
}

template <class T>
__global__ void misclass_elements_kernel(launch::RowProblem p, double clamp_min, launch::RowTensors t,
                                         launch::Workspace w) {
  using A = acc_t<T>;
  const std::int64_t n = p.rows * p.classes;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const T* x = static_cast<const T*>(t.x);
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < n; k += stride) {
    const std::int64_t row = k / p.classes, c = k % p.classes;
    const T* d = cost_row_of<T>(p, t, w, row);
    if (!d) {
      store_element<T>(p, t, w, k, quiet_nan<A>(), quiet_nan<A>());
      continue;
    }
    const A s = element_cotangent<T>(p, t, k);
    const CostElement<A> e = p.kind == static_cast<int>(Kind::misclass_a)
                                 ? misclass_a_element(load_as<A>(d + c), load_as<A>(x + k), s)
                                 : misclass_b_published_element(load_as<A>(d + c), load_as<A>(x + k), s, clamp_min);
    store_element<T>(p, t, w, k, e.loss, e.grad);
  }
}

template <class T>
__global__ void __launch_bounds__(kBlock) misclass_logits_kernel(launch::RowProblem p, launch::RowTensors t,
                                                                 launch::Workspace w) {
  using A = acc_t<T>;
  using Row = SoftmaxOutRow<A>;
  using State = typename Row::State;
  __shared__ __align__(16) unsigned char states_raw[kBlock * sizeof(State)];
  State* states = reinterpret_cast<State*>(states_raw);
  const T* x = static_cast<const T*>(t.x);
  const std::int64_t C = p.classes;
  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const std::int64_t base = row * C;
    const std::int64_t y = t.target[row];
    if (y < -C || y >= C) {  // never clamped: flagged, and the row is NaN
      if (threadIdx.x == 0) atomicMin(w.error, static_cast<unsigned long long>(row));
      for (std::int64_t c = threadIdx.x; c < C; c += kBlock) store_element<T>(p, t, w, base + c, quiet_nan<A>(), quiet_nan<A>());
      continue;
    }
    const T* d = static_cast<const T*>(t.aux) + cost_row(y, C) * C;
    RowInputs<A> in;
    in.aux_ref = C > 0 ? element_cotangent<T>(p, t, base) * load_as<A>(d) : A(0);
    State state = Row::initial(in);
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock)
      Row::push(state, load_as<A>(x + base + c), element_cotangent<T>(p, t, base + c) * load_as<A>(d + c), A(1));
    state = block_merge(state, states, [](const State& a, const State& b) { return State::merge(a, b); });
    const auto consts = Row::finish(state, in);
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) {
      const A dc = load_as<A>(d + c);
      const ElementOut<A> o =
          Row::element(consts, false, load_as<A>(x + base + c), element_cotangent<T>(p, t, base + c) * dc, A(1));
      store_element<T>(p, t, w, base + c, dc * o.value, o.grad);
    }
  }
}

// misclass_b, one block per row: pass 1 the softmax statistics, pass 2 the
// row's sums (cuda/cost_matrix.cuh's MisclassBSums), each merged by the
// fixed tree; then each element. Class c is read in every pass by the
// thread that writes its outputs, so the gradient may overwrite x.
template <class T>
__global__ void __launch_bounds__(kBlock) misclass_b_kernel(launch::RowProblem p, launch::RowTensors t,
                                                            launch::Workspace w) {
  using A = acc_t<T>;
  __shared__ __align__(16) unsigned char sums_raw[kBlock * sizeof(MisclassBSums<A>)];
  MisclassBSums<A>* sums = reinterpret_cast<MisclassBSums<A>*>(sums_raw);
  SoftmaxStats<A>* stats = reinterpret_cast<SoftmaxStats<A>*>(sums_raw);  // pass 1's tree, done before pass 2's
  const T* x = static_cast<const T*>(t.x);
  const std::int64_t C = p.classes;
  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const std::int64_t base = row * C;
    const std::int64_t y = t.target[row];
    if (y < -C || y >= C) {  // never clamped: flagged, and the row is NaN
      if (threadIdx.x == 0) atomicMin(w.error, static_cast<unsigned long long>(row));
      for (std::int64_t c = threadIdx.x; c < C; c += kBlock) store_element<T>(p, t, w, base + c, quiet_nan<A>(), quiet_nan<A>());
      continue;
    }
    const T* d = static_cast<const T*>(t.aux) + cost_row(y, C) * C;
    SoftmaxStats<A> mine;
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) mine.push(load_as<A>(x + base + c));
    const SoftmaxStats<A> st =
        block_merge(mine, stats, [](const SoftmaxStats<A>& a, const SoftmaxStats<A>& b) { return SoftmaxStats<A>::merge(a, b); });
    MisclassBSums<A> part;
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock)
      part.push(st, load_as<A>(x + base + c), element_cotangent<T>(p, t, base + c) * load_as<A>(d + c));
    const MisclassBSums<A> s = block_merge(part, sums, [](const MisclassBSums<A>& a, const MisclassBSums<A>& b) {
      return MisclassBSums<A>::merge(a, b);
    });
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) {
      const A dc = load_as<A>(d + c);
      const CostElement<A> e = misclass_b_element(st, s, load_as<A>(x + base + c), dc, element_cotangent<T>(p, t, base + c) * dc);
      store_element<T>(p, t, w, base + c, e.loss, e.grad);
    }
  }
}

// per_pair_weighted_ce, one block per row: pass 1 the softmax statistics;
// then thread i (strided) forms M_i and d/dt_i, and its share of the loss;
// thread j forms G_j, its share of sum G; the tree merges both; then d/dx_j
// (G_j formed again: O(C^2) work per row, O(1) state per thread). A class's
// x_j is read after pass 1 only by the thread writing its gradient.
template <class T>
__global__ void __launch_bounds__(kBlock) per_pair_kernel(launch::RowProblem p, launch::RowTensors t,
                                                          launch::Workspace w) {
  using A = acc_t<T>;
  __shared__ __align__(16) unsigned char stats_raw[kBlock * sizeof(SoftmaxStats<A>)];
  SoftmaxStats<A>* stats = reinterpret_cast<SoftmaxStats<A>*>(stats_raw);
  __shared__ A sums[kBlock];
  const std::int64_t C = p.classes;
  auto load = [](const T* v) { return load_as<A>(v); };
  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* x = static_cast<const T*>(t.x) + row * C;
    const T* tr = static_cast<const T*>(t.aux) + row * C;
    const T* D = static_cast<const T*>(t.weight);
    const A g = t.grad_output ? load_as<A>(static_cast<const T*>(t.grad_output) + (p.grad_output_per_row ? row : 0)) : A(1);
    const A neg_s = -(g / A(p.divisor));
    SoftmaxStats<A> mine;
    for (std::int64_t j = threadIdx.x; j < C; j += kBlock) mine.push(load_as<A>(x + j));
    const SoftmaxRow<A> sm = softmax_row(block_merge(mine, stats, [](const SoftmaxStats<A>& a, const SoftmaxStats<A>& b) {
      return SoftmaxStats<A>::merge(a, b);
    }));
    A loss_part(0), g_part(0);
    for (std::int64_t i = threadIdx.x; i < C; i += kBlock) {
      const A M = per_pair_m_with<A>(sm, x, D + i * C, C, load);
      if (t.grad_target) store_to(static_cast<T*>(t.grad_target) + row * C + i, neg_s * M);
      loss_part += load_as<A>(tr + i) * M;
    }
    for (std::int64_t j = threadIdx.x; j < C; j += kBlock) g_part += per_pair_g_with<A>(tr, D + j, C, neg_s, load);
    const A loss_sum = block_merge(loss_part, sums, Sum<A>{});
    const A G_sum = block_merge(g_part, sums, Sum<A>{});
    if (t.grad)
      for (std::int64_t j = threadIdx.x; j < C; j += kBlock) {
        const A G = per_pair_g_with<A>(tr, D + j, C, neg_s, load);
        store_to(static_cast<T*>(t.grad) + row * C + j, per_pair_grad(sm, load_as<A>(x + j), G, G_sum));
      }
    if (threadIdx.x == 0) {
      if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, -loss_sum);
      if (p.reduce) static_cast<A*>(w.row_loss)[row] = -loss_sum;
    }
  }
}

}  // namespace lossoracle::cuda::kernels

namespace lossoracle::cuda::launch {

cudaError_t misclass(Storage s, const RowProblem& p, double clamp_min, const RowTensors& t, const Workspace& w,
                     cudaStream_t stream) {
  if (p.rows == 0 || p.classes == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    if (p.kind == static_cast<int>(Kind::misclass_a_logits)) {
      kernels::misclass_logits_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(p, t, w);
    } else if (p.kind == static_cast<int>(Kind::misclass_b)) {
      kernels::misclass_b_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(p, t, w);
    } else {
      const std::int64_t n = p.rows * p.classes;
      const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((n + 255) / 256, 65535 * 16));
      kernels::misclass_elements_kernel<T><<<blocks, 256, 0, stream>>>(p, clamp_min, t, w);
    }
    return cudaGetLastError();
  });
}

cudaError_t per_pair_weighted_ce(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w,
                                 cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    kernels::per_pair_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(p, t, w);
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
