// Seeded cases of the soft-label family for the CUDA tier's tests
// (cuda_cases.hpp's draw_case dispatches here): smooth_soft_labels on
// labels (C), (N, C) or (d0, d1, C), classes last: probabilities, zeros,
// negative labels, and with `specials` NaN and infinities; and
// soft_label_cross_entropy (on probabilities) and
// soft_label_cross_entropy_with_logits against such labels, made
// non-negative, every reduction (along dimension 0); and
// classification_mae_with_logits on such logits and labels (some one-hot,
// some rows of equal logits against labels 1/C), reduced along the last
// dimension of the positions.
#pragma once

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cuda/cuda_cases.hpp"

namespace lossoracle::cuda_testing {

inline nlohmann::json draw_soft_label_case(const std::string& loss, CaseDraw& d, bool specials) {
  static const double alphas[] = {0.0, 0x1.99999ap-4, 0.25, 0.5, 1.0};  // binary32 numbers
  const int C = d.uniform_int(1, 3) == 1 ? d.uniform_int(1, 3) : d.uniform_int(4, 17);
  const int form = d.uniform_int(0, 3);
  const std::vector<std::int64_t> shape = form == 0   ? std::vector<std::int64_t>{C}
                                          : form == 1 ? std::vector<std::int64_t>{d.uniform_int(1, 3), d.uniform_int(1, 3), C}
                                                      : std::vector<std::int64_t>{d.uniform_int(1, 4), C};
  std::vector<double> y;
  for (std::int64_t n = 0; n < count(shape) / C; ++n)
    for (double p : d.probabilities(C)) {
      const int kind = d.uniform_int(0, 19);
      if (kind == 0) y.push_back(0.0);
      else if (kind == 1) y.push_back(-p);
      else if (specials && kind == 2) y.push_back(std::numeric_limits<double>::quiet_NaN());
      else if (specials && kind == 3) y.push_back(d.coin() ? INFINITY : -INFINITY);
      else y.push_back(p);
    }
  nlohmann::json j{{"loss", loss}, {"params", {{"alpha", alphas[d.uniform_int(0, 4)]}}}, {"inputs", nlohmann::json::object()}};
  const bool mae = loss == "classification_mae_with_logits";  // no alpha; reduced along the last dimension
  if (mae) j["params"].erase("alpha");
  if (loss == "smooth_soft_labels") {
    j["inputs"]["input"] = tensor(shape, y);
    if (d.coin()) j["inputs"]["grad_output"] = tensor(shape, cotangent(d, count(shape)));
    return j;
  }
  // soft_label_cross_entropy: probabilities (some 0) against non-negative
  // labels (the terms -t log p then share a sign), reduced along dimension 0.
  for (double& v : y)
    if (v < 0) v = -v;
  std::vector<double> p;
  if (mae) {
    // one-hot rows now and then (the MAE's 2 (1 - p_y)), and rows of equal logits with labels 1/m (exact zeros)
    for (std::int64_t n = 0; n < count(shape) / C; ++n)
      if (d.coin(0.2)) {
        for (int c = 0; c < C; ++c) y[n * C + c] = 0.0;
        y[n * C + d.uniform_int(0, C - 1)] = 1.0;
      }
  }
  if (mae && d.coin(0.15)) {
    p.assign(static_cast<std::size_t>(count(shape)), 1.5);
    for (double& v : y) v = C == 4 || C == 2 || C == 1 || C == 8 || C == 16 ? 1.0 / C : v;
  } else if (loss == "soft_label_cross_entropy_with_logits" || mae) {
    static const double scales[] = {1.0, 4.0, 30.0};
    p = draws(d, count(shape), scales[d.uniform_int(0, 2)], specials);
  } else {
    for (std::int64_t n = 0; n < count(shape) / C; ++n)
      for (double q : d.probabilities(C)) p.push_back(specials && d.coin(0.05) ? 0.0 : q);
  }
  const std::string red = reduction(d);
  j["params"]["reduction"] = red;
  j["inputs"]["input"] = tensor(shape, p);
  j["inputs"]["target"] = tensor(shape, y);
  if (d.coin()) {
    std::vector<std::int64_t> positions(shape.begin(), shape.end() - 1);
    if (red != "none" && !positions.empty()) positions.erase(mae ? positions.end() - 1 : positions.begin());
    if (red != "none" && shape.size() == 1) positions.clear();
    j["inputs"]["grad_output"] = tensor(positions, cotangent(d, count(positions)));
  }
  return j;
}

}  // namespace lossoracle::cuda_testing
