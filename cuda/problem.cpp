#include "cuda/problem.hpp"

#include <cmath>

#include "checks/cost_matrix_target.hpp"
#include "checks/cross_entropy.hpp"
#include "checks/ordinal_target.hpp"
#include "checks/slace_target.hpp"
#include "core/error.hpp"

namespace lossoracle::cuda {

namespace {

checks::ClassLayout layout_of(const Problem& p) {
  checks::ClassLayout L;
  L.outer = p.outer;
  L.classes = p.classes;
  L.inner = p.inner;
  L.unbatched = p.input_shape.size() == 1;
  L.position_shape = p.position_shape;
  return L;
}

}  // namespace

void set_class_layout(Problem& p, const Shape& input, const checks::ClassLayout& L) {
  p.input_shape = input;
  p.outer = L.outer;
  p.classes = L.classes;
  p.inner = L.inner;
  p.position_shape = L.position_shape;
}

Shape Problem::loss_shape() const {
  if (kind == Kind::log_softmax || kind == Kind::softmax || kind == Kind::smooth_labels ||
      kind == Kind::smooth_soft_labels)
    return input_shape;
  // incendio reduces along dimension 0 of the positions only.
  if ((kind == Kind::soft_label_probs || kind == Kind::soft_label_logits) && reduction != Reduction::none &&
      !position_shape.empty())
    return Shape(position_shape.begin() + 1, position_shape.end());
  // the notebook's MAE along the last.
  if (kind == Kind::classification_mae && reduction != Reduction::none && !position_shape.empty())
    return Shape(position_shape.begin(), position_shape.end() - 1);
  return reduction == Reduction::none ? position_shape : Shape{};
}

const std::vector<std::string>& cuda_loss_names() {
  // One line per registry name.
  static const std::vector<std::string> names{
      "log_softmax",
      "softmax",
      "nll_loss",
      "cross_entropy",
      "kl_div",
      "unit_scaled_cross_entropy",
      "smooth_labels",
      "fastai_label_smoothing_cross_entropy",
      "label_smoothed_nll_loss",
      "issue11959_label_smoothing_cross_entropy",
      "entropy",
      "smooth_soft_labels",
      "soft_label_cross_entropy",
      "soft_label_cross_entropy_with_logits",
      "classification_mae_with_logits",
      "slace",
      "misclass_a",
      "misclass_a_logits",
      "misclass_b_as_published",
      "misclass_b",
      "per_pair_weighted_ce",
      "sord",
      "oll",
      "acc_loss",
      "slace_prox",
  };
  return names;
}

std::string target_out_of_range_message(const Problem& p, std::int64_t position, std::int64_t target) {
  if (p.kind == Kind::slace) return checks::slace_target_message(p.loss, p.target_shape, position, target, p.classes);
  if (p.is_ordinal()) return checks::ordinal_target_message(p.loss, p.target_shape, position, target, p.classes);
  if (p.is_misclass()) return checks::cost_target_message(p.loss, p.target_shape, position, target, p.classes);
  return checks::target_out_of_range_message(p.loss, layout_of(p), position, target, p.ignore_index);
}

Problem problem_from_case(const LossCase& c) {
  Problem p;
  p.loss = c.loss;
  p.has_grad_output = c.find("grad_output") != nullptr;
  if (c.loss == "unit_scaled_cross_entropy") return unit_scaled_problem(c);
  if (const auto q = label_smoothing_problem(c)) return *q;
  if (const auto q = soft_label_problem(c)) return *q;
  if (c.loss == "log_softmax" || c.loss == "softmax") {
    p.kind = c.loss == "softmax" ? Kind::softmax : Kind::log_softmax;
    const checks::ClassLayout L = checks::softmax_args(c);
    set_class_layout(p, c.find("input")->shape, L);
    return p;
  }
  if (c.loss == "entropy") {
    const checks::EntropyArgs a = checks::entropy_args(c);
    p.kind = Kind::entropy;
    set_class_layout(p, c.find("input")->shape, a.layout);
    p.reduction = a.reduction;
    return p;
  }
  if (c.loss == "kl_div") {
    const checks::KlDivArgs a = checks::kl_div_args(c);
    const Shape& shape = c.find("input")->shape;
    p.kind = Kind::kl_div;
    p.reduction = a.reduction;
    p.log_target = a.log_target;
    p.input_shape = shape;
    p.position_shape = shape;
    // Elementwise: one "row" per element, a class count of 1.
    p.outer = element_count(shape);
    p.classes = 1;
    return p;
  }
  if (c.loss == "slace") return slace_problem(c);
  if (c.loss == "sord" || c.loss == "oll" || c.loss == "acc_loss" || c.loss == "slace_prox") return ordinal_problem(c);
  if (c.loss.rfind("misclass_", 0) == 0) return misclass_problem(c);
  if (c.loss == "per_pair_weighted_ce") return per_pair_weighted_ce_problem(c);
  if (c.loss != "nll_loss" && c.loss != "cross_entropy") {
    checks::required(c, "input");
    std::string computed;
    for (const std::string& n : cuda_loss_names()) computed += (computed.empty() ? "" : ", ") + n;
    throw InputError("loss", c.loss + ": not implemented by the CUDA tier (it computes " + computed + ")");
  }
  const checks::CrossEntropyArgs a = c.loss == "nll_loss" ? checks::nll_loss_args(c) : checks::cross_entropy_args(c);
  set_class_layout(p, c.find("input")->shape, a.layout);
  p.reduction = a.reduction;
  p.ignore_index = a.ignore_index;
  p.label_smoothing = a.label_smoothing;
  p.has_weight = c.find("weight") != nullptr;
  p.kind = c.loss == "nll_loss" ? Kind::nll_loss : a.probabilities ? Kind::cross_entropy_probs : Kind::cross_entropy_index;
  return p;
}

}  // namespace lossoracle::cuda
