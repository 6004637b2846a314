// Storage types of the CUDA tier's tensors and their conversions to and
// from the accumulation type (device code only): binary32, binary64,
// bfloat16 and binary16, the last two accumulating in binary32.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda/host_device.cuh"

namespace lossoracle::cuda {

template <>
struct Accumulate<__nv_bfloat16> {
  using type = float;
};
template <>
struct Accumulate<__half> {
  using type = float;
};

template <class A>
__device__ __forceinline__ A load_as(const float* p) { return static_cast<A>(*p); }
template <class A>
__device__ __forceinline__ A load_as(const double* p) { return static_cast<A>(*p); }
template <class A>
__device__ __forceinline__ A load_as(const __nv_bfloat16* p) { return static_cast<A>(__bfloat162float(*p)); }
template <class A>
__device__ __forceinline__ A load_as(const __half* p) { return static_cast<A>(__half2float(*p)); }

// Round to nearest even into the storage type.
__device__ __forceinline__ void store_to(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_to(double* p, double v) { *p = v; }
__device__ __forceinline__ void store_to(__nv_bfloat16* p, float v) { *p = __float2bfloat16_rn(v); }
__device__ __forceinline__ void store_to(__half* p, float v) { *p = __float2half_rn(v); }

}  // namespace lossoracle::cuda
