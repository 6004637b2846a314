// sord driven on the CPU exactly as cuda/ordinal.cu's kernel drives it, with
// `lanes` in place of the block width: strided classes per lane, the lanes'
// softmax statistics (of the logits and of the soft labels' exponents) and
// loss terms merged by the kernel's tree.
#include "cuda/ordinal_host.hpp"

#include <cmath>

#include "cuda/host_rows.hpp"
#include "cuda/ordinal.cuh"

namespace lossoracle::cuda {

using host::values_of;
using host::widen;

namespace {

template <class V, class Merge>
V tree(std::vector<V> v, Merge merge) {
  for (std::size_t s = v.size() / 2; s > 0; s /= 2)
    for (std::size_t t = 0; t < s; ++t) v[t] = merge(v[t], v[t + s]);
  return v[0];
}

}  // namespace

template <class A>
std::vector<HostOutput> sord_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), go = values_of<A>(c, "grad_output");
  const Tensor& target = *c.find("target");
  const Tensor* dist = c.find("distance");
  OrdinalCall call{p.alpha, p.use_logits, p.ln_base, dist ? dist->values.data() : nullptr};
  const std::int64_t N = p.outer, C = p.classes, L = lanes;
  const A divisor = p.reduction == Reduction::mean ? A(static_cast<double>(N)) : A(1);
  std::vector<A> grad(x.size(), A(0)), row_loss(static_cast<std::size_t>(N), A(0));
  auto stats_merge = [](const auto& a, const auto& b) { return std::decay_t<decltype(a)>::merge(a, b); };

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
    row_loss[n] = in_base(call, A(-tree(terms, [](A a, A b) { return a + b; })));
    for (std::int64_t k = 0; k < C; ++k) grad[n * C + k] = sord_grad(call, sm, q_at(k), row[k], g_base);
  }

  const std::vector<A> loss = host::reduced_loss(p, row_loss, divisor);
  return {{"loss", p.loss_shape(), widen(loss)},
          {"per_position", p.position_shape, widen(row_loss)},
          {"grad_input", p.input_shape, widen(grad)}};
}

template std::vector<HostOutput> sord_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> sord_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda
