// The per-row core of unit_scaling's cross entropy (unit_scaling 0.3.5,
// docs/spec.md) on the CUDA tier, shared by the kernels and the host build
// CI tests. The row policy interface is described in cuda/softmax.cuh.
//
// With z = mult x, S = sum over positions of cross_entropy(z) (no weight,
// no smoothing), B = input.shape[0] (1 for (V)), g the loss's cotangent:
//   loss = S / B (mean) or S (sum);  per_position: the terms of S
//   grad_input = mult dS/dz / B (mean; sum: mult dS/dz)
//   grad_input_unit_scaled = V / sqrt(V - 1) dS/dz   (no mult, no 1/B)
//   probabilities t: grad_target = dS/dt / B (sum: dS/dt), grad_target_unit_scaled = dS/dt
// with dS/dz_j = g (p_j - [j = y]) (0 at an ignored position) for class
// indices, g (p_j sum_c t_c - t_j) for probabilities, dS/dt_c = -g log p_c.
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

LOSSORACLE_HD float fma_of(float a, float b, float c) { return fmaf(a, b, c); }
LOSSORACLE_HD double fma_of(double a, double b, double c) { return fma(a, b, c); }

// z_c - z_m = mult (x_c - x_m) as hi + lo, to about an ulp of the pair: the
// difference is exact (TwoSum), mult hi exact as an fma pair. Rounding z =
// mult x first would cost |z| ulps of exp(z_c - z_m) (cf. Difference).
template <class A>
LOSSORACLE_HD Difference<A> scaled_difference(A mult, A x, A xm) {
  const Difference<A> d = difference(x, xm);
  const A hi = mult * d.hi;
  if (!(hi - hi == A(0))) return {hi, A(0)};  // non-finite: no correction
  return {hi, fma_of(mult, d.hi, -hi) + mult * d.lo};
}
template <class A>
LOSSORACLE_HD A exp_scaled_difference(A mult, A x, A xm) {
  const Difference<A> d = scaled_difference(mult, x, xm);
  const A e = exp_of(d.hi);
  return e + e * d.lo;
}

// SoftmaxStats of z = mult x, kept in terms of x: the row's largest z is
// remembered by its x (max_x), so every exponent is formed by
// scaled_difference. max_z (= mult max_x, rounded) only orders the classes.
// A z that is NaN or +inf (NaN x, mult 0 against an infinite x, a negative
// mult against -inf) makes the row NaN; z = -inf is a probability of 0.
template <class A>
struct ScaledSoftmaxStats {
  A mult = A(1);
  A max_x = A(0);
  A max_z = -infinity<A>();
  A tail = A(-1);

  LOSSORACLE_HD void push(A x) {
    const A z = mult * x;
    if (!(z < infinity<A>())) {
      tail = quiet_nan<A>();
      return;
    }
    if (z == -infinity<A>()) return;
    if (max_z == -infinity<A>()) {
      max_x = x;
      max_z = z;
      tail = tail + A(1);
    } else if (z > max_z) {
      const A r = exp_scaled_difference(mult, max_x, x);
      tail = tail * r + r;
      max_x = x;
      max_z = z;
    } else {
      tail += exp_scaled_difference(mult, x, max_x);
    }
  }

  LOSSORACLE_HD static ScaledSoftmaxStats merge(ScaledSoftmaxStats a, ScaledSoftmaxStats b) {
    if (b.max_z > a.max_z) {
      const ScaledSoftmaxStats t = a;
      a = b;
      b = t;
    }
    if (b.max_z == -infinity<A>()) {
      a.tail = a.tail + (b.tail + A(1));
      return a;
    }
    const A r = exp_scaled_difference(a.mult, b.max_x, a.max_x);
    a.tail = a.tail + (b.tail * r + r);
    return a;
  }
};

// log p_c, p_c, e_c = exp(z_c - z_m) of a finished row, as SoftmaxRow.
template <class A>
struct ScaledSoftmaxRow {
  A mult;
  A max_x;
  A log_sum;
  A sum;
  LOSSORACLE_HD A log_p(A x) const {
    const Difference<A> d = scaled_difference(mult, x, max_x);
    return (d.hi - log_sum) + d.lo;
  }
  LOSSORACLE_HD A e(A x) const { return exp_scaled_difference(mult, x, max_x); }
  LOSSORACLE_HD A p(A x) const { return e(x) / sum; }
};

template <class A>
LOSSORACLE_HD ScaledSoftmaxRow<A> scaled_softmax_row(const ScaledSoftmaxStats<A>& s) {
  return {s.mult, s.max_x, log1p_of(s.tail), s.tail + A(1)};
}

// Constants of one call. unit_scale = V / sqrt(V - 1), rounded once from
// binary64 by the launcher. `divide` says whether the loss is a mean (its
// gradients divided by the batch size B). target_divided picks the target
// gradient written to grad_target: dS/dt / B (grad_target) or dS/dt
// (grad_target_unit_scaled); the probability kernel runs once for each,
// so that neither is the other rounded twice.
template <class A>
struct UnitScaledCall {
  A mult = A(1);
  A unit_scale = A(1);
  A batch = A(1);
  bool divide = false;
  bool target_divided = false;
  LOSSORACLE_HD A grad_of(A dz) const { return divide ? (mult * dz) / batch : mult * dz; }
};

// Class-index targets: value = grad_input_unit_scaled, grad = grad_input.
// p_y - 1 is expm1(log p_y), as for cross_entropy.
template <class A>
struct UnitScaledIndexRow {
  UnitScaledCall<A> call;
  LOSSORACLE_HD void set_divisor(A) {}

  struct State {
    ScaledSoftmaxStats<A> stats;
    LOSSORACLE_HD static State merge(const State& a, const State& b) {
      return {ScaledSoftmaxStats<A>::merge(a.stats, b.stats)};
    }
  };
  LOSSORACLE_HD void push(State& s, A x, A, A) const { s.stats.push(x); }
  struct Consts {
    ScaledSoftmaxRow<A> row;
    A a;  // g, or 0 at an ignored position
    A nll;
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const {
    State s;
    s.stats.mult = call.mult;
    return s;
  }
  LOSSORACLE_HD Consts finish(const State& s, const RowInputs<A>& in) const {
    Consts k;
    k.row = scaled_softmax_row(s.stats);
    k.a = in.ignored ? A(0) : in.g;
    k.nll = in.ignored ? A(0) : -k.row.log_p(in.x_target);
    return k;
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool is_target, A x, A, A) const {
    ElementOut<A> o;
    const A dz = k.a * (is_target ? expm1_of(k.row.log_p(x)) : k.row.p(x));
    o.value = call.unit_scale * dz;
    o.grad = call.grad_of(dz);
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts& k, A) const { return k.nll; }
};

// Probability targets t (aux): value = grad_input_unit_scaled, grad =
// grad_input, grad_target as call.target_divided says. dS/dz_j is written
// (e_j T - E t_j) / E over T = sum_c t_c, exact-zero for a uniform target
// on equal logits; log p_c t_c keeps PyTorch's order (-inf against 0: NaN).
template <class A>
struct UnitScaledProbsRow {
  UnitScaledCall<A> call;
  LOSSORACLE_HD void set_divisor(A) {}

  struct State {
    ScaledSoftmaxStats<A> stats;
    A target_sum = A(0);
    LOSSORACLE_HD static State merge(const State& a, const State& b) {
      return {ScaledSoftmaxStats<A>::merge(a.stats, b.stats), a.target_sum + b.target_sum};
    }
  };
  LOSSORACLE_HD void push(State& s, A x, A t, A) const {
    s.stats.push(x);
    s.target_sum += t;
  }
  struct Consts {
    ScaledSoftmaxRow<A> row;
    A target_sum;
    A g;
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const {
    State s;
    s.stats.mult = call.mult;
    return s;
  }
  LOSSORACLE_HD Consts finish(const State& s, const RowInputs<A>& in) const {
    return {scaled_softmax_row(s.stats), s.target_sum, in.g};
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool, A x, A t, A) const {
    ElementOut<A> o;
    const A log_p = k.row.log_p(x);
    const A dz = k.g * ((k.row.e(x) * k.target_sum - k.row.sum * t) / k.row.sum);
    o.value = call.unit_scale * dz;
    o.grad = call.grad_of(dz);
    o.loss_term = log_p * t;
    const A dt = -(k.g * log_p);
    o.grad_target = call.target_divided && call.divide ? dt / call.batch : dt;
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts&, A terms) const { return -terms; }
};

}  // namespace lossoracle::cuda
