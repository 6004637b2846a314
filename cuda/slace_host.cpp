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
using host::widen;

using host::carry_after;
using host::carry_before;
using host::prefix_scan;
using host::suffix_scan;
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
    auto tile_values = [&](std::int64_t t, auto f) {
      std::vector<A> v(static_cast<std::size_t>(L), A(0));
      for (std::int64_t i = 0; i < L; ++i)
        if (t * L + i < H) v[i] = f(t * L + i);
      return v;
    };

    // Phase A: group masses per tile, and Z = sum_h n_h exp(-alpha h).
    std::vector<A> tile_mass(static_cast<std::size_t>(T));
    A Z(0);
    for (std::int64_t t = 0; t < T; ++t) {
      tile_mass[t] = tree_sum(tile_values(t, mass));
      Z = Z + tree_sum(tile_values(t, [&](std::int64_t h) { return A(G.size(h)) * slace_label(call, G, h); }));
    }
    const std::vector<A> mass_before = carry_before(tile_mass), mass_after = carry_after(tile_mass);

    // acc_h and tail_h of tile t's groups, then each group's terms.
    auto tile_terms = [&](std::int64_t t) {
      const std::vector<A> m = tile_values(t, mass);
      const std::vector<A> pre = prefix_scan(m), suf = suffix_scan(m);
      std::vector<SlaceGroupTerms<A>> out(static_cast<std::size_t>(L), SlaceGroupTerms<A>{A(0), A(0), A(0)});
      for (std::int64_t i = 0; i < L && t * L + i < H; ++i) {
        const std::int64_t h = t * L + i;
        const A acc = mass_before[t] + pre[i];
        const A tail = mass_after[t] + (i + 1 < L ? suf[i + 1] : A(0));
        out[i] = slace_group_terms(call, G.size(h), slace_label(call, G, h) / Z, acc, tail, s_w);
      }
      return out;
    };

    // Phase B: the loss and each tile's backward sums.
    A terms(0);
    std::vector<A> tile_left(static_cast<std::size_t>(T)), tile_right(static_cast<std::size_t>(T));
    for (std::int64_t t = 0; t < T; ++t) {
      const auto tt = tile_terms(t);
      std::vector<A> l(L), lf(L), rt(L);
      for (std::int64_t i = 0; i < L; ++i) {
        l[i] = tt[i].loss_term;
        lf[i] = tt[i].left;
        rt[i] = tt[i].right;
      }
      terms = terms + tree_sum(l);
      tile_left[t] = tree_sum(lf);
      tile_right[t] = tree_sum(rt);
    }
    const std::vector<A> left_before = carry_before(tile_left), right_after = carry_after(tile_right);

    // Phase C: each class's gradient.
    for (std::int64_t t = 0; t < T; ++t) {
      const auto tt = tile_terms(t);
      std::vector<A> lf(L), rt(L);
      for (std::int64_t i = 0; i < L; ++i) {
        lf[i] = tt[i].left;
        rt[i] = tt[i].right;
      }
      const std::vector<A> lpre = prefix_scan(lf), rsuf = suffix_scan(rt);
      for (std::int64_t i = 0; i < L && t * L + i < H; ++i) {
        const std::int64_t h = t * L + i;
        const A left = left_before[t] + (i > 0 ? lpre[i - 1] : A(0));
        const A right = right_after[t] + rsuf[i];
        for (const std::int64_t k : {G.lo(h), G.hi(h)})
          if (k >= 0) grad[n * C + k] = slace_grad(call, sm, row[k], right, left);
      }
    }
    row_loss[n] = slace_row_loss(terms, w_y);
  }

  const std::vector<A> loss = host::reduced_loss(p, row_loss, divisor);
  return {{"loss", p.loss_shape(), widen(loss)},
          {"per_position", p.position_shape, widen(row_loss)},
          {"grad_input", p.input_shape, widen(grad)}};
}

template std::vector<HostOutput> slace_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> slace_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda
