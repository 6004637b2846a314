#include "reference/rounding.hpp"

#include <mpfr.h>

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

// Round-to-nearest images compare as values: +0 and -0 agree (the oracle
// does not certify the sign of a zero).
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

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
    r.f32 = std::numeric_limits<float>::quiet_NaN();
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
    if (mpfr_zero_p(lo)) r.f64 = 0.0, r.f32 = 0.0f;
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
    r.f32 = 0.0f;
    r.decimal = "0";
    return r;
  }

  const double d_lo = mpfr_get_d(lo, MPFR_RNDN), d_hi = mpfr_get_d(hi, MPFR_RNDN);
  const float f_lo = mpfr_get_flt(lo, MPFR_RNDN), f_hi = mpfr_get_flt(hi, MPFR_RNDN);
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
    r.f32 = (f_lo == 0.0f) ? (std::signbit(f_lo) && std::signbit(f_hi) ? -0.0f : 0.0f) : f_lo;
  } else {
    r.status = ProofStatus::unresolved;
    r.f64 = mpfr_get_d(mid.v, MPFR_RNDN);
    r.f32 = mpfr_get_flt(mid.v, MPFR_RNDN);
  }
  return r;
}

}  // namespace lossoracle::reference
