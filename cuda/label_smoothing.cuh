// The per-row core of the label-smoothing family on the CUDA tier, each
// loss to the letter of its source (docs/spec.md); shared by the kernels
// and the host build CI tests. The row policy interface is described in
// cuda/softmax.cuh.
//   smooth_labels(y, C, eps):          out[n, c] = eps/C + (1 - eps) [c == y_n]
//   fastai_label_smoothing_cross_entropy (class dim 1, weight on the nll term only,
//                                      -100 ignored by the nll term only)
//   label_smoothed_nll_loss (fairseq): on log-probabilities, classes last
#pragma once

#include "cuda/softmax.cuh"

namespace lossoracle::cuda {

// smooth_labels' element: spread = eps/C (one rounding), spread + keep at
// the target, keep = 1 - eps.
template <class A>
LOSSORACLE_HD A smooth_label(bool is_target, A spread, A keep) {
  return is_target ? spread + keep : spread;
}

// fastai, per position with p = softmax(x), g the cotangent of the loss:
//   smooth_n = -sum_c log p_c,  nll_n = -w_y log p_y (0 if y = -100)
//   per_position = smooth_n eps / C + (1 - eps) nll_n
//   loss: none: per_position; sum: the sums' combination; mean:
//     (sum smooth / P) eps / C + (1 - eps) (sum nll / W),  W = sum of w_y over kept positions
//   d/dx_j = s (C p_j - 1) + a (p_j - [j = y]),
//     s = (g / C) eps (/ P for mean),  a = w_y (1 - eps) g (/ W for mean; 0 if ignored)
// C p_j - 1 is (C e_j - E) / E over e_j = exp(x_j - m): exact 0 on equal
// logits; p_y - 1 is expm1(log p_y). `contribution` (mean only) makes
// row_loss the position's share of the mean, which the kernels sum in a
// second pass (per_position and the mean's two divisors differ).
template <class A>
struct FastaiCall {
  A eps = A(0);
  A keep = A(1);
  A classes = A(1);
  A positions = A(1);  // P
  A divisor = A(1);    // W for mean (on the device: the pre-pass's), 1 otherwise
  bool mean = false;
  bool contribution = false;
};

template <class A>
struct FastaiRow {
  using State = LogitsState<A>;
  FastaiCall<A> call;
  LOSSORACLE_HD void set_divisor(A d) { call.divisor = d; }
  LOSSORACLE_HD void push(State& s, A x, A, A) const { s.stats.push(x); }
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  struct Consts {
    SoftmaxRow<A> row;
    A s;
    A a;
    A nll;
  };
  LOSSORACLE_HD Consts finish(const State& st, const RowInputs<A>& in) const {
    Consts k;
    k.row = softmax_row(st.stats);
    const A s = (in.g / call.classes) * call.eps;
    k.s = call.mean ? s / call.positions : s;
    const A a = in.w_target * (call.keep * in.g);
    k.a = in.ignored ? A(0) : call.mean ? a / call.divisor : a;
    k.nll = in.ignored ? A(0) : -(in.w_target * k.row.log_p(in.x_target));
    return k;
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool is_target, A x, A, A) const {
    ElementOut<A> o;
    const A log_p = k.row.log_p(x);
    const A E = k.row.sum;
    o.grad = k.s * ((call.classes * k.row.e(x) - E) / E) + k.a * (is_target ? expm1_of(log_p) : k.row.p(x));
    o.loss_term = -log_p;
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts& k, A smooth) const {
    if (call.contribution)
      return (smooth * call.eps / call.classes) / call.positions + call.keep * (k.nll / call.divisor);
    return smooth * call.eps / call.classes + call.keep * k.nll;
  }
};

// The LabelSmoothingCrossEntropy of PyTorch issue #11959, (C) or (N, C):
//   l_n = (1 - eps) nll + (eps / C) smooth_n,  nll = sum_n -log p_{n,y_n} / W
// (the batch MEAN over the W positions not at -100, one scalar for every
// row), smooth_n = -sum_c log p_nc; then reduced. With h_n the cotangent of
// l_n and H = sum_n h_n:
//   d/dx_j = s (C p_j - 1) + a (p_j - [j = y]),  s = h_n eps / C,  a = (1 - eps) H / W (0 if ignored)
// The kernels get H / W as the call's device scalar (set_divisor), and add
// (1 - eps) nll to each row's loss afterwards (row_loss holds the rest).
template <class A>
struct Issue11959Call {
  A eps = A(0);
  A keep = A(1);
  A classes = A(1);
  A positions = A(1);
  A ratio = A(1);  // H / W
  bool mean = false;
};

template <class A>
struct Issue11959Row {
  using State = LogitsState<A>;
  Issue11959Call<A> call;
  LOSSORACLE_HD void set_divisor(A ratio) { call.ratio = ratio; }
  LOSSORACLE_HD void push(State& s, A x, A, A) const { s.stats.push(x); }
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  struct Consts {
    SoftmaxRow<A> row;
    A s;
    A a;
  };
  LOSSORACLE_HD Consts finish(const State& st, const RowInputs<A>& in) const {
    const A h = call.mean ? in.g / call.positions : in.g;
    return {softmax_row(st.stats), (h * call.eps) / call.classes, in.ignored ? A(0) : call.keep * call.ratio};
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool is_target, A x, A, A) const {
    ElementOut<A> o;
    const A log_p = k.row.log_p(x);
    const A E = k.row.sum;
    o.grad = k.s * ((call.classes * k.row.e(x) - E) / E) + k.a * (is_target ? expm1_of(log_p) : k.row.p(x));
    o.loss_term = -log_p;
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts&, A smooth) const { return smooth * call.eps / call.classes; }
};

// fairseq label_smoothed_nll_loss on log-probabilities l (x), classes last:
//   nll_n = -l_y,  smooth_n = -sum_c l_c  (both 0 at a padded position)
//   per_position = (1 - eps - eps_i) nll_n + eps_i smooth_n,  eps_i = eps / (C - 1)
//   d/dl_c = -(s eps_i) + [c = y] -(s (1 - eps - eps_i)),  0 at a padded position
// (s: the position's cotangent). The nll_loss output is the nll kernel's.
template <class A>
struct FairseqCall {
  A eps_i = A(0);
  A target_weight = A(1);  // 1 - eps - eps_i
};

template <class A>
struct FairseqRow {
  FairseqCall<A> call;
  LOSSORACLE_HD void set_divisor(A) {}

  struct State {
    A sum = A(0);
    LOSSORACLE_HD static State merge(const State& a, const State& b) { return {a.sum + b.sum}; }
  };
  LOSSORACLE_HD void push(State& s, A x, A, A) const { s.sum += x; }
  struct Consts {
    A loss;
    A s;
    bool padded;
  };
  LOSSORACLE_HD State initial(const RowInputs<A>&) const { return {}; }
  LOSSORACLE_HD Consts finish(const State& st, const RowInputs<A>& in) const {
    Consts k;
    k.padded = in.ignored;
    k.s = in.g;
    k.loss = in.ignored ? A(0) : call.target_weight * -in.x_target + call.eps_i * -st.sum;
    return k;
  }
  LOSSORACLE_HD ElementOut<A> element(const Consts& k, bool is_target, A, A, A) const {
    ElementOut<A> o;
    if (k.padded) return o;
    o.grad = -(k.s * call.eps_i);
    if (is_target) o.grad += -(k.s * call.target_weight);
    return o;
  }
  LOSSORACLE_HD A row_loss(const Consts& k, A) const { return k.loss; }
};

}  // namespace lossoracle::cuda
