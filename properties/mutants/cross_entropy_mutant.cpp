#include "properties/mutants/cross_entropy_mutant.hpp"

#include <algorithm>
#include <cmath>
#include <limits>


namespace lossoracle::properties {

certify::ImplResult CrossEntropyMutant::compute(const LossCase& c) const {
  const Tensor& x = c.inputs.at("input");
  const Tensor& t = c.inputs.at("target");
  const Tensor* w = c.find("weight");
  const Tensor* go = c.find("grad_output");
  const bool unbatched = x.shape.size() == 1;
  const std::int64_t N = unbatched ? 1 : x.shape[0], C = unbatched ? x.shape[0] : x.shape[1];
  std::int64_t inner = 1;
  Shape positions_shape;
  if (!unbatched) {
    positions_shape.push_back(N);
    for (std::size_t k = 2; k < x.shape.size(); ++k) inner *= x.shape[k], positions_shape.push_back(x.shape[k]);
  }
  const std::int64_t P = N * inner;
  const bool soft = t.shape == x.shape;
  const double eps = c.params.real("label_smoothing");
  const std::int64_t ignore = c.params.integer("ignore_index");
  const std::string reduction = c.params.text("reduction");
  auto idx = [&](std::int64_t pos, std::int64_t k) { return ((pos / inner) * C + k) * inner + pos % inner; };
  auto weight = [&](std::int64_t k) { return w ? w->values[k] : 1.0; };

  std::vector<double> per(P, 0), coef(P * C, 0), prob(P * C, 0);
  std::vector<bool> ignored(P, false);
  double denominator = 0;
  for (std::int64_t pos = 0; pos < P; ++pos) {
    double m = -std::numeric_limits<double>::infinity();
    for (std::int64_t k = 0; k < C; ++k) m = std::max(m, x.values[idx(pos, k)]);
    if (bug_ == Bug::log_sum_exp_unshifted || !std::isfinite(m)) m = 0;
    double z = 0;
    for (std::int64_t k = 0; k < C; ++k) z += std::exp(x.values[idx(pos, k)] - m);
    const double log_z = std::log(z);
    std::vector<double> logp(C);
    for (std::int64_t k = 0; k < C; ++k) {
      logp[k] = (x.values[idx(pos, k)] - m) - log_z;
      prob[pos * C + k] = std::exp(logp[k]);
    }
    double* a = &coef[pos * C];
    double l = 0;
    if (soft) {
      for (std::int64_t k = 0; k < C; ++k) {
        a[k] = weight(k) * ((1 - eps) * t.values[idx(pos, k)] + eps / C);
        l -= a[k] * logp[k];
      }
      denominator += 1;
    } else {
      const auto y = static_cast<std::int64_t>(t.values[pos]);
      if (y == ignore) {
        ignored[pos] = true;
        continue;
      }
      denominator += bug_ == Bug::mean_over_positions ? 1.0 : weight(y);
      if (eps > 0) {
        const bool other_convention = bug_ == Bug::smoothing_over_c_minus_1 && C > 1;
        for (std::int64_t k = 0; k < C; ++k) {
          a[k] = weight(k) * (other_convention ? (k == y ? 0.0 : eps / static_cast<double>(C - 1)) : eps / C);
          l -= a[k] * logp[k];
        }
      }
      a[y] += (1 - eps) * weight(y);
      l -= (1 - eps) * weight(y) * logp[y];
    }
    per[pos] = l;
  }

  certify::ImplResult out;
  out.kind = certify::ImplResult::Kind::outputs;
  std::vector<double> scale(P, go ? go->values[0] : 1.0);
  if (reduction == "none") {
    out.outputs.push_back({"loss", positions_shape, per});
    if (go)
      for (std::int64_t pos = 0; pos < P; ++pos) scale[pos] = go->values[pos];
  } else {
    double total = 0;
    for (double v : per) total += v;
    if (reduction == "mean") {
      total /= denominator;
      for (double& s : scale) s /= denominator;
    }
    out.outputs.push_back({"loss", {}, {total}});
  }
  out.outputs.push_back({"per_position", positions_shape, per});
  std::vector<double> grad(x.values.size(), 0);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    if (ignored[pos]) continue;
    double a_total = 0;
    for (std::int64_t k = 0; k < C; ++k) a_total += coef[pos * C + k];
    for (std::int64_t k = 0; k < C; ++k) {
      const double g = scale[pos] * (prob[pos * C + k] * a_total - coef[pos * C + k]);
      grad[idx(pos, k)] = bug_ == Bug::gradient_sign ? -g : g;
    }
  }
  out.outputs.push_back({"grad_input", x.shape, grad});
  return out;
}

}  // namespace lossoracle::properties
