// Drivers of the cross-entropy family (log_softmax, softmax, entropy,
// nll_loss, cross_entropy, kl_div): the shared checks
// (checks/cross_entropy.hpp: PyTorch's order and words), then the row
// kernels over threads, then reductions in a fixed order.
#include <algorithm>
#include <cmath>
#include <limits>

#include "checks/cross_entropy.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// softmax and log_softmax: outputs shaped like the input.
template <class F, bool Log>
Outputs softmax_like(const LossCase& c) {
  const ClassLayout L = checks::softmax_args(c);
  const Tensor& in = *c.find("input");
  const std::vector<F> x = to_rows(L, values_as<F>(in));
  const std::vector<F> go = to_rows(L, optional_values<F>(c, "grad_output"));
  std::vector<F> out(x.size()), grad(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  const std::int64_t C = L.classes;
  parallel_for(C == 0 ? 0 : L.positions(), row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      const F* g = go.empty() ? nullptr : go.data() + pos * C;
      (Log ? k.log_softmax_row : k.softmax_row)(x.data() + pos * C, g, C, out.data() + pos * C, grad.data() + pos * C);
    }
  });
  return {output<F>("loss", in.shape, from_rows(L, out)), output<F>("grad_input", in.shape, from_rows(L, grad))};
}

// Cotangent of position pos given the reduction: grad_output (ones by
// default) for none, its scalar for sum and mean; mean's division is left
// to the caller, which knows the denominator.
template <class F>
double cotangent(const std::vector<F>& go, Reduction r, std::int64_t pos) {
  if (go.empty()) return 1.0;
  return static_cast<double>(go[r == Reduction::none ? pos : 0]);
}

template <class F>
Outputs entropy(const LossCase& c) {
  const checks::EntropyArgs args = checks::entropy_args(c);
  const Tensor& in = *c.find("input");
  const ClassLayout& L = args.layout;
  const Reduction red = args.reduction;
  const std::vector<F> p = to_rows(L, values_as<F>(in));
  const std::vector<F> go = optional_values<F>(c, "grad_output");
  const double P = static_cast<double>(L.positions());
  std::vector<double> per(L.positions());
  std::vector<F> grad(p.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  const std::int64_t C = L.classes;
  parallel_for(L.positions(), row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      double g = cotangent(go, red, pos);
      if (red == Reduction::mean) g /= P;
      per[pos] = k.entropy_row(p.data() + pos * C, C, g, grad.data() + pos * C);
    }
  });
  Outputs o;
  push_loss_and_per_position<F>(o, red, L.position_shape, per, P);
  o.push_back(output<F>("grad_input", in.shape, from_rows(L, grad)));
  return o;
}

// mean's denominator for class indices: sum of w[y] over positions not ignored.
template <class F>
double index_denominator(const std::vector<std::int64_t>& y, const std::vector<F>& w, std::int64_t ignore_index) {
  std::vector<double> terms;
  terms.reserve(y.size());
  for (std::int64_t t : y)
    if (t != ignore_index) terms.push_back(w.empty() ? 1.0 : static_cast<double>(w[t]));
  return ordered_sum(terms);
}

// nll_loss needs no kernel: one read and one write per position.
template <class F>
Outputs nll_loss(const LossCase& c) {
  const checks::CrossEntropyArgs args = checks::nll_loss_args(c);
  const Tensor& in = *c.find("input");
  const ClassLayout& L = args.layout;
  const Reduction red = args.reduction;
  const std::int64_t ignore = args.ignore_index;
  const std::vector<std::int64_t>& y = args.y;
  check_class_indices(c.loss, L, y, ignore);
  const std::vector<F> x = values_as<F>(in), w = optional_values<F>(c, "weight"), go = optional_values<F>(c, "grad_output");
  const double W = index_denominator(y, w, ignore);
  std::vector<double> per(L.positions(), 0.0);
  std::vector<F> grad(x.size(), F(0));
  for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
    if (y[pos] == ignore) continue;
    const double wy = w.empty() ? 1.0 : static_cast<double>(w[y[pos]]);
    per[pos] = -(wy * static_cast<double>(x[L.at(pos, y[pos])]));
    double g = cotangent(go, red, pos);
    if (red == Reduction::mean) g /= W;
    grad[L.at(pos, y[pos])] = static_cast<F>(-(g * wy));
  }
  Outputs o;
  push_loss_and_per_position<F>(o, red, L.position_shape, per, W);
  o.push_back(output<F>("grad_input", in.shape, grad));
  return o;
}

// sum_n w[y_n] (-log p_{n,y_n}) for mean with W = 0, where only its sign
// matters (N / 0 is inf, -inf or NaN) and the weights cancel: the per-row
// values, each within an ulp of about log C, can cancel to 0 or to the wrong
// sign (logits in the subnormal range: every row's -log p_y rounds to log C).
// -log p_y = log C + log1p(E / C) with E = sum_c expm1(x_c - x_y), and the
// log C parts sum to log C * W = 0, so only the small parts are summed: they
// keep their accuracy in absolute terms. A row whose E overflows (some
// x_c - x_y > 709) or is NaN falls back to its kernel value less w log C.
// Scalar libm per element: this degenerate case is not worth a kernel.
template <class F>
double zero_denominator_nll_sum(const std::vector<F>& x, const std::vector<F>& w, const std::vector<std::int64_t>& y,
                                std::int64_t ignore, std::int64_t C, const std::vector<double>& nll) {
  const double logC = std::log(static_cast<double>(C));
  std::vector<double> terms, e(static_cast<std::size_t>(C));
  for (std::size_t pos = 0; pos < y.size(); ++pos) {
    if (y[pos] == ignore) continue;
    const F* row = x.data() + static_cast<std::int64_t>(pos) * C;
    const double wy = w.empty() ? 1.0 : static_cast<double>(w[y[pos]]);
    const double xy = static_cast<double>(row[y[pos]]);
    for (std::int64_t c = 0; c < C; ++c) e[c] = std::expm1(static_cast<double>(row[c]) - xy);
    const double E = ordered_sum(e);
    terms.push_back(std::isfinite(E) ? wy * std::log1p(E / static_cast<double>(C)) : nll[pos] - wy * logC);
  }
  return ordered_sum(terms);
}

template <class F>
Outputs cross_entropy_index(const LossCase& c, const ClassLayout& L, Reduction red, std::int64_t ignore, double eps,
                            const std::vector<std::int64_t>& y) {
  const Tensor& in = *c.find("input");
  check_class_indices(c.loss, L, y, ignore);
  const std::vector<F> x = to_rows(L, values_as<F>(in));
  const std::vector<F> w = optional_values<F>(c, "weight"), go = optional_values<F>(c, "grad_output");
  const bool smoothing = eps > 0.0;
  const double keep = smoothing ? 1.0 - eps : 1.0;
  const double spread = smoothing ? eps / static_cast<double>(L.classes) : 0.0;
  const double W = index_denominator(y, w, ignore);
  double weight_total = static_cast<double>(L.classes);
  if (!w.empty()) {
    std::vector<double> wd(w.begin(), w.end());
    weight_total = ordered_sum(wd);
  }
  const std::int64_t C = L.classes;
  std::vector<double> nll(L.positions(), 0.0), smooth(L.positions(), 0.0), per(L.positions(), 0.0);
  std::vector<F> grad(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(C == 0 ? 0 : L.positions(), row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      CeIndexRow a;
      a.y = y[pos] == ignore ? -1 : y[pos];
      a.keep = keep;
      a.spread = spread;
      a.weight_total = weight_total;
      const double g = cotangent(go, red, pos);
      // PyTorch scales the cotangent by (1-eps) and eps/C before dividing by W.
      a.g_nll = red == Reduction::mean ? (g * keep) / W : g * keep;
      a.g_smooth = red == Reduction::mean ? (g * spread) / W : g * spread;
      per[pos] = k.ce_index_row(x.data() + pos * C, w.empty() ? nullptr : w.data(), C, a, grad.data() + pos * C,
                                  &nll[pos], &smooth[pos]);
    }
  });
  Outputs o;
  if (red == Reduction::none) {
    push_loss_and_per_position<F>(o, red, L.position_shape, per, W);
  } else {
    // PyTorch reduces the nll and smoothing terms separately, and for mean
    // divides each by W: with W = 0 the two quotients decide the result
    // (inf, -inf or NaN), which no combination of the per-position losses
    // can reproduce (their difference would be inf - inf).
    const bool zero_mean = red == Reduction::mean && W == 0.0 && C > 0;
    double nll_total = zero_mean ? zero_denominator_nll_sum(x, w, y, ignore, C, nll) : ordered_sum(nll);
    double smooth_total = smoothing ? ordered_sum(smooth) : 0.0;
    if (red == Reduction::mean) {
      nll_total /= W;
      smooth_total /= W;
    }
    const double loss = smoothing ? keep * nll_total + spread * smooth_total : nll_total;
    o.push_back(rounded_output<F>("loss", {}, {loss}));
    o.push_back(rounded_output<F>("per_position", L.position_shape, per));
  }
  o.push_back(output<F>("grad_input", in.shape, from_rows(L, grad)));
  return o;
}

template <class F>
Outputs cross_entropy_probs(const LossCase& c, const ClassLayout& L, Reduction red, double eps) {
  const Tensor& in = *c.find("input");
  const std::vector<F> x = to_rows(L, values_as<F>(in)), t = to_rows(L, values_as<F>(*c.find("target")));
  const std::vector<F> w = optional_values<F>(c, "weight"), go = optional_values<F>(c, "grad_output");
  const bool smoothing = eps > 0.0;
  const double keep = smoothing ? 1.0 - eps : 1.0;
  const double spread = smoothing ? eps / static_cast<double>(L.classes) : 0.0;
  const double count = x.empty() ? 0.0 : static_cast<double>(L.positions());
  const std::int64_t C = L.classes;
  std::vector<double> per(L.positions(), 0.0);
  std::vector<F> gi(x.size()), gt(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(L.positions(), row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      double g = cotangent(go, red, pos);
      if (red == Reduction::mean) g /= count;
      per[pos] = C == 0 ? 0.0
                        : k.ce_probs_row(x.data() + pos * C, t.data() + pos * C, w.empty() ? nullptr : w.data(), C,
                                         keep, spread, g, gi.data() + pos * C, gt.data() + pos * C);
    }
  });
  Outputs o;
  push_loss_and_per_position<F>(o, red, L.position_shape, per, count);
  o.push_back(output<F>("grad_input", in.shape, from_rows(L, gi)));
  o.push_back(output<F>("grad_target", c.find("target")->shape, from_rows(L, gt)));
  return o;
}

template <class F>
Outputs cross_entropy(const LossCase& c) {
  const checks::CrossEntropyArgs a = checks::cross_entropy_args(c);
  if (a.probabilities) return cross_entropy_probs<F>(c, a.layout, a.reduction, a.label_smoothing);
  return cross_entropy_index<F>(c, a.layout, a.reduction, a.ignore_index, a.label_smoothing, a.y);
}

template <class F>
Outputs kl_div(const LossCase& c) {
  const checks::KlDivArgs args = checks::kl_div_args(c);
  const Tensor& in = *c.find("input");
  const Tensor& target = *c.find("target");
  const Reduction red = args.reduction;
  const bool log_target = args.log_target;
  const std::vector<F> x = values_as<F>(in), t = values_as<F>(target), go = optional_values<F>(c, "grad_output");
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  double count = static_cast<double>(n);
  if (red == Reduction::batchmean) count = in.shape.empty() ? 1.0 : static_cast<double>(in.shape[0]);
  const double divisor = red == Reduction::mean || red == Reduction::batchmean ? count : 1.0;
  const bool per_element_g = red == Reduction::none && !go.empty();
  const double g0 = go.empty() ? 1.0 : static_cast<double>(go[0]);
  std::vector<double> per(n);
  std::vector<F> gi(n), gt(n);
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(n, 8192, [&](std::int64_t b, std::int64_t e) {
    k.kl_div_block(x.data() + b, t.data() + b, e - b, log_target, per_element_g ? go.data() + b : nullptr,
                   g0 / divisor, 1.0, !go.empty() && g0 == 0.0, per.data() + b, gi.data() + b, gt.data() + b);
  });
  Outputs o;
  push_loss_and_per_position<F>(o, red, in.shape, per, count);
  o.push_back(output<F>("grad_input", in.shape, gi));
  o.push_back(output<F>("grad_target", in.shape, gt));
  return o;
}

}  // namespace

FamilyFn log_softmax_fn(Precision p) { return p == Precision::f32 ? softmax_like<float, true> : softmax_like<double, true>; }
FamilyFn softmax_fn(Precision p) { return p == Precision::f32 ? softmax_like<float, false> : softmax_like<double, false>; }
FamilyFn entropy_fn(Precision p) { return p == Precision::f32 ? entropy<float> : entropy<double>; }
FamilyFn nll_loss_fn(Precision p) { return p == Precision::f32 ? nll_loss<float> : nll_loss<double>; }
FamilyFn cross_entropy_fn(Precision p) { return p == Precision::f32 ? cross_entropy<float> : cross_entropy<double>; }
FamilyFn kl_div_fn(Precision p) { return p == Precision::f32 ? kl_div<float> : kl_div<double>; }

}  // namespace lossoracle::optimized
