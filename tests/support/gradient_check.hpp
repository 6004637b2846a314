// Checks a loss's analytic gradient on one case, for any loss of the loss
// list (core/loss_list.hpp), three independent ways:
//   - forward-mode autodiff: the evaluator instantiated with a dual number
//     over a 100-digit cpp_bin_float (Boost 1.74's autodiff does not compile
//     over MPFR; this also keeps the check independent of MPFR);
//   - central finite differences at ~1030 bits (MPFR), h = 2^-120;
//   - the analytic gradient itself, evaluated in the 100-digit type.
// The derivative of sum_k g_k out_k along a direction u on one input
// ("input" or "target") must equal sum_k grad_k u_k to 1e-30 relative.
#pragma once

#include <gtest/gtest.h>

#include <boost/math/differentiation/autodiff.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <ios>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/loss_list.hpp"
#include "tests/support/oracle_case.hpp"

namespace lossoracle::testing_support {

namespace bmp = boost::multiprecision;
namespace bad = boost::math::differentiation;

using Hp = bmp::number<bmp::cpp_bin_float<100>, bmp::et_off>;
using Dual = bad::autodiff_fvar<Hp, 1>;
using Mp = bmp::mpfr_float;

constexpr unsigned kMpDigits10 = 310;  // ~1030 bits
constexpr double kRelativeTolerance = 1e-30;
// Where the true derivative is 0 both methods leave ~1e-72 or less of noise;
// a real gradient error (>= 1e-20 relative of an entry >= ~1e-12) is far above.
constexpr double kAbsoluteFloor = 1e-60;

}  // namespace lossoracle::testing_support

// The templates branch on a binary64 view of exact inputs; for a dual number
// that is its value part (the t = 0 point), never the tangent.
template <>
struct lossoracle::reference::NumberTraits<lossoracle::testing_support::Dual> {
  static double approx(const lossoracle::testing_support::Dual& x) { return static_cast<double>(x.derivative(0)); }
};

namespace lossoracle::testing_support {

template <class T>
std::string text(const T& v) {
  return v.str(40, std::ios_base::scientific);
}

// The one comparison every gradient check goes through, planted bugs included.
// `scale` guards against cancellation: the terms that summed to the derivative.
template <class N>
testing::AssertionResult agree(const char* method, const N& derivative, const N& claimed, const N& scale) {
  using std::abs;
  const N diff = abs(N(derivative - claimed));
  N magnitude = scale;
  if (abs(derivative) > magnitude) magnitude = abs(derivative);
  if (abs(claimed) > magnitude) magnitude = abs(claimed);
  const N bound = magnitude * N(kRelativeTolerance) + N(kAbsoluteFloor);
  if (diff <= bound) return testing::AssertionSuccess();  // false for NaN
  return testing::AssertionFailure() << method << ": derivative " << text(derivative) << " but the analytic gradient says "
                                     << text(claimed) << " (difference " << text(diff) << ", bound " << text(bound) << ")";
}

// The scalar whose gradient the evaluators claim to return: the outputs
// weighted by grad_output (ones when absent).
template <class T>
T objective(const LossCase& c, const reference::LossResult<T>& r) {
  const Tensor* g = c.find("grad_output");
  T s(0.0);
  for (std::size_t k = 0; k < r.loss.size(); ++k) s += (g ? T(g->values[k]) : T(1.0)) * r.loss[k];
  return s;
}

// The analytic gradient with respect to `wrt` ("input" or "target").
template <class T>
const std::vector<T>& gradient(const reference::LossResult<T>& r, const std::string& wrt) {
  return wrt == "input" ? r.grad_input : r.grad_target;
}

// sum_k grad_k u_k, and sum_k |grad_k u_k| as the scale of that sum.
template <class T>
std::pair<T, T> claimed_derivative(const LossCase& c, const std::string& wrt, const std::vector<double>& u) {
  const reference::LossResult<T> r = evaluator_for<T>(c.loss)(c, reference::inputs_as<T>(c));
  const std::vector<T>& g = gradient(r, wrt);
  if (g.size() != u.size()) throw std::invalid_argument(c.loss + ": no gradient with respect to " + wrt);
  T sum(0.0), scale(0.0);
  for (std::size_t k = 0; k < u.size(); ++k) {
    sum += g[k] * T(u[k]);
    scale += abs(T(g[k] * T(u[k])));
  }
  return {sum, scale};
}

inline testing::AssertionResult forward_mode_agrees(const LossCase& c, const std::string& wrt,
                                                     const std::vector<double>& u) {
  const auto [claimed, scale] = claimed_derivative<Hp>(c, wrt, u);
  reference::Inputs<Dual> v = reference::inputs_as<Dual>(c);
  const Dual t = bad::make_fvar<Hp, 1>(Hp(0));
  for (std::size_t k = 0; k < u.size(); ++k) v[wrt][k] = v[wrt][k] + t * Hp(u[k]);
  const Dual f = objective(c, evaluator_for<Dual>(c.loss)(c, v));
  return agree("forward-mode autodiff", Hp(f.derivative(1)), claimed, scale);
}

inline testing::AssertionResult finite_difference_agrees(const LossCase& c, const std::string& wrt,
                                                          const std::vector<double>& u) {
  Mp::default_precision(kMpDigits10);
  const auto [claimed, scale] = claimed_derivative<Mp>(c, wrt, u);
  const Mp h = ldexp(Mp(1), -120);
  reference::Inputs<Mp> plus = reference::inputs_as<Mp>(c), minus = plus;
  for (std::size_t k = 0; k < u.size(); ++k) {
    plus[wrt][k] += h * u[k];
    minus[wrt][k] -= h * u[k];
  }
  const auto eval = evaluator_for<Mp>(c.loss);
  const Mp derivative = (objective(c, eval(c, plus)) - objective(c, eval(c, minus))) / (2 * h);
  return agree("central finite difference", derivative, claimed, scale);
}

}  // namespace lossoracle::testing_support
