// The oracle's number: a rigorous MPFI enclosure of an exact real value,
// with IEEE 754 meaning for the special values that the losses' semantics
// rely on (0 * inf is NaN, 0 / 0 is NaN), which plain MPFI does not give.
//
// Every arithmetic operation is out of line (real.cpp), so Boost's MPFI
// templates are instantiated in a single translation unit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace lossoracle::reference {

class Real {
 public:
  Real();
  Real(double exact);  // NOLINT: every binary64 converts exactly
  Real(const Real&);
  Real(Real&&) noexcept;
  Real& operator=(const Real&);
  Real& operator=(Real&&) noexcept;
  ~Real();

  // Working precision in bits for Reals created from now on (this thread).
  static void set_precision(unsigned bits);
  static unsigned precision();

  bool is_nan() const;
  bool is_point() const;    // the enclosure is one exact value
  double approx() const;    // midpoint rounded to binary64, for branch decisions on exact inputs
  double lower_rd() const;  // lower end rounded down to binary64
  double upper_ru() const;  // upper end rounded up to binary64

  // The opaque MPFI state, for the rounding code in rounding.cpp.
  struct State;
  const State& state() const { return *state_; }
  State& state() { return *state_; }

  friend Real operator+(const Real&, const Real&);
  friend Real operator-(const Real&, const Real&);
  friend Real operator*(const Real&, const Real&);
  friend Real operator/(const Real&, const Real&);
  friend Real operator-(const Real&);
  Real& operator+=(const Real& o) { return *this = *this + o; }
  Real& operator-=(const Real& o) { return *this = *this - o; }
  Real& operator*=(const Real& o) { return *this = *this * o; }
  Real& operator/=(const Real& o) { return *this = *this / o; }

  friend Real exp(const Real&);
  friend Real log(const Real&);
  friend Real log1p(const Real&);
  friend Real abs(const Real&);
  friend Real sqrt(const Real&);
  friend Real pow(const Real&, const Real&);  // x^y for x >= 0 (x = 0 gives 0 for y > 0)

 private:
  std::unique_ptr<State> state_;
};

// Branch decisions in the loss templates are made on exact inputs only, so a
// binary64 view of the midpoint decides them exactly.
inline double approx(const Real& x) { return x.approx(); }

}  // namespace lossoracle::reference
