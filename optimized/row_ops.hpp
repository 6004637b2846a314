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

// e^(x - m) with x - m taken exactly: d = x - m rounded, lo its rounding
// error (Knuth's TwoSum), e^(d + lo) = e^d (1 + lo) to first order. For
// float inputs lo is 0 (the difference of two floats is exact in binary64);
// for double inputs it saves |x - m| / 2 ulp of e, 15 ulp at |x - m| = 30.
inline double exp_shifted(double x, double m) {
  const double d = x - m;
  const double bv = d - x, av = d - bv;
  const double lo = (x - av) + (-m - bv);  // NaN when x is -inf: no correction there
  const double e = exp_f64(d);
  return e + e * (lo == lo ? lo : 0.0);
}

// e^(x - m) for an element of a row of F: float rows need neither the
// TwoSum (the difference of two floats is exact in binary64) nor exp_f64's
// last terms.
template <class F>
inline double exp_row(F x, double m) {
  if constexpr (sizeof(F) == 4) return exp_f64_for_f32(static_cast<double>(x) - m);
  else return exp_shifted(x, m);
}

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

}  // namespace lossoracle::optimized::LOSSORACLE_ISA

namespace lossoracle::optimized::LOSSORACLE_ISA {

// The sum of e_j = exp(x_j - m) over j != y (y < 0: over all j), storing
// e_j when Store; the caller adds e_y, so that 1 - p_y = others / S needs no
// subtraction.
template <bool Store, class F, class E>
double exp_sum_except(const F* x, std::int64_t C, double m, std::int64_t y, E* e) {
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= C; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double v = exp_row(x[i + l], m);
      if constexpr (Store) e[i + l] = static_cast<E>(v);
      acc[l] += i + l == y ? 0.0 : v;
    }
  for (int l = 0; i < C; ++i, ++l) {
    const double v = exp_row(x[i], m);
    if constexpr (Store) e[i] = static_cast<E>(v);
    acc[l] += i == y ? 0.0 : v;
  }
  return combine(acc);
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA

namespace lossoracle::optimized::LOSSORACLE_ISA {

// The first class holding the row's max m.
template <class F>
std::int64_t first_at(const F* x, std::int64_t C, double m) {
  std::int64_t j = 0;
  while (j + 1 < C && static_cast<double>(x[j]) != m) ++j;
  return j;
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
