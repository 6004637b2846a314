// The ordinal losses driven on the CPU exactly as cuda/ordinal.cu's kernels
// drive them, with `lanes` in place of the block width: strided classes per
// lane, the lanes' statistics and loss terms merged by the kernels' tree;
// oll's gradient sums and acc_loss's and slace_prox's groups in tiles of
// `lanes` (cuda/host_scan.hpp's scans and carries).
#include "cuda/ordinal_host.hpp"

#include <algorithm>
#include <cmath>

#include "cuda/host_rows.hpp"
#include "cuda/host_scan.hpp"
#include "cuda/ordinal.cuh"
#include "cuda/ordinal_groups.hpp"

namespace lossoracle::cuda {

using host::carry_after;
using host::carry_before;
using host::prefix_scan;
using host::suffix_scan;
using host::tree;
using host::tree_sum;
using host::values_of;

namespace {

auto stats_merge = [](const auto& a, const auto& b) { return std::decay_t<decltype(a)>::merge(a, b); };

template <class A>
A divisor_of(const Problem& p) {
  return p.reduction == Reduction::mean ? A(static_cast<double>(p.outer)) : A(1);
}

const std::vector<double>& values_or_empty(const LossCase& c, const char* name) {
  static const std::vector<double> none;
  const Tensor* t = c.find(name);
  return t ? t->values : none;
}

}  // namespace

template <class A>
std::vector<HostOutput> sord_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const Tensor& target = *c.find("target");
  const Tensor* dist = c.find("distance");
  OrdinalCall call{p.alpha, p.use_logits, p.ln_base, dist ? dist->values.data() : nullptr};
  const std::int64_t N = p.outer, C = p.classes, L = lanes;
  const A divisor = divisor_of<A>(p);
  std::vector<A> grad(x.size(), A(0)), row_loss(static_cast<std::size_t>(N), A(0));

  for (std::int64_t n = 0; n < N; ++n) {
    const A* row = x.data() + n * C;
    const auto y = static_cast<std::int64_t>(target.values[static_cast<std::size_t>(n)]);
    const A g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? n : 0];
    const A g_base = in_base(call, A(g / divisor));

    std::vector<SoftmaxStats<A>> xs(static_cast<std::size_t>(L));
    std::vector<SoftmaxStats<double>> qs(static_cast<std::size_t>(L));
    for (std::int64_t k = 0; k < C; ++k) {
      if (p.use_logits) xs[k % L].push(row[k]);
      qs[k % L].push(sord_label_arg(call, C, y, k));
    }
    const SoftmaxRow<A> sm = p.use_logits ? softmax_row(tree(xs, stats_merge)) : SoftmaxRow<A>{};
    const SoftmaxRow<double> lab = softmax_row(tree(qs, stats_merge));
    auto q_at = [&](std::int64_t k) { return sord_label<A>(lab, sord_label_arg(call, C, y, k)); };

    std::vector<A> terms(static_cast<std::size_t>(L), A(0));
    for (std::int64_t k = 0; k < C; ++k) terms[k % L] = terms[k % L] + sord_term(call, sm, q_at(k), row[k]);
    row_loss[n] = in_base(call, A(-tree_sum(terms)));
    for (std::int64_t k = 0; k < C; ++k) grad[n * C + k] = sord_grad(call, sm, q_at(k), row[k], g_base);
  }
  return host::row_loss_outputs(p, row_loss, grad, divisor);
}

template <class A>
std::vector<HostOutput> oll_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const Tensor& target = *c.find("target");
  const Tensor* dist = c.find("distance");
  OrdinalCall call{p.alpha, p.use_logits, p.ln_base, dist ? dist->values.data() : nullptr};
  const std::int64_t N = p.outer, C = p.classes, L = lanes, T = (C + L - 1) / L;
  const A divisor = divisor_of<A>(p);
  std::vector<A> grad(x.size(), A(0)), row_loss(static_cast<std::size_t>(N), A(0));

  for (std::int64_t n = 0; n < N; ++n) {
    const A* row = x.data() + n * C;
    const auto y = static_cast<std::int64_t>(target.values[static_cast<std::size_t>(n)]);
    const A g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? n : 0];
    const A g_base = in_base(call, A(g / divisor));
    auto w_at = [&](std::int64_t k) { return oll_weight(call, C, y, k); };

    OllRow<A> r{};
    if (p.use_logits) {
      std::vector<SoftmaxStats<A>> xs(static_cast<std::size_t>(L));
      for (std::int64_t k = 0; k < C; ++k) xs[k % L].push(row[k]);
      const SoftmaxStats<A> all = tree(xs, stats_merge);
      std::int64_t top = C;
      for (std::int64_t k = 0; k < C; ++k)
        if (row[k] == all.max) top = std::min(top, k);
      std::vector<SoftmaxStats<A>> os(static_cast<std::size_t>(L));
      if (oll_needs_others(all))
        for (std::int64_t k = 0; k < C; ++k)
          if (k != top) os[k % L].push(row[k]);
      r = oll_row(all, top, tree(os, stats_merge));
    }

    std::vector<A> terms(static_cast<std::size_t>(L), A(0));
    for (std::int64_t k = 0; k < C; ++k)
      terms[k % L] = terms[k % L] + oll_term(w_at(k), oll_log_complement(p.use_logits, r, k, row[k]));
    row_loss[n] = in_base(call, A(-tree_sum(terms)));

    if (!p.use_logits) {
      for (std::int64_t k = 0; k < C; ++k) grad[n * C + k] = oll_grad_probability(row[k], w_at(k), g_base);
      continue;
    }
    // The sums of v_i over i != k: tiles of L classes, each tile's total by
    // the tree, exclusive scans inside a tile, carries across tiles.
    auto tile_v = [&](std::int64_t t) {
      std::vector<A> v(static_cast<std::size_t>(L), A(0));
      for (std::int64_t i = 0; i < L && t * L + i < C; ++i) v[i] = oll_v(r, t * L + i, row[t * L + i], w_at(t * L + i));
      return v;
    };
    std::vector<A> tile_total(static_cast<std::size_t>(T));
    for (std::int64_t t = 0; t < T; ++t) tile_total[t] = tree_sum(tile_v(t));
    const std::vector<A> before = carry_before(tile_total), after = carry_after(tile_total);
    const double w_top = r.top < C ? w_at(r.top) : 0.0;
    for (std::int64_t t = 0; t < T; ++t) {
      const std::vector<A> v = tile_v(t), pre = prefix_scan(v), suf = suffix_scan(v);
      for (std::int64_t i = 0; i < L && t * L + i < C; ++i) {
        const std::int64_t k = t * L + i;
        const A others = (before[t] + (i > 0 ? pre[i - 1] : A(0))) + (after[t] + (i + 1 < L ? suf[i + 1] : A(0)));
        grad[n * C + k] = oll_grad_logit(r, k, row[k], w_at(k), w_top, others, g_base);
      }
    }
  }
  return host::row_loss_outputs(p, row_loss, grad, divisor);
}

template <class A>
std::vector<HostOutput> accumulating_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const Tensor& target = *c.find("target");
  const OrdinalGroupTable table =
      ordinal_group_table(p, values_or_empty(c, "distance"), values_or_empty(c, "class_counts"));
  OrdinalCall call{p.alpha, p.use_logits, p.ln_base, nullptr};
  call.groups = table.groups.empty() ? nullptr : table.groups.data();
  call.labels = table.labels.empty() ? nullptr : table.labels.data();
  const SlaceCall<A> terms_call = accumulating_terms_call<A>(p.use_logits);
  const std::int64_t N = p.outer, C = p.classes, L = lanes;
  const A divisor = divisor_of<A>(p);
  std::vector<A> grad(x.size(), A(0)), row_loss(static_cast<std::size_t>(N), A(0));

  for (std::int64_t n = 0; n < N; ++n) {
    const A* row = x.data() + n * C;
    const auto y = static_cast<std::int64_t>(target.values[static_cast<std::size_t>(n)]);
    const OrdinalGroups G = ordinal_groups(call, C, y);
    const A g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? n : 0];
    const A s = in_base(call, A(g / divisor));

    SoftmaxRow<A> sm{};
    if (p.use_logits) {
      std::vector<SoftmaxStats<A>> st(static_cast<std::size_t>(L));
      for (std::int64_t k = 0; k < C; ++k) st[k % L].push(row[k]);
      sm = softmax_row(tree(st, stats_merge));
    }
    auto p_at = [&](std::int64_t k) { return p.use_logits ? sm.p(row[k]) : row[k]; };
    auto mass = [&](std::int64_t h) {
      A m(0);
      for (std::int64_t i = 0; i < G.size(h); ++i) m = m + p_at(G.member(h, i));
      return m;
    };
    const A terms = host::grouped_row<A>(
        G.count(), L, mass,
        [&](std::int64_t h, A acc, A tail) {
          return slace_group_terms(terms_call, static_cast<int>(G.size(h)), ordinal_group_label<A>(call, C, y, h), acc,
                                   tail, s);
        },
        [&](std::int64_t h, A right, A left) {
          for (std::int64_t j = 0; j < G.size(h); ++j) {
            const std::int64_t k = G.member(h, j);
            grad[n * C + k] = slace_grad(terms_call, sm, row[k], right, left);
          }
        });
    row_loss[n] = in_base(call, A(-terms));
  }
  return host::row_loss_outputs(p, row_loss, grad, divisor);
}

template std::vector<HostOutput> sord_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> sord_on_host<double>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> oll_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> oll_on_host<double>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> accumulating_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> accumulating_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda
