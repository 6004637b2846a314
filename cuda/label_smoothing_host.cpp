// The label-smoothing family on the host build: cuda/label_smoothing.cuh's
// row policies driven as the kernels drive them (cuda/label_smoothing.cu
// and cuda/label_smoothing_api.cpp), passes included.
#include "cuda/cross_entropy.cuh"
#include "cuda/host_rows.hpp"
#include "cuda/label_smoothing.cuh"

namespace lossoracle::cuda::host {

namespace {

template <class A>
A sum_of(const std::vector<A>& v) {
  A total(0);
  for (const A& x : v) total += x;
  return total;
}

template <class A>
std::vector<HostOutput> smooth_labels_on_host(const LossCase& c, const Problem& p) {
  const std::vector<std::int64_t> y = checked_targets(p, c);
  const A spread = A(p.label_smoothing) / A(static_cast<double>(p.classes));
  const A keep = A(1) - A(p.label_smoothing);
  std::vector<A> out(static_cast<std::size_t>(p.outer * p.classes));
  for (std::int64_t n = 0; n < p.outer; ++n)
    for (std::int64_t k = 0; k < p.classes; ++k) out[n * p.classes + k] = smooth_label(k == y[n], spread, keep);
  return {{"loss", p.loss_shape(), widen(out)}};
}

template <class A>
std::vector<HostOutput> fastai_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<std::int64_t> y = checked_targets(p, c);
  const std::vector<A> x = values_of<A>(c, "input"), w = values_of<A>(c, "weight"), go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  const std::int64_t P = p.positions();
  A W(0);
  for (std::int64_t t : y)
    if (t != p.ignore_index) W += w.empty() ? A(1) : w[t];
  FastaiCall<A> call;
  call.eps = A(p.label_smoothing);
  call.keep = A(1) - call.eps;
  call.classes = A(static_cast<double>(p.classes));
  call.positions = A(static_cast<double>(P));
  call.mean = p.reduction == Reduction::mean;
  call.divisor = call.mean ? W : A(1);
  auto inputs_of = [&](std::int64_t pos, std::int64_t base) {
    RowInputs<A> in;
    in.ignored = y[pos] == p.ignore_index;
    if (!in.ignored) {
      in.x_target = x[base + y[pos] * p.inner];
      in.w_target = w.empty() ? A(1) : w[y[pos]];
    }
    in.g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? pos : 0];
    return in;
  };
  std::vector<A> value(x.size()), grad(x.size()), per_position(P);
  run_rows<A>(lanes, FastaiRow<A>{call}, p, x, none, A(0), w, &y, inputs_of, value, grad, nullptr, per_position);
  std::vector<A> loss;
  if (p.reduction == Reduction::none) {
    loss = per_position;
  } else if (p.reduction == Reduction::sum) {
    loss = {sum_of(per_position)};
  } else {
    // The kernels' second pass: each position's share of the mean, summed.
    FastaiCall<A> share = call;
    share.contribution = true;
    std::vector<A> ignored_value(x.size()), ignored_grad(x.size()), shares(P);
    run_rows<A>(lanes, FastaiRow<A>{share}, p, x, none, A(0), w, &y, inputs_of, ignored_value, ignored_grad, nullptr,
                shares);
    loss = {sum_of(shares)};
  }
  return {{"loss", p.loss_shape(), widen(loss)},
          {"per_position", p.position_shape, widen(per_position)},
          {"grad_input", p.input_shape, widen(grad)}};
}

template <class A>
std::vector<HostOutput> fairseq_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<std::int64_t> y = checked_targets(p, c);
  const std::vector<A> x = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  const std::int64_t P = p.positions();
  FairseqCall<A> call;
  call.eps_i = A(p.label_smoothing) / A(static_cast<double>(p.classes - 1));
  call.target_weight = (A(1) - A(p.label_smoothing)) - call.eps_i;
  std::vector<A> nll(P);
  auto inputs_of = [&](std::int64_t pos, std::int64_t base) {
    RowInputs<A> in;
    in.ignored = y[pos] == p.ignore_index;
    if (!in.ignored) in.x_target = x[base + y[pos] * p.inner];
    in.g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? pos : 0];
    nll[pos] = nll_row_loss(in.x_target, A(1), in.ignored);  // the nll kernel's
    return in;
  };
  std::vector<A> value(x.size()), grad(x.size()), per_position(P);
  run_rows<A>(lanes, FairseqRow<A>{call}, p, x, none, A(0), none, &y, inputs_of, value, grad, nullptr, per_position);
  const bool reduced = p.reduction == Reduction::sum;
  return {{"loss", p.loss_shape(), reduced ? std::vector<double>{static_cast<double>(sum_of(per_position))} : widen(per_position)},
          {"per_position", p.position_shape, widen(per_position)},
          {"grad_input", p.input_shape, widen(grad)},
          {"nll_loss", p.loss_shape(), reduced ? std::vector<double>{static_cast<double>(sum_of(nll))} : widen(nll)}};
}

// As the kernels: W; each row's nll by cross_entropy's policy, summed into
// the batch mean; H / W; the row pass; (1 - eps) nll added to each row.
template <class A>
std::vector<HostOutput> issue11959_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<std::int64_t> y = checked_targets(p, c);
  const std::vector<A> x = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  const std::int64_t P = p.positions();
  A W(0);
  for (std::int64_t t : y)
    if (t != p.ignore_index) W += A(1);
  auto inputs_of = [&](std::int64_t pos, std::int64_t base) {
    RowInputs<A> in;
    in.ignored = y[pos] == p.ignore_index;
    if (!in.ignored) in.x_target = x[base + y[pos] * p.inner];
    in.g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? pos : 0];
    return in;
  };
  auto nll_inputs = [&](std::int64_t pos, std::int64_t base) {
    RowInputs<A> in = inputs_of(pos, base);
    in.g = A(1);
    return in;
  };
  std::vector<A> value(x.size()), grad(x.size()), nll(P);
  run_rows<A>(lanes, CrossEntropyIndexRow<A>{}, p, x, none, A(0), none, &y, nll_inputs, value, grad, nullptr, nll);
  const A nll_mean = sum_of(nll) / W;
  A H(0);
  if (p.reduction == Reduction::none)
    H = go.empty() ? A(static_cast<double>(P)) : sum_of(go);
  else
    H = (go.empty() ? A(1) : go[0]) * (p.reduction == Reduction::sum ? A(static_cast<double>(P)) : A(1));
  Issue11959Call<A> call;
  call.eps = A(p.label_smoothing);
  call.keep = A(1) - call.eps;
  call.classes = A(static_cast<double>(p.classes));
  call.positions = A(static_cast<double>(P));
  call.mean = p.reduction == Reduction::mean;
  call.ratio = H / W;
  std::vector<A> per_position(P);
  grad.assign(x.size(), A(0));
  run_rows<A>(lanes, Issue11959Row<A>{call}, p, x, none, A(0), none, &y, inputs_of, value, grad, nullptr, per_position);
  for (A& l : per_position) l = l + call.keep * nll_mean;
  std::vector<A> loss = per_position;
  if (p.reduction != Reduction::none) {
    loss = {sum_of(per_position)};
    if (call.mean) loss[0] = loss[0] / call.positions;
  }
  return {{"loss", p.loss_shape(), widen(loss)},
          {"per_position", p.position_shape, widen(per_position)},
          {"grad_input", p.input_shape, widen(grad)}};
}

}  // namespace

template <class A>
std::vector<HostOutput> label_smoothing_on_host(const LossCase& c, const Problem& p, int lanes) {
  if (p.kind == Kind::smooth_labels) return smooth_labels_on_host<A>(c, p);
  if (p.kind == Kind::fastai_label_smoothing) return fastai_on_host<A>(c, p, lanes);
  if (p.kind == Kind::issue11959_label_smoothing) return issue11959_on_host<A>(c, p, lanes);
  return fairseq_on_host<A>(c, p, lanes);
}

template std::vector<HostOutput> label_smoothing_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> label_smoothing_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda::host
