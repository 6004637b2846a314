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

// e_c = exp(x_c - m) and E = sum_c e_c of one position, m its largest
// logit. The max shift is exact (inputs are exact) and only keeps exp in
// range; it does not change any value. Returns false for a row that PyTorch
// makes NaN throughout: one holding NaN or +inf, or only -inf. A -inf entry
// gives e_c = 0 exactly: a class of probability 0.
template <class T>
bool shifted_exponentials(const ClassLayout& L, const std::vector<T>& x, std::int64_t pos, std::vector<T>& shifted,
                          std::vector<T>& e, T& total) {
  const std::int64_t C = L.classes;
  double m = -std::numeric_limits<double>::infinity();
  bool undefined = false;
  for (std::int64_t c = 0; c < C; ++c) {
    const double v = value_of(x[L.at(pos, c)]);
    if (std::isnan(v) || v == std::numeric_limits<double>::infinity()) undefined = true;
    if (v > m) m = v;
  }
  if (undefined || m == -std::numeric_limits<double>::infinity()) return false;
  const T shift(m);
  total = T(0.0);
  shifted.resize(C);
  e.resize(C);
  for (std::int64_t c = 0; c < C; ++c) {
    shifted[c] = x[L.at(pos, c)] - shift;
    e[c] = exp(shifted[c]);
    total += e[c];
  }
  return true;
}

// log p and p of one position; NaN throughout for an undefined row (above).
template <class T>
void softmax_position(const ClassLayout& L, const std::vector<T>& x, std::int64_t pos, std::vector<T>& logp,
                      std::vector<T>& p) {
  const std::int64_t C = L.classes;
  std::vector<T> shifted, e;
  T total(0.0);
  if (!shifted_exponentials(L, x, pos, shifted, e, total)) {
    const T nan(std::numeric_limits<double>::quiet_NaN());
    logp.assign(C, nan);
    p.assign(C, nan);
    return;
  }
  const T log_total = log(total);
  logp.resize(C);
  p.resize(C);
  for (std::int64_t c = 0; c < C; ++c) {
    logp[c] = shifted[c] - log_total;
    p[c] = e[c] / total;
  }
}

template <class T>
bool all_finite(const std::vector<T>& v) {
  for (const T& a : v)
    if (!std::isfinite(value_of(a))) return false;
  return true;
}

// The backward of log_softmax for one position: given the cotangent G on
// logp, d/dx_j = G_j - p_j sum_c G_c. Losses call it after forming G (the
// two-stage order of PyTorch's autograd), so infinite cotangents and
// non-finite rows give PyTorch's NaN/inf patterns. Where everything is
// finite it is evaluated as (E G_j - e_j sum_c G_c) / E, the same number
// written over the unnormalised exponentials: for equal logits (e_c = 1,
// E = C) that is one exact quotient, which an interval can pin to a point
// (and so prove a tie), where p_j = 1/C could not.
template <class T>
void log_softmax_backward(const ClassLayout& L, const std::vector<T>& x, std::int64_t pos, const std::vector<T>& p,
                          const std::vector<T>& G, std::vector<T>& grad_input) {
  T total(0.0);
  for (std::int64_t c = 0; c < L.classes; ++c) total += G[c];
  std::vector<T> shifted, e;
  T E(0.0);
  if (all_finite(G) && all_finite(p) && shifted_exponentials(L, x, pos, shifted, e, E)) {
    for (std::int64_t j = 0; j < L.classes; ++j) grad_input[L.at(pos, j)] = (E * G[j] - e[j] * total) / E;
    return;
  }
  for (std::int64_t j = 0; j < L.classes; ++j) grad_input[L.at(pos, j)] = G[j] - p[j] * total;
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
  std::vector<T> logp, p, G(L.classes);
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    softmax_position(L, x, pos, logp, p);
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      r.loss[k] = logp[c];
      G[c] = grad_output ? (*grad_output)[k] : T(1.0);
    }
    log_softmax_backward(L, x, pos, p, G, r.grad_input);
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
  std::vector<T> logp, p, shifted, e, g(L.classes);
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    softmax_position(L, x, pos, logp, p);
    for (std::int64_t c = 0; c < L.classes; ++c) g[c] = grad_output ? (*grad_output)[L.at(pos, c)] : T(1.0);
    // d p_c / d x_j = p_c (delta_cj - p_j), so the VJP is p_c (g_c - sum_j g_j p_j),
    // written p_c sum_j p_j (g_c - g_j) (as sum_j p_j = 1): equal cotangents
    // give an exact zero. Over the unnormalised exponentials it is
    // e_c sum_j e_j (g_c - g_j) / E^2, exact up to one quotient for equal logits.
    T E(0.0);
    const bool exps = all_finite(g) && shifted_exponentials(L, x, pos, shifted, e, E);
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      r.loss[k] = p[c];
      T inner(0.0);
      for (std::int64_t j = 0; j < L.classes; ++j) inner += (exps ? e[j] : p[j]) * (g[c] - g[j]);
      r.grad_input[k] = exps ? T(e[c] * inner / (E * E)) : T(p[c] * inner);
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
