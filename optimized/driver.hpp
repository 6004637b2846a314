// What the family drivers (evaluate_*.cpp) share: typed copies of the
// inputs, the K-dim transpose to contiguous rows, outputs in the precision.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "optimized/evaluate.hpp"
#include "optimized/kernels.hpp"
#include "optimized/reduce.hpp"
#include "optimized/validate.hpp"

namespace lossoracle::optimized {

template <class F>
std::vector<F> values_as(const Tensor& t) {
  return std::vector<F>(t.values.begin(), t.values.end());
}

template <class F>
std::vector<F> optional_values(const LossCase& c, const std::string& name) {
  const Tensor* t = c.find(name);
  return t ? values_as<F>(*t) : std::vector<F>{};
}

// (N, C, inner) -> (N * inner, C) and back: rows contiguous for the kernels.
template <class F>
std::vector<F> to_rows(const ClassLayout& L, const std::vector<F>& v) {
  if (L.inner == 1 || v.empty()) return v;
  std::vector<F> out(v.size());
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < L.classes; ++c) out[pos * L.classes + c] = v[L.at(pos, c)];
  return out;
}

template <class F>
std::vector<F> from_rows(const ClassLayout& L, const std::vector<F>& v) {
  if (L.inner == 1 || v.empty()) return v;
  std::vector<F> out(v.size());
  for (std::int64_t pos = 0; pos < L.positions(); ++pos)
    for (std::int64_t c = 0; c < L.classes; ++c) out[L.at(pos, c)] = v[pos * L.classes + c];
  return out;
}

template <class F>
Output output(std::string name, Shape shape, const std::vector<F>& v) {
  return {std::move(name), std::move(shape), std::vector<double>(v.begin(), v.end())};
}

// binary64 values rounded once to F.
template <class F>
Output rounded_output(std::string name, Shape shape, const std::vector<double>& v) {
  Output o{std::move(name), std::move(shape), {}};
  o.values.reserve(v.size());
  for (double x : v) o.values.push_back(static_cast<F>(x));
  return o;
}

// The reduced loss from binary64 per-element (or per-position) values:
// as they are for none; their fixed-order sum for sum, divided by `divisor`
// for mean and batchmean.
template <class F>
Output reduced_loss(Reduction red, const Shape& unreduced, const std::vector<double>& per, double divisor) {
  if (red == Reduction::none) return rounded_output<F>("loss", unreduced, per);
  const double total = ordered_sum(per);
  return rounded_output<F>("loss", {}, {red == Reduction::sum ? total : total / divisor});
}

// loss (reduced as above) and per_position, from per-position values.
template <class F>
void push_loss_and_per_position(Outputs& o, Reduction red, const Shape& positions, const std::vector<double>& per,
                                double divisor) {
  o.push_back(reduced_loss<F>(red, positions, per, divisor));
  o.push_back(rounded_output<F>("per_position", positions, per));
}

// Rows per parallel range: about 64 KiB of input each, at least 8 rows so
// that per-position outputs of two threads rarely share a cache line.
inline std::int64_t row_grain(std::int64_t C) { return std::max<std::int64_t>(8, 8192 / std::max<std::int64_t>(1, C)); }

}  // namespace lossoracle::optimized
