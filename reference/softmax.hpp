// log_softmax, softmax and the entropy of a distribution along the class
// dimension, with their vector-Jacobian products. Written for any number type
// T (the oracle's Real, MPFR, autodiff) so the gradient tests can run the very
// same code under forward-mode differentiation.
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "reference/layout.hpp"
#include "reference/number.hpp"
#include "reference/reduction.hpp"
#include "reference/result.hpp"

namespace lossoracle::reference {

// log p and p of one position. The max shift is exact (inputs are exact) and
// only keeps exp in range; it does not change the value. As in PyTorch, a row
// holding NaN or +inf, or only -inf, is NaN throughout; a -inf entry is a
// class of probability exactly 0.
template <class T>
void softmax_position(const ClassLayout& L, const std::vector<T>& x, std::int64_t pos, std::vector<T>& logp,
                      std::vector<T>& p) {
  const std::int64_t C = L.classes;
  logp.assign(C, T(0.0));
  p.assign(C, T(0.0));
  double m = -std::numeric_limits<double>::infinity();
  bool undefined = false;
  for (std::int64_t c = 0; c < C; ++c) {
    const double v = value_of(x[L.at(pos, c)]);
    if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) undefined = true;
    if (v > m) m = v;
  }
  if (undefined || m == -std::numeric_limits<double>::infinity()) {
    const T nan(std::numeric_limits<double>::quiet_NaN());
    logp.assign(C, nan);
    p.assign(C, nan);
    return;
  }
  const T shift(m);
  T total(0.0);
  std::vector<T> shifted(C);
  for (std::int64_t c = 0; c < C; ++c) {
    shifted[c] = x[L.at(pos, c)] - shift;
    p[c] = exp(shifted[c]);
    total += p[c];
  }
  const T log_total = log(total);
  for (std::int64_t c = 0; c < C; ++c) {
    logp[c] = shifted[c] - log_total;
    p[c] = p[c] / total;
  }
}

// Output shaped like the input; grad_output (like the input) defaults to ones.
template <class T>
LossResult<T> log_softmax(const ClassLayout& L, const Shape& input_shape, const std::vector<T>& x,
                          const std::vector<T>* grad_output) {
  LossResult<T> r;
  r.has_per_position = false;
  r.loss_shape = input_shape;
  r.loss.assign(x.size(), T(0.0));
  r.grad_input.assign(x.size(), T(0.0));
  std::vector<T> logp, p;
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    softmax_position(L, x, pos, logp, p);
    T gsum(0.0);
    for (std::int64_t c = 0; c < L.classes; ++c) gsum += grad_output ? (*grad_output)[L.at(pos, c)] : T(1.0);
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      r.loss[k] = logp[c];
      // d logp_c / d x_j = delta_cj - p_j
      r.grad_input[k] = (grad_output ? (*grad_output)[k] : T(1.0)) - p[c] * gsum;
    }
  }
  return r;
}

template <class T>
LossResult<T> softmax(const ClassLayout& L, const Shape& input_shape, const std::vector<T>& x,
                      const std::vector<T>* grad_output) {
  LossResult<T> r;
  r.has_per_position = false;
  r.loss_shape = input_shape;
  r.loss.assign(x.size(), T(0.0));
  r.grad_input.assign(x.size(), T(0.0));
  std::vector<T> logp, p;
  auto g = [&](std::int64_t k) { return grad_output ? (*grad_output)[k] : T(1.0); };
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    softmax_position(L, x, pos, logp, p);
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      r.loss[k] = p[c];
      // d p_c / d x_j = p_c (delta_cj - p_j), so the VJP is p_c (g_c - sum_j g_j p_j),
      // written p_c sum_j p_j (g_c - g_j) (as sum_j p_j = 1): equal cotangents then
      // give an exact zero, which an interval could never prove from 1 - sum_j p_j.
      T inner(0.0);
      for (std::int64_t j = 0; j < L.classes; ++j) inner += p[j] * (g(k) - g(L.at(pos, j)));
      r.grad_input[k] = p[c] * inner;
    }
  }
  return r;
}

// torch.special.entr: -x log x for x > 0, 0 at x = 0, -inf for x < 0.
template <class T>
T entr(const T& x) {
  const double v = value_of(x);
  if (std::isnan(v)) return x;
  if (v == 0.0) return T(0.0);
  if (v < 0.0) return T(-std::numeric_limits<double>::infinity());
  return -(x * log(x));
}

// H(p_n) = sum_c entr(p_nc); mean divides by the number of positions.
template <class T>
LossResult<T> entropy(const ClassLayout& L, const std::vector<T>& p, Reduction reduction,
                      const std::vector<T>* grad_output) {
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(L.positions(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < L.classes; ++c) r.per_position[pos] += entr(p[L.at(pos, c)]);
  Reduced<T> red =
      reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(L.positions())), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(p.size(), T(0.0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      // d entr / dx = -(1 + log x): +inf at 0, NaN below (PyTorch's entr backward).
      r.grad_input[k] = red.cotangent[pos] * -(T(1.0) + log(p[k]));
    }
  return r;
}

}  // namespace lossoracle::reference
