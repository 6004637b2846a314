// exp and log written branch-free (selects instead of branches, integer
// bit tricks instead of frexp/ldexp), as scalars for the element paths and
// as vectors of the machine's width (VecD below) for the row loops. glibc's
// libm calls would keep the loops scalar, and its vector libmvec is only
// declared under -ffast-math, which would also reassociate our sums and
// break run-to-run determinism.
//
// Most work is in binary64, for float inputs too (a float's shifted logit
// x - m is exact in binary64, and rounding it to float first would cost up
// to |x - m| / 2 ulp in e^(x-m)); float kernels use a shorter series. The
// exception is exp_shifted_f32 below (issue #6): the e_j of float softmax
// rows in 8 binary32 lanes, with x - m carried exactly as a float pair
// and the row sums still in binary64 (its comment has the why and the
// measurements).
// Measured on 2e6 random arguments against long double: exp_f64 0.95 ulp,
// log_f64 0.82 ulp (binary64 ulps).
//
// Highway (libhwy-dev 1.0.3, hwy::Exp) and SLEEF (libsleef-dev 3.5.1,
// Sleef_expd4_u10avx2) were measured against exp_in_range on 4 binary64
// lanes (AVX2, arguments in [-16, 0], 64K-element array, best of 7; two runs
// on the shared 2-core machine at load 4.3): ns per element, ours for float
// kernels 2.0 / 2.3, ours in full binary64 2.9 / 3.6, hwy::Exp 4.8 / 4.9,
// SLEEF u10 5.8 / 5.1 (and SLEEF's 8-lane float expf8_u10, 1 float ulp,
// too coarse for the float budgets anyway, 4.8 / 4.7). Neither is used:
// both are slower here and neither offers the shorter float series.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#include <immintrin.h>

namespace lossoracle::optimized {

// e^x in binary64. x = k ln2 + r with |r| <= ln2/2 (Cody-Waite, two-part
// ln2), e^r by its Taylor series to degree 13 (truncation below 2^-56), and
// 2^k applied as two halves so that results in the subnormal range are
// rounded once. Clamping keeps k in [-1076, 1024]: -inf gives 0, +inf gives
// inf, NaN stays NaN.
inline double exp_f64(double x) {
  const double xc = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
  constexpr double shifter = 0x1.8p52;
  const double kd = xc * 0x1.71547652b82fep0 + shifter;
  const std::int64_t k = std::bit_cast<std::int64_t>(kd) - std::bit_cast<std::int64_t>(shifter);
  const double kr = kd - shifter;
  const double r = (xc - kr * 0x1.62e42fefa3800p-1) - kr * 0x1.ef35793c7673p-45;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * (r * r) + r;  // r + r^2 (...): the leading 1 is added last, exactly as in e^r = 1 + (r + ...)
  p = 1.0 + p;
  const std::int64_t k1 = k >> 1, k2 = k - k1;
  const double s1 = std::bit_cast<double>((k1 + 1023) << 52);
  const double s2 = std::bit_cast<double>((k2 + 1023) << 52);
  const double e = (p * s1) * s2;
  return x != x ? x : e;
}

// e^r - 1 - r for |r| <= ln2/2 (and a hair beyond) as r^2 q(r), q of degree
// 6 fitted to (e^r - 1 - r) / r^2 (Chebyshev, mpmath): e^r = 1 + (r + r^2 q)
// within 2^-37.7 relative, 1/8000 of a float ulp, for float kernels (a
// degree-5 q, 2^-32, cost the label-smoothing gradients, whose non-target
// entries cancel, up to 2.2 ulp). Estrin's scheme: independent pairs, so
// that the latency of a vector of them is four multiply-adds rather than
// Horner's eight.
template <class T>
inline T expm1_tail_f32(T r) {
  const T r2 = r * r;
  const T q01 = r * 0x1.5555556750672p-3 + 0x1.0000000000000p-1;
  const T q23 = r * 0x1.1110c63a4eed0p-7 + 0x1.5555555c85f99p-5;
  const T q45 = r * 0x1.a15169e09657dp-13 + 0x1.6c1685919d367p-10;
  const T q = ((r2 * 0x1.a1131351400e2p-16 + q45) * r2 + q23) * r2 + q01;
  return q * r2 + r;
}

// e^x for float kernels: exp_f64's reduction with expm1_tail_f32's
// polynomial (2^-37.7 relative), computed and returned in binary64 so that
// sums over a row stay wide.
inline double exp_f64_for_f32(double x) {
  const double xc = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
  constexpr double shifter = 0x1.8p52;
  const double kd = xc * 0x1.71547652b82fep0 + shifter;
  const std::int64_t k = std::bit_cast<std::int64_t>(kd) - std::bit_cast<std::int64_t>(shifter);
  const double kr = kd - shifter;
  const double r = (xc - kr * 0x1.62e42fefa3800p-1) - kr * 0x1.ef35793c7673p-45;
  const double p = 1.0 + expm1_tail_f32(r);
  const std::int64_t k1 = k >> 1, k2 = k - k1;
  const double s1 = std::bit_cast<double>((k1 + 1023) << 52);
  const double s2 = std::bit_cast<double>((k2 + 1023) << 52);
  const double e = (p * s1) * s2;
  return x != x ? x : e;
}

// Vectors of the machine's width (GCC's vector extension): 64 bytes under
// avx512, 32 under avx2, 16 under sse4 and "scalar" (x86-64 has SSE2).
// GCC left to itself vectorizes exp_f64 poorly (64-bit shifts that AVX2
// lacks, the clamps and the subnormal split, selects on the class index),
// so the row loops spell the vectors out; vectors wider than the machine's
// would have their comparisons split into scalar code.
#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif
constexpr int kVecDoubles = kVecBytes / 8;
using VecD = double __attribute__((vector_size(kVecBytes)));
using VecI = std::int64_t __attribute__((vector_size(kVecBytes)));
using VecF = float __attribute__((vector_size(kVecBytes)));          // a full vector of floats
using VecHalfF = float __attribute__((vector_size(kVecBytes / 2)));  // as many floats as VecD has doubles

inline VecD splat(double v) { return VecD{} + v; }
inline VecD load_vec(const double* p) {
  VecD v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// Float <-> double: GCC 12 lowers __builtin_convertvector between 4 floats
// and 4 doubles as 2-lane conversions with inserts and extracts (three to
// five instructions where AVX has one); the intrinsics give the one, with
// the same (exact, or correctly rounded) results.
inline VecD load_vec(const float* p) {
#if defined(__AVX512F__)
  // (the maskz forms: GCC 12's unmasked ones read an undefined vector that
  // -Wmaybe-uninitialized reports)
  return reinterpret_cast<VecD>(_mm512_maskz_cvtps_pd(0xff, _mm256_loadu_ps(p)));
#elif defined(__AVX__)
  return reinterpret_cast<VecD>(_mm256_cvtps_pd(_mm_loadu_ps(p)));
#else
  VecHalfF v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, VecD);
#endif
}
inline void store_vec(double* p, VecD v) { std::memcpy(p, &v, sizeof v); }
inline void store_vec(float* p, VecD v) {
#if defined(__AVX512F__)
  _mm256_storeu_ps(p, _mm512_maskz_cvtpd_ps(0xff, reinterpret_cast<__m512d>(v)));
#elif defined(__AVX__)
  _mm_storeu_ps(p, _mm256_cvtpd_ps(reinterpret_cast<__m256d>(v)));
#else
  const VecHalfF f = __builtin_convertvector(v, VecHalfF);
  std::memcpy(p, &f, sizeof f);
#endif
}

// exp_f64 (ForF32 false) or exp_f64_for_f32 (true) of a vector of
// arguments in [-700, 709], bit for bit: the same reduction and series, and
// 2^k applied by adding k to the exponent field, exact where the result is
// normal (k >= -1010), as the two halves are. Callers check the range.
template <bool ForF32>
inline VecD exp_in_range(VecD x) {
  constexpr double shifter = 0x1.8p52;
  const VecD kd = x * 0x1.71547652b82fep0 + shifter;
  const VecD kr = kd - shifter;
  const VecD r = (x - kr * 0x1.62e42fefa3800p-1) - kr * 0x1.ef35793c7673p-45;
  VecD p;
  if constexpr (ForF32) {
    p = 1.0 + expm1_tail_f32(r);
  } else {
    p = splat(1.0 / 6227020800.0);
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * (r * r) + r;
    p = 1.0 + p;
  }
  // kd's low mantissa bits hold k (two's complement): shifted to the
  // exponent field, the bits of 1.5 * 2^52 leave the word.
  return reinterpret_cast<VecD>(reinterpret_cast<VecI>(p) + (reinterpret_cast<VecI>(kd) << 52));
}

// e^(x - m) for 8 binary32 lanes of a float row (x, m floats, x - m in
// [-80, 0]), to 2^-27 relative before its rounding to float, for the rows
// of float kernels whose e_j are kept in float anyway (issue #6):
//   d + lo = x - m exactly (d rounded, lo by Knuth's TwoSum: x - m in
//     binary32 is not exact, and its rounding error costs |x - m| / 2 ulp
//     of e, 8 ulp at x - m = -16);
//   k = round(8 d / ln 2), r = (d - k c_hi) + (lo - k c_lo), the first
//     part exact: |r| <= ln2/16 with two roundings of at most 2^-29, so
//     e^r needs Taylor to r^5 (truncation 2^-36.6);
//   e = 2^(k >> 3) (T_hi + T_lo) (1 + t), T = 2^((k & 7)/8) as a float pair
//     (an 8-entry table: one permute each), t = e^r - 1; the product formed
//     as hi = T_hi, lo = T_hi t + T_lo, e_f = hi + lo rounded once and
//     err = lo - (e_f - hi) its exact rounding error (Fast2Sum).
// The caller stores e_f (the same float the binary64 kernels stored) and
// sums e_f in binary64 and err in binary32 (err <= 2^-24 e_f, so its own
// rounding is below 2^-48 of the sum): the row's sum S is then accurate to
// 2^-27 relative, not 2^-24 as a sum of rounded e_f would be, and the loss
// log S keeps its rounding-only error. Measured against long double on 2e6
// values (x - m in [-80, 0] and in [-2s, 0], s = 1..64): e_f within 0.589
// float ulp of e and e_f + err within 2^-27.2 relative with FMA (avx2),
// 0.613 ulp and 2^-26.9 without (sse4); the row sums of 2000 rows of about
// 1000 classes within 0.012 x 2^-24 relative (the first version, whose
// ln2/8 split was 24 + 24 bits). Lanes with x - m < -80 (e below 2^-115, where err would
// lose bits to the subnormal range) or -inf lower d_min below -80: the
// caller computes that row by the binary64 path.
// The exponent shift k >> 3 is added to e_f's exponent field (e_f >=
// 2^-116 normal) and err is multiplied by 2^(k >> 3).
//
// Why 8 float lanes (measured, one 32000-class row in L2, best of 300 runs,
// AVX2 on the shared 2-core EPYC at load 4-5): the sum with e stored,
// 1.21 -> 0.69 ns/element (1.75x, with load_vec's and low_f64's AVX
// conversions); without the store 0.90 -> 0.68. Whole cross-entropy rows
// (max, exp and sum, gradient), class indices: forward 1.09 -> 0.76,
// with the gradient 1.55 -> 0.97 ns/element. Not 2x for the exp:
// the exact x - m (TwoSum, 5 adds), the table pair and the conversion of
// e_f to binary64 for the sum take back much of what the shorter
// polynomial on twice the lanes saves (about 40 instructions per 8
// elements against about 45 on 2 x 4 binary64 lanes).
using Vec8F = float __attribute__((vector_size(32)));
using Vec8I32 = std::int32_t __attribute__((vector_size(32)));
using Vec4D = double __attribute__((vector_size(32)));

// The low and high 4 floats of v in binary64 (GCC 12 lowers
// __builtin_convertvector of 4 floats to 4 doubles as two 2-lane
// conversions and an insert; AVX converts 4 at once).
inline Vec4D low_f64(Vec8F v) {
#if defined(__AVX__)
  return reinterpret_cast<Vec4D>(_mm256_cvtps_pd(_mm256_castps256_ps128(reinterpret_cast<__m256>(v))));
#else
  return __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), Vec4D);
#endif
}
inline Vec4D high_f64(Vec8F v) {
#if defined(__AVX__)
  return reinterpret_cast<Vec4D>(_mm256_cvtps_pd(_mm256_extractf128_ps(reinterpret_cast<__m256>(v), 1)));
#else
  return __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), Vec4D);
#endif
}

inline Vec8F exp_shifted_f32(Vec8F x, float m, Vec8F& err, Vec8F& d_min) {
  // 2^(j/8) = hi + lo, j = 0..7, rounded to nearest from mpmath at 200 bits.
  constexpr Vec8F t_hi = {0x1p+0f,          0x1.172b84p+0f, 0x1.306fep+0f,   0x1.4bfdaep+0f,
                          0x1.6a09e6p+0f,   0x1.8ace54p+0f, 0x1.ae89fap+0f,  0x1.d5818ep+0f};
  constexpr Vec8F t_lo = {0.0f,             -0x1.c15742p-27f, 0x1.4636e2p-25f, -0x1.593abcp-25f,
                          0x1.9fcef4p-26f,  0x1.15506ep-27f,  -0x1.a94b14p-26f, -0x1.822dbcp-27f};
  constexpr float shifter = 0x1.8p23f;
  const Vec8F d = x - m;
  const Vec8F bv = d - x, av = d - bv;
  const Vec8F lo = (x - av) + (-m - bv);
  d_min = d < d_min ? d : d_min;  // the caller checks d_min >= -80 (an -inf x gives -inf)
  const Vec8F kd = d * 0x1.715476p+3f + shifter;  // 8 / ln 2
  const Vec8F kf = kd - shifter;
  // ln2/8 = c_hi + c_lo, c_hi of 13 bits: k c_hi (|k| <= 924) is exact, and
  // so is d - k c_hi (Sterbenz), with or without a fused multiply-add.
  const Vec8F r = (d - kf * 0x1.62ep-4f) + (lo - kf * 0x1.0bfbe8p-18f);
  const Vec8F r2 = r * r;
  const Vec8F q = (r * (1.0f / 120) + (1.0f / 24)) * r2 + (r * (1.0f / 6) + 0.5f);
  const Vec8F t = q * r2 + r;
  const Vec8I32 ki = reinterpret_cast<Vec8I32>(kd);  // k in the low mantissa bits
  const Vec8I32 j = ki & 7;
  const Vec8F hi = __builtin_shuffle(t_hi, j);
  const Vec8F tl = __builtin_shuffle(t_lo, j);
  const Vec8F elo = hi * t + tl;
  const Vec8F ef = hi + elo;
  const Vec8F er = elo - (ef - hi);
  const Vec8I32 scale = (ki & ~7) << 20;  // (k >> 3) << 23
  err = er * reinterpret_cast<Vec8F>(scale + 0x3f800000);
  return reinterpret_cast<Vec8F>(reinterpret_cast<Vec8I32>(ef) + scale);
}

// log x in binary64: x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1
// (exact), log(1 + f) = 2 atanh(s) with s = f / (2 + f), |s| < 0.172, odd
// series to s^19 (truncation below 2^-60 relative). Subnormals are scaled
// by 2^54 first. log 0 = -inf, log of a negative or NaN = NaN, log inf = inf.
inline double log_f64(double x) {
  const bool sub = x < 0x1p-1022;
  const double xs = sub ? x * 0x1p54 : x;
  const std::int64_t bits = std::bit_cast<std::int64_t>(xs);
  // Offset so that mantissas >= sqrt(2) move to the next exponent.
  const std::int64_t shifted = bits - 0x3fe6a09e667f3bcdLL;
  const std::int64_t e = (shifted >> 52) - (sub ? 54 : 0);
  const std::int64_t mbits = bits - ((shifted >> 52) << 52);
  const double m = std::bit_cast<double>(mbits);
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double p = 2.0 / 19.0;
  p = p * z + 2.0 / 17.0;
  p = p * z + 2.0 / 15.0;
  p = p * z + 2.0 / 13.0;
  p = p * z + 2.0 / 11.0;
  p = p * z + 2.0 / 9.0;
  p = p * z + 2.0 / 7.0;
  p = p * z + 2.0 / 5.0;
  p = p * z + 2.0 / 3.0;
  // fdlibm's arrangement: log(1+f) = f - (f^2/2 - s (f^2/2 + R)), R = z p, so
  // that f (exact) carries the leading term and the division's rounding
  // only touches the small correction.
  const double hfsq = 0.5 * f * f;
  const double R = z * p;
  const double ed = static_cast<double>(e);
  const double l = ed * 0x1.62e42fefa3800p-1 + (f - ((hfsq - (s * (hfsq + R) + ed * 0x1.ef35793c7673p-45))));
  constexpr double inf = std::numeric_limits<double>::infinity();
  const double special = x == 0.0 ? -inf : (x == inf ? inf : std::numeric_limits<double>::quiet_NaN());
  return (x > 0.0 && x < inf) ? l : special;
}

// log(1 + u) from log_f64: w = 1 + u rounded, log(w) u / (w - 1) corrects
// for the rounding of w (Goldberg's construction, a few binary64 ulp);
// w = 1 gives u. For float kernels, whose outputs cannot see the difference
// from libm's log1p.
inline double log1p_f64(double u) {
  const double w = 1.0 + u;
  const double l = log_f64(w);
  return w == 1.0 ? u : l * (u / (w - 1.0));
}

// log_f64 and log1p_f64 of a vector, lane for lane the same operations
// (GCC does not vectorize the scalar forms' loops: their 64-bit shifts and
// selects stay scalar), for the loops of float kernels.
inline VecD log_vec(VecD x) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const VecI sub = x < 0x1p-1022;
  const VecD xs = sub ? x * 0x1p54 : x;
  const VecI bits = reinterpret_cast<VecI>(xs);
  const VecI shifted = bits - 0x3fe6a09e667f3bcdLL;
  const VecI ex = (shifted >> 52) - (sub & 54);
  const VecI mbits = bits - ((shifted >> 52) << 52);
  const VecD m = reinterpret_cast<VecD>(mbits);
  const VecD f = m - 1.0;
  const VecD s = f / (2.0 + f);
  const VecD z = s * s;
  VecD p = splat(2.0 / 19.0);
  p = p * z + 2.0 / 17.0;
  p = p * z + 2.0 / 15.0;
  p = p * z + 2.0 / 13.0;
  p = p * z + 2.0 / 11.0;
  p = p * z + 2.0 / 9.0;
  p = p * z + 2.0 / 7.0;
  p = p * z + 2.0 / 5.0;
  p = p * z + 2.0 / 3.0;
  const VecD hfsq = 0.5 * f * f;
  const VecD R = z * p;
  // ex to binary64 by the 1.5 * 2^52 trick (exact for |ex| < 2^51): AVX2
  // has no 64-bit integer to double conversion, and GCC's
  // __builtin_convertvector made it four scalar ones with their lane moves.
  // With it, kl_div's float rows went from 4.05 to 3.78 ns/element (one
  // 32000-element row in L2, 1 thread, best of 100, load 4.3).
  const VecD ed = reinterpret_cast<VecD>(ex + reinterpret_cast<VecI>(splat(0x1.8p52))) - 0x1.8p52;
  const VecD l = ed * 0x1.62e42fefa3800p-1 + (f - ((hfsq - (s * (hfsq + R) + ed * 0x1.ef35793c7673p-45))));
  const VecD special = x == 0.0 ? splat(-inf) : (x == inf ? splat(inf) : splat(std::numeric_limits<double>::quiet_NaN()));
  return ((x > 0.0) & (x < inf)) ? l : special;
}

inline VecD log1p_vec(VecD u) {
  const VecD w = 1.0 + u;
  const VecD l = log_vec(w);
  return w == 1.0 ? u : l * (u / (w - 1.0));
}

}  // namespace lossoracle::optimized
