// Host-side launch helpers shared by the per-family .cu files: dispatch on
// the storage type, and the choice between the cached (row in shared
// memory: one read of the logits) and streaming (two reads) row kernels.
#pragma once

#include <algorithm>

#include "cuda/kernels.cuh"

namespace lossoracle::cuda::kernels {

// Calls f(T{}) for the storage type.
template <class F>
cudaError_t with_storage(launch::Storage s, F f) {
  switch (s) {
    case launch::Storage::float32: return f(float{});
    case launch::Storage::float64: return f(double{});
    case launch::Storage::bfloat16: return f(__nv_bfloat16{});
    case launch::Storage::float16: return f(__half{});
  }
  return cudaErrorInvalidValue;
}

inline unsigned grid_for(std::int64_t rows) {
  return static_cast<unsigned>(std::min<std::int64_t>(rows, 0x7fffffff));
}

// Shared memory a block may use beyond its static arrays, on this device.
inline std::int64_t dynamic_shared_limit(const void* kernel) {
  int device = 0, optin = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) != cudaSuccess) return 0;
  cudaFuncAttributes attr{};
  if (cudaFuncGetAttributes(&attr, kernel) != cudaSuccess) return 0;
  return std::max<std::int64_t>(0, optin - static_cast<std::int64_t>(attr.sharedSizeBytes));
}

// Asked once per kernel and device: the attribute queries cost microseconds,
// which the smallest benchmark shapes would feel on every call.
template <class T, class Policy>
std::int64_t cached_classes(const Policy&) {
  static int known_device = -1;
  static std::int64_t classes = 0;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return 0;
  if (device != known_device) {
    classes = dynamic_shared_limit(reinterpret_cast<const void*>(&row_kernel<T, Policy, true>)) /
              static_cast<std::int64_t>(sizeof(T));
    known_device = device;
  }
  return classes;
}

template <class T, class Policy>
cudaError_t launch_rows(const Policy& policy, const launch::RowProblem& p, const launch::RowTensors& t,
                        const launch::Workspace& w, cudaStream_t stream) {
  if (p.rows == 0) return cudaSuccess;
  const std::int64_t bytes = p.classes * static_cast<std::int64_t>(sizeof(T));
  if (p.classes > 0 && p.classes <= cached_classes<T>(policy)) {
    auto kernel = &row_kernel<T, Policy, true>;
    if (bytes > 48 * 1024) {
      const cudaError_t e =
          cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
      if (e != cudaSuccess) return e;
    }
    kernel<<<grid_for(p.rows), kBlock, static_cast<std::size_t>(bytes), stream>>>(policy, p, t, w);
  } else {
    row_kernel<T, Policy, false><<<grid_for(p.rows), kBlock, 0, stream>>>(policy, p, t, w);
  }
  return cudaGetLastError();
}

template <class A>
CrossEntropyCall<A> call_of(const launch::RowProblem& p) {
  CrossEntropyCall<A> call;
  call.smoothing = p.label_smoothing > 0.0;
  if (call.smoothing) {
    call.keep = A(1) - A(p.label_smoothing);
    call.spread = A(p.label_smoothing) / A(static_cast<double>(p.classes));
  }
  call.divisor = A(p.divisor);
  return call;
}

}  // namespace lossoracle::cuda::kernels
