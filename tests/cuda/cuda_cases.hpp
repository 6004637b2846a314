// Seeded cases for the CUDA tier's tests (host core and device): every loss
// the tier answers for, with weights, ignore_index, label smoothing, every
// reduction, K-dim layouts, grad_output, and rows holding -inf, NaN, ties and
// large logits. Values are binary32 numbers, so a binary32 run and the oracle
// see the same inputs. LOSSORACLE_CUDA_CASES raises the count per loss.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"

namespace lossoracle::cuda_testing {

inline int cases_per_loss() {
  const char* v = std::getenv("LOSSORACLE_CUDA_CASES");
  return v ? std::max(1, std::atoi(v)) : 24;
}

class CaseDraw {
 public:
  explicit CaseDraw(std::uint64_t seed) : rng_(seed) {}

  int uniform_int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng_); }

  // A binary32 logit: mostly normal draws at one of a few scales, with the
  // occasional tie, -inf, or huge value; NaN only when `specials` asks.
  double logit(double scale, bool specials) {
    const int kind = uniform_int(0, 39);
    if (specials && kind == 0) return -std::numeric_limits<double>::infinity();
    if (specials && kind == 1) return std::numeric_limits<double>::quiet_NaN();
    if (kind == 2) return 0.0;
    if (kind == 3) return 1.0;
    return static_cast<float>(std::normal_distribution<double>(0.0, scale)(rng_));
  }
  double unit() { return static_cast<float>(std::uniform_real_distribution<double>(0.0, 1.0)(rng_)); }

  std::vector<double> probabilities(int n) {
    std::vector<double> p(n);
    double s = 0;
    for (double& v : p) s += (v = unit() + 1e-3);
    for (double& v : p) v = static_cast<float>(v / s);
    return p;
  }

 private:
  std::mt19937_64 rng_;
};

inline nlohmann::json tensor(const std::vector<std::int64_t>& shape, const std::vector<double>& values) {
  nlohmann::json data = nlohmann::json::array();
  for (double v : values) data.push_back(hex64(v));
  return {{"shape", shape}, {"data", data}};
}

inline std::int64_t count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// Input shape: (C) unbatched, (N, C), or (N, C, d).
inline std::vector<std::int64_t> class_shape(CaseDraw& d, int C) {
  const int form = d.uniform_int(0, 5);
  if (form == 0) return {C};
  if (form == 1) return {d.uniform_int(1, 3), C, d.uniform_int(1, 3)};
  return {d.uniform_int(1, 4), C};
}

inline std::vector<std::int64_t> positions_of(const std::vector<std::int64_t>& in) {
  if (in.size() == 1) return {};
  std::vector<std::int64_t> p{in[0]};
  p.insert(p.end(), in.begin() + 2, in.end());
  return p;
}

inline const char* reduction(CaseDraw& d) {
  static const char* r[] = {"none", "sum", "mean"};
  return r[d.uniform_int(0, 2)];
}

inline std::vector<double> draws(CaseDraw& d, std::int64_t n, double scale, bool specials) {
  std::vector<double> v(n);
  for (double& x : v) x = d.logit(scale, specials);
  return v;
}

inline std::vector<double> cotangent(CaseDraw& d, std::int64_t n) {
  std::vector<double> v(n);
  for (double& x : v) x = static_cast<float>(d.unit() * 4 - 2);
  return v;
}

// One case of `loss` (a name in cuda_loss_names()); `variant` picks the
// target form of cross_entropy (even: class indices, odd: probabilities).
inline nlohmann::json draw_unit_scaled_case(CaseDraw& d, int variant, bool specials);
inline nlohmann::json draw_label_smoothing_case(const std::string& loss, CaseDraw& d, bool specials);
inline nlohmann::json draw_soft_label_case(const std::string& loss, CaseDraw& d, bool specials);
inline nlohmann::json draw_slace_case(CaseDraw& d, bool specials);
inline nlohmann::json draw_ordinal_case(const std::string& loss, CaseDraw& d, bool specials);
inline nlohmann::json draw_misclass_case(const std::string& loss, CaseDraw& d, bool specials);
inline nlohmann::json draw_per_pair_case(CaseDraw& d, bool specials);

inline nlohmann::json draw_case(const std::string& loss, CaseDraw& d, int variant, bool specials) {
  if (loss == "unit_scaled_cross_entropy") return draw_unit_scaled_case(d, variant, specials);
  if (loss == "smooth_labels" || loss == "fastai_label_smoothing_cross_entropy" || loss == "label_smoothed_nll_loss" ||
      loss == "issue11959_label_smoothing_cross_entropy")
    return draw_label_smoothing_case(loss, d, specials);
  if (loss == "smooth_soft_labels" || loss == "soft_label_cross_entropy" || loss == "soft_label_cross_entropy_with_logits" ||
      loss == "classification_mae_with_logits")
    return draw_soft_label_case(loss, d, specials);
  if (loss == "slace") return draw_slace_case(d, specials);
  if (loss == "sord" || loss == "oll" || loss == "acc_loss" || loss == "slace_prox")
    return draw_ordinal_case(loss, d, specials);
  if (loss.rfind("misclass_", 0) == 0) return draw_misclass_case(loss, d, specials);
  if (loss == "per_pair_weighted_ce") return draw_per_pair_case(d, specials);
  static const double scales[] = {1.0, 4.0, 30.0};
  const double scale = scales[d.uniform_int(0, 2)];
  const int C = d.uniform_int(1, 3) == 1 ? d.uniform_int(1, 3) : d.uniform_int(4, 17);
  nlohmann::json j{{"loss", loss}, {"params", nlohmann::json::object()}, {"inputs", nlohmann::json::object()}};
  if (loss == "kl_div") {
    std::vector<std::int64_t> shape{d.uniform_int(1, 3), C};
    const bool log_target = d.coin();
    std::vector<double> x(count(shape)), t(count(shape));
    for (auto& v : x) v = static_cast<float>(std::log(d.unit() + 1e-3));
    for (auto& v : t) v = log_target ? static_cast<float>(std::log(d.unit() + 1e-3)) : (d.coin(0.1) ? 0.0 : d.unit());
    static const char* r[] = {"none", "sum", "mean", "batchmean"};
    const std::string red = r[d.uniform_int(0, 3)];
    j["params"] = {{"reduction", red}, {"log_target", log_target}};
    j["inputs"]["input"] = tensor(shape, x);
    j["inputs"]["target"] = tensor(shape, t);
    if (d.coin()) {
      const auto gs = red == "none" ? shape : std::vector<std::int64_t>{};
      j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
    }
    return j;
  }
  const auto shape = class_shape(d, C);
  const auto positions = positions_of(shape);
  if (loss == "entropy") {
    // Probabilities along dimension 1, some exactly 0 (entr 0, gradient +inf).
    std::vector<double> p(count(shape));
    const std::int64_t inner = shape.size() > 2 ? shape[2] : 1;
    for (std::int64_t pos = 0; pos < count(positions); ++pos) {
      const auto row = d.probabilities(C);
      for (int c = 0; c < C; ++c) p[(pos / inner * C + c) * inner + pos % inner] = d.coin(0.05) ? 0.0 : row[c];
    }
    const std::string red = reduction(d);
    j["params"]["reduction"] = red;
    j["inputs"]["input"] = tensor(shape, p);
    if (d.coin()) {
      const auto gs = red == "none" ? positions : std::vector<std::int64_t>{};
      j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
    }
    return j;
  }
  j["inputs"]["input"] = tensor(shape, draws(d, count(shape), scale, specials));
  if (loss == "log_softmax" || loss == "softmax") {
    if (d.coin()) j["inputs"]["grad_output"] = tensor(shape, cotangent(d, count(shape)));
    return j;
  }
  const std::string red = reduction(d);
  j["params"]["reduction"] = red;
  if (d.coin(0.4)) {
    std::vector<double> w(C);
    for (auto& v : w) v = static_cast<float>(d.unit() * 2);
    j["inputs"]["weight"] = tensor({C}, w);
  }
  if (d.coin()) {
    const auto gs = red == "none" ? positions : std::vector<std::int64_t>{};
    j["inputs"]["grad_output"] = tensor(gs, cotangent(d, count(gs)));
  }
  if (loss == "cross_entropy" && d.coin(0.4)) j["params"]["label_smoothing"] = d.coin() ? 0.1 : 0.75;
  if (loss == "cross_entropy" && variant % 2 == 1) {
    std::vector<double> t;
    const std::int64_t P = count(positions);
    std::vector<double> rows(count(shape));
    const std::int64_t inner = shape.size() > 2 ? shape[2] : 1;
    for (std::int64_t pos = 0; pos < P; ++pos) {
      const auto p = d.probabilities(C);
      for (int c = 0; c < C; ++c) rows[(pos / inner * C + c) * inner + pos % inner] = p[c];
    }
    j["inputs"]["target"] = tensor(shape, rows);
    return j;
  }
  const std::int64_t ignore = d.coin(0.3) ? d.uniform_int(0, C - 1) : -100;
  if (ignore != -100) j["params"]["ignore_index"] = ignore;
  std::vector<double> y(count(positions));
  for (auto& v : y) v = d.coin(0.15) ? static_cast<double>(ignore) : d.uniform_int(0, C - 1);
  j["inputs"]["target"] = tensor(positions, y);
  return j;
}

}  // namespace lossoracle::cuda_testing

// Per-family draws (one include per family), dispatched from draw_case.
#include "tests/cuda/label_smoothing_cases.hpp"
#include "tests/cuda/soft_label_cases.hpp"
#include "tests/cuda/unit_scaled_cases.hpp"
#include "tests/cuda/slace_cases.hpp"
#include "tests/cuda/ordinal_cases.hpp"
#include "tests/cuda/cost_matrix_cases.hpp"
