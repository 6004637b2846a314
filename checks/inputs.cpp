#include "checks/inputs.hpp"

#include <cmath>

#include "checks/integer_targets.hpp"
#include "core/hexfloat.hpp"

namespace lossoracle::checks {

namespace {

// PyTorch's own words for a class-index target of the wrong shape (nll_loss
// and nll_loss2d/nd checks), so a user can search for them.
std::string torch_target_shape_message(const Shape& input, const Shape& target) {
  if (input.size() == 1)
    return "Expected target to be 0D when input is 1D, but got target.dim =" + std::to_string(target.size());
  if (input.size() == 2) {
    if (target.size() > 1) return "0D or 1D target tensor expected, multi-target not supported";
    return "Expected input batch_size (" + std::to_string(input[0]) + ") to match target batch_size (" +
           std::to_string(target.empty() ? 1 : target[0]) + ").";
  }
  Shape expected{input[0]};
  expected.insert(expected.end(), input.begin() + 2, input.end());
  return "Expected target size " + sizes_text(expected) + ", got " + sizes_text(target);
}

}  // namespace

std::vector<std::int64_t> integer_class_indices(const LossCase& c, const Tensor& target) {
  std::vector<std::int64_t> y(target.values.size());
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double v = target.values[k];
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
      throw InputError("inputs.target", c.loss + ": target" + index_text(target.shape, static_cast<std::int64_t>(k)) +
                                            " = " + shortest_decimal(v) + " is not an integer class index");
    y[k] = static_cast<std::int64_t>(v);
  }
  return y;
}

const Tensor& required(const LossCase& c, const std::string& name) {
  const Tensor* t = c.find(name);
  if (!t) throw InputError("inputs." + name, c.loss + ": missing input '" + name + "'");
  if (element_count(t->shape) != static_cast<std::int64_t>(t->values.size()))
    throw InputError("inputs." + name, c.loss + ": input '" + name + "' has shape " + shape_text(t->shape) + " (" +
                                           std::to_string(element_count(t->shape)) + " elements) but " +
                                           std::to_string(t->values.size()) + " values");
  return *t;
}

void check_class_weights(const LossCase& c, const ClassLayout& L) {
  const Tensor* w = c.find("weight");
  if (!w) return;
  required(c, "weight");
  if (w->shape.size() != 1 || w->shape[0] != L.classes)
    throw InputError("inputs.weight", c.loss + ": weight tensor should be defined either for all " +
                                          std::to_string(L.classes) +
                                          " classes or no classes but got weight tensor of shape: " +
                                          sizes_text(w->shape));
}

void check_grad_output(const LossCase& c, const Shape& expected) {
  const Tensor* g = c.find("grad_output");
  if (!g) return;
  required(c, "grad_output");
  if (g->shape != expected)
    throw InputError("inputs.grad_output", c.loss + ": grad_output must have the output's shape " +
                                               shape_text(expected) + ", got " + shape_text(g->shape));
}

std::vector<std::int64_t> class_indices(const LossCase& c, const Tensor& target, const ClassLayout& L,
                                        const Shape& input_shape) {
  if (target.shape != L.position_shape)
    throw InputError("inputs.target",
                     c.loss + ": " + torch_target_shape_message(input_shape, target.shape) + " (for input of shape " +
                         shape_text(input_shape) + " the target must have shape " +
                         shape_text(L.position_shape) + " (class indices)" +
                         (c.loss == "cross_entropy" ? " or " + shape_text(input_shape) + " (class probabilities)" : "") +
                         ", got " + shape_text(target.shape) + ")");
  return integer_class_indices(c, target);
}

std::string target_out_of_range_message(const std::string& loss, const ClassLayout& L, std::int64_t position,
                                        std::int64_t target, std::int64_t ignore_index) {
  return loss + ": Target " + std::to_string(target) + " is out of bounds. (target" +
         index_text(L.position_shape, position) + "; valid class indices are 0.." + std::to_string(L.classes - 1) +
         ", or ignore_index " + std::to_string(ignore_index) + ")";
}

void check_class_indices(const std::string& loss, const ClassLayout& L, const std::vector<std::int64_t>& y,
                         std::int64_t ignore_index) {
  for (std::int64_t pos = 0; pos < static_cast<std::int64_t>(y.size()); ++pos)
    if (y[pos] != ignore_index && (y[pos] < 0 || y[pos] >= L.classes))
      throw InputError("inputs.target", target_out_of_range_message(loss, L, pos, y[pos], ignore_index));
}

}  // namespace lossoracle::checks
