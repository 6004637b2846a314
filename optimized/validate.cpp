#include "optimized/validate.hpp"

#include <cmath>

#include "core/hexfloat.hpp"

namespace lossoracle::optimized {

namespace {

std::string sizes_text(const Shape& shape) {  // PyTorch prints sizes as [2, 4]
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

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

ClassLayout class_layout(const std::string& loss, const Shape& input) {
  if (input.empty())
    throw InputError("inputs.input", loss + ": input must have at least 1 dimension (C), got shape ()");
  for (std::int64_t e : input)
    if (e < 0) throw InputError("inputs.input", loss + ": negative extent in input shape " + shape_text(input));
  ClassLayout L;
  if (input.size() == 1) {
    L.unbatched = true;
    L.classes = input[0];
    return L;
  }
  L.outer = input[0];
  L.classes = input[1];
  L.position_shape.push_back(input[0]);
  for (std::size_t d = 2; d < input.size(); ++d) {
    L.inner *= input[d];
    L.position_shape.push_back(input[d]);
  }
  return L;
}

Reduction parse_reduction(const std::string& loss, const std::string& text, bool batchmean_allowed) {
  if (text == "none") return Reduction::none;
  if (text == "sum") return Reduction::sum;
  if (text == "mean") return Reduction::mean;
  if (text == "batchmean" && batchmean_allowed) return Reduction::batchmean;
  throw InputError("params.reduction", loss + ": " + text + " is not a valid value for reduction (expected " +
                                           (batchmean_allowed ? "none, sum, mean or batchmean)" : "none, sum or mean)"));
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

std::string index_text(const Shape& shape, std::int64_t flat) {
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_text(idx);
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

ClassLayout batch_layout(const LossCase& c, const Tensor& in, bool softmax_first) {
  if (in.shape.size() != 2) {
    const std::string torch = in.shape.size() == 1 && softmax_first
                                  ? "Dimension out of range (expected to be in range of [-1, 0], but got 1); "
                                  : "";
    throw InputError("inputs.input", c.loss + ": " + torch + "input must have shape (N, C), got " + shape_text(in.shape));
  }
  return class_layout(c.loss, in.shape);
}

std::vector<std::int64_t> row_targets(const LossCase& c, const Tensor& target, std::int64_t N, bool column) {
  const bool flat = target.shape.size() == 1;
  const bool col = column && target.shape.size() == 2 && target.shape[1] == 1;
  if (!flat && !col)
    throw InputError("inputs.target", c.loss + ": target must have shape (N)" + (column ? std::string(" or (N, 1)") : "") +
                                          " with N = " + std::to_string(N) + ", got " + shape_text(target.shape));
  const std::int64_t M = target.shape[0];
  if (M != N) {
    // PyTorch's broadcasting message where dlordinal meets it.
    const std::string torch = column && M != 1 && N != 1 ? "The size of tensor a (" + std::to_string(M) +
                                                                ") must match the size of tensor b (" +
                                                                std::to_string(N) + ") at non-singleton dimension 0; "
                                                          : "";
    throw InputError("inputs.target", c.loss + ": " + torch + "target has " + std::to_string(M) +
                                          " entries but the input has N = " + std::to_string(N) + " rows");
  }
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

void check_class_indices(const std::string& loss, const ClassLayout& L, const std::vector<std::int64_t>& y,
                         std::int64_t ignore_index) {
  for (std::int64_t pos = 0; pos < static_cast<std::int64_t>(y.size()); ++pos) {
    const std::int64_t t = y[pos];
    if (t == ignore_index) continue;
    if (t < 0 || t >= L.classes)
      throw InputError("inputs.target", loss + ": Target " + std::to_string(t) + " is out of bounds. (target" +
                                            index_text(L.position_shape, pos) + "; valid class indices are 0.." +
                                            std::to_string(L.classes - 1) + ", or ignore_index " +
                                            std::to_string(ignore_index) + ")");
  }
}

}  // namespace lossoracle::optimized
