// slace driven on the CPU exactly as cuda/slace.cu's kernel drives it, with
// `lanes` in place of the block width: pass 1's strided softmax statistics
// merged by the kernel's tree, then the groups in tiles of `lanes`, each
// tile's sums by the kernel's tree and its prefix and suffix sums by the
// kernel's Hillis-Steele scan, carried across tiles left to right.
#include "cuda/slace_host.hpp"

#include <cmath>

#include "cuda/host_rows.hpp"
#include "cuda/host_scan.hpp"
#include "cuda/slace.cuh"

namespace lossoracle::cuda {

using host::values_of;

using host::tree_sum;

template <class A>
std::vector<HostOutput> slace_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input"), w = values_of<A>(c, "weight"), go = values_of<A>(c, "grad_output");
  const Tensor& target = *c.find("target");
  const SlaceCall<A> call = slace_call<A>(p.alpha, p.epsilon, p.use_logits);
  const std::int64_t N = p.outer, C = p.classes, L = lanes;
  const A divisor = p.reduction == Reduction::mean ? A(static_cast<double>(N)) : A(1);
  std::vector<A> grad(x.size(), A(0)), row_loss(static_cast<std::size_t>(N), A(0));

  for (std::int64_t n = 0; n < N; ++n) {
    const A* row = x.data() + n * C;
    const auto y = static_cast<std::int64_t>(target.values[static_cast<std::size_t>(n)]);
    const SlaceGroups G = slace_groups(C, y);
    const A w_y = w.empty() ? A(1) : w[static_cast<std::size_t>(y)];
    const A g = go.empty() ? A(1) : go[p.reduction == Reduction::none ? n : 0];
    const A s_w = (g / divisor) * w_y;

    SoftmaxRow<A> sm{};
    if (p.use_logits) {
      std::vector<SoftmaxStats<A>> st(static_cast<std::size_t>(L));
      for (std::int64_t k = 0; k < C; ++k) st[k % L].push(row[k]);
      for (std::int64_t s = L / 2; s > 0; s /= 2)
        for (std::int64_t t = 0; t < s; ++t) st[t] = SoftmaxStats<A>::merge(st[t], st[t + s]);
      sm = softmax_row(st[0]);
    }
    auto p_at = [&](std::int64_t k) { return p.use_logits ? sm.p(row[k]) : row[k]; };
    auto mass = [&](std::int64_t h) {
      const std::int64_t lo = G.lo(h), hi = G.hi(h);
      return (lo >= 0 ? p_at(lo) : A(0)) + (hi >= 0 ? p_at(hi) : A(0));
    };
    const std::int64_t H = G.count(), T = (H + L - 1) / L;

    // Z = sum_h n_h exp(-alpha h) by tiles, then the groups' three phases.
    A Z(0);
    for (std::int64_t t = 0; t < T; ++t) {
      std::vector<A> z(static_cast<std::size_t>(L), A(0));
      for (std::int64_t i = 0; i < L && t * L + i < H; ++i) z[i] = A(G.size(t * L + i)) * slace_label(call, G, t * L + i);
      Z = Z + tree_sum(z);
    }
    const A terms = host::grouped_row<A>(
        H, L, mass,
        [&](std::int64_t h, A acc, A tail) {
          return slace_group_terms(call, G.size(h), slace_label(call, G, h) / Z, acc, tail, s_w);
        },
        [&](std::int64_t h, A right, A left) {
          for (const std::int64_t k : {G.lo(h), G.hi(h)})
            if (k >= 0) grad[n * C + k] = slace_grad(call, sm, row[k], right, left);
        });
    row_loss[n] = slace_row_loss(terms, w_y);
  }

  return host::row_loss_outputs(p, row_loss, grad, divisor);
}

template std::vector<HostOutput> slace_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> slace_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda
