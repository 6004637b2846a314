// What the loss templates need from a number type T beyond + - * / exp log:
// a binary64 view used only to branch on exact inputs (the max shift of
// log-sum-exp, zero targets, non-finite entries). Specialise NumberTraits for
// a type whose conversion to double is not spelled static_cast<double>.
#pragma once

#include "reference/real.hpp"

namespace lossoracle::reference {

template <class T>
struct NumberTraits {
  static double approx(const T& x) { return static_cast<double>(x); }
};

template <>
struct NumberTraits<Real> {
  static double approx(const Real& x) { return x.approx(); }
};

template <class T>
double value_of(const T& x) {
  return NumberTraits<T>::approx(x);
}

}  // namespace lossoracle::reference
