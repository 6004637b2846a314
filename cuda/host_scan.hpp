// The kernels' fixed reduction orders on the CPU, for the host build's row
// drivers (cuda/slace_host.cpp, cuda/ordinal_host.cpp): kernels.cuh's tree
// over the block's lanes, cuda/scan.cuh's Hillis-Steele scans and the
// tiles' carries, step by step, so that the host build adds in the
// kernels' order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lossoracle::cuda::host {

// block_merge's tree over one value per lane (a power of two).
template <class V, class Merge>
V tree(std::vector<V> v, Merge merge) {
  for (std::size_t s = v.size() / 2; s > 0; s /= 2)
    for (std::size_t t = 0; t < s; ++t) v[t] = merge(v[t], v[t + s]);
  return v[0];
}
template <class A>
A tree_sum(std::vector<A> v) {
  return tree(std::move(v), [](A a, A b) { return a + b; });
}

// Inclusive scans, step by step as block_scan runs them.
template <class A>
std::vector<A> prefix_scan(std::vector<A> v) {
  for (std::size_t d = 1; d < v.size(); d <<= 1) {
    const std::vector<A> old = v;
    for (std::size_t i = d; i < v.size(); ++i) v[i] = old[i - d] + old[i];
  }
  return v;
}
template <class A>
std::vector<A> suffix_scan(std::vector<A> v) {
  for (std::size_t d = 1; d < v.size(); d <<= 1) {
    const std::vector<A> old = v;
    for (std::size_t i = 0; i + d < v.size(); ++i) v[i] = old[i] + old[i + d];
  }
  return v;
}

// Exclusive prefix and suffix sums over the tiles, left to right / right to
// left (scan.cuh's carry_before / carry_after).
template <class A>
std::vector<A> carry_before(const std::vector<A>& v) {
  std::vector<A> out(v.size(), A(0));
  for (std::size_t t = 1; t < v.size(); ++t) out[t] = out[t - 1] + v[t - 1];
  return out;
}
template <class A>
std::vector<A> carry_after(const std::vector<A>& v) {
  std::vector<A> out(v.size(), A(0));
  for (std::size_t t = v.size(); t-- > 1;) out[t - 1] = out[t] + v[t];
  return out;
}

// cuda/scan.cuh's grouped_row on the CPU, `lanes` in place of the block
// width: the same phases, sums and scans in the same order.
template <class A, class Mass, class Terms, class Grad>
A grouped_row(std::int64_t H, std::int64_t lanes, Mass mass, Terms terms, Grad grad) {
  const std::int64_t L = lanes, tiles = (H + L - 1) / L;
  auto tile_values = [&](std::int64_t t, auto f) {
    std::vector<A> v(static_cast<std::size_t>(L), A(0));
    for (std::int64_t i = 0; i < L; ++i)
      if (t * L + i < H) v[i] = f(t * L + i);
    return v;
  };

  std::vector<A> tile_mass(static_cast<std::size_t>(tiles));
  for (std::int64_t t = 0; t < tiles; ++t) tile_mass[t] = tree_sum(tile_values(t, mass));
  const std::vector<A> mass_before = carry_before(tile_mass), mass_after = carry_after(tile_mass);

  using Terms_ = decltype(terms(std::int64_t(0), A(0), A(0)));
  auto tile_terms = [&](std::int64_t t) {
    const std::vector<A> m = tile_values(t, mass);
    const std::vector<A> pre = prefix_scan(m), suf = suffix_scan(m);
    std::vector<Terms_> out(static_cast<std::size_t>(L), Terms_{A(0), A(0), A(0)});
    for (std::int64_t i = 0; i < L && t * L + i < H; ++i)
      out[i] = terms(t * L + i, mass_before[t] + pre[i], mass_after[t] + (i + 1 < L ? suf[i + 1] : A(0)));
    return out;
  };

  A loss_terms(0);
  std::vector<A> tile_left(static_cast<std::size_t>(tiles)), tile_right(static_cast<std::size_t>(tiles));
  for (std::int64_t t = 0; t < tiles; ++t) {
    const auto tt = tile_terms(t);
    std::vector<A> l(L), lf(L), rt(L);
    for (std::int64_t i = 0; i < L; ++i) {
      l[i] = tt[i].loss_term;
      lf[i] = tt[i].left;
      rt[i] = tt[i].right;
    }
    loss_terms = loss_terms + tree_sum(l);
    tile_left[t] = tree_sum(lf);
    tile_right[t] = tree_sum(rt);
  }
  const std::vector<A> left_before = carry_before(tile_left), right_after = carry_after(tile_right);

  for (std::int64_t t = 0; t < tiles; ++t) {
    const auto tt = tile_terms(t);
    std::vector<A> lf(L), rt(L);
    for (std::int64_t i = 0; i < L; ++i) {
      lf[i] = tt[i].left;
      rt[i] = tt[i].right;
    }
    const std::vector<A> lpre = prefix_scan(lf), rsuf = suffix_scan(rt);
    for (std::int64_t i = 0; i < L && t * L + i < H; ++i)
      grad(t * L + i, right_after[t] + rsuf[i], left_before[t] + (i > 0 ? lpre[i - 1] : A(0)));
  }
  return loss_terms;
}

}  // namespace lossoracle::cuda::host
