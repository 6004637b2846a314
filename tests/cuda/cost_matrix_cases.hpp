// Seeded cases of the misclass losses for the CUDA tier's tests
// (cuda_cases.hpp's draw_case sends them here): (C) or (N, C) inputs
// (probabilities, some past 1 for the clamp, or logits with -inf/NaN/ties),
// cost matrices with zeros, ties and now and then negative costs, negative
// targets (PyTorch's wrap of D[targ]), each reduction, grad_output, and
// clamp_min 1e-7, binary32's 0x1.ad7f2ap-24 or a large one.
#pragma once

#include <algorithm>

#include "tests/cuda/cuda_cases.hpp"

namespace lossoracle::cuda_testing {

inline nlohmann::json draw_misclass_case(const std::string& loss, CaseDraw& d, bool specials) {
  static const double scales[] = {1.0, 4.0, 30.0};
  const double scale = scales[d.uniform_int(0, 2)];
  const int C = d.uniform_int(1, 3) == 1 ? d.uniform_int(1, 3) : d.uniform_int(4, 17);
  const bool unbatched = d.coin(0.2);
  const int N = unbatched ? 1 : d.uniform_int(1, 4);
  const std::vector<std::int64_t> shape = unbatched ? std::vector<std::int64_t>{C} : std::vector<std::int64_t>{N, C};
  const std::string red = reduction(d);
  nlohmann::json j{{"loss", loss}, {"params", {{"reduction", red}}}, {"inputs", nlohmann::json::object()}};
  if (loss == "misclass_b_as_published") {
    static const double mins[] = {1e-7, 0x1.ad7f2ap-24, 0.25};
    j["params"]["clamp_min"] = mins[d.uniform_int(0, 2)];
  }
  std::vector<double> x;
  for (int n = 0; n < N; ++n) {
    if (loss == "misclass_a_logits" || loss == "misclass_b") {
      for (double v : draws(d, C, scale, specials)) x.push_back(v);
    } else {
      for (double v : d.probabilities(C)) x.push_back(d.coin(0.15) ? static_cast<float>(v + 1 + d.unit()) : v);
    }
  }
  j["inputs"]["input"] = tensor(shape, x);
  std::vector<double> D(static_cast<std::size_t>(C) * C);
  const bool signed_costs = d.coin(0.2);
  for (int i = 0; i < C; ++i)
    for (int k = 0; k < C; ++k)
      D[i * C + k] = i == k && d.coin(0.7) ? 0.0 : static_cast<float>(d.uniform_int(0, 8) / 4.0 - (signed_costs ? 1.0 : 0.0));
  j["inputs"]["cost_matrix"] = tensor({C, C}, D);
  std::vector<double> y(unbatched ? 1 : N);
  for (auto& v : y) v = d.uniform_int(-C, C - 1);
  j["inputs"]["target"] = tensor(unbatched ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{N}, y);
  if (d.coin()) {
    const auto gs = red == "none" ? shape : std::vector<std::int64_t>{};
    j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
  }
  return j;
}

// per_pair_weighted_ce: (N, C) logits, (N, C) target probabilities (some
// one-hot), cost matrices as above.
inline nlohmann::json draw_per_pair_case(CaseDraw& d, bool specials) {
  static const double scales[] = {1.0, 4.0, 30.0};
  const double scale = scales[d.uniform_int(0, 2)];
  const int C = d.uniform_int(1, 3) == 1 ? d.uniform_int(1, 3) : d.uniform_int(4, 17);
  const int N = d.uniform_int(1, 4);
  const std::string red = reduction(d);
  nlohmann::json j{{"loss", "per_pair_weighted_ce"}, {"params", {{"reduction", red}}}, {"inputs", nlohmann::json::object()}};
  j["inputs"]["input"] = tensor({N, C}, draws(d, static_cast<std::int64_t>(N) * C, scale, specials));
  std::vector<double> t;
  for (int n = 0; n < N; ++n) {
    std::vector<double> p = d.probabilities(C);
    if (d.coin(0.2)) {
      std::fill(p.begin(), p.end(), 0.0);
      p[d.uniform_int(0, C - 1)] = 1.0;
    }
    t.insert(t.end(), p.begin(), p.end());
  }
  j["inputs"]["target"] = tensor({N, C}, t);
  std::vector<double> D(static_cast<std::size_t>(C) * C);
  const bool signed_costs = d.coin(0.2);
  for (auto& v : D) v = static_cast<float>(d.uniform_int(0, 8) / 4.0 - (signed_costs ? 1.0 : 0.0));
  j["inputs"]["cost_matrix"] = tensor({C, C}, D);
  if (d.coin()) {
    const auto gs = red == "none" ? std::vector<std::int64_t>{N} : std::vector<std::int64_t>{};
    j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
  }
  return j;
}

}  // namespace lossoracle::cuda_testing
