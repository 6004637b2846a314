// The misclass losses driven on the CPU as cuda/cost_matrix.cu drives them:
// elementwise for misclass_a and misclass_b_as_published; for
// misclass_a_logits, pass 1 over `lanes` strided partial states merged by
// the kernels' tree, then each element; misclass_b likewise for its two
// row passes (softmax statistics; MisclassBSums).
#include "cuda/cost_matrix_host.hpp"

#include "cuda/cost_matrix.cuh"
#include "cuda/host_rows.hpp"

namespace lossoracle::cuda {

using host::values_of;
using host::widen;

template <class A>
std::vector<HostOutput> misclass_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), D = values_of<A>(c, "cost_matrix"), go = values_of<A>(c, "grad_output");
  const std::vector<double>& y = c.find("target")->values;
  const std::int64_t N = p.outer, C = p.classes, n = p.elements();
  const A divisor = p.reduction == Reduction::mean ? A(static_cast<double>(n)) : A(1);
  auto s_at = [&](std::int64_t k) {
    const A g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? k : 0];
    return g / divisor;
  };
  std::vector<A> loss_terms(static_cast<std::size_t>(n), A(0)), grad(static_cast<std::size_t>(n), A(0));
  for (std::int64_t r = 0; r < N; ++r) {
    const A* d = D.data() + cost_row(static_cast<std::int64_t>(y[r]), C) * C;
    const std::int64_t base = r * C;
    if (p.kind == Kind::misclass_b) {
      std::vector<SoftmaxStats<A>> st(static_cast<std::size_t>(lanes));
      for (std::int64_t k = 0; k < C; ++k) st[k % lanes].push(x[base + k]);
      for (int s = lanes / 2; s > 0; s /= 2)
        for (int t = 0; t < s; ++t) st[t] = SoftmaxStats<A>::merge(st[t], st[t + s]);
      std::vector<MisclassBSums<A>> sums(static_cast<std::size_t>(lanes));
      for (std::int64_t k = 0; k < C; ++k) sums[k % lanes].push(st[0], x[base + k], s_at(base + k) * d[k]);
      for (int s = lanes / 2; s > 0; s /= 2)
        for (int t = 0; t < s; ++t) sums[t] = MisclassBSums<A>::merge(sums[t], sums[t + s]);
      for (std::int64_t k = 0; k < C; ++k) {
        const CostElement<A> e = misclass_b_element(st[0], sums[0], x[base + k], d[k], s_at(base + k) * d[k]);
        loss_terms[base + k] = e.loss;
        grad[base + k] = e.grad;
      }
      continue;
    }
    if (p.kind == Kind::misclass_a_logits) {
      using Row = SoftmaxOutRow<A>;
      RowInputs<A> in;
      in.aux_ref = C > 0 ? s_at(base) * d[0] : A(0);
      std::vector<typename Row::State> st(static_cast<std::size_t>(lanes), Row::initial(in));
      for (std::int64_t k = 0; k < C; ++k) Row::push(st[k % lanes], x[base + k], s_at(base + k) * d[k], A(1));
      for (int s = lanes / 2; s > 0; s /= 2)
        for (int t = 0; t < s; ++t) st[t] = Row::State::merge(st[t], st[t + s]);
      const auto consts = Row::finish(st[0], in);
      for (std::int64_t k = 0; k < C; ++k) {
        const ElementOut<A> o = Row::element(consts, false, x[base + k], s_at(base + k) * d[k], A(1));
        loss_terms[base + k] = d[k] * o.value;
        grad[base + k] = o.grad;
      }
      continue;
    }
    for (std::int64_t k = 0; k < C; ++k) {
      const CostElement<A> e = p.kind == Kind::misclass_a
                                   ? misclass_a_element(d[k], x[base + k], s_at(base + k))
                                   : misclass_b_published_element(d[k], x[base + k], s_at(base + k), p.clamp_min);
      loss_terms[base + k] = e.loss;
      grad[base + k] = e.grad;
    }
  }
  const std::vector<A> loss = host::reduced_loss(p, loss_terms, divisor);
  return {{"loss", p.loss_shape(), widen(loss)},
          {"per_position", p.position_shape, widen(loss_terms)},
          {"grad_input", p.input_shape, widen(grad)}};
}

template <class A>
std::vector<HostOutput> per_pair_weighted_ce_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), t = values_of<A>(c, "target"), D = values_of<A>(c, "cost_matrix"),
                       go = values_of<A>(c, "grad_output");
  const std::int64_t N = p.outer, C = p.classes;
  const A divisor = p.reduction == Reduction::mean ? A(static_cast<double>(N)) : A(1);
  std::vector<A> row_loss(static_cast<std::size_t>(N), A(0)), grad(x.size(), A(0)), grad_target(x.size(), A(0));
  auto tree = [&](std::vector<A> v) {
    for (int s = lanes / 2; s > 0; s /= 2)
      for (int k = 0; k < s; ++k) v[k] = v[k] + v[k + s];
    return v[0];
  };
  for (std::int64_t n = 0; n < N; ++n) {
    const A* xr = x.data() + n * C;
    const A* tr = t.data() + n * C;
    const A g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? n : 0];
    const A neg_s = -(g / divisor);
    std::vector<SoftmaxStats<A>> st(static_cast<std::size_t>(lanes));
    for (std::int64_t j = 0; j < C; ++j) st[j % lanes].push(xr[j]);
    for (int s = lanes / 2; s > 0; s /= 2)
      for (int k = 0; k < s; ++k) st[k] = SoftmaxStats<A>::merge(st[k], st[k + s]);
    const SoftmaxRow<A> sm = softmax_row(st[0]);
    std::vector<A> loss_part(static_cast<std::size_t>(lanes), A(0)), g_part(static_cast<std::size_t>(lanes), A(0));
    for (std::int64_t i = 0; i < C; ++i) {
      const A M = per_pair_m(sm, xr, D.data() + i * C, C);
      grad_target[n * C + i] = neg_s * M;
      loss_part[i % lanes] += tr[i] * M;
    }
    std::vector<A> G(static_cast<std::size_t>(C));
    for (std::int64_t j = 0; j < C; ++j) g_part[j % lanes] += (G[j] = per_pair_g(tr, D.data() + j, C, neg_s));
    const A G_sum = tree(g_part);
    for (std::int64_t j = 0; j < C; ++j) grad[n * C + j] = per_pair_grad(sm, xr[j], G[j], G_sum);
    row_loss[n] = -tree(loss_part);
  }
  std::vector<HostOutput> out = host::row_loss_outputs(p, row_loss, grad, divisor);
  out.push_back({"grad_target", p.target_shape, widen(grad_target)});
  return out;
}

template std::vector<HostOutput> per_pair_weighted_ce_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> per_pair_weighted_ce_on_host<double>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> misclass_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> misclass_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda
