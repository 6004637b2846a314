// Random cases of the slace and ordinal families for every parameter
// combination: the configurations, one seeded draw per (configuration,
// index), and the LossCase the loss list reads.
#pragma once

#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "tests/support/oracle_case.hpp"

namespace lossoracle::testing_support {

struct OrdinalConfig {
  std::string loss;  // slace | sord | oll | acc_loss | slace_prox
  bool use_logits = true;
  std::string reduction = "mean";
  bool matrix = false;              // sord, oll, acc_loss: an explicit distance matrix
  std::string log_base = "e";       // the ordinal family
  std::string prox_log_base = "e";  // slace_prox
  bool weighted = false;            // slace
  double epsilon = 1e-9;            // slace
  bool custom_grad = false;
};

inline std::string name(const OrdinalConfig& c) {
  std::string s = c.loss + "_" + c.reduction + (c.use_logits ? "_logits" : "_probs");
  if (c.loss == "slace") s += std::string(c.weighted ? "_weight" : "_noweight") + (c.epsilon != 0 ? "_eps" : "_pure");
  if (c.loss == "sord" || c.loss == "oll" || c.loss == "acc_loss") s += c.matrix ? "_matrix" : "_absolute";
  if (c.loss != "slace") s += "_log" + c.log_base;
  if (c.loss == "slace_prox") s += "_prox" + c.prox_log_base;
  return s + (c.custom_grad ? "_gradout" : "_ones");
}

inline void PrintTo(const OrdinalConfig& c, std::ostream* os) { *os << name(c); }

// Every combination of the parameters each loss has.
inline std::vector<OrdinalConfig> ordinal_configs(const std::vector<std::string>& losses) {
  std::vector<OrdinalConfig> out;
  for (const std::string& loss : losses)
    for (bool logits : {true, false})
      for (const char* red : {"none", "sum", "mean"})
        for (bool go : {false, true}) {
          OrdinalConfig c{loss, logits, red};
          c.custom_grad = go;
          if (loss == "slace") {
            for (bool w : {false, true})
              for (double eps : {1e-9, 0.0}) {
                c.weighted = w;
                c.epsilon = eps;
                out.push_back(c);
              }
            continue;
          }
          for (const char* base : {"e", "2", "10"}) {
            c.log_base = base;
            if (loss == "slace_prox") {
              for (const char* pb : {"e", "2", "10"}) {
                c.prox_log_base = pb;
                out.push_back(c);
              }
            } else {
              for (bool m : {false, true}) {
                c.matrix = m;
                out.push_back(c);
              }
            }
          }
        }
  return out;
}

struct OrdinalDraw {
  std::int64_t N = 1, C = 1;
  double alpha = 1;
  std::vector<double> x, y, weight, distance, counts, grad_output, u;
  LossCase c;
};

inline std::uint64_t seed_of(const OrdinalConfig& c, int index) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the name: stable everywhere
  for (char ch : name(c)) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h ^ (static_cast<std::uint64_t>(index) * 0x9E3779B97F4A7C15ull);
}

// Logits in [-6, 6]; probabilities a binary64 softmax of such logits; alpha
// among typical values and a random one; distance matrices with ties;
// class counts with zeros, but never for a class that is a target (prox(y, y)
// would be infinite and the loss NaN).
inline OrdinalDraw ordinal_draw(const OrdinalConfig& cfg, std::uint64_t seed, std::int64_t max_classes = 6) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  OrdinalDraw d;
  d.N = pick(1, 3);
  // oll at C = 1 is NaN by definition: 0^alpha log(1 - 1).
  d.C = pick(cfg.loss == "oll" ? 2 : 1, max_classes);
  const double alphas[] = {0.5, 1.0, 2.0, uniform(0.1, 4.0)};
  d.alpha = alphas[pick(0, 3)];
  for (std::int64_t n = 0; n < d.N; ++n) {
    std::vector<double> row(d.C);
    double z = 0;
    for (double& v : row) {
      v = uniform(-6, 6);
      z += std::exp(v);
    }
    for (double v : row) d.x.push_back(cfg.use_logits ? v : std::exp(v) / z);
    d.y.push_back(static_cast<double>(pick(0, d.C - 1)));
  }
  if (cfg.weighted)
    for (std::int64_t k = 0; k < d.C; ++k) d.weight.push_back(uniform(0.0, 3.0));
  if (cfg.matrix)
    for (std::int64_t k = 0; k < d.C * d.C; ++k) d.distance.push_back(0.5 * static_cast<double>(pick(0, 6)));
  if (cfg.loss == "slace_prox") {
    for (std::int64_t k = 0; k < d.C; ++k) d.counts.push_back(static_cast<double>(pick(0, 3) == 0 ? 0 : pick(1, 60)));
    for (double t : d.y) d.counts[static_cast<std::size_t>(t)] = static_cast<double>(pick(1, 60));
  }
  if (cfg.custom_grad)
    for (std::int64_t k = 0; k < (cfg.reduction == "none" ? d.N : 1); ++k) d.grad_output.push_back(uniform(-2, 2));
  for (std::int64_t k = 0; k < d.N * d.C; ++k) d.u.push_back(uniform(-1, 1));

  ParamList params{{"reduction", cfg.reduction}, {"use_logits", cfg.use_logits}};
  if (cfg.loss != "acc_loss") params.push_back({"alpha", d.alpha});
  if (cfg.loss == "slace") params.push_back({"epsilon", cfg.epsilon});
  else params.push_back({"log_base", cfg.log_base});
  if (cfg.loss == "slace_prox") params.push_back({"prox_log_base", cfg.prox_log_base});
  InputList in{{"input", Tensor{{d.N, d.C}, d.x}}, {"target", Tensor{{d.N}, d.y}}};
  if (cfg.weighted) in.push_back({"weight", Tensor{{d.C}, d.weight}});
  if (cfg.matrix) in.push_back({"distance", Tensor{{d.C, d.C}, d.distance}});
  if (cfg.loss == "slace_prox") in.push_back({"class_counts", Tensor{{d.C}, d.counts}});
  if (cfg.custom_grad)
    in.push_back({"grad_output", Tensor{cfg.reduction == "none" ? Shape{d.N} : Shape{}, d.grad_output}});
  d.c = resolved(make_case(cfg.loss, params, in));
  return d;
}

}  // namespace lossoracle::testing_support
