// Drivers of the cost-matrix family (seed 002): per_pair_weighted_ce,
// misclass_a, misclass_a_logits, misclass_b_as_published, misclass_b. The
// shared checks of checks/cost_matrix.hpp (the oracle's domain and words),
// then the row kernels of cost_matrix.hpp over threads, then the reductions
// in index order (reduce.hpp), so the bits never depend on the thread count.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "checks/cost_matrix.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

// What the drivers need once a case is checked. cost_rows: the row of D each
// position reads (negative indices wrapped, as D[targ] does).
struct CostInputs {
  std::int64_t rows = 0, classes = 0;
  Reduction reduction = Reduction::mean;
  std::vector<std::int64_t> cost_rows;
};

CostInputs cost_inputs(const checks::CostMatrixArgs& a) {
  CostInputs o{a.layout.outer, a.layout.classes, a.reduction, {}};
  for (std::int64_t v : a.y) o.cost_rows.push_back(v < 0 ? v + a.layout.classes : v);
  return o;
}

// ---------------------------------------------------------------- drivers

// The cotangent every element (or position) gets from a sum or a mean.
double uniform_cotangent(Reduction red, double g, double count) { return red == Reduction::mean ? g / count : g; }

template <class F>
Outputs per_pair_weighted_ce(const LossCase& c) {
  const CostInputs in = cost_inputs(checks::per_pair_weighted_ce_args(c));
  const std::int64_t N = in.rows, C = in.classes;
  const std::vector<F> x = values_as<F>(*c.find("input")), t = values_as<F>(*c.find("target"));
  const std::vector<F> D = values_as<F>(*c.find("cost_matrix")), go = optional_values<F>(c, "grad_output");
  const bool each = in.reduction == Reduction::none && !go.empty();
  const double count = static_cast<double>(N);
  const double s = uniform_cotangent(in.reduction, go.empty() || each ? 1.0 : static_cast<double>(go[0]), count);
  std::vector<double> per(static_cast<std::size_t>(N));
  std::vector<F> grad_input(x.size()), grad_target(x.size());
  const Kernels<F>& k = kernels_for<F>(kernel_table());
  // O(C^2) work a row: ranges of about 64K multiply-adds.
  const std::int64_t grain = std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, C * C));
  parallel_for(N, grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n)
      per[n] = k.per_pair_ce_row(x.data() + n * C, t.data() + n * C, D.data(), C,
                                 each ? static_cast<double>(go[n]) : s, grad_input.data() + n * C,
                                 grad_target.data() + n * C);
  });
  const Shape& shape = c.find("input")->shape;
  Outputs o;
  o.push_back(reduced_loss<F>(in.reduction, {N}, per, count));
  o.push_back(rounded_output<F>("per_position", {N}, per));
  o.push_back(output<F>("grad_input", shape, grad_input));
  o.push_back(output<F>("grad_target", c.find("target")->shape, grad_target));
  return o;
}

// The misclass losses: l_nc = D[y_n, c] f(row n)_c, reduced over all N C elements.

template <class F, class RowFn>
Outputs misclass(const LossCase& c, RowFn row) {
  const CostInputs in = cost_inputs(checks::misclass_args(c));
  const std::int64_t N = in.rows, C = in.classes;
  const Tensor& input = *c.find("input");
  const std::vector<F> x = values_as<F>(input), D = values_as<F>(*c.find("cost_matrix"));
  const std::vector<F> go = optional_values<F>(c, "grad_output");
  const bool each = in.reduction == Reduction::none && !go.empty();
  const double count = static_cast<double>(x.size());
  const double s = uniform_cotangent(in.reduction, go.empty() || each ? 1.0 : static_cast<double>(go[0]), count);
  std::vector<double> per(x.size());
  std::vector<F> grad(x.size());
  parallel_for(N, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n)
      row(x.data() + n * C, D.data() + in.cost_rows[n] * C, C, each ? go.data() + n * C : nullptr, s,
          per.data() + n * C, grad.data() + n * C);
  });
  Outputs o;
  o.push_back(reduced_loss<F>(in.reduction, input.shape, per, count));
  o.push_back(rounded_output<F>("per_position", input.shape, per));
  o.push_back(output<F>("grad_input", input.shape, grad));
  return o;
}

template <class F>
Outputs misclass_a(const LossCase& c) {
  return misclass<F>(c, kernels_for<F>(kernel_table()).misclass_a_row);
}

template <class F>
Outputs misclass_a_logits(const LossCase& c) {
  return misclass<F>(c, kernels_for<F>(kernel_table()).misclass_a_logits_row);
}

template <class F>
Outputs misclass_b_as_published(const LossCase& c) {
  const auto kernel = kernels_for<F>(kernel_table()).misclass_b_clamped_row;
  const double m = c.params.real("clamp_min");
  return misclass<F>(c, [&](const F* x, const F* d, std::int64_t C, const F* go, double s, double* per, F* grad) {
    kernel(x, d, C, m, go, s, per, grad);
  });
}

template <class F>
Outputs misclass_b(const LossCase& c) {
  return misclass<F>(c, kernels_for<F>(kernel_table()).misclass_b_row);
}

}  // namespace

FamilyFn per_pair_weighted_ce_fn(Precision p) {
  return p == Precision::f32 ? per_pair_weighted_ce<float> : per_pair_weighted_ce<double>;
}
FamilyFn misclass_a_fn(Precision p) { return p == Precision::f32 ? misclass_a<float> : misclass_a<double>; }
FamilyFn misclass_a_logits_fn(Precision p) {
  return p == Precision::f32 ? misclass_a_logits<float> : misclass_a_logits<double>;
}
FamilyFn misclass_b_as_published_fn(Precision p) {
  return p == Precision::f32 ? misclass_b_as_published<float> : misclass_b_as_published<double>;
}
FamilyFn misclass_b_fn(Precision p) { return p == Precision::f32 ? misclass_b<float> : misclass_b<double>; }

}  // namespace lossoracle::optimized
