// Drivers of the cost-matrix family (seed 002): per_pair_weighted_ce,
// misclass_a, misclass_a_logits, misclass_b_as_published, misclass_b. The
// shared checks of checks/cost_matrix.hpp (the oracle's domain and words),
// then the row kernels of cost_matrix.hpp over threads, then the reductions
// in index order (reduce.hpp), so the bits never depend on the thread count.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

// ---------------------------------------------------------------- input checks
// The reference evaluators' checks and words (reference/evaluate_cost_matrix.hpp),
// against optimized/validate.hpp: checks/ (the shared checks) had not landed when
// this was written; they move there with the reference's.

// PyTorch's broadcasting error (infer_size in ATen's ExpandUtils): dimensions
// are compared from the right; "" when the shapes broadcast.
std::string broadcast_error(const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = n; i-- > 0;) {
    const std::size_t offset = n - 1 - i;
    const std::int64_t sa = offset < a.size() ? a[a.size() - 1 - offset] : 1;
    const std::int64_t sb = offset < b.size() ? b[b.size() - 1 - offset] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      return "The size of tensor a (" + std::to_string(sa) + ") must match the size of tensor b (" +
             std::to_string(sb) + ") at non-singleton dimension " + std::to_string(i);
  }
  return "";
}

// The shape the oracle requires, with PyTorch's message when PyTorch fails too
// and a note when PyTorch would broadcast instead.
void require_shape(const LossCase& c, const std::string& field, const Shape& got, const Shape& want,
                   const std::string& what, const std::string& torch_error) {
  if (got == want) return;
  std::string m = c.loss + ": ";
  if (!torch_error.empty()) m += torch_error + " (";
  m += what + " must have shape " + shape_text(want) + ", got " + shape_text(got);
  m += torch_error.empty() ? " (PyTorch would broadcast it; the oracle does not)" : ")";
  throw InputError(field, m);
}

ClassLayout input_layout(const LossCase& c, const Tensor& in, bool allow_unbatched) {
  const std::size_t rank = in.shape.size();
  if (!allow_unbatched && rank < 2)
    // log_softmax(input, dim=1) on a 0- or 1-dimensional tensor
    throw InputError("inputs.input", c.loss + ": Dimension out of range (expected to be in range of [-1, 0], but got 1)"
                                              " (input must have shape (N, C), got " + shape_text(in.shape) + ")");
  if (rank == 0 || rank > 2)
    throw InputError("inputs.input", c.loss + ": input must have shape " +
                                         (allow_unbatched ? std::string("(C) or (N, C)") : std::string("(N, C)")) +
                                         " (the document's [nBatch, nClass]), got " + shape_text(in.shape));
  return class_layout(c.loss, in.shape);
}

const Tensor& cost_matrix_2d(const LossCase& c, const ClassLayout& L) {
  const Tensor& D = required(c, "cost_matrix");
  if (D.shape.size() != 2)
    throw InputError("inputs.cost_matrix", c.loss + ": cost_matrix must have shape " +
                                               shape_text({L.classes, L.classes}) + ", got " + shape_text(D.shape));
  return D;
}

// D[targ]: class indices in [-D.size(0), D.size(0)), negative ones wrapping, as
// PyTorch's indexing does. Integral values only (PyTorch wants a long tensor).
std::vector<std::int64_t> cost_indices(const LossCase& c, const Tensor& target, std::int64_t rows) {
  std::vector<std::int64_t> y(target.values.size());
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double v = target.values[k];
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
      throw InputError("inputs.target", c.loss + ": target" + index_text(target.shape, static_cast<std::int64_t>(k)) +
                                            " = " + std::to_string(v) + " is not an integer class index");
    y[k] = static_cast<std::int64_t>(v);
    if (y[k] < -rows || y[k] >= rows)
      throw InputError("inputs.target", c.loss + ": index " + std::to_string(y[k]) +
                                            " is out of bounds for dimension 0 with size " + std::to_string(rows) +
                                            " (target" + index_text(target.shape, static_cast<std::int64_t>(k)) + ")");
  }
  return y;
}

// What the drivers need once a case is checked. cost_rows: the row of D each
// position reads (negative indices wrapped, as D[targ] does).
struct CostInputs {
  std::int64_t rows = 0, classes = 0;
  Reduction reduction = Reduction::mean;
  std::vector<std::int64_t> cost_rows;
};

// D[targ] * pred, in PyTorch's order: the indexing (bounds against D.size(0)),
// then the product's broadcast (last dimension first).
CostInputs misclass_inputs(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = input_layout(c, in, true);
  const Tensor& D = cost_matrix_2d(c, L);
  const std::vector<std::int64_t> y = cost_indices(c, target, D.shape[0]);
  Shape rows = target.shape;  // D[targ] has shape target.shape + (D.size(1),)
  rows.push_back(D.shape[1]);
  const std::string torch_error = broadcast_error(rows, in.shape);
  if (D.shape[1] != L.classes)
    require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", torch_error);
  require_shape(c, "inputs.target", target.shape, L.position_shape, "target (class indices)", torch_error);
  require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", "");
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, reduced_shape(red, in.shape));
  CostInputs o{L.outer, L.classes, red, {}};
  for (std::int64_t v : y) o.cost_rows.push_back(v < 0 ? v + L.classes : v);
  return o;
}

// log_softmax(input, 1) @ D.T, then target * (N, D.size(0)).
CostInputs per_pair_weighted_ce_inputs(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  const ClassLayout L = input_layout(c, in, false);
  const Tensor& D = cost_matrix_2d(c, L);
  if (D.shape[1] != L.classes)
    require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix",
                  "mat1 and mat2 shapes cannot be multiplied (" + std::to_string(L.outer) + "x" +
                      std::to_string(L.classes) + " and " + std::to_string(D.shape[1]) + "x" +
                      std::to_string(D.shape[0]) + ")");
  const Shape product{L.outer, D.shape[0]};
  const std::string torch_error = broadcast_error(target.shape, product);
  if (D.shape[0] != L.classes && !torch_error.empty())
    require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", torch_error);
  require_shape(c, "inputs.target", target.shape, in.shape, "target (class probabilities)", torch_error);
  require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", "");
  const Reduction red = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, reduced_shape(red, L.position_shape));
  return {L.outer, L.classes, red, {}};
}

// ---------------------------------------------------------------- drivers

// The reduced loss from binary64 per-element (or per-position) values.
template <class F>
Output reduced_loss(Reduction red, const Shape& unreduced, const std::vector<double>& per, double count) {
  if (red == Reduction::none) return rounded_output<F>("loss", unreduced, per);
  const double total = ordered_sum(per);
  return rounded_output<F>("loss", {}, {red == Reduction::mean ? total / count : total});
}

// The cotangent every element (or position) gets from a sum or a mean.
double uniform_cotangent(Reduction red, double g, double count) { return red == Reduction::mean ? g / count : g; }

template <class F>
Outputs per_pair_weighted_ce(const LossCase& c) {
  const CostInputs in = per_pair_weighted_ce_inputs(c);
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
  const CostInputs in = misclass_inputs(c);
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
