// The only translation unit that instantiates Boost.Multiprecision's MPFI
// backend: the loss templates see Real through real.hpp alone.
#include "reference/real.hpp"

#include <mpfr.h>

#include <boost/multiprecision/mpfi.hpp>
#include <cmath>
#include <limits>

#include "reference/real_state.hpp"

namespace lossoracle::reference {

namespace {

unsigned g_precision_bits = 256;

struct ExponentRange {
  // Inputs up to 2^1024 and shifted exponentials down to exp(-2^1025) must
  // neither overflow nor underflow, so the widest range MPFR allows is used.
  ExponentRange() {
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
  }
};
const ExponentRange g_range;


Interval nan_interval() {
  Interval r = fresh_interval();
  mpfr_set_nan(&r.backend().data()->left);
  mpfr_set_nan(&r.backend().data()->right);
  return r;
}

bool has_infinite_end(const Interval& v) {
  return mpfr_inf_p(&v.backend().data()->left) || mpfr_inf_p(&v.backend().data()->right);
}

bool is_point_zero(const Interval& v) {
  return mpfr_zero_p(&v.backend().data()->left) && mpfr_zero_p(&v.backend().data()->right);
}

bool is_nan_interval(const Interval& v) { return mpfi_nan_p(v.backend().data()) != 0; }

bool is_point_interval(const Interval& v) {
  return mpfr_equal_p(&v.backend().data()->left, &v.backend().data()->right) != 0;
}

Interval entire() {
  Interval r = fresh_interval();
  mpfi_set_d(r.backend().data(), 0.0);
  mpfr_set_inf(&r.backend().data()->left, -1);
  mpfr_set_inf(&r.backend().data()->right, +1);
  return r;
}

Interval with_precision(const Interval& v) {
  Interval r = fresh_interval();
  mpfi_set(r.backend().data(), v.backend().data());
  return r;
}

}  // namespace

Interval fresh_interval() {
  Interval r;
  mpfi_set_prec(r.backend().data(), g_precision_bits);
  return r;
}

void Real::set_precision(unsigned bits) { g_precision_bits = bits; }
unsigned Real::precision() { return g_precision_bits; }

Real::Real() : state_(std::make_unique<State>(State{fresh_interval()})) {
  mpfi_set_d(state_->v.backend().data(), 0.0);
}
Real::Real(double exact) : state_(std::make_unique<State>(State{fresh_interval()})) {
  if (std::isnan(exact)) {
    state_->v = nan_interval();
  } else {
    mpfi_set_d(state_->v.backend().data(), exact);
  }
}
Real::Real(const Real& o) : state_(std::make_unique<State>(*o.state_)) {}
Real::Real(Real&& o) noexcept = default;
Real& Real::operator=(const Real& o) {
  if (this != &o) *state_ = *o.state_;
  return *this;
}
Real& Real::operator=(Real&& o) noexcept = default;
Real::~Real() = default;

bool Real::is_nan() const { return is_nan_interval(state_->v); }
bool Real::is_point() const { return !is_nan() && is_point_interval(state_->v); }

double Real::approx() const {
  if (is_nan()) return std::numeric_limits<double>::quiet_NaN();
  const auto* d = state_->v.backend().data();
  if (mpfr_inf_p(&d->left) && mpfr_inf_p(&d->right) && mpfr_sgn(&d->left) == mpfr_sgn(&d->right))
    return mpfr_get_d(&d->left, MPFR_RNDN);
  mpfr_t mid;
  mpfr_init2(mid, mpfi_get_prec(d));
  mpfi_mid(mid, d);
  const double r = mpfr_get_d(mid, MPFR_RNDN);
  mpfr_clear(mid);
  return r;
}

double Real::lower_rd() const { return mpfr_get_d(&state_->v.backend().data()->left, MPFR_RNDD); }
double Real::upper_ru() const { return mpfr_get_d(&state_->v.backend().data()->right, MPFR_RNDU); }

namespace {
Real wrap(Interval v) {
  Real r;
  r.state().v = std::move(v);
  return r;
}

// An end of MPFI's result is NaN where its operands' ends meet as inf - inf
// or inf / inf. The exact operands are then NaN-making only if both are
// those exact infinities (point intervals); otherwise the exact result may
// be any value, so it is the whole line (unresolved, retried at a higher
// precision), never a NaN the exact value may not deserve. Without this, an
// unresolved [-inf, inf] plus an exact +inf read as a proven NaN.
Real certain_or_entire(Interval r, const Interval& x, const Interval& y) {
  if (is_nan_interval(r) && !(is_point_interval(x) && is_point_interval(y))) return wrap(entire());
  return wrap(std::move(r));
}
}  // namespace

Real operator+(const Real& a, const Real& b) {
  const Interval& x = a.state().v;
  const Interval& y = b.state().v;
  if (is_nan_interval(x) || is_nan_interval(y)) return wrap(nan_interval());
  Interval r = fresh_interval();
  mpfi_add(r.backend().data(), x.backend().data(), y.backend().data());
  return certain_or_entire(std::move(r), x, y);
}
Real operator-(const Real& a, const Real& b) {
  const Interval& x = a.state().v;
  const Interval& y = b.state().v;
  if (is_nan_interval(x) || is_nan_interval(y)) return wrap(nan_interval());
  Interval r = fresh_interval();
  mpfi_sub(r.backend().data(), x.backend().data(), y.backend().data());
  return certain_or_entire(std::move(r), x, y);
}
Real operator-(const Real& a) {
  Interval r = fresh_interval();
  mpfi_neg(r.backend().data(), a.state().v.backend().data());
  return wrap(std::move(r));
}

Real operator*(const Real& a, const Real& b) {
  const Interval& x = a.state().v;
  const Interval& y = b.state().v;
  if (is_nan_interval(x) || is_nan_interval(y)) return wrap(nan_interval());
  // MPFI defines 0 * inf = 0; IEEE (and so every library we judge) says NaN.
  for (const auto* pair : {&x, &y}) {
    const Interval& zero = *pair;
    const Interval& other = (pair == &x) ? y : x;
    if (is_point_zero(zero) && has_infinite_end(other)) {
      return wrap(is_point_interval(other) ? nan_interval() : entire());
    }
  }
  Interval r = fresh_interval();
  mpfi_mul(r.backend().data(), x.backend().data(), y.backend().data());
  return wrap(std::move(r));
}

Real operator/(const Real& a, const Real& b) {
  const Interval& x = a.state().v;
  const Interval& y = b.state().v;
  if (is_nan_interval(x) || is_nan_interval(y)) return wrap(nan_interval());
  if (is_point_zero(y)) {
    // IEEE: 0/0 is NaN, x/0 is an infinity of x's sign.
    if (is_point_zero(x)) return wrap(nan_interval());
    const auto* d = x.backend().data();
    if (mpfr_sgn(&d->left) > 0) return wrap(with_precision(Interval(std::numeric_limits<double>::infinity())));
    if (mpfr_sgn(&d->right) < 0) return wrap(with_precision(Interval(-std::numeric_limits<double>::infinity())));
    return wrap(entire());
  }
  if (has_infinite_end(x) && has_infinite_end(y) && is_point_interval(x) && is_point_interval(y))
    return wrap(nan_interval());
  Interval r = fresh_interval();
  mpfi_div(r.backend().data(), x.backend().data(), y.backend().data());
  return certain_or_entire(std::move(r), x, y);
}

Real exp(const Real& a) {
  Interval r = fresh_interval();
  mpfi_exp(r.backend().data(), a.state().v.backend().data());
  return wrap(std::move(r));
}
// Below a function's domain IEEE gives NaN. MPFI clips an interval that only
// reaches below it; the exact value may then be inside the domain or not, so
// the answer is the whole line (unresolved, and retried at a higher
// precision) rather than a NaN the exact value may not deserve.
namespace {
Real outside_domain(const Real& a, mpfr_srcptr bound_below) {
  const auto* d = a.state().v.backend().data();
  if (mpfr_cmp(&d->right, bound_below) < 0) return wrap(nan_interval());
  return wrap(entire());
}
bool reaches_below(const Real& a, mpfr_srcptr bound) {
  return mpfr_cmp(&a.state().v.backend().data()->left, bound) < 0;
}
struct Bound {
  mpfr_t v;
  explicit Bound(long x) {
    mpfr_init2(v, 64);
    mpfr_set_si(v, x, MPFR_RNDN);
  }
  ~Bound() { mpfr_clear(v); }
};
}  // namespace

Real log(const Real& a) {
  const Bound zero(0);
  if (reaches_below(a, zero.v)) return outside_domain(a, zero.v);
  Interval r = fresh_interval();
  mpfi_log(r.backend().data(), a.state().v.backend().data());
  return wrap(std::move(r));
}
Real log1p(const Real& a) {
  const Bound minus_one(-1);
  if (reaches_below(a, minus_one.v)) return outside_domain(a, minus_one.v);
  Interval r = fresh_interval();
  mpfi_log1p(r.backend().data(), a.state().v.backend().data());
  return wrap(std::move(r));
}
Real abs(const Real& a) {
  Interval r = fresh_interval();
  mpfi_abs(r.backend().data(), a.state().v.backend().data());
  return wrap(std::move(r));
}
Real sqrt(const Real& a) {
  const Bound zero(0);
  if (reaches_below(a, zero.v)) return outside_domain(a, zero.v);
  Interval r = fresh_interval();
  mpfi_sqrt(r.backend().data(), a.state().v.backend().data());
  return wrap(std::move(r));
}
Real pow(const Real& x, const Real& y) {
  if (is_point_zero(x.state().v) && approx(y) > 0) return Real(0.0);
  return exp(y * log(x));
}

}  // namespace lossoracle::reference
