// The same input gives the same bits whatever the thread count: rows are
// computed independently and reductions run in index order afterwards. Each
// case is large enough to be split among threads (several ranges per thread).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/registry.hpp"
#include "optimized/evaluate.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle {
namespace {

Tensor random_tensor(Shape shape, std::mt19937_64& g, double lo, double hi) {
  Tensor t{shape, {}};
  std::uniform_real_distribution<double> u(lo, hi);
  for (std::int64_t k = 0; k < element_count(shape); ++k) t.values.push_back(u(g));
  return t;
}

Tensor random_classes(Shape shape, std::int64_t C, std::mt19937_64& g) {
  Tensor t{shape, {}};
  for (std::int64_t k = 0; k < element_count(shape); ++k) t.values.push_back(static_cast<double>(g() % C));
  return t;
}

std::vector<LossCase> cases() {
  std::mt19937_64 g(7);
  const std::int64_t N = 3000, C = 37;
  std::vector<LossCase> out;
  auto add = [&](std::string loss, std::map<std::string, ParamValue> params, std::map<std::string, Tensor> inputs) {
    LossCase c;
    c.loss = loss;
    for (auto& [k, v] : params) c.params.set(k, v);
    c.inputs = std::move(inputs);
    resolve_case(find_loss(c.loss), c);
    out.push_back(std::move(c));
  };
  const Tensor x = random_tensor({N, C}, g, -8, 8);
  add("cross_entropy", {{"label_smoothing", 0.1}},
      {{"input", x}, {"target", random_classes({N}, C, g)}, {"weight", random_tensor({C}, g, 0.1, 2)}});
  add("cross_entropy", {{"reduction", std::string("sum")}}, {{"input", x}, {"target", random_tensor({N, C}, g, 0, 1)}});
  add("cross_entropy", {}, {{"input", random_tensor({40, C, 75}, g, -5, 5)}, {"target", random_classes({40, 75}, C, g)}});
  add("log_softmax", {}, {{"input", x}, {"grad_output", random_tensor({N, C}, g, -1, 1)}});
  add("softmax", {}, {{"input", x}});
  add("entropy", {{"reduction", std::string("mean")}}, {{"input", random_tensor({N, C}, g, 0, 1)}});
  add("kl_div", {{"reduction", std::string("batchmean")}},
      {{"input", random_tensor({N, C}, g, -5, 0)}, {"target", random_tensor({N, C}, g, 0, 1)}});
  add("nll_loss", {}, {{"input", x}, {"target", random_classes({N}, C, g)}});
  add("slace", {{"alpha", 2.0}}, {{"input", x}, {"target", random_classes({N}, C, g)}, {"weight", random_tensor({C}, g, 0.1, 2)}});
  add("sord", {{"alpha", 0.7}, {"log_base", std::string("10")}}, {{"input", x}, {"target", random_classes({N}, C, g)}});
  add("oll", {{"alpha", 1.5}}, {{"input", x}, {"target", random_classes({N}, C, g)}, {"distance", random_tensor({C, C}, g, 0, 3)}});
  add("acc_loss", {{"reduction", std::string("sum")}}, {{"input", x}, {"target", random_classes({N}, C, g)}});
  add("slace_prox", {}, {{"input", x}, {"target", random_classes({N}, C, g)}, {"class_counts", random_classes({C}, 50, g)}});
  add("fastai_label_smoothing_cross_entropy", {{"eps", 0.1}},
      {{"input", random_tensor({40, C, 75}, g, -5, 5)}, {"target", random_classes({40, 75}, C, g)}});
  add("issue11959_label_smoothing_cross_entropy", {{"eps", 0.1}, {"reduction", std::string("sum")}},
      {{"input", x}, {"target", random_classes({N}, C, g)}});
  add("label_smoothed_nll_loss", {{"epsilon", 0.1}},
      {{"input", random_tensor({N, C}, g, -9, 0)}, {"target", random_classes({N}, C, g)}});
  add("unit_scaled_cross_entropy", {{"mult", 2.5}}, {{"input", x}, {"target", random_classes({N}, C, g)}});
  add("unit_scaled_cross_entropy", {{"reduction", std::string("sum")}},
      {{"input", x}, {"target", random_tensor({N, C}, g, 0, 1)}});
  const Tensor D = random_tensor({C, C}, g, 0, 2);
  add("per_pair_weighted_ce", {}, {{"input", x}, {"target", random_tensor({N, C}, g, 0, 1)}, {"cost_matrix", D}});
  for (const char* loss : {"misclass_a_logits", "misclass_b"})
    add(loss, {}, {{"input", x}, {"target", random_classes({N}, C, g)}, {"cost_matrix", D}});
  add("misclass_a", {{"reduction", std::string("sum")}},
      {{"input", random_tensor({N, C}, g, 0, 1)}, {"target", random_classes({N}, C, g)}, {"cost_matrix", D}});
  add("misclass_b_as_published", {},
      {{"input", random_tensor({N, C}, g, 0, 3)}, {"target", random_classes({N}, C, g)}, {"cost_matrix", D}});
  // Classes last; the 3-dim cases reduce along dimension 0 (incendio) and
  // along the last leading dimension (the MAE), one sum per output element.
  add("smooth_soft_labels", {{"alpha", 0.3}}, {{"input", random_tensor({N, C}, g, -0.1, 1)}});
  add("soft_label_cross_entropy_with_logits", {{"alpha", 0.2}, {"reduction", std::string("mean")}},
      {{"input", random_tensor({40, 75, C}, g, -5, 5)}, {"target", random_tensor({40, 75, C}, g, 0, 1)}});
  add("soft_label_cross_entropy", {{"alpha", 0.1}, {"reduction", std::string("sum")}},
      {{"input", random_tensor({N, C}, g, 0, 1)}, {"target", random_tensor({N, C}, g, 0, 1)}});
  add("classification_mae_with_logits", {{"reduction", std::string("mean")}},
      {{"input", random_tensor({40, 75, C}, g, -5, 5)}, {"target", random_tensor({40, 75, C}, g, 0, 1)}});
  return out;
}

bool same_bits(const optimized::Outputs& a, const optimized::Outputs& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t o = 0; o < a.size(); ++o) {
    if (a[o].name != b[o].name || a[o].values.size() != b[o].values.size()) return false;
    if (std::memcmp(a[o].values.data(), b[o].values.data(), a[o].values.size() * sizeof(double)) != 0) return false;
  }
  return true;
}

TEST(OptimizedDeterminism, SameBitsForOneToEightThreads) {
  const int saved = optimized::thread_count();
  for (const LossCase& c : cases())
    for (auto precision : {optimized::Precision::f64, optimized::Precision::f32}) {
      optimized::set_thread_count(1);
      const optimized::Outputs one = optimized::evaluate(c, precision);
      for (int threads : {2, 3, 8}) {
        optimized::set_thread_count(threads);
        EXPECT_TRUE(same_bits(one, optimized::evaluate(c, precision)))
            << c.loss << " " << threads << " threads, " << (precision == optimized::Precision::f64 ? "f64" : "f32");
      }
    }
  optimized::set_thread_count(saved);
}

}  // namespace
}  // namespace lossoracle
