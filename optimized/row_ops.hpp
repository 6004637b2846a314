// Building blocks of the row kernels: fixed 8-lane accumulators (GCC turns
// the lane loops into vector code; the lane count and the final combining
// order are the same under every ISA, so a sum never depends on scheduling).
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include <immintrin.h>

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
  // A vector of F at a time (a float row's max is exact in float, and no
  // lane ever converts); the lanes' order does not matter for a max.
  using V = std::conditional_t<sizeof(F) == 4, VecF, VecD>;
  using M = decltype(V{} < V{});
  constexpr int n = sizeof(V) / sizeof(F);
  V m = V{} - std::numeric_limits<F>::infinity();
  M bad = M{};
  std::int64_t i = 0;
  for (; i + n <= C; i += n) {
    V v;
    std::memcpy(&v, x + i, sizeof v);
    bad |= (v != v) | (v == std::numeric_limits<F>::infinity());
    m = v > m ? v : m;
  }
  double mm = -inf;
  bool b = false;
  for (int l = 0; l < n; ++l) mm = m[l] > mm ? static_cast<double>(m[l]) : mm, b = b || bad[l];
  for (; i < C; ++i) {
    const double v = x[i];
    b = b || (v != v) || (v == inf);
    mm = v > mm ? v : mm;
  }
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

// Rows of at least this many classes keep their e_j in a per-thread
// scratch row (it stays in L2 across rows) and write the gradient row once,
// with non-temporal stores: the gradient row is then never read from
// memory (no read for ownership) and does not evict the next logits rows.
// Below it the gradient row itself holds e_j, as it fits in cache anyway.
constexpr std::int64_t kStreamClasses = 16384;

// A per-thread row of C values of E, valid until the thread's next call.
template <class E>
E* scratch_row(std::int64_t C) {
  thread_local std::vector<E> row;
  if (static_cast<std::int64_t>(row.size()) < C) row.resize(static_cast<std::size_t>(C));
  return row.data();
}

// out[j] = F(value) over the row, value(j) for single elements and vec(k)
// for the kVecDoubles elements from k, written with non-temporal stores (16
// bytes each, x86-64's SSE2), then fenced so that the row is visible to the
// thread that joins this one.
template <class F, class Vec, class One>
void stream_row(F* out, std::int64_t C, Vec vec, One one) {
  std::int64_t j = 0;
  for (; j < C && reinterpret_cast<std::uintptr_t>(out + j) % 16 != 0; ++j) out[j] = static_cast<F>(one(j));
  constexpr int per = 16 / sizeof(F);
  for (; j + kLanes <= C; j += kLanes) {
    F block[kLanes];
    for (int q = 0; q < kLanes / kVecDoubles; ++q) store_vec(block + q * kVecDoubles, vec(j + q * kVecDoubles));
    for (int b = 0; b < kLanes / per; ++b) {
      __m128i chunk;
      std::memcpy(&chunk, block + b * per, sizeof chunk);
      _mm_stream_si128(reinterpret_cast<__m128i*>(out + j + b * per), chunk);
    }
  }
  for (; j < C; ++j) out[j] = static_cast<F>(one(j));
  _mm_sfence();
}

// out[j] = F(e[j] * scale - sub * (w ? w[j] : 1)), streamed.
template <class F, class E>
void stream_scaled_row(F* out, const E* e, const F* w, std::int64_t C, double scale, double sub) {
  const VecD ones = splat(1.0);
  stream_row(
      out, C, [&](std::int64_t k) { return load_vec(e + k) * scale - sub * (w ? load_vec(w + k) : ones); },
      [&](std::int64_t j) {
        return static_cast<double>(e[j]) * scale - sub * (w ? static_cast<double>(w[j]) : 1.0);
      });
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

// e^(x - m) of a vector of elements of a row of F, as exp_row computes each,
// for x - m >= -700. Sets lanes of out_of_range where it is below (or -inf).
template <class F>
inline VecD exp_row_vec(const F* x, double m, VecI& out_of_range) {
  const VecD v = load_vec(x);
  const VecD d = v - m;
  out_of_range |= d < -700.0;
  if constexpr (sizeof(F) == 4) {
    return exp_in_range<true>(d);
  } else {
    // exp_shifted: TwoSum's rounding error lo of x - m, e^d (1 + lo).
    const VecD bv = d - v, av = d - bv;
    const VecD lo = (v - av) + (-m - bv);
    const VecD e = exp_in_range<false>(d);
    return e + e * lo;
  }
}

// The sum of e_j = exp(x_j - m) over j != y (y < 0: over all j), storing
// e_j when Store; the caller adds e_y, so that 1 - p_y = others / S needs no
// subtraction. Lane l of the sum takes the j = l mod 8 in index order,
// whether the vector path runs (kLanes / kVecDoubles vectors per step) or
// the element path; the vector path covers rows whose every x_j - m >= -700
// (the element path's clamps and subnormal scaling are not needed there),
// the element path the rest.
template <bool Store, class F, class E>
double exp_sum_except_f64(const F* x, std::int64_t C, double m, std::int64_t y, E* e);

// Float rows whose e_j are kept in float (or not at all): 8 binary32 lanes
// (vecmath.hpp's exp_shifted_f32), the same lane order (lane l takes the
// j = l mod 8), e_f summed in binary64 and its rounding errors in binary32.
// A row with some x_j - m < -80 (or -inf) is computed by the binary64 path
// instead, whole, so that its lanes do not mix the two methods.
template <bool Store, class E>
double exp_sum_except_f32(const float* x, std::int64_t C, float m, std::int64_t y, E* e, const float* next,
                          const float* next_also) {
  Vec4D acc[2] = {};
  Vec8F acc_err = Vec8F{};
  Vec8F d_min = Vec8F{};
  std::int64_t i = 0;
  auto step = [&](Vec8I32 keep) {
    Vec8F v, err;
    std::memcpy(&v, x + i, sizeof v);
    if (next) _mm_prefetch(reinterpret_cast<const char*>(next + i), _MM_HINT_T1);
    if (next_also) _mm_prefetch(reinterpret_cast<const char*>(next_also + i), _MM_HINT_T1);
    Vec8F ev = exp_shifted_f32(v, m, err, d_min);
    if constexpr (Store) std::memcpy(e + i, &ev, sizeof ev);
    ev = reinterpret_cast<Vec8F>(reinterpret_cast<Vec8I32>(ev) & keep);
    err = reinterpret_cast<Vec8F>(reinterpret_cast<Vec8I32>(err) & keep);
    acc[0] += low_f64(ev);
    acc[1] += high_f64(ev);
    acc_err += err;
  };
  const Vec8I32 all = Vec8I32{} - 1;
  // Only the step holding y masks its lane out of the sums.
  const std::int64_t ys = y < 0 ? C : y - y % kLanes;
  for (; i + kLanes <= ys; i += kLanes) step(all);
  if (i + kLanes <= C && i == ys) {
    const Vec8I32 lane = {0, 1, 2, 3, 4, 5, 6, 7};
    step(lane != static_cast<std::int32_t>(y - i));
    i += kLanes;
  }
  for (; i + kLanes <= C; i += kLanes) step(all);
  bool in_range = true;
  for (int l = 0; l < kLanes; ++l) in_range = in_range && d_min[l] >= -80.0f;
  if (!in_range) return exp_sum_except_f64<Store>(x, C, static_cast<double>(m), y, e);
  double lanes[kLanes];
  for (int l = 0; l < kLanes; ++l) lanes[l] = acc[l / 4][l % 4] + static_cast<double>(acc_err[l]);
  for (int l = 0; i < C; ++i, ++l) {
    const double v = exp_row(x[i], static_cast<double>(m));
    if constexpr (Store) e[i] = static_cast<E>(v);
    lanes[l] += i == y ? 0.0 : v;
  }
  return combine(lanes);
}

// next (and next_also, a second input such as soft targets): where the
// caller's next row will be read from (null: nowhere),
// prefetched into L2 while this row's exp runs, so that the next row's
// first pass (its max) reads from cache instead of waiting on memory. A
// prefetch never faults, so a guess past the end of the input is harmless.
template <bool Store, class F, class E>
double exp_sum_except(const F* x, std::int64_t C, double m, std::int64_t y, E* e, const F* next = nullptr,
                      const F* next_also = nullptr) {
  if constexpr (std::is_same_v<F, float> && std::is_same_v<E, float>) {
    const float mf = static_cast<float>(m);
    if (static_cast<double>(mf) == m) return exp_sum_except_f32<Store>(x, C, mf, y, e, next, next_also);
  }
  return exp_sum_except_f64<Store>(x, C, m, y, e);
}

template <bool Store, class F, class E>
double exp_sum_except_f64(const F* x, std::int64_t C, double m, std::int64_t y, E* e) {
  constexpr int parts = kLanes / kVecDoubles;
  VecD acc[parts] = {};
  VecI oob = VecI{};
  std::int64_t i = 0;
  // Only the step holding y takes the select.
  const std::int64_t ys = y < 0 ? C : y - y % kLanes;
  auto run = [&](std::int64_t end) {
    for (; i + kLanes <= end; i += kLanes)
      for (int q = 0; q < parts; ++q) {
        const VecD v = exp_row_vec(x + i + q * kVecDoubles, m, oob);
        if constexpr (Store) store_vec(e + i + q * kVecDoubles, v);
        acc[q] += v;
      }
  };
  run(ys);
  if (i + kLanes <= C && i == ys) {
    for (int q = 0; q < parts; ++q) {
      VecD v = exp_row_vec(x + i + q * kVecDoubles, m, oob);
      if constexpr (Store) store_vec(e + i + q * kVecDoubles, v);
      const std::int64_t at = y - i - q * kVecDoubles;
      if (at >= 0 && at < kVecDoubles) v[at] = 0.0;
      acc[q] += v;
    }
    i += kLanes;
  }
  run(C);
  bool in_range = true;
  for (int l = 0; l < kVecDoubles; ++l) in_range = in_range && oob[l] == 0;
  double lanes[kLanes];
  if (in_range) {
    for (int l = 0; l < kLanes; ++l) lanes[l] = acc[l / kVecDoubles][l % kVecDoubles];
  } else {
    for (int l = 0; l < kLanes; ++l) lanes[l] = 0.0;
    i = 0;
    for (; i + kLanes <= C; i += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const double v = exp_row(x[i + l], m);
        if constexpr (Store) e[i + l] = static_cast<E>(v);
        lanes[l] += i + l == y ? 0.0 : v;
      }
  }
  for (int l = 0; i < C; ++i, ++l) {
    const double v = exp_row(x[i], m);
    if constexpr (Store) e[i] = static_cast<E>(v);
    lanes[l] += i == y ? 0.0 : v;
  }
  return combine(lanes);
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA

namespace lossoracle::optimized::LOSSORACLE_ISA {

// The first class holding the row's max m (a vector of F compared at a time).
template <class F>
std::int64_t first_at(const F* x, std::int64_t C, double m) {
  using V = std::conditional_t<sizeof(F) == 4, VecF, VecD>;
  constexpr int n = sizeof(V) / sizeof(F);
  const V mv = V{} + static_cast<F>(m);  // m is a value of the row: exact in F
  std::int64_t j = 0;
  for (; j + n <= C; j += n) {
    V v;
    std::memcpy(&v, x + j, sizeof v);
    const auto hit = v == mv;
    bool any = false;
    for (int l = 0; l < n; ++l) any = any || hit[l] != 0;
    if (any) break;
  }
  while (j + 1 < C && static_cast<double>(x[j]) != m) ++j;
  return j;
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
