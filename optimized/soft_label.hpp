// Rows of the soft-label family (incendio 0.14.0 and seed 001's notebook),
// classes last, so a row is contiguous in the caller's tensor. Semantics:
// docs/spec.md section 12 (the oracle's reference/soft_label.hpp); this
// file is written from the specification, not from the oracle's code.
//
//   smoothing   t_c = y_c                                 alpha = 0
//               t_c = max(y_c - alpha/k, 0) + alpha/C     k = #{c : y_c > 0}
//   with logits l = sum_c t_c ((m - x_c) + log S)          = -sum_c t_c log p_c
//   on probs    l = sum_c [term finite] (-t_c log p_c)
//   MAE         l = sum_c |p_c - y_c|,  p = softmax(x)
//
// Everything is computed in binary64 for float rows too and rounded once when
// stored; the smoothed labels are never rounded to F in between.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "optimized/row_ops.hpp"

namespace lossoracle::optimized::LOSSORACLE_ISA {

namespace soft_label_detail {

struct TwoSumResult {
  double s, e;
};
inline TwoSumResult two_sum(double a, double b) {  // a + b = s + e exactly (Knuth)
  const double s = a + b, bv = s - a, av = s - bv;
  return {s, (a - av) + (b - bv)};
}

// Neumaier's running sum with its error term; add_error takes a known
// rounding error (an fma residual) into the error term directly.
struct CompensatedSum {
  double sum = 0.0, err = 0.0;
  void add(double v) {
    const double next = sum + v;
    err += std::fabs(sum) >= std::fabs(v) ? (sum - next) + v : (v - next) + sum;
    sum = next;
  }
  void add_error(double e) { err += e; }
  double error() const { return std::isfinite(sum) ? err : 0.0; }
  double value() const { return sum + error(); }
};

}  // namespace soft_label_detail

// incendio's smoothing of one row. alpha/k and alpha/C are carried with
// their rounding errors (fma residuals), so that a kept label
// y - alpha/k + alpha/C is rounded once; the clamp is decided on exact values
// (y k against alpha, with y k's rounding error from an fma), where incendio
// decides on a float32 y - alpha/k (docs/spec.md S6.2).
class RowSmoothing {
 public:
  template <class F>
  RowSmoothing(const F* y, std::int64_t C, double alpha) : alpha_(alpha), identity_(alpha == 0.0) {
    if (identity_) return;
    std::int64_t k = 0;
    for (std::int64_t c = 0; c < C; ++c) k += static_cast<double>(y[c]) > 0.0;  // NaN is not counted
    k_ = static_cast<double>(k);
    const double Cd = static_cast<double>(C);
    spread_ = alpha / Cd;
    spread_lo_ = std::fma(-spread_, Cd, alpha) / Cd;
    if (k > 0) {
      cut_ = alpha / k_;
      cut_lo_ = std::fma(-cut_, k_, alpha) / k_;
    }
  }

  // t_c for label v; *passes: whether d t_c / d y_c is 1 (else 0): PyTorch's
  // clamp_min backward passes the gradient at the kink and stops it at NaN.
  // *lo (if given): t_c minus the returned value, to about 2^-100 relative.
  double operator()(double v, bool* passes, double* lo = nullptr) const {
    constexpr double inf = std::numeric_limits<double>::infinity();
    *passes = true;
    if (lo) *lo = 0.0;
    if (identity_) return v;
    if (v != v) {
      *passes = false;
      return v;
    }
    int side;
    if (k_ == 0.0 || v == -inf) side = -1;  // k = 0: alpha/k = +inf, every label clamps
    else if (v == inf) side = 1;
    else {
      // y k is exact as product + residual (y k is finite here or +inf past the range).
      const double product = v * k_;
      const double residual = std::fma(v, k_, -product);
      side = product > alpha_ ? 1 : product < alpha_ ? -1 : (residual > 0.0) - (residual < 0.0);
    }
    if (side <= 0) {  // clamped, or at the kink where y - alpha/k is exactly 0
      *passes = side == 0;
      if (lo) *lo = spread_lo_;
      return spread_;
    }
    if (v == inf) return v;
    // y - alpha/k + alpha/C, the two quotients with their low parts: the
    // first difference is >= 0 and the result >= alpha/C, so no cancellation
    // survives the final rounding.
    const auto a = soft_label_detail::two_sum(v, -cut_);
    const auto b = soft_label_detail::two_sum(a.s, spread_);
    const double tail = (a.e + b.e) + (spread_lo_ - cut_lo_), t = b.s + tail;
    if (lo) *lo = (b.s - t) + tail;
    return t;
  }

  // Whether t_c is finite, from how it came about (not from its rounded
  // value): a label that passes is y shifted by finite amounts; one that
  // does not is alpha/C, or NaN.
  static bool finite_label(double v, bool passes) { return passes ? std::isfinite(v) : v == v; }

 private:
  double alpha_;
  bool identity_;
  double k_ = 0, spread_ = 0, spread_lo_ = 0, cut_ = 0, cut_lo_ = 0;
};

// smooth_soft_labels: out = t, grad = g (ones if g is null) where the label
// passes the gradient, 0 elsewhere.
template <class F>
void smooth_soft_labels_row(const F* y, const F* g, std::int64_t C, double alpha, F* out, F* grad) {
  const RowSmoothing smooth(y, C, alpha);
  for (std::int64_t c = 0; c < C; ++c) {
    bool passes;
    out[c] = static_cast<F>(smooth(static_cast<double>(y[c]), &passes));
    grad[c] = passes ? (g ? g[c] : F(1)) : F(0);
  }
}

namespace soft_label_detail {

template <class T>
T* scratch(std::vector<T>& v, std::int64_t n) {
  if (static_cast<std::int64_t>(v.size()) < n) v.resize(static_cast<std::size_t>(n));
  return v.data();
}

// The softmax pieces of a defined row: e_j = exp(x_j - m) (e = 1 at `top`,
// the first class at the max), rest = S - 1 summed without the top class.
struct Exps {
  std::int64_t top;
  double rest, S, logS;
};

template <class F>
Exps exps(const F* x, std::int64_t C, double m, double* e) {
  Exps r;
  r.top = first_at(x, C, m);
  r.rest = exp_sum_except<true>(x, C, m, r.top, e);
  r.S = 1.0 + r.rest;
  r.logS = std::log1p(r.rest);  // log S near 0 keeps its relative accuracy
  return r;
}

// p_c v for p_c = e_c / S. An e_c that underflowed to 0 above a logit
// > -inf stands for a positive p_c: times an infinite v that is +-inf
// (PyTorch's inf patterns under infinite cotangents), not 0 * inf.
template <class F>
double p_times(double e, double S, F x, double v) {
  const double p = e / S;
  if (p == 0.0 && std::isinf(v) && static_cast<double>(x) > -std::numeric_limits<double>::infinity()) return v;
  return p * v;
}

// Entries above -inf; log p_c is exactly 0 only for the one such entry of a row.
template <class F>
std::int64_t above_neg_inf(const F* x, std::int64_t C) {
  std::int64_t n = 0;
  for (std::int64_t c = 0; c < C; ++c) n += static_cast<double>(x[c]) > -std::numeric_limits<double>::infinity();
  return n;
}

}  // namespace soft_label_detail

// soft_label_cross_entropy_with_logits of one row, s the cotangent of its loss:
//   l = sum_c t_c (m - x_c) + A log S,  A = sum_c t_c      (terms >= 0 for t >= 0)
//   d/dx_j = s (p_j A - t_j),  d/dy_c = s ((m - x_c) + log S) where the label passes.
// Infinite labels or cotangents take PyTorch's two stages (G = -s t on log p,
// then G_j - p_j sum G) and the loss term by term, for its inf/NaN patterns.
template <class F>
double soft_ce_logits_row(const F* x, const F* y, std::int64_t C, double alpha, double s, F* grad_input,
                          F* grad_target) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (C == 0) return 0.0;
  thread_local std::vector<double> e_buf, t_buf;
  thread_local std::vector<unsigned char> pass_buf;
  double* e = soft_label_detail::scratch(e_buf, C);
  double* t = soft_label_detail::scratch(t_buf, C);
  unsigned char* pass = soft_label_detail::scratch(pass_buf, C);
  const RowSmoothing smooth(y, C, alpha);
  bool labels_finite = true;
  for (std::int64_t c = 0; c < C; ++c) {
    bool p;
    const double v = static_cast<double>(y[c]);
    t[c] = smooth(v, &p);
    pass[c] = p;
    labels_finite &= smooth.finite_label(v, p);
  }
  const RowMax r = row_max(x, C);
  if (!r.defined) {  // NaN or +inf logits, or only -inf: log p is NaN throughout
    for (std::int64_t c = 0; c < C; ++c) {
      grad_input[c] = static_cast<F>(nan);
      grad_target[c] = static_cast<F>(pass[c] ? nan : 0.0);
    }
    return nan;
  }
  const auto ex = soft_label_detail::exps(x, C, r.m, e);
  // log p_c rounded to 0 while other classes are above -inf (their e_c
  // underflowed) is a negative number: inf * log p keeps its sign.
  const bool single = soft_label_detail::above_neg_inf(x, C) == 1;
  auto log_p = [&](std::int64_t c) {
    const double lp = (static_cast<double>(x[c]) - r.m) - ex.logS;
    return lp == 0.0 && !single ? -std::numeric_limits<double>::denorm_min() : lp;
  };
  double loss = 0.0, A = 0.0, others = 0.0;  // others: A without the top class's label
  if (labels_finite) {
    // B = sum_c t_c (m - x_c) and A summed with their rounding errors
    // (TwoSum for m - x_c, fma residuals for the products, Neumaier for the
    // sums), so that the loss is rounded about once more than log S.
    soft_label_detail::CompensatedSum a, b;
    for (std::int64_t c = 0; c < C; ++c) {
      if (c != ex.top) a.add(t[c]);
      const auto gap = soft_label_detail::two_sum(r.m, -static_cast<double>(x[c]));
      const double term = t[c] * gap.s;
      b.add(term);
      b.add_error(std::fma(t[c], gap.s, -term) + t[c] * gap.e);
    }
    others = a.value();
    const auto all = soft_label_detail::two_sum(others, t[ex.top]);
    A = all.s;
    const double AlogS = A * ex.logS, AlogS_lo = std::fma(A, ex.logS, -AlogS) + (all.e + a.error()) * ex.logS;
    const auto total = soft_label_detail::two_sum(b.sum, AlogS);
    loss = std::isfinite(total.s) ? total.s + (total.e + (b.error() + AlogS_lo)) : total.s;
  } else {
    for (std::int64_t c = 0; c < C; ++c) loss += -t[c] * log_p(c);
  }
  if (labels_finite && std::isfinite(s)) {
    const double u = s * A / ex.S;
    for (std::int64_t j = 0; j < C; ++j) {
      grad_input[j] = static_cast<F>(e[j] * u - s * t[j]);
      const auto gap = soft_label_detail::two_sum(r.m, -static_cast<double>(x[j]));
      const double gap_lo = gap.e == gap.e ? gap.e : 0.0;  // NaN from TwoSum at x = -inf
      grad_target[j] = static_cast<F>(pass[j] ? s * (gap.s + (ex.logS + gap_lo)) : 0.0);
    }
    // At the top class (e = 1, p = 1/S) p A - t = (others - t rest) / S: no
    // cancellation of p A against t where that label carries most of A and
    // p is near 1 (1 - p = rest / S).
    grad_input[ex.top] = static_cast<F>(s * ((others - t[ex.top] * ex.rest) / ex.S));
    return loss;
  }
  double total = 0.0;
  for (std::int64_t c = 0; c < C; ++c) total += s * -t[c];
  for (std::int64_t j = 0; j < C; ++j) {
    grad_input[j] = static_cast<F>(s * -t[j] - soft_label_detail::p_times(e[j], ex.S, x[j], total));
    grad_target[j] = static_cast<F>(pass[j] ? -(s * log_p(j)) : 0.0);
  }
  return loss;
}

// soft_label_cross_entropy on probabilities p: a term counts when it is
// finite on exact values (t finite and 0 < p < inf); a dropped term still
// runs autograd's mul and log backward with cotangent 0, which gives NaN at
// p = 0, p NaN and infinite t (0 * inf, 0 / 0), as PyTorch does.
// *loss_lo receives the loss minus the returned value (for the reduction).
template <class F>
double soft_ce_probs_row(const F* p, const F* y, std::int64_t C, double alpha, double s, F* grad_input,
                         F* grad_target, double* loss_lo) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const RowSmoothing smooth(y, C, alpha);
  auto kept = [&](double v, bool passes, double pc) { return smooth.finite_label(v, passes) && pc > 0.0 && pc < inf; };
  // Each term summed exactly (fma residual, Neumaier): only the logarithms
  // (and the smoothed labels) are rounded.
  soft_label_detail::CompensatedSum sum;
  double magnitude = 0.0;
  for (std::int64_t c = 0; c < C; ++c) {
    bool passes;
    const double v = static_cast<double>(y[c]), pc = static_cast<double>(p[c]);
    const double t = smooth(v, &passes);
    const bool k = kept(v, passes, pc);
    const double lp = std::log(pc);
    if (k) {
      const double term = t * -lp;
      sum.add(term);
      sum.add_error(std::fma(t, -lp, -term));
      magnitude += std::fabs(term);
    }
    const double sc = k ? s : 0.0;
    grad_input[c] = static_cast<F>((sc * -t) / pc);
    grad_target[c] = static_cast<F>(passes ? -(sc * lp) : 0.0);
  }
  // Probabilities are not checked: above 1 (or with labels below 0) terms
  // change sign, and where they cancel the rounded logarithms and labels
  // would dominate the sum. Then again with log in long double and the
  // labels' low parts.
  if (std::isfinite(sum.sum) && std::fabs(sum.sum) < 0.25 * magnitude) {
    sum = {};
    for (std::int64_t c = 0; c < C; ++c) {
      bool passes;
      double t_lo;
      const double v = static_cast<double>(y[c]), pc = static_cast<double>(p[c]);
      const double t = smooth(v, &passes, &t_lo);
      if (!kept(v, passes, pc)) continue;
      const long double wide = -std::log(static_cast<long double>(pc));
      const double nl = static_cast<double>(wide), nl_lo = static_cast<double>(wide - nl);
      const double term = t * nl;
      sum.add(term);
      sum.add_error(std::fma(t, nl, -term) + (t * nl_lo + t_lo * nl));
    }
  }
  const double value = sum.value();
  *loss_lo = std::isfinite(value) ? (sum.sum - value) + sum.error() : 0.0;
  return value;
}

namespace soft_label_detail {

// p_c - y_c in long double (64-bit significand), for the classes where
// binary64 cannot tell its sign (a label within rounding of the softmax
// value, as when y is a rounded softmax): the row's sum is formed once, on
// first use; at the top class q = 1 - p is taken from the other classes.
template <class F>
class WideDifference {
 public:
  WideDifference(const F* x, std::int64_t C, double m, std::int64_t top) : x_(x), C_(C), m_(m), top_(top) {}
  double operator()(double y, std::int64_t c) {
    if (!ready_) {
      for (std::int64_t j = 0; j < C_; ++j)
        if (j != top_) rest_ += std::exp(static_cast<long double>(x_[j]) - m_);
      S_ = 1 + rest_;
      ready_ = true;
    }
    const long double yc = y;
    if (c == top_) return static_cast<double>((1 - yc) - rest_ / S_);
    return static_cast<double>(std::exp(static_cast<long double>(x_[c]) - m_) / S_ - yc);
  }

 private:
  const F* x_;
  std::int64_t C_;
  double m_;
  std::int64_t top_;
  bool ready_ = false;
  long double rest_ = 0, S_ = 1;
};

}  // namespace soft_label_detail

// classification_mae_with_logits of one row:
//   l = sum_c |p_c - y_c|;  G_c = s sgn(p_c - y_c)  (sgn 0 at 0 and at NaN, as torch.sign)
//   d/dx_j = p_j (G_j - sum_c p_c G_c),  d/dy_c = -G_c.
// With E+, E-, E0 the sums of e over classes of sign +1, -1, 0 and sum e = S,
// G_j - sum_c p_c G_c is s (2E- + E0)/S, -s (2E+ + E0)/S and s (E- - E+)/S for
// sgn_j = +1, -1, 0: sums of one sign, and 0 exactly when every sign agrees.
// The signs are exact where p_c - y_c is exactly 0 (p rational: x_c = -inf,
// or all logits above -inf equal) and where it is decided by underflow;
// elsewhere binary64 decides unless the difference is within its error, and
// long double decides those.
template <class F>
double mae_logits_row(const F* x, const F* y, std::int64_t C, double s, F* grad_input, F* grad_target) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  if (C == 0) return 0.0;
  const RowMax r = row_max(x, C);
  if (!r.defined) {  // p is NaN: every sign is 0 (torch.sign(nan) = 0)
    for (std::int64_t c = 0; c < C; ++c) {
      grad_input[c] = static_cast<F>(nan);
      grad_target[c] = static_cast<F>(-(s * 0.0));
    }
    return nan;
  }
  thread_local std::vector<double> e_buf;
  thread_local std::vector<signed char> sign_buf;
  double* e = soft_label_detail::scratch(e_buf, C);
  signed char* sg = soft_label_detail::scratch(sign_buf, C);
  const auto ex = soft_label_detail::exps(x, C, r.m, e);
  std::int64_t live = 0, at_max = 0;
  for (std::int64_t c = 0; c < C; ++c) {
    const double v = static_cast<double>(x[c]);
    live += v > -inf;
    at_max += v == r.m;
  }
  const bool uniform = live == at_max;  // p = 1/live exactly above -inf
  const double n = static_cast<double>(live);
  // p's relative error: exp (the float kernels' series stops near 2^-37), the
  // sum S and a division; differences within it are decided wider.
  const double rel = 0x1p-35 + static_cast<double>(C) * 0x1p-50;
  const double S_lo = soft_label_detail::two_sum(1.0, ex.rest).e;
  soft_label_detail::WideDifference<F> wide(x, C, r.m, ex.top);
  double acc[kLanes] = {}, Ep[kLanes] = {}, Em[kLanes] = {}, E0[kLanes] = {};
  for (std::int64_t c = 0; c < C; ++c) {
    const double xc = static_cast<double>(x[c]), yc = static_cast<double>(y[c]);
    double d;
    int sign;
    if (yc != yc) {
      d = nan, sign = 0;
    } else if (std::isinf(yc)) {
      d = -yc, sign = yc > 0 ? -1 : 1;
    } else if (xc == -inf) {  // p = 0 exactly
      d = -yc, sign = (0.0 < yc) ? -1 : (yc < 0.0 ? 1 : 0);
    } else if (uniform) {  // p = 1/n: the sign of 1 - n y, exactly
      const double prod = n * yc, residual = std::fma(n, yc, -prod);
      const double hi = 1.0 - prod;  // exact for n y in [1/2, 2], where it matters
      sign = hi > 0.0 ? 1 : hi < 0.0 ? -1 : (residual < 0.0) - (residual > 0.0);
      d = prod >= 0.5 && prod <= 2.0 ? (hi - residual) / n : 1.0 / n - yc;
    } else {
      // p > 1/2 only at the top, where 1 - p = rest / S has its relative accuracy.
      // Where p and y are within a factor 2 (the difference cancels), d S =
      // (1 - y) - y rest at the top and e_c - y S elsewhere, each rounded once
      // (fma; S = 1 + rest carried with its low part) before / S.
      const bool near_one = c == ex.top && ex.rest < 1.0;
      const double q = near_one ? ex.rest / ex.S : 0.0, pc = e[c] / ex.S;
      if (near_one) d = yc >= 0.5 && yc <= 2.0 ? std::fma(-yc, ex.rest, 1.0 - yc) / ex.S : (1.0 - yc) - q;
      else d = pc >= 0.5 * yc && pc <= 2.0 * yc ? (std::fma(-yc, ex.S, e[c]) - yc * S_lo) / ex.S : pc - yc;
      const double err = rel * (near_one ? q : pc) + 0x1p-1070;
      if (std::fabs(d) > err) {
        sign = d > 0.0 ? 1 : -1;
      } else if (near_one && q == 0.0 && 1.0 - yc == 0.0) {
        sign = -1, d = 0.0;  // p < 1 = y: the other classes underflowed
      } else if (!near_one && pc == 0.0 && yc <= 0.0) {
        sign = 1, d = -yc;  // p > 0 >= y: e_c underflowed
      } else {
        d = wide(yc, c);
        sign = d > 0.0 ? 1 : d < 0.0 ? -1 : 0;
      }
    }
    sg[c] = static_cast<signed char>(sign);
    acc[c % kLanes] += std::fabs(d);  // 0 wherever the sign is 0, but for NaN labels
    (sign > 0 ? Ep : sign < 0 ? Em : E0)[c % kLanes] += e[c];
  }
  const double loss = combine(acc);
  if (std::isfinite(s)) {
    const double ep = combine(Ep), em = combine(Em), e0 = combine(E0), S2 = ex.S * ex.S;
    const double f_plus = s * (2.0 * em + e0) / S2, f_minus = -(s * (2.0 * ep + e0)) / S2,
                 f_zero = s * (em - ep) / S2;
    for (std::int64_t j = 0; j < C; ++j) {
      grad_input[j] = static_cast<F>(e[j] * (sg[j] > 0 ? f_plus : sg[j] < 0 ? f_minus : f_zero));
      grad_target[j] = static_cast<F>(-(s * sg[j]));
    }
    return loss;
  }
  // A non-finite cotangent: PyTorch's two stages for its inf/NaN patterns (inf * sgn 0 = NaN).
  double pg = 0.0;
  for (std::int64_t c = 0; c < C; ++c) pg += soft_label_detail::p_times(e[c], ex.S, x[c], s * sg[c]);
  for (std::int64_t j = 0; j < C; ++j) {
    const double G = s * sg[j];
    grad_input[j] = static_cast<F>(soft_label_detail::p_times(e[j], ex.S, x[j], G - pg));
    grad_target[j] = static_cast<F>(-G);
  }
  return loss;
}

}  // namespace lossoracle::optimized::LOSSORACLE_ISA
