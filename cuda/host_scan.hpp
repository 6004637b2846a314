// The kernels' fixed reduction orders on the CPU, for the host build's row
// drivers (cuda/slace_host.cpp, cuda/ordinal_host.cpp): kernels.cuh's tree
// over the block's lanes, cuda/scan.cuh's Hillis-Steele scans and the
// tiles' carries, step by step, so that the host build adds in the
// kernels' order.
#pragma once

#include <cstddef>
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

}  // namespace lossoracle::cuda::host
