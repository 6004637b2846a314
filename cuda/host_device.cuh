// Lets the per-row headers of the CUDA tier compile under g++ as well as
// nvcc: the numerical core the kernels run is then unit-tested on the CPU in
// CI, where no GPU (and possibly no nvcc) exists. Nothing else lives here.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#if defined(__CUDACC__)
#define LOSSORACLE_HD __host__ __device__ __forceinline__
#else
#define LOSSORACLE_HD inline
#endif

namespace lossoracle::cuda {

// The accumulation type of a storage type: binary64 stays binary64, every
// narrower format (binary32, bfloat16, binary16) accumulates in binary32.
template <class T>
struct Accumulate {
  using type = float;
};
template <>
struct Accumulate<double> {
  using type = double;
};
template <class T>
using acc_t = typename Accumulate<T>::type;

// Overloads rather than std:: calls: device code has expf/logf/... in the
// global namespace, and the float forms must not silently widen to double.
LOSSORACLE_HD float exp_of(float x) { return expf(x); }
LOSSORACLE_HD double exp_of(double x) { return exp(x); }
LOSSORACLE_HD float expm1_of(float x) { return expm1f(x); }
LOSSORACLE_HD double expm1_of(double x) { return expm1(x); }
LOSSORACLE_HD float log_of(float x) { return logf(x); }
LOSSORACLE_HD double log_of(double x) { return log(x); }
LOSSORACLE_HD float log1p_of(float x) { return log1pf(x); }
LOSSORACLE_HD double log1p_of(double x) { return log1p(x); }

template <class A>
LOSSORACLE_HD A infinity() {
  return std::numeric_limits<A>::infinity();
}
template <class A>
LOSSORACLE_HD A quiet_nan() {
  return std::numeric_limits<A>::quiet_NaN();
}

}  // namespace lossoracle::cuda
