// Soft-label losses of incendio 0.14.0 (incendio/losses.py), and the
// classification MAE of its losses notebook (seed 001), to the letter:
//   smooth_soft_labels(y, alpha)
//   soft_label_cross_entropy_with_logits(x, y, alpha, reduction)
//   soft_label_cross_entropy(p, y, alpha, reduction)        (probabilities)
//   classification_mae_with_logits(x, y, reduction)
// The class dimension is the last one (incendio's dim=-1), not PyTorch's dim 1.
// Gradients are those of PyTorch's autograd through incendio's expressions;
// each derivation sits above its code. docs/spec-parts/soft_label.md is the
// specification.
#pragma once

#include <mpfr.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "reference/cross_entropy.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

// Tensor.sum(dim)/Tensor.mean(dim) of the per-position tensor along `axis`;
// a 0-dim tensor reduces to itself (PyTorch accepts dim 0 and -1 there).
// Mean over an empty axis is 0/0 = NaN, as in PyTorch.
template <class T>
Reduced<T> reduce_along(const std::vector<T>& v, const Shape& shape, Reduction r, std::size_t axis,
                        const std::vector<T>* grad_output) {
  if (r == Reduction::none || shape.empty()) {
    Reduced<T> out = reduce(v, shape, Reduction::none, T(1.0), grad_output);
    out.shape = r == Reduction::none ? shape : Shape{};
    return out;
  }
  Reduced<T> out;
  out.shape = shape;
  out.shape.erase(out.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  const std::int64_t extent = shape[axis];
  std::int64_t inner = 1;
  for (std::size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  auto out_index = [&](std::size_t i) {
    const std::int64_t k = static_cast<std::int64_t>(i);
    return static_cast<std::size_t>((k / (extent * inner)) * inner + k % inner);
  };
  out.loss.assign(static_cast<std::size_t>(element_count(out.shape)), T(0.0));
  for (std::size_t i = 0; i < v.size(); ++i) out.loss[out_index(i)] += v[i];
  const T count(static_cast<double>(extent));
  if (r == Reduction::mean)
    for (T& l : out.loss) l = l / count;
  out.cotangent.resize(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const T g = grad_output ? (*grad_output)[out_index(i)] : T(1.0);
    out.cotangent[i] = r == Reduction::mean ? T(g / count) : g;
  }
  return out;
}

// The sign of y*k - a, exactly, for binary64 y (not NaN), finite a, k >= 1:
// y*k needs at most 53 + 63 bits, so 128-bit MPFR holds it without rounding.
inline int compare_scaled(double y, std::int64_t k, double a) {
  mpfr_t product;
  mpfr_init2(product, 128);
  mpfr_set_d(product, y, MPFR_RNDN);
  mpfr_mul_si(product, product, static_cast<long>(k), MPFR_RNDN);
  const int s = mpfr_cmp_d(product, a);
  mpfr_clear(product);
  return s > 0 ? 1 : s < 0 ? -1 : 0;
}

// How a smoothed label came about. Its derivative with respect to the label
// is 1 for `unchanged` and `kept`, 0 for `clamped` and `nan`: PyTorch's
// clamp_min backward is where(self >= min, grad, 0), which passes the
// gradient at the kink itself (self == min) and stops it at NaN.
enum class SmoothedFrom { unchanged, kept, clamped, nan };

inline bool passes_gradient(SmoothedFrom f) { return f == SmoothedFrom::unchanged || f == SmoothedFrom::kept; }

// smooth_soft_labels on one position (incendio):
//   alpha == 0:  t = y  (returned as is)
//   otherwise:   t_c = max(y_c - alpha/k, 0) + alpha/C,  k = #{c : y_c > 0}
// k = 0 makes alpha/k = +inf, so every finite label is clamped: the row becomes
// uniform alpha/C. NaN labels are not counted in k and stay NaN (clamp_min
// propagates NaN); y = +inf is kept (+inf), y = -inf is clamped.
// The clamp is decided exactly (y_c k >= alpha); PyTorch decides on float32
// y - (1/k) alpha. alpha is finite and >= 0 (checked by the evaluator).
template <class T>
void smooth_position(const ClassLayout& L, const std::vector<T>& y, std::int64_t pos, double alpha, std::vector<T>& t,
                     std::vector<SmoothedFrom>& from) {
  const std::int64_t C = L.classes;
  t.assign(C, T(0.0));
  from.assign(C, SmoothedFrom::unchanged);
  if (alpha == 0.0) {
    for (std::int64_t c = 0; c < C; ++c) t[c] = y[L.at(pos, c)];
    return;
  }
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::int64_t k = 0;
  for (std::int64_t c = 0; c < C; ++c)
    if (value_of(y[L.at(pos, c)]) > 0.0) ++k;
  const T spread = T(alpha) / T(static_cast<double>(C));
  for (std::int64_t c = 0; c < C; ++c) {
    const T& yc = y[L.at(pos, c)];
    const double v = value_of(yc);
    if (std::isnan(v)) {
      t[c] = T(std::numeric_limits<double>::quiet_NaN());
      from[c] = SmoothedFrom::nan;
      continue;
    }
    const int side = k == 0 || v == -inf ? -1 : v == inf ? 1 : compare_scaled(v, k, alpha);
    if (side < 0) {
      t[c] = spread;
      from[c] = SmoothedFrom::clamped;
    } else {
      // At the kink y - alpha/k is exactly 0; written y - value(y), it keeps
      // derivative 1 (the convention above) and an exact value.
      t[c] = side > 0 ? T(yc - T(alpha) / T(static_cast<double>(k)) + spread) : T((yc - T(v)) + spread);
      from[c] = SmoothedFrom::kept;
    }
  }
}

// smooth_soft_labels as a function of its own: output shaped like the labels.
// VJP: grad_c * 1 where the label passes the gradient, 0 elsewhere.
template <class T>
LossResult<T> smooth_soft_labels(const ClassLayout& L, const Shape& shape, const std::vector<T>& y, double alpha,
                                 const std::vector<T>* grad_output) {
  LossResult<T> r;
  r.has_per_position = false;
  r.loss_shape = shape;
  r.loss.assign(y.size(), T(0.0));
  r.grad_input.assign(y.size(), T(0.0));
  std::vector<T> t;
  std::vector<SmoothedFrom> from;
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    smooth_position(L, y, pos, alpha, t, from);
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      r.loss[k] = t[c];
      if (passes_gradient(from[c])) r.grad_input[k] = grad_output ? (*grad_output)[k] : T(1.0);
    }
  }
  return r;
}

// soft_label_cross_entropy_with_logits:
//   l_n = sum_c (-t_nc) * logp_nc,  t = smooth_soft_labels(y, alpha),  logp = log_softmax(x, -1)
// reduced with Tensor.sum(0)/.mean(0): along the first dimension only.
// Autograd through (-t) * logp with cotangent s_n on l_n:
//   on logp_c: s_n (-t_c), then the log_softmax backward;
//   on t_c:    -(s_n logp_c), then the smoothing's mask (passes_gradient).
template <class T>
LossResult<T> soft_label_cross_entropy_with_logits(Reduction reduction, const ClassLayout& L, const std::vector<T>& x,
                                                   const std::vector<T>& y, double alpha,
                                                   const std::vector<T>* grad_output) {
  const std::int64_t P = L.positions();
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(P, T(0.0));
  std::vector<std::vector<T>> logps(P), probs(P), targets(P);
  std::vector<std::vector<SmoothedFrom>> froms(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logps[pos], probs[pos]);
    smooth_position(L, y, pos, alpha, targets[pos], froms[pos]);
    T l(0.0);
    for (std::int64_t c = 0; c < L.classes; ++c) l += -targets[pos][c] * logps[pos][c];
    r.per_position[pos] = l;
  }
  const Reduced<T> red = reduce_along(r.per_position, r.position_shape, reduction, 0, grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  r.grad_target.assign(y.size(), T(0.0));
  r.has_grad_target = true;
  std::vector<T> G(L.classes);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    const T& s = red.cotangent[pos];
    for (std::int64_t c = 0; c < L.classes; ++c) {
      G[c] = s * -targets[pos][c];
      if (passes_gradient(froms[pos][c])) r.grad_target[L.at(pos, c)] = -(s * logps[pos][c]);
    }
    log_softmax_backward(L, x, pos, probs[pos], G, r.grad_input);
  }
  return r;
}

// Whether a smoothed label is finite, from how it came about (exact inputs).
template <class T>
bool smoothed_is_finite(SmoothedFrom from, const T& label) {
  if (from == SmoothedFrom::clamped) return true;  // alpha/C, alpha finite
  return from != SmoothedFrom::nan && std::isfinite(value_of(label));
}

// soft_label_cross_entropy, on probabilities p:
//   term_c = (-t_c) * log(p_c),  zeroed where it is NaN or +-inf,  l_n = sum_c term_c
// (torch.where(isnan | isinf, 0, term)). A term is finite exactly when t_c is
// finite and 0 < p_c < +inf, so that is the test, made on exact values.
// Autograd: where() sends the cotangent to kept terms only; a zeroed term
// still runs the mul and log backward with a zero cotangent:
//   on p_c: (m_c s_n) (-t_c) / p_c,  m_c = 1 if kept else 0
//     (NaN at a zeroed term where p_c = 0 or NaN or t_c is not finite, as in PyTorch)
//   on t_c: -((m_c s_n) log p_c), then the smoothing's mask.
template <class T>
LossResult<T> soft_label_cross_entropy(Reduction reduction, const ClassLayout& L, const std::vector<T>& p,
                                       const std::vector<T>& y, double alpha, const std::vector<T>* grad_output) {
  const std::int64_t P = L.positions();
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(P, T(0.0));
  std::vector<std::vector<T>> targets(P);
  std::vector<std::vector<SmoothedFrom>> froms(P);
  std::vector<std::vector<char>> kept(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    smooth_position(L, y, pos, alpha, targets[pos], froms[pos]);
    kept[pos].assign(L.classes, 0);
    T l(0.0);
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      const double pv = value_of(p[k]);
      kept[pos][c] = smoothed_is_finite(froms[pos][c], y[k]) && std::isfinite(pv) && pv > 0.0;
      if (kept[pos][c]) l += -targets[pos][c] * log(p[k]);
    }
    r.per_position[pos] = l;
  }
  const Reduced<T> red = reduce_along(r.per_position, r.position_shape, reduction, 0, grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(p.size(), T(0.0));
  r.grad_target.assign(y.size(), T(0.0));
  r.has_grad_target = true;
  for (std::int64_t pos = 0; pos < P; ++pos)
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      const T s = kept[pos][c] ? red.cotangent[pos] : T(0.0);
      r.grad_input[k] = s * -targets[pos][c] / p[k];
      if (passes_gradient(froms[pos][c])) r.grad_target[k] = -(s * log(p[k]));
    }
  return r;
}

// The sign of a computed, nonzero value as a T (exact zeros are decided
// before). A Real enclosure that still straddles 0 gives the whole line, so
// the oracle raises its precision instead of guessing a sign.
template <class T>
struct SignOf {
  static T of(const T& x) {
    const double v = value_of(x);
    return T(v > 0.0 ? 1.0 : v < 0.0 ? -1.0 : 0.0);
  }
};

template <>
struct SignOf<Real> {
  static Real of(const Real& x) {
    if (x.lower_rd() > 0.0) return Real(1.0);
    if (x.upper_ru() < 0.0) return Real(-1.0);
    return x / abs(x);  // divides by an interval [0, m]: MPFI gives the entire line
  }
};

// classification_mae_with_logits (seed 001's notebook):
//   l_n = sum_c |softmax(x)_nc - y_nc|   (F.l1_loss(reduction='none').sum(-1))
// reduced with Tensor.sum(dim=-1)/.mean(dim=-1): along the LAST dimension of
// l, i.e. the batch for (N, C) input but the last leading dimension for more.
// Autograd: abs backward is grad * sgn(d) with sgn(0) = 0 and, in PyTorch,
// sgn(NaN) = 0 too; then the softmax backward on x and -(.) on y:
//   G_c = s_n sgn(p_c - y_c);  d/dx_j = p_j (G_j - sum_c p_c G_c);  d/dy_c = -G_c.
// p_c = y_c exactly only when p_c is rational: x_c = -inf (p_c = 0), or every
// logit that is not -inf equals x_c (p_c = 1/m, m of them); Lindemann-Weierstrass
// rules out every other case. Those zeros are decided exactly; elsewhere the
// sign is that of a nonzero number, which the oracle refines until certain.
template <class T>
LossResult<T> classification_mae_with_logits(Reduction reduction, const ClassLayout& L, const std::vector<T>& x,
                                             const std::vector<T>& y, const std::vector<T>* grad_output) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const std::int64_t P = L.positions();
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.assign(P, T(0.0));
  std::vector<std::vector<T>> probs(P), signs(P);
  std::vector<T> logp;
  for (std::int64_t pos = 0; pos < P; ++pos) {
    softmax_position(L, x, pos, logp, probs[pos]);
    std::int64_t m = 0;
    bool all_equal = true;
    double common = inf;
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const double v = value_of(x[L.at(pos, c)]);
      if (v == -inf) continue;
      if (m > 0 && v != common) all_equal = false;
      common = v;
      ++m;
    }
    signs[pos].assign(L.classes, T(0.0));
    T l(0.0);
    for (std::int64_t c = 0; c < L.classes; ++c) {
      const std::int64_t k = L.at(pos, c);
      const double xv = value_of(x[k]), yv = value_of(y[k]), pv = value_of(probs[pos][c]);
      const bool defined = !std::isnan(pv) && !std::isnan(yv);
      const bool exact_zero = defined && ((xv == -inf && yv == 0.0) ||
                                          (std::isfinite(xv) && all_equal && std::isfinite(yv) &&
                                           compare_scaled(yv, m, 1.0) == 0));
      const T d = probs[pos][c] - y[k];
      l += exact_zero ? T(0.0) : T(abs(d));
      if (defined && !exact_zero) signs[pos][c] = SignOf<T>::of(d);
    }
    r.per_position[pos] = l;
  }
  const std::size_t axis = r.position_shape.empty() ? 0 : r.position_shape.size() - 1;
  const Reduced<T> red = reduce_along(r.per_position, r.position_shape, reduction, axis, grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  r.grad_target.assign(y.size(), T(0.0));
  r.has_grad_target = true;
  std::vector<T> G(L.classes);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    const T& s = red.cotangent[pos];
    const std::vector<T>& p = probs[pos];
    for (std::int64_t c = 0; c < L.classes; ++c) {
      G[c] = s * signs[pos][c];
      r.grad_target[L.at(pos, c)] = -G[c];
    }
    // sum_c p_c (G_j - G_c) equals G_j - sum_c p_c G_c when sum_c p_c = 1 and
    // gives an exact 0 for equal cotangents; PyTorch's own form is kept for
    // a non-finite cotangent, whose inf - inf patterns it defines.
    const bool finite = std::isfinite(value_of(s));
    T pg(0.0);
    if (!finite)
      for (std::int64_t c = 0; c < L.classes; ++c) pg += p[c] * G[c];
    for (std::int64_t j = 0; j < L.classes; ++j) {
      T inner(0.0);
      if (finite)
        for (std::int64_t c = 0; c < L.classes; ++c) inner += p[c] * (G[j] - G[c]);
      r.grad_input[L.at(pos, j)] = finite ? T(p[j] * inner) : T(p[j] * (G[j] - pg));
    }
  }
  return r;
}

}  // namespace lossoracle::reference
