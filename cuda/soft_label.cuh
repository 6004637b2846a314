// The per-row core of the soft-label family on the CUDA tier (incendio
// 0.14.0, docs/spec.md), classes last; shared by the kernels and the host
// build CI tests. The row policy interface is described in cuda/softmax.cuh.
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

LOSSORACLE_HD float fma_for_labels(float a, float b, float c) { return fmaf(a, b, c); }
LOSSORACLE_HD double fma_for_labels(double a, double b, double c) { return fma(a, b, c); }

// The sign of y k - alpha, exactly (y finite, k a count): y k is the pair
// p + e (an fma gives e exactly), p - alpha is exact where the two are
// close (Sterbenz) and otherwise dwarfs e.
template <class A>
LOSSORACLE_HD int sign_of_scaled(A y, A k, A alpha) {
  const A p = y * k;
  const A d = (p - alpha) + fma_for_labels(y, k, -p);
  return d > A(0) ? 1 : d < A(0) ? -1 : 0;
}

// One smoothed label t and how it came about: `passes` (kept or unchanged:
// the cotangent flows through; clamped or NaN: it does not) and `finite`.
template <class A>
struct SmoothedLabel {
  A t;
  bool passes;
  bool finite;
};

// smooth_soft_labels(y, alpha) on one label of a position with k positive labels:
//   alpha == 0: t = y;  otherwise t = max(y - alpha/k, 0) + alpha/C
// k = 0 clamps every finite label (alpha/k = +inf); NaN labels are not
// counted and stay NaN; +inf is kept, -inf clamped. The clamp is decided
// exactly (y k >= alpha). A kept label passes the cotangent through, a
// clamped or NaN one passes 0 (clamp_min's backward).
template <class A>
LOSSORACLE_HD SmoothedLabel<A> smoothed_label(A y, A k, A alpha, A spread) {
  const bool y_finite = y - y == A(0);
  if (alpha == A(0)) return {y, true, y_finite};
  if (y != y) return {y, false, false};
  const int side = k == A(0) || y == -infinity<A>() ? -1 : y == infinity<A>() ? 1 : sign_of_scaled(y, k, alpha);
  if (side < 0) return {spread, false, true};
  return {side > 0 ? (y - alpha / k) + spread : spread, true, y_finite};
}

// smooth_soft_labels: pass 1 counts k; element gives value = t_c and grad
// = the VJP (the cotangent g_c, aux, where the label passes it).
template <class A>
struct SmoothSoftLabelsRow {
  A alpha = A(0);
  A spread = A(0);  // alpha / C
  LOSSORACLE_HD void set_divisor(A) {}

  struct State {
    A k = A(0);
    LOSSORACLE_HD static State merge(const State& a, const State& b) { return {a.k + b.k}; }
  };
  LOSSORACLE_HD void push(State& s, A y, A, A) const {
    if (y > A(0)) s.k += A(1);
  }
  struct Consts {
    A k;
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  LOSSORACLE_HD Consts finish(const State& s, const RowInputs<A>&) const { return {s.k}; }
  LOSSORACLE_HD ElementOut<A> element(const Consts& c, bool, A y, A g, A) const {
    ElementOut<A> o;
    const SmoothedLabel<A> l = smoothed_label(y, c.k, alpha, spread);
    o.value = l.t;
    if (l.passes) o.grad = g;
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts&, A) const { return A(0); }
};

// soft_label_cross_entropy on probabilities p (x) against labels y (aux),
// t = smooth_soft_labels(y, alpha):
//   term_c = (-t_c) log p_c, zeroed unless t_c is finite and 0 < p_c < +inf
//   (incendio's where(isnan | isinf, 0, term), decided on the operands)
//   d/dp_c = (m_c s) (-t_c) / p_c,  d/dy_c = -((m_c s) log p_c) where the label passes,
// m_c = 1 for a kept term, else 0 (a zeroed term still runs the backward:
// NaN where p_c = 0 or t_c is not finite, as in PyTorch). s: the position's
// cotangent, divided by the reduced extent (d0) for mean. Pass 1 counts k.
template <class A>
struct SoftLabelProbsRow {
  A alpha = A(0);
  A spread = A(0);
  A divisor = A(1);  // d0 for mean over dimension 0, else 1
  LOSSORACLE_HD void set_divisor(A) {}

  struct State {
    A k = A(0);
    LOSSORACLE_HD static State merge(const State& a, const State& b) { return {a.k + b.k}; }
  };
  LOSSORACLE_HD void push(State& s, A, A y, A) const {
    if (y > A(0)) s.k += A(1);
  }
  struct Consts {
    A k;
    A s;
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  LOSSORACLE_HD Consts finish(const State& st, const RowInputs<A>& in) const {
    return {st.k, divisor == A(1) ? in.g : in.g / divisor};
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& c, bool, A p, A y, A) const {
    ElementOut<A> o;
    const SmoothedLabel<A> l = smoothed_label(y, c.k, alpha, spread);
    const A log_p = log_of(p);
    const bool kept = l.finite && p < infinity<A>() && p > A(0);
    const A s = kept ? c.s : A(0);
    if (kept) o.loss_term = -l.t * log_p;
    o.grad = s * -l.t / p;
    if (l.passes) o.grad_target = -(s * log_p);
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts&, A terms) const { return terms; }
};

// soft_label_cross_entropy_with_logits, t = smooth_soft_labels(y, alpha):
//   l_n = sum_c (-t_c) log p_c,  p = softmax(x) along the last dimension
//   d/dx_j = s (p_j T - t_j),  T = sum_c t_c   (written (e_j T - E t_j) / E;
//   an infinite T gives the exact +-inf where p_j > 0, though p_j may underflow)
//   d/dy_c = -(s log p_c) where the label passes the cotangent
// s: the position's cotangent (/ d0 for mean). T needs k before any label
// is smoothed, so a row takes three passes: count k; softmax statistics
// and T; the outputs (cuda/soft_label.cu's kernel, soft_label_host.cpp).
template <class A>
struct SoftLabelLogitsRow {
  A alpha = A(0);
  A spread = A(0);
  A divisor = A(1);

  struct Stats {
    SoftmaxStats<A> softmax;
    A target_sum = A(0);
    LOSSORACLE_HD static Stats merge(const Stats& a, const Stats& b) {
      return {SoftmaxStats<A>::merge(a.softmax, b.softmax), a.target_sum + b.target_sum};
    }
  };
  LOSSORACLE_HD static A count(A y) { return y > A(0) ? A(1) : A(0); }
  LOSSORACLE_HD void push(Stats& s, A k, A x, A y) const {
    s.softmax.push(x);
    s.target_sum += smoothed_label(y, k, alpha, spread).t;
  }
  struct Consts {
    SoftmaxRow<A> row;
    A k;
    A target_sum;
    A s;
  };
  LOSSORACLE_HD Consts finish(const Stats& st, A k, A g) const {
    return {softmax_row(st.softmax), k, st.target_sum, divisor == A(1) ? g : g / divisor};
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& c, A x, A y) const {
    ElementOut<A> o;
    const SmoothedLabel<A> l = smoothed_label(y, c.k, alpha, spread);
    const A log_p = c.row.log_p(x);
    const A E = c.row.sum;
    const A T = c.target_sum;
    if (T - T == A(0)) {
      o.grad = c.s * ((c.row.e(x) * T - E * l.t) / E);
    } else {
      // An infinite label makes T infinite: the exact gradient is s p_j T,
      // +-inf wherever p_j > 0 (x_j > -inf), even where p_j underflows.
      // A row with a NaN or +inf logit (E NaN) stays NaN.
      o.grad = E != E ? E : -(c.s * l.t) + (x > -infinity<A>() ? c.s * T : A(0) * (c.s * T));
    }
    o.loss_term = -l.t * log_p;
    if (l.passes) o.grad_target = -(c.s * log_p);
    return o;
  }
};


// classification_mae_with_logits (seed 001's notebook), l = sum_c |p_c - y_c|, G_c = s sgn(p_c - y_c) (sgn(0) = sgn(NaN) = 0),
// d/dx_j = p_j (G_j - sum_c p_c G_c), d/dy_c = -G_c.
// Pass 1: softmax statistics and whether every logit that is not -inf
// equals the maximum (then p_c = 1/m exactly, m of them).
template <class A>
struct MaeState {
  SoftmaxStats<A> stats;
  A finite = A(0);  // logits that are not -inf
  A at_max = A(0);  // logits equal to stats.max
  LOSSORACLE_HD void push(A x) {
    const A old = stats.max;
    stats.push(x);
    if (x == -infinity<A>() || x != x) return;
    finite += A(1);
    at_max = stats.max != old ? A(1) : x == stats.max ? at_max + A(1) : at_max;
  }
  LOSSORACLE_HD static MaeState merge(const MaeState& a, const MaeState& b) {
    MaeState r;
    r.stats = SoftmaxStats<A>::merge(a.stats, b.stats);
    r.finite = a.finite + b.finite;
    r.at_max = (a.stats.max == r.stats.max ? a.at_max : A(0)) + (b.stats.max == r.stats.max ? b.at_max : A(0));
    return r;
  }
  LOSSORACLE_HD bool all_equal() const { return finite == at_max; }
};

// sgn(p_c - y_c) decided without the rounding of p_c where the spec's
// rules allow: p_c = 0 exactly for x_c = -inf; 0 < p_c < 1 strictly for a
// finite logit unless it is the only one (p_c = 1); p_c = 1/m exactly when
// every finite logit is equal (sign of 1 - y m, exact). Elsewhere the
// computed difference's sign (a transcendental p_c never equals a label;
// a difference below p_c's rounding error is the known limit).
template <class A>
LOSSORACLE_HD int mae_sign(const MaeState<A>& st, A x, A y, A p) {
  if (!(st.stats.tail >= A(0)) || y != y) return 0;  // NaN p or label: sgn(NaN) = 0
  if (x == -infinity<A>()) return y > A(0) ? -1 : y < A(0) ? 1 : 0;
  if (y - y != A(0)) return y > A(0) ? -1 : 1;  // an infinite label (y k would be inf - inf below)
  if (st.all_equal()) return -sign_of_scaled(y, st.finite, A(1));
  if (y <= A(0)) return 1;
  if (y >= A(1)) return -1;
  const A d = p - y;
  return d > A(0) ? 1 : d < A(0) ? -1 : 0;
}

// d/dx_j over the unnormalised masses of the classes by sign (S+, S-, S0):
// sum_c p_c (sgn_j - sgn_c) E is 2 S- + S0 (sgn_j = 1), -(2 S+ + S0)
// (sgn_j = -1), S- - S+ (sgn_j = 0): exact 0 where every sign is equal.
template <class A>
LOSSORACLE_HD A mae_grad(A s, A e_j, A E, int sign_j, A S_plus, A S_minus, A S_zero) {
  const A k = sign_j > 0 ? A(2) * S_minus + S_zero : sign_j < 0 ? -(A(2) * S_plus + S_zero) : S_minus - S_plus;
  return s * (e_j / E) * (k / E);
}

// Pass 2: the row's unnormalised masses by sign, and its loss.
template <class A>
struct MaeSums {
  A plus = A(0), minus = A(0), zero = A(0), loss = A(0);
  LOSSORACLE_HD static MaeSums merge(MaeSums a, const MaeSums& b) {
    a.plus += b.plus;
    a.minus += b.minus;
    a.zero += b.zero;
    a.loss += b.loss;
    return a;
  }
};

// One class: its mass e_c, sign and loss term |p_c - y_c| (an exact 0 where
// the sign is: p_c = y_c decided by the rules above; NaN for a NaN p or y).
template <class A>
struct MaeClass {
  A e;
  int sign;
  A term;
};
template <class A>
LOSSORACLE_HD MaeClass<A> mae_class(const MaeState<A>& st, A x, A y) {
  const A e = exp_difference(x, st.stats.max);
  const A p = e / (st.stats.tail + A(1));
  const int sign = mae_sign(st, x, y, p);
  const bool defined = st.stats.tail >= A(0) && y == y;
  // 1 - p_c (a one-hot label) over the row's mass without c, as misclass_b's
  // E_{-c}: p_c - 1 would lose a dominant class's 1 - p_c to rounding.
  const A rest = x == st.stats.max ? st.stats.tail : A(1) + (st.stats.tail - e);
  const A d = !(st.stats.tail >= A(0)) ? quiet_nan<A>() : y == A(1) ? -(rest / (st.stats.tail + A(1))) : p - y;
  return {e, sign, defined && sign == 0 ? A(0) : d < A(0) ? -d : d};
}
template <class A>
LOSSORACLE_HD void mae_push(MaeSums<A>& s, const MaeClass<A>& k) {
  (k.sign > 0 ? s.plus : k.sign < 0 ? s.minus : s.zero) += k.e;
  s.loss += k.term;
}

}  // namespace lossoracle::cuda
