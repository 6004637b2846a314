// Building blocks of the row kernels: fixed 8-lane accumulators (GCC turns
// the lane loops into vector code; the lane count and the final combining
// order are the same under every ISA, so a sum never depends on scheduling).
#pragma once

#include <cstdint>
#include <limits>

#include "optimized/vecmath.hpp"

#ifndef LOSSORACLE_ISA
#error "row_ops.hpp is compiled per instruction set by kernels_isa.cpp"
#endif

namespace lossoracle::optimized::LOSSORACLE_ISA {

constexpr int kLanes = 8;

// ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
inline double combine(const double* a) { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); }

struct RowMax {
  double m;
  bool defined;  // false: a NaN or +inf entry, or every entry -inf (PyTorch's NaN row)
};

template <class F>
RowMax row_max(const F* x, std::int64_t C) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double m[kLanes];
  int bad[kLanes];
  for (int l = 0; l < kLanes; ++l) m[l] = -inf, bad[l] = 0;
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double v = x[i + l];
      bad[l] |= (v != v) | (v == inf);
      m[l] = v > m[l] ? v : m[l];
    }
  for (int l = 0; i < C; ++i, ++l) {
    const double v = x[i];
    bad[l] |= (v != v) | (v == inf);
    m[l] = v > m[l] ? v : m[l];
  }
  double mm = -inf;
  int b = 0;
  for (int l = 0; l < kLanes; ++l) mm = m[l] > mm ? m[l] : mm, b |= bad[l];
  return {mm, !b && mm != -inf};
}

// e_j = exp(x_j - m) stored in e (rounded to F), returns S = sum e_j summed
// in binary64 from the unrounded values.
template <class F>
double exp_store(const F* x, std::int64_t C, double m, F* e) {
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double v = exp_f64(static_cast<double>(x[i + l]) - m);
      e[i + l] = static_cast<F>(v);
      acc[l] += v;
    }
  for (int l = 0; i < C; ++i, ++l) {
    const double v = exp_f64(static_cast<double>(x[i]) - m);
    e[i] = static_cast<F>(v);
    acc[l] += v;
  }
  return combine(acc);
}

template <class F>
double row_sum(const F* v, std::int64_t C) {
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<double>(v[i + l]);
  for (int l = 0; i < C; ++i, ++l) acc[l] += static_cast<double>(v[i]);
  return combine(acc);
}

template <class F>
void fill(F* out, std::int64_t C, double v) {
  if (out)
    for (std::int64_t j = 0; j < C; ++j) out[j] = static_cast<F>(v);
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA

namespace lossoracle::optimized::LOSSORACLE_ISA {

// S = sum_j exp(x_j - m), nothing stored (forward-only passes).
template <class F>
double exp_sum(const F* x, std::int64_t C, double m) {
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += exp_f64(static_cast<double>(x[i + l]) - m);
  for (int l = 0; i < C; ++i, ++l) acc[l] += exp_f64(static_cast<double>(x[i]) - m);
  return combine(acc);
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA

namespace lossoracle::optimized::LOSSORACLE_ISA {

// The sum of e_j = exp(x_j - m) over j != y (y < 0: over all j), storing
// e_j when Store; the caller adds e_y, so that 1 - p_y = others / S needs no
// subtraction.
template <bool Store, class F>
double exp_sum_except(const F* x, std::int64_t C, double m, std::int64_t y, F* e) {
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double v = exp_f64(static_cast<double>(x[i + l]) - m);
      if constexpr (Store) e[i + l] = static_cast<F>(v);
      acc[l] += i + l == y ? 0.0 : v;
    }
  for (int l = 0; i < C; ++i, ++l) {
    const double v = exp_f64(static_cast<double>(x[i]) - m);
    if constexpr (Store) e[i] = static_cast<F>(v);
    acc[l] += i == y ? 0.0 : v;
  }
  return combine(acc);
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
