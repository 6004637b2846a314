// kl_div kernel (cuda/kl_div.cuh's elementwise core) and the loss reduction.
#include "cuda/kl_div.cuh"
#include "cuda/launch_rows.cuh"

namespace lossoracle::cuda::kernels {

template <class T>
__global__ void kl_div_kernel(std::int64_t n, bool log_target, bool reduce, acc_t<T> divisor, bool per_element,
                              const T* x, const T* t, const T* grad_output, T* per_position, T* grad_input,
                              T* grad_target, acc_t<T>* row_loss) {
  using A = acc_t<T>;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t k = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; k < n; k += stride) {
    const A g_raw = grad_output ? load_as<A>(grad_output + (per_element ? k : 0)) : A(1);
    const KlDivElement<A> e = kl_div_element(log_target, load_as<A>(x + k), load_as<A>(t + k),
                                             divisor == A(1) ? g_raw : g_raw / divisor,
                                             grad_output != nullptr && g_raw == A(0));
    if (per_position) store_to(per_position + k, e.loss);
    if (reduce) row_loss[k] = e.loss;
    if (grad_input) store_to(grad_input + k, e.grad_input);
    if (grad_target) store_to(grad_target + k, e.grad_target);
  }
}

}  // namespace lossoracle::cuda::kernels

namespace lossoracle::cuda::launch {

cudaError_t kl_div(Storage s, std::int64_t elements, bool log_target, bool reduce, double divisor,
                   bool grad_output_per_element, const void* x, const void* t, const void* grad_output,
                   void* per_position, void* grad_input, void* grad_target, const Workspace& w,
                   cudaStream_t stream) {
  if (elements == 0) return cudaSuccess;
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>((elements + 255) / 256, 65535 * 16));
    kernels::kl_div_kernel<T><<<blocks, 256, 0, stream>>>(
        elements, log_target, reduce, A(divisor), grad_output_per_element, static_cast<const T*>(x),
        static_cast<const T*>(t), static_cast<const T*>(grad_output), static_cast<T*>(per_position),
        static_cast<T*>(grad_input), static_cast<T*>(grad_target), static_cast<A*>(w.row_loss));
    return cudaGetLastError();
  });
}

cudaError_t reduce_loss(Storage s, std::int64_t n, double divisor, bool divisor_on_device, void* loss,
                        const Workspace& w, cudaStream_t stream) {
  return kernels::with_storage(s, [&](auto tag) {
    using T = decltype(tag);
    using A = acc_t<T>;
    kernels::partial_sum_kernel<A, A><<<kPartials, kernels::kBlock, 0, stream>>>(
        static_cast<const A*>(w.row_loss), n, static_cast<A*>(w.partials));
    kernels::final_sum_kernel<T, A><<<1, kernels::kBlock, 0, stream>>>(
        static_cast<const A*>(w.partials), static_cast<int>(kPartials), A(divisor),
        divisor_on_device ? static_cast<const A*>(w.target_weight_total) : nullptr, static_cast<A*>(w.total),
        static_cast<T*>(loss));
    return cudaGetLastError();
  });
}

}  // namespace lossoracle::cuda::launch
