#include "checks/cost_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "checks/cost_matrix_target.hpp"

namespace lossoracle::checks {

namespace {

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
    const std::string m = cost_target_message(c.loss, target.shape, static_cast<std::int64_t>(k), y[k], rows);
    if (!m.empty()) throw InputError("inputs.target", m);
  }
  return y;
}

}  // namespace

std::string cost_target_message(const std::string& loss, const Shape& target_shape, std::int64_t k, std::int64_t y,
                                std::int64_t rows) {
  if (y >= -rows && y < rows) return "";
  return loss + ": index " + std::to_string(y) + " is out of bounds for dimension 0 with size " +
         std::to_string(rows) + " (target" + index_text(target_shape, k) + ")";
}

CostMatrixArgs misclass_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  CostMatrixArgs a;
  a.layout = input_layout(c, in, true);
  const ClassLayout& L = a.layout;
  const Tensor& D = cost_matrix_2d(c, L);
  a.y = cost_indices(c, target, D.shape[0]);
  Shape rows = target.shape;  // D[targ] has shape target.shape + (D.size(1),)
  rows.push_back(D.shape[1]);
  const std::string torch_error = broadcast_error(rows, in.shape);
  if (D.shape[1] != L.classes)
    require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", torch_error);
  require_shape(c, "inputs.target", target.shape, L.position_shape, "target (class indices)", torch_error);
  require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", "");
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, reduced_shape(a.reduction, in.shape));
  return a;
}

CostMatrixArgs per_pair_weighted_ce_args(const LossCase& c) {
  const Tensor& in = required(c, "input");
  const Tensor& target = required(c, "target");
  CostMatrixArgs a;
  a.layout = input_layout(c, in, false);
  const ClassLayout& L = a.layout;
  const Tensor& D = cost_matrix_2d(c, L);
  // logprobs @ D.T: (N, C) x (D.size(1), D.size(0))
  if (D.shape[1] != L.classes)
    require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix",
                  "mat1 and mat2 shapes cannot be multiplied (" + std::to_string(L.outer) + "x" +
                      std::to_string(L.classes) + " and " + std::to_string(D.shape[1]) + "x" +
                      std::to_string(D.shape[0]) + ")");
  // target * (N, D.size(0))
  const Shape product{L.outer, D.shape[0]};
  const std::string torch_error = broadcast_error(target.shape, product);
  if (D.shape[0] != L.classes && !torch_error.empty())
    require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", torch_error);
  require_shape(c, "inputs.target", target.shape, in.shape, "target (class probabilities)", torch_error);
  require_shape(c, "inputs.cost_matrix", D.shape, {L.classes, L.classes}, "cost_matrix", "");
  a.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  check_grad_output(c, reduced_shape(a.reduction, L.position_shape));
  return a;
}

}  // namespace lossoracle::checks
