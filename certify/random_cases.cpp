#include "certify/random_cases.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace lossoracle::certify {

namespace {

// The axis along which every slice of the template sums to 1 (within
// binary32 rounding), trying the last axis and then axis 1.
std::optional<std::size_t> normalised_axis(const Tensor& t) {
  const std::size_t rank = t.shape.size();
  if (rank == 0) return std::nullopt;
  for (std::size_t axis : {rank - 1, std::size_t{1}}) {
    if (axis >= rank || t.shape[axis] == 0) continue;
    const std::int64_t n = t.shape[axis];
    std::int64_t inner = 1;
    for (std::size_t k = axis + 1; k < rank; ++k) inner *= t.shape[k];
    const std::int64_t outer = static_cast<std::int64_t>(t.values.size()) / (n * inner);
    bool ok = outer > 0;
    for (std::int64_t o = 0; ok && o < outer; ++o)
      for (std::int64_t i = 0; ok && i < inner; ++i) {
        double s = 0;
        for (std::int64_t c = 0; c < n; ++c) s += t.values[(o * n + c) * inner + i];
        ok = std::fabs(s - 1) < 1e-6;
      }
    if (ok) return axis;
  }
  return std::nullopt;
}

void normalise(Tensor& t, std::size_t axis) {
  const std::int64_t n = t.shape[axis];
  std::int64_t inner = 1;
  for (std::size_t k = axis + 1; k < t.shape.size(); ++k) inner *= t.shape[k];
  const std::int64_t outer = static_cast<std::int64_t>(t.values.size()) / (n * inner);
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) {
      double s = 0;
      for (std::int64_t c = 0; c < n; ++c) s += t.values[(o * n + c) * inner + i];
      if (s > 0)
        for (std::int64_t c = 0; c < n; ++c) t.values[(o * n + c) * inner + i] /= s;
    }
}

void permute(Tensor& t, SplitMix64& rng) {
  for (std::size_t i = t.values.size(); i > 1; --i) std::swap(t.values[i - 1], t.values[rng.below(i)]);
}

void redraw_reals(Tensor& t, SplitMix64& rng) {
  double lo = 0, hi = 0;
  bool any = false;
  for (double v : t.values)
    if (std::isfinite(v)) {
      lo = any ? std::min(lo, v) : v;
      hi = any ? std::max(hi, v) : v;
      any = true;
    }
  if (!any) return;
  const std::optional<std::size_t> axis = lo >= 0 && hi <= 1 ? normalised_axis(t) : std::nullopt;
  // Magnitudes around the template's, a factor of up to 8 either way.
  const double scale = std::max({std::fabs(lo), std::fabs(hi), 1.0}) * std::ldexp(1.0, static_cast<int>(rng.below(7)) - 3);
  // A NaN or infinity kept in place mostly makes outputs that are NaN
  // whatever the implementation does, which discriminates nothing; the golden
  // vectors and the corner table cover them, so random draws keep them only
  // one time in four.
  const bool keep_nonfinite = rng.below(4) == 0;
  for (double& v : t.values) {
    if (!std::isfinite(v) && keep_nonfinite) continue;
    const double u = rng.uniform01();
    if (lo >= 0 && hi <= 1) v = u;
    else if (lo >= 0) v = u * scale;
    else if (hi <= 0) v = -u * scale;
    else v = (2 * u - 1) * scale;
  }
  if (axis) normalise(t, *axis);
}

}  // namespace

Draft draw_random(const LossInfo& info, const Draft& from, Dtype dtype, SplitMix64& rng, bool vary_params) {
  Draft d = from;
  if (vary_params)
    for (const ParamSpec& p : info.params) {
      if (!p.choices.empty()) d.params[p.name] = p.choices[rng.below(p.choices.size())];
      else if (p.type == ParamType::boolean) d.params[p.name] = rng.coin();
    }
  for (auto& [name, t] : d.inputs) {
    if (all_integral(t) && rng.coin()) permute(t, rng);
    else redraw_reals(t, rng);
  }
  round_inputs(d, dtype);
  return d;
}

}  // namespace lossoracle::certify
