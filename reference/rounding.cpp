#include "reference/rounding.hpp"

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "reference/real_state.hpp"

namespace lossoracle::reference {

const char* status_name(ProofStatus s) {
  switch (s) {
    case ProofStatus::exact: return "exact";
    case ProofStatus::proved: return "proved";
    case ProofStatus::tie: return "tie";
    case ProofStatus::zero: return "zero";
    case ProofStatus::nan: return "nan";
    case ProofStatus::unresolved: return "unresolved";
  }
  return "?";
}

namespace {

// Relative width the decimal string needs: 40 digits ~ 2^-133, with margin.
constexpr long kDecimalWidthLog2 = -140;

struct Mpfr {
  mpfr_t v;
  explicit Mpfr(mpfr_prec_t p) { mpfr_init2(v, p); }
  ~Mpfr() { mpfr_clear(v); }
  Mpfr(const Mpfr&) = delete;
  Mpfr& operator=(const Mpfr&) = delete;
};

// Is the positive exact value x the midpoint of its two neighbours `down` and
// `up` in a format? Past the largest finite value the upper neighbour is
// 2^top_exp, the first power of two the format cannot hold.
bool is_midpoint(mpfr_srcptr x, double down, double up, long top_exp) {
  if (down == up) return false;
  Mpfr a(160), b(160);
  mpfr_set_d(a.v, down, MPFR_RNDN);
  if (std::isinf(up)) {
    mpfr_set_ui_2exp(b.v, 1, top_exp, MPFR_RNDN);
  } else {
    mpfr_set_d(b.v, up, MPFR_RNDN);
  }
  mpfr_add(a.v, a.v, b.v, MPFR_RNDN);  // exact: neighbours share a binade
  mpfr_div_2ui(a.v, a.v, 1, MPFR_RNDN);
  return mpfr_equal_p(a.v, x) != 0;
}

struct Magnitude {
  Mpfr abs_value;
  explicit Magnitude(mpfr_srcptr x) : abs_value(mpfr_get_prec(x)) { mpfr_abs(abs_value.v, x, MPFR_RNDN); }
};

bool midpoint64(mpfr_srcptr x) {
  Magnitude m(x);
  return is_midpoint(m.abs_value.v, mpfr_get_d(m.abs_value.v, MPFR_RNDD), mpfr_get_d(m.abs_value.v, MPFR_RNDU), 1024);
}

bool midpoint32(mpfr_srcptr x) {
  Magnitude m(x);
  return is_midpoint(m.abs_value.v, mpfr_get_flt(m.abs_value.v, MPFR_RNDD), mpfr_get_flt(m.abs_value.v, MPFR_RNDU), 128);
}

// A binary format narrower than binary32 (all of its values are binary32
// values): significand bits with the implicit one, the exponent of its
// smallest normal binade and of its largest.
struct NarrowFormat {
  long precision, emin, emax;
};
constexpr NarrowFormat kBfloat16{8, -126, 127};
constexpr NarrowFormat kBinary16{11, -14, 15};

// x rounded to nearest, ties to even, in the format, straight from x: an
// integer count of the quantum of x's binade (the subnormal quantum below
// the normal range), overflowing to infinity from max + ulp/2 on (a tie there
// goes to the even neighbour 2^(emax+1), i.e. infinity). *tie says whether x
// is exactly a midpoint of two neighbours.
float round_narrow(mpfr_srcptr x, const NarrowFormat& f, bool* tie) {
  *tie = false;
  if (mpfr_nan_p(x)) return std::numeric_limits<float>::quiet_NaN();
  const float inf = mpfr_signbit(x) ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  if (mpfr_inf_p(x)) return inf;
  if (mpfr_zero_p(x)) return mpfr_signbit(x) ? -0.0f : 0.0f;
  Mpfr threshold(f.precision + 2);  // (2 - 2^-p) * 2^emax: the midpoint between max and 2^(emax+1)
  mpfr_set_ui_2exp(threshold.v, (2UL << f.precision) - 1, f.emax - f.precision, MPFR_RNDN);
  const int past = mpfr_cmpabs(x, threshold.v);
  if (past >= 0) {
    *tie = past == 0;
    return inf;
  }
  const long binade = std::max<long>(mpfr_get_exp(x) - 1, f.emin);  // |x| in [2^(exp-1), 2^exp)
  const long quantum = binade - f.precision + 1;
  Mpfr scaled(mpfr_get_prec(x)), fraction(mpfr_get_prec(x)), count(64);
  mpfr_mul_2si(scaled.v, x, -quantum, MPFR_RNDN);  // exact: a power of two
  mpfr_frac(fraction.v, scaled.v, MPFR_RNDN);      // exact: fewer bits than scaled
  mpfr_abs(fraction.v, fraction.v, MPFR_RNDN);
  *tie = mpfr_cmp_ui_2exp(fraction.v, 1, -1) == 0;
  mpfr_rint(count.v, scaled.v, MPFR_RNDN);  // ties to even; below 2^(p+1), so exact in 64 bits
  mpfr_mul_2si(count.v, count.v, quantum, MPFR_RNDN);
  return mpfr_get_flt(count.v, MPFR_RNDN);  // exact: every value of the format is a binary32
}

// Round-to-nearest images compare as values: +0 and -0 agree (the oracle
// does not certify the sign of a zero).
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The common rounding of both ends of an enclosure; a zero is negative only
// when both ends' are.
float agreed(float lo, float hi) { return lo == 0.0f ? (std::signbit(lo) && std::signbit(hi) ? -0.0f : 0.0f) : lo; }

std::string decimal_of(mpfr_srcptr x) {
  if (mpfr_nan_p(x)) return "nan";
  if (mpfr_inf_p(x)) return mpfr_sgn(x) > 0 ? "inf" : "-inf";
  if (mpfr_zero_p(x)) return "0";
  char* s = nullptr;
  mpfr_asprintf(&s, "%.39Re", x);
  std::string out(s);
  mpfr_free_str(s);
  return out;
}

}  // namespace

RoundedValue round_enclosure(const Real& value) {
  RoundedValue r;
  const mpfi_srcptr v = value.state().v.backend().data();
  if (value.is_nan()) {
    r.status = ProofStatus::nan;
    r.f64 = std::numeric_limits<double>::quiet_NaN();
    r.f32 = r.bf16 = r.f16 = std::numeric_limits<float>::quiet_NaN();
    r.lower = r.upper = r.f64;
    r.decimal = "nan";
    return r;
  }
  mpfr_srcptr lo = &v->left, hi = &v->right;
  r.lower = mpfr_get_d(lo, MPFR_RNDD);
  r.upper = mpfr_get_d(hi, MPFR_RNDU);
  Mpfr mid(mpfi_get_prec(v));
  mpfi_mid(mid.v, v);
  if (mpfr_inf_p(lo) && mpfr_inf_p(hi) && mpfr_sgn(lo) == mpfr_sgn(hi)) mpfr_set(mid.v, lo, MPFR_RNDN);

  if (mpfr_equal_p(lo, hi)) {
    r.f64 = mpfr_get_d(lo, MPFR_RNDN);
    r.f32 = mpfr_get_flt(lo, MPFR_RNDN);
    r.bf16 = round_narrow(lo, kBfloat16, &r.tie_bf16);
    r.f16 = round_narrow(lo, kBinary16, &r.tie_f16);
    if (mpfr_zero_p(lo)) r.f64 = 0.0, r.f32 = 0.0f, r.bf16 = 0.0f, r.f16 = 0.0f;
    r.tie64 = mpfr_number_p(lo) && midpoint64(lo);
    r.tie32 = mpfr_number_p(lo) && midpoint32(lo);
    r.status = (r.tie64 || r.tie32) ? ProofStatus::tie : ProofStatus::exact;
    r.decimal = decimal_of(lo);
    return r;
  }

  // Half the smallest binary64 subnormal: every value of magnitude up to it
  // rounds (ties to even) to zero in binary64, and so also in binary32.
  Mpfr half_tiny(8);
  mpfr_set_ui_2exp(half_tiny.v, 1, -1075, MPFR_RNDN);
  if (mpfr_number_p(lo) && mpfr_number_p(hi) && mpfr_cmpabs(lo, half_tiny.v) <= 0 &&
      mpfr_cmpabs(hi, half_tiny.v) <= 0) {
    r.status = ProofStatus::zero;
    r.f64 = 0.0;
    r.f32 = r.bf16 = r.f16 = 0.0f;
    r.decimal = "0";
    return r;
  }

  const double d_lo = mpfr_get_d(lo, MPFR_RNDN), d_hi = mpfr_get_d(hi, MPFR_RNDN);
  const float f_lo = mpfr_get_flt(lo, MPFR_RNDN), f_hi = mpfr_get_flt(hi, MPFR_RNDN);
  // Rounding is monotone: both ends rounding alike proves every point between them does.
  bool ignored = false;
  const float b_lo = round_narrow(lo, kBfloat16, &ignored), b_hi = round_narrow(hi, kBfloat16, &ignored);
  const float h_lo = round_narrow(lo, kBinary16, &ignored), h_hi = round_narrow(hi, kBinary16, &ignored);
  r.decimal = decimal_of(mid.v);
  bool narrow = false;
  if (mpfr_number_p(lo) && mpfr_number_p(hi) && mpfr_sgn(lo) == mpfr_sgn(hi) && !mpfr_zero_p(lo)) {
    Mpfr width(mpfi_get_prec(v));
    mpfr_sub(width.v, hi, lo, MPFR_RNDU);
    Mpfr bound(mpfi_get_prec(v));
    mpfr_abs(bound.v, mpfr_cmpabs(lo, hi) < 0 ? lo : hi, MPFR_RNDD);
    mpfr_mul_2si(bound.v, bound.v, kDecimalWidthLog2, MPFR_RNDD);
    narrow = mpfr_lessequal_p(width.v, bound.v) != 0;
  }
  if (narrow && same(d_lo, d_hi) && same(f_lo, f_hi)) {
    r.status = ProofStatus::proved;
    r.f64 = (d_lo == 0.0) ? (std::signbit(d_lo) && std::signbit(d_hi) ? -0.0 : 0.0) : d_lo;
    r.f32 = agreed(f_lo, f_hi);
    r.narrow_unresolved = !same(b_lo, b_hi) || !same(h_lo, h_hi);
    r.bf16 = r.narrow_unresolved ? round_narrow(mid.v, kBfloat16, &ignored) : agreed(b_lo, b_hi);
    r.f16 = r.narrow_unresolved ? round_narrow(mid.v, kBinary16, &ignored) : agreed(h_lo, h_hi);
  } else {
    r.status = ProofStatus::unresolved;
    r.f64 = mpfr_get_d(mid.v, MPFR_RNDN);
    r.f32 = mpfr_get_flt(mid.v, MPFR_RNDN);
    r.bf16 = round_narrow(mid.v, kBfloat16, &ignored);
    r.f16 = round_narrow(mid.v, kBinary16, &ignored);
  }
  return r;
}

}  // namespace lossoracle::reference
