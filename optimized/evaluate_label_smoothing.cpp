// Drivers of the label-smoothing family (smooth_labels, fastai's and PyTorch
// issue #11959's LabelSmoothingCrossEntropy, fairseq's label_smoothed_nll_loss):
// the shared checks (checks/label_smoothing.hpp: each source's order and
// words), then the row kernel of label_smoothing.hpp over threads, then
// reductions in a fixed order.
#include <cmath>
#include <limits>
#include <optional>

#include "checks/label_smoothing.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

constexpr std::int64_t kNllIgnore = checks::kNllDefaultIgnoreIndex;

// Knuth's TwoSum: a + b = s + e exactly.
struct TwoSum {
  double s, e;
};
TwoSum two_sum(double a, double b) {
  const double s = a + b, bv = s - a, av = s - bv;
  return {s, (a - av) + (b - bv)};
}

// eps/C everywhere, 1 - eps added at the target: the target's value formed
// from 1 - eps and eps/C with their rounding errors, so that it is rounded once.
template <class F>
Outputs smooth_labels(const LossCase& c) {
  const checks::SmoothLabelsArgs args = checks::smooth_labels_args(c);
  const std::int64_t C = args.classes;
  const std::vector<std::int64_t>& y = args.y;
  const double eps = c.params.real("eps"), Cd = static_cast<double>(C);
  const double spread = eps / Cd, spread_lo = std::fma(-spread, Cd, eps) / Cd;
  const TwoSum keep = two_sum(1.0, -eps), top = two_sum(keep.s, spread);
  const double at_target = top.s + (top.e + (keep.e + spread_lo));
  const std::int64_t N = static_cast<std::int64_t>(y.size());
  std::vector<double> out(static_cast<std::size_t>(N * C), spread);
  for (std::int64_t n = 0; n < N; ++n) out[n * C + y[n]] = at_target;
  return {rounded_output<F>("loss", {N, C}, out)};
}

// fastai: out = S eps / C + (1 - eps) nll_loss(logp, y, weight), the smoothing
// sum S unweighted and over every position, the nll term weighted and
// ignoring -100 (its mean divides by W = sum of w[y] over the others).
template <class F>
Outputs fastai_label_smoothing_cross_entropy(const LossCase& c) {
  const checks::ClassIndexArgs args = checks::fastai_label_smoothing_args(c);
  const Tensor& in = *c.find("input");
  const ClassLayout& L = args.layout;
  const Reduction red = args.reduction;
  const std::vector<std::int64_t>& y = args.y;
  const double eps = c.params.real("eps"), keep = 1.0 - eps, Cd = static_cast<double>(L.classes);
  const std::vector<F> x = to_rows(L, values_as<F>(in));
  const std::vector<F> w = optional_values<F>(c, "weight"), go = optional_values<F>(c, "grad_output");
  const std::int64_t P = L.positions(), C = L.classes;
  const double count = static_cast<double>(P);
  std::vector<double> wy_terms;
  for (std::int64_t t : y)
    if (t != kNllIgnore) wy_terms.push_back(w.empty() ? 1.0 : static_cast<double>(w[t]));
  const double W = ordered_sum(wy_terms);
  std::vector<double> smooth(P), nll(P), per(P);
  std::vector<F> grad(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(P, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      const bool ignored = y[pos] == kNllIgnore;
      const double wy = ignored || w.empty() ? 1.0 : static_cast<double>(w[y[pos]]);
      const double g = go.empty() ? 1.0 : static_cast<double>(go[red == Reduction::none ? pos : 0]);
      // fastai's autograd: (g / c) eps [/ P] on every log p, w_y ((1 - eps) g [/ W]) on the target's.
      const double a_smooth = red == Reduction::mean ? ((g / Cd) * eps) / count : (g / Cd) * eps;
      const double a_nll = wy * (red == Reduction::mean ? (keep * g) / W : keep * g);
      double raw_nll = 0.0;
      smooth[pos] = k.smoothed_ce_row(x.data() + pos * C, C, ignored ? -1 : y[pos], a_smooth, a_nll,
                                      grad.data() + pos * C, &raw_nll);
      nll[pos] = ignored ? 0.0 : wy * raw_nll;
      per[pos] = (smooth[pos] * eps) / Cd + keep * nll[pos];
    }
  });
  Outputs o;
  if (red == Reduction::none) {
    o.push_back(rounded_output<F>("loss", L.position_shape, per));
  } else {
    double s = ordered_sum(smooth), n = ordered_sum(nll);
    if (red == Reduction::mean) s /= count, n /= W;
    o.push_back(rounded_output<F>("loss", {}, {(s * eps) / Cd + keep * n}));
  }
  o.push_back(rounded_output<F>("per_position", L.position_shape, per));
  o.push_back(output<F>("grad_input", in.shape, from_rows(L, grad)));
  return o;
}

// Issue #11959: l_n = (1 - eps) mean_m nll_m - eps mean_c log p_nc; the batch
// mean nll is one scalar broadcast to every row, so its cotangent collects
// every row's (h_total) and reaches each target's log p divided by W.
template <class F>
Outputs issue11959_label_smoothing_cross_entropy(const LossCase& c) {
  const checks::ClassIndexArgs args = checks::issue11959_label_smoothing_args(c);
  const Tensor& in = *c.find("input");
  const ClassLayout& L = args.layout;
  const Reduction red = args.reduction;
  const std::vector<std::int64_t>& y = args.y;
  const double eps = c.params.real("eps"), keep = 1.0 - eps, Cd = static_cast<double>(L.classes);
  const std::vector<F> x = values_as<F>(in), go = optional_values<F>(c, "grad_output");
  const std::int64_t P = L.positions(), C = L.classes;
  const double count = static_cast<double>(P);
  double W = 0.0;
  for (std::int64_t t : y) W += t != kNllIgnore ? 1.0 : 0.0;
  auto h_of = [&](std::int64_t pos) {  // cotangent of l_pos
    const double g = go.empty() ? 1.0 : static_cast<double>(go[red == Reduction::none ? pos : 0]);
    return red == Reduction::mean ? g / count : g;
  };
  double h_total = count;  // none without grad_output, and sum: P g; mean: g exactly
  if (red == Reduction::none && !go.empty()) h_total = ordered_sum(std::vector<double>(go.begin(), go.end()));
  else if (red == Reduction::sum && !go.empty()) h_total = count * static_cast<double>(go[0]);
  else if (red == Reduction::mean) h_total = P == 0 ? 0.0 : (go.empty() ? 1.0 : static_cast<double>(go[0]));
  const double a_nll = (keep * h_total) / W;
  std::vector<double> smooth(P), nll(P, 0.0);
  std::vector<F> grad(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  parallel_for(P, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      const bool ignored = y[pos] == kNllIgnore;
      smooth[pos] = k.smoothed_ce_row(x.data() + pos * C, C, ignored ? -1 : y[pos], (h_of(pos) * eps) / Cd, a_nll,
                                      grad.data() + pos * C, &nll[pos]);
    }
  });
  const double nll_mean = ordered_sum(nll) / W;
  std::vector<double> per(P);
  for (std::int64_t pos = 0; pos < P; ++pos) per[pos] = keep * nll_mean + eps * (smooth[pos] / Cd);
  Outputs o;
  push_loss_and_per_position<F>(o, red, L.position_shape, per, count);
  o.push_back(output<F>("grad_input", in.shape, grad));
  return o;
}

// fairseq on log-probabilities (no softmax): with eps_i = epsilon / (C - 1),
// loss = (1 - epsilon - eps_i) nll + eps_i smooth, formed as
// (1 - epsilon)(-lp_y) + eps_i (-sum_{c != y} lp_c), equal in exact
// arithmetic and free of the cancellation in 1 - epsilon - eps_i.
template <class F>
Outputs label_smoothed_nll_loss(const LossCase& c) {
  const checks::FairseqArgs args = checks::label_smoothed_nll_loss_args(c);
  const Tensor& in = *c.find("input");
  const ClassLayout& L = args.layout;
  const std::vector<std::int64_t>& y = args.y;
  const std::optional<std::int64_t> ignore = args.ignore_index;
  const bool reduce_sum = args.reduce_sum;
  Shape unreduced = L.position_shape;
  if (ignore) unreduced.push_back(1);

  const double epsilon = c.params.real("epsilon"), eps_i = epsilon / static_cast<double>(L.classes - 1);
  const double keep = 1.0 - epsilon;
  const std::vector<F> lp = values_as<F>(in), go = optional_values<F>(c, "grad_output");
  const std::int64_t P = L.positions(), C = L.classes;
  const double a = keep - eps_i;  // fairseq's 1 - epsilon - eps_i, for the non-finite rows
  std::vector<double> nll(P, 0.0), smooth(P, 0.0), per(P, 0.0);
  std::vector<F> grad(lp.size(), F(0));
  parallel_for(P, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t pos = b; pos < e; ++pos) {
      if (ignore && y[pos] == *ignore) continue;  // masked_fill: exact zeros, no gradient
      const F* row = lp.data() + pos * C;
      // -sum_{c != y} lp_c, compensated (the inputs are not checked to be of one sign).
      double s = 0.0, comp = 0.0;
      for (std::int64_t k = 0; k < C; ++k) {
        if (k == y[pos]) continue;
        const double v = -static_cast<double>(row[k]), t = s + v;
        comp += std::fabs(s) >= std::fabs(v) ? (s - t) + v : (v - t) + s;
        s = t;
      }
      const double others = std::isfinite(s) ? s + comp : s;
      nll[pos] = -static_cast<double>(row[y[pos]]);
      smooth[pos] = others + nll[pos];
      // Infinite terms: fairseq's own expression gives its NaNs (0 * inf where a or eps_i is 0).
      per[pos] = std::isfinite(nll[pos]) && std::isfinite(others) ? std::fma(keep, nll[pos], eps_i * others)
                                                                   : a * nll[pos] + eps_i * smooth[pos];
      const double g = go.empty() ? 1.0 : static_cast<double>(go[reduce_sum ? 0 : pos]);
      F* gr = grad.data() + pos * C;
      for (std::int64_t k = 0; k < C; ++k) gr[k] = static_cast<F>(-(g * eps_i));
      // -(g eps_i) - g (1 - epsilon - eps_i) = -(g (1 - epsilon)) in exact arithmetic.
      gr[y[pos]] = static_cast<F>(-(g * keep));
    }
  });
  Outputs o;
  if (reduce_sum) {
    double total = ordered_sum(per);
    if (!std::isfinite(total)) total = a * ordered_sum(nll) + eps_i * ordered_sum(smooth);
    o.push_back(rounded_output<F>("loss", {}, {total}));
  } else {
    o.push_back(rounded_output<F>("loss", unreduced, per));
  }
  o.push_back(rounded_output<F>("per_position", unreduced, per));
  o.push_back(output<F>("grad_input", in.shape, grad));
  if (reduce_sum) o.push_back(rounded_output<F>("nll_loss", {}, {ordered_sum(nll)}));
  else o.push_back(rounded_output<F>("nll_loss", unreduced, nll));
  return o;
}

}  // namespace

FamilyFn smooth_labels_fn(Precision p) { return p == Precision::f32 ? smooth_labels<float> : smooth_labels<double>; }
FamilyFn fastai_label_smoothing_cross_entropy_fn(Precision p) {
  return p == Precision::f32 ? fastai_label_smoothing_cross_entropy<float>
                             : fastai_label_smoothing_cross_entropy<double>;
}
FamilyFn issue11959_label_smoothing_cross_entropy_fn(Precision p) {
  return p == Precision::f32 ? issue11959_label_smoothing_cross_entropy<float>
                             : issue11959_label_smoothing_cross_entropy<double>;
}
FamilyFn label_smoothed_nll_loss_fn(Precision p) {
  return p == Precision::f32 ? label_smoothed_nll_loss<float> : label_smoothed_nll_loss<double>;
}

}  // namespace lossoracle::optimized
