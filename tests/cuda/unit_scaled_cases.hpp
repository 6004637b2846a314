// Seeded cases of unit_scaled_cross_entropy for the CUDA tier's tests
// (cuda_cases.hpp's draw_case dispatches here): (V) or (B, V) logits with
// V >= 2, class indices (with ignore_index) or probabilities, sum or mean,
// a multiplier, an optional scalar cotangent.
#pragma once

#include <nlohmann/json.hpp>

#include "tests/cuda/cuda_cases.hpp"

namespace lossoracle::cuda_testing {

inline nlohmann::json draw_unit_scaled_case(CaseDraw& d, int variant, bool specials) {
  static const double scales[] = {1.0, 4.0, 30.0};
  // Binary32 numbers (0x1.333334p-2 is 0.3 rounded): the tier rounds mult
  // to its computing format like any input, so the oracle is given that value.
  static const double mults[] = {1.0, 0.5, 2.0, -1.5, 0x1.333334p-2};
  const double scale = scales[d.uniform_int(0, 2)];
  const int V = d.uniform_int(1, 3) == 1 ? d.uniform_int(2, 3) : d.uniform_int(4, 17);
  const std::vector<std::int64_t> shape =
      d.uniform_int(0, 4) == 0 ? std::vector<std::int64_t>{V} : std::vector<std::int64_t>{d.uniform_int(1, 4), V};
  const std::vector<std::int64_t> positions = shape.size() == 1 ? std::vector<std::int64_t>{}
                                                                : std::vector<std::int64_t>{shape[0]};
  nlohmann::json j{{"loss", "unit_scaled_cross_entropy"},
                   {"params", {{"reduction", d.coin() ? "sum" : "mean"}, {"mult", mults[d.uniform_int(0, 4)]}}},
                   {"inputs", nlohmann::json::object()}};
  j["inputs"]["input"] = tensor(shape, draws(d, count(shape), scale, specials));
  if (d.coin()) j["inputs"]["grad_output"] = tensor({}, cotangent(d, 1));
  if (variant % 2 == 1) {
    std::vector<double> rows;
    for (std::int64_t n = 0; n < count(positions); ++n) {
      const auto p = d.probabilities(V);
      rows.insert(rows.end(), p.begin(), p.end());
    }
    j["inputs"]["target"] = tensor(shape, rows);
    return j;
  }
  const std::int64_t ignore = d.coin(0.3) ? d.uniform_int(0, V - 1) : -100;
  if (ignore != -100) j["params"]["ignore_index"] = ignore;
  std::vector<double> y(count(positions));
  for (auto& v : y) v = d.coin(0.15) ? static_cast<double>(ignore) : d.uniform_int(0, V - 1);
  j["inputs"]["target"] = tensor(positions, y);
  return j;
}

}  // namespace lossoracle::cuda_testing
