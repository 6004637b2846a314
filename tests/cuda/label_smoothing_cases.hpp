// Seeded cases of the label-smoothing family for the CUDA tier's tests
// (cuda_cases.hpp's draw_case dispatches here): smooth_labels,
// fastai_label_smoothing_cross_entropy (class dim 1, weight, -100 targets),
// issue11959_label_smoothing_cross_entropy ((C) or (N, C), -100 targets)
// and label_smoothed_nll_loss (classes last, log-probabilities, optional
// ignore_index, target (..) or (.., 1), reduce or not).
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cuda/cuda_cases.hpp"

namespace lossoracle::cuda_testing {

inline double smoothing_eps(CaseDraw& d) {
  static const double eps[] = {0x1.99999ap-4, 0.25, 0.0, 0.75};  // 0.1 as a binary32 number
  return eps[d.uniform_int(0, 3)];
}

inline nlohmann::json draw_label_smoothing_case(const std::string& loss, CaseDraw& d, bool specials) {
  static const double scales[] = {1.0, 4.0, 30.0};
  const double scale = scales[d.uniform_int(0, 2)];
  const int C = d.uniform_int(1, 3) == 1 ? d.uniform_int(2, 3) : d.uniform_int(4, 17);
  nlohmann::json j{{"loss", loss}, {"params", nlohmann::json::object()}, {"inputs", nlohmann::json::object()}};
  if (loss == "smooth_labels") {
    const int N = d.uniform_int(1, 5);
    std::vector<double> y(N);
    for (auto& v : y) v = d.uniform_int(0, C - 1);
    j["params"] = {{"num_classes", C}, {"eps", smoothing_eps(d)}};
    j["inputs"]["target"] = tensor({N}, y);
    return j;
  }
  if (loss == "fastai_label_smoothing_cross_entropy" || loss == "issue11959_label_smoothing_cross_entropy") {
    const bool fastai = loss == "fastai_label_smoothing_cross_entropy";
    const std::vector<std::int64_t> shape =
        fastai ? (d.coin(0.3) ? std::vector<std::int64_t>{d.uniform_int(1, 3), C, d.uniform_int(1, 3)}
                              : std::vector<std::int64_t>{d.uniform_int(1, 4), C})
               : (d.coin(0.2) ? std::vector<std::int64_t>{C} : std::vector<std::int64_t>{d.uniform_int(1, 4), C});
    const auto positions = positions_of(shape);
    const std::string red = reduction(d);
    j["params"] = {{"reduction", red}, {"eps", smoothing_eps(d)}};
    j["inputs"]["input"] = tensor(shape, draws(d, count(shape), scale, specials));
    std::vector<double> y(count(positions));
    for (auto& v : y) v = d.coin(0.15) ? -100.0 : d.uniform_int(0, C - 1);
    j["inputs"]["target"] = tensor(positions, y);
    if (fastai && d.coin(0.4)) {
      std::vector<double> w(C);
      for (auto& v : w) v = static_cast<float>(d.unit() * 2);
      j["inputs"]["weight"] = tensor({C}, w);
    }
    if (d.coin()) {
      const auto gs = red == "none" ? positions : std::vector<std::int64_t>{};
      j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
    }
    return j;
  }
  // label_smoothed_nll_loss: log-probabilities, classes last.
  const int form = d.uniform_int(0, 3);
  const std::vector<std::int64_t> shape = form == 0   ? std::vector<std::int64_t>{C}
                                          : form == 1 ? std::vector<std::int64_t>{d.uniform_int(1, 3), d.uniform_int(1, 3), C}
                                                      : std::vector<std::int64_t>{d.uniform_int(1, 4), C};
  const std::vector<std::int64_t> positions(shape.begin(), shape.end() - 1);
  std::vector<double> x;
  for (std::int64_t n = 0; n < count(positions); ++n)
    for (double p : d.probabilities(C)) x.push_back(static_cast<float>(std::log(p)));
  const bool reduce = d.coin();
  const bool ignore = d.coin(0.4);
  j["params"] = {{"epsilon", smoothing_eps(d)}, {"reduce", reduce}};
  std::vector<double> y(count(positions));
  const int ignored_class = d.uniform_int(0, C - 1);
  if (ignore) j["params"]["ignore_index"] = ignored_class;
  for (auto& v : y) v = ignore && d.coin(0.3) ? ignored_class : d.uniform_int(0, C - 1);
  std::vector<std::int64_t> target_shape = positions;
  if (d.coin()) target_shape.push_back(1);
  j["inputs"]["input"] = tensor(shape, x);
  j["inputs"]["target"] = tensor(target_shape, y);
  if (d.coin()) {
    std::vector<std::int64_t> gs;
    if (!reduce) {
      gs = positions;
      if (ignore) gs.push_back(1);
    }
    j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
  }
  return j;
}

}  // namespace lossoracle::cuda_testing
