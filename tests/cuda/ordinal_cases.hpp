// Seeded cases of the ordinal family (sord, oll, acc_loss, slace_prox) for
// the CUDA tier's tests (cuda_cases.hpp's draw_case sends them here): logits
// at several scales with -inf/NaN/ties, or probabilities (rows with zeros),
// targets anywhere in the row, alpha typical, large, negative or 0 (not for
// acc_loss, which has none), |i - y| or a distance matrix with ties (sord,
// oll, acc_loss), class counts with zeros and ties and prox's log base
// (slace_prox), log base e, 2 or 10, each reduction, grad_output, and now
// and then a row of more than 512 classes (several classes per thread, and
// several tiles of groups, in the kernels' order).
#pragma once

#include <algorithm>

#include "tests/cuda/cuda_cases.hpp"

namespace lossoracle::cuda_testing {

inline nlohmann::json draw_ordinal_case(const std::string& loss, CaseDraw& d, bool specials) {
  static const double scales[] = {1.0, 4.0, 30.0};
  const double scale = scales[d.uniform_int(0, 2)];
  const int C = d.coin(0.05) ? d.uniform_int(1030, 1300) : d.uniform_int(1, 3) == 1 ? d.uniform_int(1, 3) : d.uniform_int(4, 17);
  const int N = C > 100 ? 1 : d.uniform_int(1, 4);
  const bool use_logits = d.coin(0.7);
  static const double alphas[] = {1.0, 0.5, 2.0, 12.5, -0.75, 0.0};
  const double alpha = d.coin(0.6) ? alphas[d.uniform_int(0, 5)] : static_cast<float>(d.unit() * 4);
  static const char* reductions[] = {"none", "sum", "mean"};
  const std::string red = reductions[d.uniform_int(0, 2)];
  static const char* bases[] = {"e", "2", "10"};
  nlohmann::json j{{"loss", loss},
                   {"params", {{"reduction", red}, {"use_logits", use_logits}, {"log_base", bases[d.uniform_int(0, 2)]}}},
                   {"inputs", nlohmann::json::object()}};
  if (loss != "acc_loss") j["params"]["alpha"] = alpha;
  if (loss == "slace_prox") j["params"]["prox_log_base"] = bases[d.uniform_int(0, 2)];
  std::vector<double> x;
  for (int n = 0; n < N; ++n) {
    if (use_logits) {
      // Finite logits within +-40, as for slace (docs/cuda.md: binary32 rows
      // spanning more than 87 nats turn subnormal).
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
  j["inputs"]["target"] = tensor({N}, y);
  if (loss == "slace_prox") {
    // Zeros (never a target's: prox(y, y) would be infinite, the loss NaN)
    // and small counts, so that A_c ties; now and then large ones.
    std::vector<double> n(C);
    for (auto& v : n) v = d.coin(0.2) ? 0.0 : d.coin(0.1) ? d.uniform_int(1, 1 << 20) : d.uniform_int(1, 6);
    for (double t : y) n[static_cast<std::size_t>(t)] = d.uniform_int(1, 6);
    j["inputs"]["class_counts"] = tensor({C}, n);
  } else if (C <= 100 && d.coin(0.4)) {
    std::vector<double> dist(static_cast<std::size_t>(C) * C);
    for (auto& v : dist) v = 0.5 * d.uniform_int(0, 6);
    j["inputs"]["distance"] = tensor({C, C}, dist);
  }
  if (d.coin()) {
    const auto gs = red == "none" ? std::vector<std::int64_t>{N} : std::vector<std::int64_t>{};
    j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
  }
  return j;
}

}  // namespace lossoracle::cuda_testing
