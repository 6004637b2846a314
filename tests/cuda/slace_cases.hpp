// Seeded slace cases for the CUDA tier's tests (cuda_cases.hpp's draw_case
// sends slace here): logits at several scales with -inf/NaN/ties, or
// probabilities (rows summing to about 1, rows with zeros), targets
// anywhere in the row, weights, epsilon 1e-9 or 0, alpha typical, large,
// negative or 0, (N) and (N, 1) targets, each reduction, grad_output, and
// now and then a row of more than 512 classes (more than one tile of
// groups in the kernels' order).
#pragma once

#include <algorithm>

#include "tests/cuda/cuda_cases.hpp"

namespace lossoracle::cuda_testing {

inline nlohmann::json draw_slace_case(CaseDraw& d, bool specials) {
  static const double scales[] = {1.0, 4.0, 30.0};
  const double scale = scales[d.uniform_int(0, 2)];
  const bool pure = d.coin(0.3);  // epsilon 0, the paper's form
  const int C = d.coin(0.05) ? d.uniform_int(1030, 1300) : d.uniform_int(1, 3) == 1 ? d.uniform_int(1, 3) : d.uniform_int(4, 17);
  const int N = C > 100 ? 1 : d.uniform_int(1, 4);
  const bool use_logits = d.coin(0.7);
  static const double alphas[] = {1.0, 0.5, 2.0, 12.5, -0.75, 0.0};
  const double alpha = d.coin(0.6) ? alphas[d.uniform_int(0, 5)] : static_cast<float>(d.unit() * 4);
  const std::string red = reduction(d);
  nlohmann::json j{{"loss", "slace"},
                   {"params", {{"reduction", red}, {"alpha", alpha}, {"use_logits", use_logits},
                               {"epsilon", pure ? 0.0 : 1e-9}}},
                   {"inputs", nlohmann::json::object()}};
  std::vector<double> x;
  for (int n = 0; n < N; ++n) {
    if (use_logits) {
      // Finite logits within +-40: a row spans less than binary32's normal
      // range (87 nats), outside which the tier's binary32 accumulations
      // turn subnormal (docs/cuda.md, "slace": a known limit).
      for (double v : draws(d, C, scale, specials)) x.push_back(std::isfinite(v) ? std::clamp(v, -40.0, 40.0) : v);
    } else {
      std::vector<double> p = d.probabilities(C);
      if (C > 1 && d.coin(0.2)) p[d.uniform_int(0, C - 1)] = 0.0;
      x.insert(x.end(), p.begin(), p.end());
    }
  }
  j["inputs"]["input"] = tensor({N, C}, x);
  std::vector<double> y(N);
  for (auto& v : y) v = d.uniform_int(0, C - 1);
  j["inputs"]["target"] = tensor(d.coin(0.2) ? std::vector<std::int64_t>{N, 1} : std::vector<std::int64_t>{N}, y);
  if (d.coin(0.4)) {
    std::vector<double> w(C);
    for (auto& v : w) v = static_cast<float>(d.unit() * 2);
    j["inputs"]["weight"] = tensor({C}, w);
  }
  if (d.coin()) {
    const auto gs = red == "none" ? std::vector<std::int64_t>{N} : std::vector<std::int64_t>{};
    j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
  }
  return j;
}

}  // namespace lossoracle::cuda_testing
