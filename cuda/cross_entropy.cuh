// The per-row core of nll_loss and cross_entropy (class-index and
// probability targets) on the CUDA tier, PyTorch semantics as docs/spec.md
// states them; shared by the kernels and the host build CI tests. The row
// policy interface is described in cuda/softmax.cuh.
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

// Constants of one call that every row shares. `divisor` is what `mean`
// divides by (W = sum of w[y] over kept positions for class indices, the
// position count for probabilities), 1 for sum and none.
template <class A>
struct CrossEntropyCall {
  bool smoothing = false;  // label_smoothing > 0 (NaN or <= 0: PyTorch skips the term)
  A keep = A(1);           // 1 - eps
  A spread = A(0);         // eps / C
  A divisor = A(1);
};

// Class-index targets:
//   l = (1-eps) w_y (-log p_y) + (eps/C) sum_c w_c (-log p_c)    (0 if ignored)
//   d/dx_j = a (p_j - [j = y]) + b (p_j sum_c w_c - w_j),
//   a = (1-eps) g w_y / D,  b = (eps/C) g / D   (g the row's cotangent).
// p_y - 1 is expm1(log p_y), exact in relative terms where p_y is near 1;
// the smoothing part is (e_j sum w - E w_j) / E over e_j = exp(x_j - m), so
// equal logits give an exact 0 as they do exactly.
template <class A>
struct CrossEntropyIndexRow {
  using State = LogitsState<A>;
  CrossEntropyCall<A> call;
  LOSSORACLE_HD void set_divisor(A d) { call.divisor = d; }
  LOSSORACLE_HD void push(State& s, A x, A, A) const { s.stats.push(x); }
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  struct Consts {
    SoftmaxRow<A> row;
    A sum;  // E
    A a;
    A b;
    A weight_sum;
    A nll;
    bool ignored;
  };
  LOSSORACLE_HD Consts finish(const State& s, const RowInputs<A>& in) const {
    Consts k;
    k.row = softmax_row(s.stats);
    k.sum = s.stats.tail + A(1);
    k.ignored = in.ignored;
    k.weight_sum = in.weight_sum;
    k.a = in.ignored ? A(0) : call.keep * in.g * in.w_target / call.divisor;
    k.b = call.smoothing && !in.ignored ? call.spread * in.g / call.divisor : A(0);
    k.nll = in.ignored ? A(0) : -(in.w_target * k.row.log_p(in.x_target));
    return k;
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool is_target, A x, A, A w) const {
    ElementOut<A> o;
    const A log_p = k.row.log_p(x);
    o.grad = k.a * (is_target ? expm1_of(log_p) : k.row.p(x));
    if (call.smoothing) {
      o.grad += k.b * ((k.row.e(x) * k.weight_sum - k.sum * w) / k.sum);
      if (!k.ignored) o.loss_term = -(w * log_p);
    }
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts& k, A smooth) const {
    if (k.ignored) return A(0);
    return call.smoothing ? call.keep * k.nll + call.spread * smooth : k.nll;
  }
};

// Probability targets t (aux), smoothed to t~ = (1-eps) t + eps/C:
//   l = -sum_c log p_c t~_c w_c,
//   d/dx_j = (g/D) (p_j S - t~_j w_j),  S = sum_c t~_c w_c  (pass 1 sums it),
//   d/dt_c = -(g/D) w_c log p_c (1-eps).
// The gradient is (e_j S - E t~_j w_j) / E, exact-zero for a uniform target
// on equal logits. log p_c t~_c w_c keeps PyTorch's order, so a -inf log p
// against t = 0 is NaN here too.
template <class A>
struct CrossEntropyProbsRow {
  CrossEntropyCall<A> call;
  LOSSORACLE_HD void set_divisor(A d) { call.divisor = d; }

  LOSSORACLE_HD A smoothed(A t) const { return call.smoothing ? t * call.keep + call.spread : t; }

  struct State {
    SoftmaxStats<A> stats;
    A target_sum = A(0);  // S
    LOSSORACLE_HD static State merge(const State& a, const State& b) {
      return {SoftmaxStats<A>::merge(a.stats, b.stats), a.target_sum + b.target_sum};
    }
  };
  // State::push needs the call's smoothing, so pass 1 goes through the policy.
  LOSSORACLE_HD void push(State& s, A x, A t, A w) const {
    s.stats.push(x);
    s.target_sum += smoothed(t) * w;
  }
  struct Consts {
    SoftmaxRow<A> row;
    A sum;
    A target_sum;
    A g;  // g / D
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  LOSSORACLE_HD Consts finish(const State& s, const RowInputs<A>& in) const {
    return {softmax_row(s.stats), s.stats.tail + A(1), s.target_sum, in.g / call.divisor};
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool, A x, A t, A w) const {
    ElementOut<A> o;
    const A ts = smoothed(t);
    const A log_p = k.row.log_p(x);
    o.grad = k.g * ((k.row.e(x) * k.target_sum - k.sum * (ts * w)) / k.sum);
    o.loss_term = log_p * ts * w;
    o.grad_target = -(k.g * w * log_p * call.keep);
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts&, A terms) const { return -terms; }
};

// nll_loss on log-probabilities: l = -w_y x_y, d/dx_j = -(g / D) w_y [j = y].
// No row pass: the kernels read x_y alone and write the gradient row.
template <class A>
LOSSORACLE_HD A nll_row_loss(A x_target, A w_target, bool ignored) {
  return ignored ? A(0) : -(w_target * x_target);
}
template <class A>
LOSSORACLE_HD A nll_target_grad(A g, A divisor, A w_target, bool ignored) {
  return ignored ? A(0) : -((g / divisor) * w_target);
}

}  // namespace lossoracle::cuda
