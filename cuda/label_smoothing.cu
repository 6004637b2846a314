// The label-smoothing family's kernels (cuda/label_smoothing.cuh).
#include "cuda/label_smoothing.cuh"
#include "cuda/launch_rows.cuh"
#include "cuda/problem.hpp"

namespace lossoracle::cuda::kernels {

template <class T>
__global__ void smooth_labels_kernel(std::int64_t rows, std::int64_t classes, acc_t<T> spread, acc_t<T> keep,
                                     const std::int64_t* target, T* out, unsigned long long* error) {
  using A = acc_t<T>;
  const std::int64_t n = rows * classes;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < n; k += stride) {
    const std::int64_t row = k / classes, c = k % classes;
    const std::int64_t y = target[row];
    A v;
    if (y < 0 || y >= classes) {
      if (c == 0) atomicMin(error, static_cast<unsigned long long>(row));
      v = quiet_nan<A>();
    } else {
      v = smooth_label(c == y, spread, keep);
    }
    store_to(out + k, v);
  }
}

template <class T>
__global__ void ratio_kernel(const T* g, acc_t<T> factor, acc_t<T>* slot) {
  using A = acc_t<T>;
  *slot = (g ? load_as<A>(g) * factor : factor) / *slot;
}

template <class T>
__global__ void add_nll_kernel(std::int64_t rows, acc_t<T> keep, const acc_t<T>* nll, acc_t<T>* row_loss,
                               T* per_position) {
  using A = acc_t<T>;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < rows; k += stride) {
    const A l = row_loss[k] + keep * *nll;
    row_loss[k] = l;
    if (per_position) store_to(per_position + k, l);
  }
}

}  // namespace lossoracle::cuda::kernels

namespace lossoracle::cuda::launch {

cudaError_t smooth_labels(Storage s, std::int64_t rows, std::int64_t classes, double eps, const std::int64_t* target,
                          void* out, const Workspace& w, cudaStream_t stream) {
  if (rows * classes == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((rows * classes + 255) / 256, 65535 * 16));
    kernels::smooth_labels_kernel<T><<<blocks, 256, 0, stream>>>(
        rows, classes, A(eps) / A(static_cast<double>(classes)), A(1) - A(eps), target, static_cast<T*>(out), w.error);
    return cudaGetLastError();
  });
}

cudaError_t label_smoothing_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, double eps,
                                 bool mean, bool contribution, cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    if (p.kind == static_cast<int>(Kind::fastai_label_smoothing)) {
      FastaiCall<A> call;
      call.eps = A(eps);
      call.keep = A(1) - call.eps;
      call.classes = A(static_cast<double>(p.classes));
      call.positions = A(static_cast<double>(p.rows));
      call.mean = mean;
      call.contribution = contribution;
      return kernels::launch_rows<T>(FastaiRow<A>{call}, p, t, w, stream);
    }
    if (p.kind == static_cast<int>(Kind::issue11959_label_smoothing)) {
      Issue11959Call<A> call;
      call.eps = A(eps);
      call.keep = A(1) - call.eps;
      call.classes = A(static_cast<double>(p.classes));
      call.positions = A(static_cast<double>(p.rows));
      call.mean = mean;
      return kernels::launch_rows<T>(Issue11959Row<A>{call}, p, t, w, stream);
    }
    FairseqCall<A> call;
    call.eps_i = A(eps) / A(static_cast<double>(p.classes - 1));
    call.target_weight = (A(1) - A(eps)) - call.eps_i;
    return kernels::launch_rows<T>(FairseqRow<A>{call}, p, t, w, stream);
  });
}

cudaError_t issue11959_ratio(Storage s, std::int64_t rows, const void* grad_output, bool per_row, double factor,
                             const Workspace& w, cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    A* slot = static_cast<A*>(w.target_weight_total);
    if (per_row && grad_output) {
      kernels::partial_sum_kernel<T, A><<<kPartials, kernels::kBlock, 0, stream>>>(static_cast<const T*>(grad_output),
                                                                                   rows, static_cast<A*>(w.partials));
      kernels::final_sum_kernel<T, A><<<1, kernels::kBlock, 0, stream>>>(
          static_cast<const A*>(w.partials), static_cast<int>(kPartials), A(1), slot, slot, nullptr);
    } else {
      kernels::ratio_kernel<T><<<1, 1, 0, stream>>>(static_cast<const T*>(grad_output), A(factor), slot);
    }
    return cudaGetLastError();
  });
}

cudaError_t issue11959_finish(Storage s, std::int64_t rows, double eps, void* per_position, const Workspace& w,
                              cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((rows + 255) / 256, 65535));
    kernels::add_nll_kernel<T><<<blocks, 256, 0, stream>>>(rows, A(1) - A(eps), static_cast<const A*>(w.total),
                                                           static_cast<A*>(w.row_loss), static_cast<T*>(per_position));
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
