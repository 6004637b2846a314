// The per-row core of the softmax family on the CUDA tier (log_softmax,
// softmax), shared by the kernels and by the host build that CI tests.
//
// A row is consumed in two passes of the same shape whatever runs them:
//   accumulate(state, x_c, aux_c) for every class, merged across threads in
//   a fixed order; finish(state) gives per-row constants; then element(...)
//   gives each class's outputs (value, gradient, loss term).
// The kernels run pass 1 as per-thread strided partial states merged by a
// block tree; the host build runs it left to right. Both are deterministic.
#pragma once

#include "cuda/host_device.cuh"

namespace lossoracle::cuda {

// x - m as an unevaluated sum hi + lo (Knuth's TwoSum, exact): x - m is
// rarely representable, and its rounding error, 2^-24 |x - m|, would pass
// into exp(x - m) as a relative error |x - m| times larger (33 ulps of a
// dominant row's loss at |x - m| = 40 before this).
template <class A>
struct Difference {
  A hi, lo;
};
template <class A>
LOSSORACLE_HD Difference<A> difference(A x, A m) {
  const A hi = x - m;
  const A mv = x - hi;   // the part of -m that made it into hi ...
  const A xv = hi + mv;  // ... and of x
  const A lo = (x - xv) + (mv - m);
  return {hi, hi - hi == A(0) ? lo : A(0)};  // non-finite hi: no correction (lo would be NaN)
}
// exp(x - m) to about an ulp whatever |x - m|.
template <class A>
LOSSORACLE_HD A exp_difference(A x, A m) {
  const Difference<A> d = difference(x, m);
  const A e = exp_of(d.hi);
  return e + e * d.lo;
}

// Online softmax statistics of part of a row: its largest logit m and
// tail = sum_c exp(x_c - m) - 1, i.e. the sum without the (first) maximum's
// own 1. Keeping the 1 apart lets log(sum) be log1p(tail): when one class
// dominates (loss near 0, the common case late in training) tail is tiny and
// its relative accuracy survives, where 1 + tail would round it away.
// Empty: m = -inf, tail = -1 (sum 0). A NaN or +inf logit makes the row
// undefined, as in PyTorch and the spec: tail becomes NaN and stays so.
template <class A>
struct SoftmaxStats {
  A max = -infinity<A>();
  A tail = A(-1);

  LOSSORACLE_HD void push(A x) {
    if (!(x < infinity<A>())) {  // NaN or +inf
      tail = quiet_nan<A>();
      return;
    }
    if (x == -infinity<A>()) return;  // probability exactly 0
    if (max == -infinity<A>()) {
      max = x;
      tail = tail + A(1);  // -1 -> 0; NaN stays NaN
    } else if (x > max) {
      const A r = exp_difference(max, x);
      tail = tail * r + r;  // (tail + 1) r: the old maximum's 1 joins the tail
      max = x;
    } else {
      tail += exp_difference(x, max);
    }
  }

  LOSSORACLE_HD static SoftmaxStats merge(SoftmaxStats a, SoftmaxStats b) {
    if (b.max > a.max) {
      const SoftmaxStats t = a;
      a = b;
      b = t;
    }
    if (b.max == -infinity<A>()) {
      a.tail = a.tail + (b.tail + A(1));  // b empty: adds 0, or NaN
      return a;
    }
    const A r = exp_difference(b.max, a.max);
    a.tail = a.tail + (b.tail * r + r);
    return a;
  }

  // log sum_c exp(x_c - m); -inf for an empty row, NaN for an undefined one.
  LOSSORACLE_HD A log_sum() const { return log1p_of(tail); }
};

// Per-row constants for log p_c = (x_c - m) - log_sum and p_c = e_c / E,
// e_c = exp(x_c - m), E = sum_c e_c. p_c is not exp(log p_c): rounding
// log p_c costs |log p_c| ulps of p_c (60 at p_c = 1e-35).
template <class A>
struct SoftmaxRow {
  A max;
  A log_sum;
  A sum;
  LOSSORACLE_HD A log_p(A x) const {
    const Difference<A> d = difference(x, max);
    return (d.hi - log_sum) + d.lo;
  }
  LOSSORACLE_HD A p(A x) const { return e(x) / sum; }
  // exp(x_c - m), the unnormalised probability.
  LOSSORACLE_HD A e(A x) const { return exp_difference(x, max); }
};

template <class A>
LOSSORACLE_HD SoftmaxRow<A> softmax_row(const SoftmaxStats<A>& s) {
  return {s.max, s.log_sum(), s.tail + A(1)};
}

// What a driver (kernel or host loop) hands a row policy besides the
// elements: the logit and weight of the row's target class (hard targets),
// whether the row is ignored, the row's cotangent g, Sum_c w_c (smoothing),
// and aux_ref, the row's first aux value (a cotangent reference, below).
template <class A>
struct RowInputs {
  A x_target = A(0);
  A w_target = A(1);
  bool ignored = false;
  A g = A(1);
  A weight_sum = A(0);
  A aux_ref = A(0);
};

// What element() gives for one class: the forward value where the loss has
// one per element (log_softmax, softmax), the gradient d/dx_c, the class's
// term of the row's loss, and d/dt_c where the target is differentiable.
template <class A>
struct ElementOut {
  A value = A(0);
  A grad = A(0);
  A loss_term = A(0);
  A grad_target = A(0);
};

// A row policy is: State (static merge), push(State&, x_c, aux_c, w_c), Consts,
// initial(RowInputs) -> State, finish(State, RowInputs) -> Consts, element(Consts, is_target, x_c, aux_c,
// w_c) -> ElementOut, row_loss(Consts, Sum of loss terms). aux is the
// cotangent (log_softmax, softmax) or the soft target (cross_entropy).

// The pass-1 state of a policy that needs nothing from a row but its
// logits' softmax statistics (the hard-target losses: the target's logit and
// weight come with RowInputs).
template <class A>
struct LogitsState {
  SoftmaxStats<A> stats;
  LOSSORACLE_HD static LogitsState merge(const LogitsState& a, const LogitsState& b) {
    return {SoftmaxStats<A>::merge(a.stats, b.stats)};
  }
};

// log_softmax with cotangent G (grad_output, ones by default):
//   out_c = log p_c,  d/dx_j = G_j - p_j sum_c G_c,
// evaluated as (E G_j - e_j sum_c G_c) / E over e_j = exp(x_j - m): for
// equal logits and equal cotangents that is exactly 0, as it is exactly.
template <class A>
struct LogSoftmaxRow {
  struct State {
    SoftmaxStats<A> stats;
    A g_sum = A(0);
    LOSSORACLE_HD void push(A x, A g, A) {
      stats.push(x);
      g_sum += g;
    }
    LOSSORACLE_HD static State merge(const State& a, const State& b) {
      return {SoftmaxStats<A>::merge(a.stats, b.stats), a.g_sum + b.g_sum};
    }
  };
  LOSSORACLE_HD static void push(State& s, A x, A g, A w) { s.push(x, g, w); }
  LOSSORACLE_HD void set_divisor(A) {}
  struct Consts {
    SoftmaxRow<A> row;
    A sum;  // E = tail + 1
    A g_sum;
  };
  LOSSORACLE_HD static State initial(const RowInputs<A>&) { return {}; }
  LOSSORACLE_HD static Consts finish(const State& s, const RowInputs<A>&) {
    return {softmax_row(s.stats), s.stats.tail + A(1), s.g_sum};
  }
  LOSSORACLE_HD static ElementOut<A> element(const Consts& k, bool, A x, A g, A) {
    ElementOut<A> o;
    o.value = k.row.log_p(x);
    if (k.sum < infinity<A>() && g - g == A(0) && k.g_sum - k.g_sum == A(0))
      o.grad = (k.sum * g - k.row.e(x) * k.g_sum) / k.sum;
    else
      o.grad = g - k.row.p(x) * k.g_sum;  // non-finite: PyTorch's own formula and its NaN/inf
    return o;
  }
  LOSSORACLE_HD static A row_loss(const Consts&, A) { return A(0); }
};

// softmax with cotangent g: out_c = p_c, d/dx_c = p_c (g_c - sum_j g_j p_j).
// Both are taken relative to the row's first cotangent r (aux_ref, which
// the driver reads before pass 1):
//   d/dx_c = p_c ((g_c - r) - sum_j p_j (g_j - r)),
// so equal cotangents (the default ones) give exactly 0, as they should.
// sum_j (g_j - r) exp(x_j - m) is carried through pass 1 and rescaled with
// the running maximum like the tail; finish divides it by the sum.
template <class A>
struct SoftmaxOutRow {
  struct State {
    SoftmaxStats<A> stats;
    A dot = A(0);
    A ref = A(0);
    LOSSORACLE_HD void push(A x, A g, A) {
      const A old_max = stats.max;
      stats.push(x);
      const A d = g - ref;
      if (!(x < infinity<A>())) {
        dot = quiet_nan<A>();
      } else if (x == -infinity<A>()) {
        dot += d * A(0);  // p_c = 0, but a NaN or infinite cotangent still poisons the row
      } else {
        if (stats.max != old_max && old_max != -infinity<A>()) dot *= exp_difference(old_max, stats.max);
        dot += d * exp_difference(x, stats.max);
      }
    }
    LOSSORACLE_HD static State merge(const State& a, const State& b) {
      const SoftmaxStats<A> s = SoftmaxStats<A>::merge(a.stats, b.stats);
      // An empty part (max -inf) holds dot 0 (or NaN); it is added unscaled.
      const A da = a.stats.max == -infinity<A>() ? a.dot : a.dot * exp_difference(a.stats.max, s.max);
      const A db = b.stats.max == -infinity<A>() ? b.dot : b.dot * exp_difference(b.stats.max, s.max);
      return {s, da + db, a.ref};
    }
  };
  LOSSORACLE_HD static void push(State& s, A x, A g, A w) { s.push(x, g, w); }
  LOSSORACLE_HD void set_divisor(A) {}
  struct Consts {
    SoftmaxRow<A> row;
    A ref;
    A gp;  // sum_j p_j (g_j - ref)
  };
  LOSSORACLE_HD static State initial(const RowInputs<A>& in) {
    State s;
    s.ref = in.aux_ref;
    return s;
  }
  LOSSORACLE_HD static Consts finish(const State& s, const RowInputs<A>& in) {
    return {softmax_row(s.stats), in.aux_ref, s.dot / (s.stats.tail + A(1))};
  }
  LOSSORACLE_HD static ElementOut<A> element(const Consts& k, bool, A x, A g, A) {
    ElementOut<A> o;
    o.value = k.row.p(x);
    o.grad = o.value * ((g - k.ref) - k.gp);
    return o;
  }
  LOSSORACLE_HD static A row_loss(const Consts&, A) { return A(0); }
};

}  // namespace lossoracle::cuda

namespace lossoracle::cuda {

// entropy of probabilities p (the input), per position H = sum_c entr(p_c),
// entr(x) = -x log x (0 at 0, -inf below 0, NaN for NaN): torch.special.entr.
// d/dp_c = h (-(1 + log p_c)), h the position's cotangent (g / P for mean):
// +inf at p = 0, NaN below, as PyTorch's entr backward. No pass 1: the
// terms are the row's loss terms.
template <class A>
LOSSORACLE_HD A entr(A x) {
  if (x != x) return x;
  if (x == A(0)) return A(0);
  if (x < A(0)) return -infinity<A>();
  return -(x * log_of(x));
}

template <class A>
struct EntropyRow {
  A divisor = A(1);  // P for mean, else 1
  LOSSORACLE_HD void set_divisor(A) {}
  struct State {
    LOSSORACLE_HD static State merge(const State&, const State&) { return {}; }
  };
  LOSSORACLE_HD void push(State&, A, A, A) const {}
  struct Consts {
    A h;
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  LOSSORACLE_HD Consts finish(const State&, const RowInputs<A>& in) const {
    return {divisor == A(1) ? in.g : in.g / divisor};
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool, A p, A, A) const {
    ElementOut<A> o;
    o.loss_term = entr(p);
    o.grad = k.h * -(A(1) + log_of(p));
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts&, A terms) const { return terms; }
};

}  // namespace lossoracle::cuda
