// The soft-label family's kernels (cuda/soft_label.cuh's row policies).
#include "cuda/launch_rows.cuh"
#include "cuda/problem.hpp"
#include "cuda/soft_label.cuh"

namespace lossoracle::cuda::kernels {

// out[n] = g[n % rest]: the cotangent of each position under a reduction
// along dimension 0 (a copy: exact in any storage type).
template <class T>
__global__ void expand_kernel(std::int64_t rows, std::int64_t rest, const T* g, T* out) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < rows; k += stride)
    out[k] = g[k % rest];
}

// out[r] = sum_{n < d0} row_loss[n rest + r] (/ d0 for mean), each output's
// sum in a fixed order by one thread.
template <class T>
__global__ void sum_dim0_kernel(std::int64_t d0, std::int64_t rest, bool mean, const acc_t<T>* row_loss, T* out) {
  using A = acc_t<T>;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t r = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; r < rest; r += stride) {
    A s(0);
    for (std::int64_t n = 0; n < d0; ++n) s += row_loss[n * rest + r];
    store_to(out + r, mean ? s / A(static_cast<double>(d0)) : s);
  }
}

// soft_label_cross_entropy_with_logits: one block per position, three
// passes over the row (k; softmax statistics and T; outputs), each merged
// by the fixed tree. Streaming: the logits are read twice, the labels three times.
template <class T>
__global__ void __launch_bounds__(kBlock)
    soft_label_logits_kernel(SoftLabelLogitsRow<acc_t<T>> policy, launch::RowProblem p, launch::RowTensors t,
                             launch::Workspace w) {
  using A = acc_t<T>;
  using Stats = typename SoftLabelLogitsRow<A>::Stats;
  __shared__ __align__(16) unsigned char stats_raw[kBlock * sizeof(Stats)];
  Stats* stats = reinterpret_cast<Stats*>(stats_raw);
  __shared__ A sums[kBlock];
  const T* x = static_cast<const T*>(t.x);
  const T* y = static_cast<const T*>(t.aux);
  const std::int64_t C = p.classes, inner = p.inner;
  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const std::int64_t base = (row / inner) * C * inner + row % inner;
    const A g = t.grad_output ? load_as<A>(static_cast<const T*>(t.grad_output) + (p.grad_output_per_row ? row : 0))
                              : A(1);
    A k(0);
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) k += policy.count(load_as<A>(y + base + c * inner));
    k = block_merge(k, sums, Sum<A>{});
    Stats st{};
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock)
      policy.push(st, k, load_as<A>(x + base + c * inner), load_as<A>(y + base + c * inner));
    st = block_merge(st, stats, [](const Stats& a, const Stats& b) { return Stats::merge(a, b); });
    const auto consts = policy.finish(st, k, g);
    A terms(0);
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) {
      const std::int64_t at = base + c * inner;
      const ElementOut<A> o = policy.element(consts, load_as<A>(x + at), load_as<A>(y + at));
      if (t.grad) store_to(static_cast<T*>(t.grad) + at, o.grad);
      if (t.grad_target) store_to(static_cast<T*>(t.grad_target) + at, o.grad_target);
      terms += o.loss_term;
    }
    terms = block_merge(terms, sums, Sum<A>{});
    if (threadIdx.x == 0) {
      if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, terms);
      if (p.reduce) static_cast<A*>(w.row_loss)[row] = terms;
    }
  }
}

// classification_mae_with_logits: one block per position, pass 1 (MaeState)
// and pass 2 (MaeSums) merged by the fixed tree, then each class. Its
// cotangent is g[pos / last] under a reduction along the last dimension
// of the positions (`along`), / last for mean. Class c is read in every
// pass by the thread that writes its gradient, so it may overwrite x.
template <class T>
__global__ void __launch_bounds__(kBlock) mae_kernel(launch::RowProblem p, std::int64_t last, bool along,
                                                     launch::RowTensors t, launch::Workspace w) {
  using A = acc_t<T>;
  __shared__ __align__(16) unsigned char buf_raw[kBlock * (sizeof(MaeState<A>) > sizeof(MaeSums<A>) ? sizeof(MaeState<A>)
                                                                                                   : sizeof(MaeSums<A>))];
  const T* x = static_cast<const T*>(t.x);
  const T* y = static_cast<const T*>(t.aux);
  const std::int64_t C = p.classes, inner = p.inner;
  for (std::int64_t row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const std::int64_t base = (row / inner) * C * inner + row % inner;
    const A g = t.grad_output ? load_as<A>(static_cast<const T*>(t.grad_output) +
                                           (p.grad_output_per_row ? row : along ? row / last : 0))
                              : A(1);
    const A s = g / A(p.divisor);
    MaeState<A> st;
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) st.push(load_as<A>(x + base + c * inner));
    st = block_merge(st, reinterpret_cast<MaeState<A>*>(buf_raw),
                     [](const MaeState<A>& a, const MaeState<A>& b) { return MaeState<A>::merge(a, b); });
    MaeSums<A> part;
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock)
      mae_push(part, mae_class(st, load_as<A>(x + base + c * inner), load_as<A>(y + base + c * inner)));
    const MaeSums<A> S = block_merge(part, reinterpret_cast<MaeSums<A>*>(buf_raw),
                                     [](const MaeSums<A>& a, const MaeSums<A>& b) { return MaeSums<A>::merge(a, b); });
    const A E = st.stats.tail + A(1);
    for (std::int64_t c = threadIdx.x; c < C; c += kBlock) {
      const std::int64_t at = base + c * inner;
      const MaeClass<A> m = mae_class(st, load_as<A>(x + at), load_as<A>(y + at));
      if (t.grad) store_to(static_cast<T*>(t.grad) + at, mae_grad(s, m.e, E, m.sign, S.plus, S.minus, S.zero));
      if (t.grad_target) store_to(static_cast<T*>(t.grad_target) + at, -(s * A(m.sign)));
    }
    if (threadIdx.x == 0) {
      if (t.per_position) store_to(static_cast<T*>(t.per_position) + row, S.loss);
      if (p.reduce) static_cast<A*>(w.row_loss)[row] = S.loss;
    }
  }
}

// out[r] = sum_{n < last} row_loss[r last + n] (/ last for mean), each
// output's sum in a fixed order by one thread.
template <class T>
__global__ void sum_last_kernel(std::int64_t outputs, std::int64_t last, bool mean, const acc_t<T>* row_loss, T* out) {
  using A = acc_t<T>;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t r = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; r < outputs; r += stride) {
    A s(0);
    for (std::int64_t n = 0; n < last; ++n) s += row_loss[r * last + n];
    store_to(out + r, mean ? s / A(static_cast<double>(last)) : s);
  }
}

}  // namespace lossoracle::cuda::kernels

namespace lossoracle::cuda::launch {

cudaError_t soft_label_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, double alpha,
                            cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    if (p.kind == static_cast<int>(Kind::soft_label_logits)) {
      SoftLabelLogitsRow<A> policy;
      policy.alpha = A(alpha);
      policy.spread = policy.alpha / A(static_cast<double>(p.classes));
      policy.divisor = A(p.divisor);
      if (p.rows > 0)
        kernels::soft_label_logits_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(policy, p, t, w);
      return cudaGetLastError();
    }
    if (p.kind == static_cast<int>(Kind::soft_label_probs)) {
      SoftLabelProbsRow<A> policy;
      policy.alpha = A(alpha);
      policy.spread = policy.alpha / A(static_cast<double>(p.classes));
      policy.divisor = A(p.divisor);
      return kernels::launch_rows<T>(policy, p, t, w, stream);
    }
    SmoothSoftLabelsRow<A> policy;
    policy.alpha = A(alpha);
    policy.spread = policy.alpha / A(static_cast<double>(p.classes));
    return kernels::launch_rows<T>(policy, p, t, w, stream);
  });
}

cudaError_t expand_cotangent(Storage s, std::int64_t rows, std::int64_t rest, const void* g, void* out,
                             cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((rows + 255) / 256, 65535));
    kernels::expand_kernel<T><<<blocks, 256, 0, stream>>>(rows, rest, static_cast<const T*>(g), static_cast<T*>(out));
    return cudaGetLastError();
  });
}

cudaError_t sum_dim0(Storage s, std::int64_t d0, std::int64_t rest, bool mean, void* out, const Workspace& w,
                     cudaStream_t stream) {
  if (rest == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((rest + 255) / 256, 65535));
    kernels::sum_dim0_kernel<T><<<blocks, 256, 0, stream>>>(d0, rest, mean, static_cast<const A*>(w.row_loss),
                                                            static_cast<T*>(out));
    return cudaGetLastError();
  });
}

cudaError_t classification_mae(Storage s, const RowProblem& p, std::int64_t last, bool along, const RowTensors& t,
                               const Workspace& w, bool reduce_out, void* out, cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    if (p.rows > 0)
      kernels::mae_kernel<T><<<kernels::grid_for(p.rows), kernels::kBlock, 0, stream>>>(p, last, along, t, w);
    if (reduce_out) {
      const std::int64_t outputs = along ? p.rows / (last > 0 ? last : 1) : 1;
      const std::int64_t count = along ? last : p.rows;
      if (outputs > 0) {
        const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((outputs + 255) / 256, 65535));
        kernels::sum_last_kernel<T><<<blocks, 256, 0, stream>>>(outputs, count, along && p.divisor != 1.0,
                                                                static_cast<const A*>(w.row_loss), static_cast<T*>(out));
      }
    }
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
