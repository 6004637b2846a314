// The soft-label family on the host build: cuda/soft_label.cuh's row
// policies driven as the kernels drive them (cuda/soft_label.cu).
#include "cuda/host_rows.hpp"
#include "cuda/soft_label.cuh"

namespace lossoracle::cuda::host {

namespace {

template <class A>
std::vector<HostOutput> smooth_soft_labels_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> y = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  SmoothSoftLabelsRow<A> policy;
  policy.alpha = A(p.label_smoothing);
  policy.spread = policy.alpha / A(static_cast<double>(p.classes));
  std::vector<A> value(y.size()), grad(y.size()), unused(p.positions());
  auto inputs_of = [](std::int64_t, std::int64_t) { return RowInputs<A>{}; };
  run_rows<A>(lanes, policy, p, y, go, A(1), none, nullptr, inputs_of, value, grad, nullptr, unused);
  return {{"loss", p.input_shape, widen(value)}, {"grad_input", p.input_shape, widen(grad)}};
}

// soft_label_cross_entropy_with_logits' three passes, as its kernel runs
// them: classes over `lanes` lanes, each pass's partials merged by the tree.
template <class A, class InputsOf>
void logits_rows(int lanes, const SoftLabelLogitsRow<A>& policy, const Problem& p, const std::vector<A>& x,
                 const std::vector<A>& y, InputsOf inputs_of, std::vector<A>& grad, std::vector<A>& grad_target,
                 std::vector<A>& per_position) {
  using Stats = typename SoftLabelLogitsRow<A>::Stats;
  const std::int64_t C = p.classes, inner = p.inner;
  auto tree = [lanes](auto& v, auto merge) {
    for (int s = lanes / 2; s > 0; s /= 2)
      for (int t = 0; t < s; ++t) v[t] = merge(v[t], v[t + s]);
    return v[0];
  };
  auto add = [](A a, A b) { return a + b; };
  for (std::int64_t pos = 0; pos < p.positions(); ++pos) {
    const std::int64_t base = (pos / inner) * C * inner + pos % inner;
    std::vector<A> counts(static_cast<std::size_t>(lanes), A(0));
    for (std::int64_t c = 0; c < C; ++c) counts[c % lanes] += policy.count(y[base + c * inner]);
    const A k = tree(counts, add);
    std::vector<Stats> stats(static_cast<std::size_t>(lanes));
    for (std::int64_t c = 0; c < C; ++c) policy.push(stats[c % lanes], k, x[base + c * inner], y[base + c * inner]);
    const auto consts = policy.finish(tree(stats, [](const Stats& a, const Stats& b) { return Stats::merge(a, b); }),
                                      k, inputs_of(pos, base).g);
    std::vector<A> terms(static_cast<std::size_t>(lanes), A(0));
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int64_t at = base + c * inner;
      const ElementOut<A> o = policy.element(consts, x[at], y[at]);
      grad[at] = o.grad;
      grad_target[at] = o.grad_target;
      terms[c % lanes] += o.loss_term;
    }
    per_position[pos] = tree(terms, add);
  }
}

// As the kernels: the row pass, then the sum over dimension 0 of the
// positions (d0 of them; `rest` positions per index of it), / d0 for mean.
template <class A>
std::vector<HostOutput> soft_label_probs_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), y = values_of<A>(c, "target"), go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  const std::int64_t P = p.positions();
  const bool reduced = p.reduction != Reduction::none;
  const bool along = reduced && !p.position_shape.empty();  // else reduced to itself
  const std::int64_t d0 = p.position_shape.empty() ? 1 : p.position_shape[0];
  const std::int64_t rest = element_count(p.loss_shape());
  SoftLabelProbsRow<A> policy;
  policy.alpha = A(p.label_smoothing);
  policy.spread = policy.alpha / A(static_cast<double>(p.classes));
  policy.divisor = along && p.reduction == Reduction::mean ? A(static_cast<double>(d0)) : A(1);
  auto inputs_of = [&](std::int64_t pos, std::int64_t) {
    RowInputs<A> in;
    in.g = go.empty() ? A(1) : go[!reduced ? pos : along ? pos % rest : 0];
    return in;
  };
  std::vector<A> value(x.size()), grad(x.size()), grad_target(x.size()), per_position(P);
  if (p.kind == Kind::soft_label_logits) {
    SoftLabelLogitsRow<A> logits;
    logits.alpha = policy.alpha;
    logits.spread = policy.spread;
    logits.divisor = policy.divisor;
    logits_rows<A>(lanes, logits, p, x, y, inputs_of, grad, grad_target, per_position);
  } else {
    run_rows<A>(lanes, policy, p, x, y, A(0), none, nullptr, inputs_of, value, grad, &grad_target, per_position);
  }
  std::vector<A> loss = per_position;
  if (along) {
    loss.assign(static_cast<std::size_t>(rest), A(0));
    for (std::int64_t r = 0; r < rest; ++r) {
      for (std::int64_t n = 0; n < d0; ++n) loss[r] += per_position[n * rest + r];
      if (p.reduction == Reduction::mean) loss[r] = loss[r] / A(static_cast<double>(d0));
    }
  }
  return {{"loss", p.loss_shape(), widen(loss)},
          {"per_position", p.position_shape, widen(per_position)},
          {"grad_input", p.input_shape, widen(grad)},
          {"grad_target", p.input_shape, widen(grad_target)}};
}

// classification_mae_with_logits as its kernel: per position, pass 1
// (MaeState) and pass 2 (MaeSums) over `lanes` strided partial states merged
// by the kernels' tree, then each class; then the sum along the last
// dimension of the positions (`last` of them per output), / last for mean.
template <class A>
std::vector<HostOutput> mae_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), y = values_of<A>(c, "target"), go = values_of<A>(c, "grad_output");
  const std::int64_t P = p.positions(), C = p.classes, inner = p.inner;
  const bool reduced = p.reduction != Reduction::none;
  const bool along = reduced && !p.position_shape.empty();
  const std::int64_t last = p.position_shape.empty() ? 1 : p.position_shape.back();
  const A divisor = along && p.reduction == Reduction::mean ? A(static_cast<double>(last)) : A(1);
  std::vector<A> grad(x.size()), grad_target(x.size()), per_position(static_cast<std::size_t>(P));
  for (std::int64_t pos = 0; pos < P; ++pos) {
    const std::int64_t base = (pos / inner) * C * inner + pos % inner;
    const A s = (go.empty() ? A(1) : go[!reduced ? pos : along ? pos / last : 0]) / divisor;
    std::vector<MaeState<A>> st(static_cast<std::size_t>(lanes));
    for (std::int64_t k = 0; k < C; ++k) st[k % lanes].push(x[base + k * inner]);
    for (int h = lanes / 2; h > 0; h /= 2)
      for (int t = 0; t < h; ++t) st[t] = MaeState<A>::merge(st[t], st[t + h]);
    std::vector<MaeSums<A>> sums(static_cast<std::size_t>(lanes));
    for (std::int64_t k = 0; k < C; ++k)
      mae_push(sums[k % lanes], mae_class(st[0], x[base + k * inner], y[base + k * inner]));
    for (int h = lanes / 2; h > 0; h /= 2)
      for (int t = 0; t < h; ++t) sums[t] = MaeSums<A>::merge(sums[t], sums[t + h]);
    const MaeSums<A>& S = sums[0];
    const A E = st[0].stats.tail + A(1);
    for (std::int64_t k = 0; k < C; ++k) {
      const std::int64_t at = base + k * inner;
      const MaeClass<A> m = mae_class(st[0], x[at], y[at]);
      grad[at] = mae_grad(s, m.e, E, m.sign, S.plus, S.minus, S.zero);
      grad_target[at] = -(s * A(m.sign));
    }
    per_position[pos] = S.loss;
  }
  std::vector<A> loss = per_position;
  if (along) {
    const std::int64_t outputs = P / std::max<std::int64_t>(last, 1);
    loss.assign(static_cast<std::size_t>(outputs), A(0));
    for (std::int64_t r = 0; r < outputs; ++r) {
      for (std::int64_t n = 0; n < last; ++n) loss[r] += per_position[r * last + n];
      if (p.reduction == Reduction::mean) loss[r] = loss[r] / A(static_cast<double>(last));
    }
  }
  return {{"loss", p.loss_shape(), widen(loss)},
          {"per_position", p.position_shape, widen(per_position)},
          {"grad_input", p.input_shape, widen(grad)},
          {"grad_target", p.input_shape, widen(grad_target)}};
}

}  // namespace

template <class A>
std::vector<HostOutput> soft_label_on_host(const LossCase& c, const Problem& p, int lanes) {
  if (p.kind == Kind::classification_mae) return mae_on_host<A>(c, p, lanes);
  if (p.kind == Kind::soft_label_probs || p.kind == Kind::soft_label_logits) return soft_label_probs_on_host<A>(c, p, lanes);
  return smooth_soft_labels_on_host<A>(c, p, lanes);
}

template std::vector<HostOutput> soft_label_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> soft_label_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda::host
