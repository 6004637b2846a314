// Evaluators of the cross-entropy family (log_softmax, softmax, entropy,
// nll_loss, cross_entropy, kl_div): the shared checks
// (checks/cross_entropy.hpp: PyTorch's order and words), then the family's
// template.
#pragma once

#include "checks/cross_entropy.hpp"
#include "reference/cross_entropy.hpp"
#include "reference/evaluate.hpp"
#include "reference/kl_div.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

template <class T>
LossResult<T> eval_log_softmax(const LossCase& c, const Inputs<T>& v) {
  const ClassLayout L = checks::softmax_args(c);
  return log_softmax(L, c.find("input")->shape, v.at("input"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_softmax(const LossCase& c, const Inputs<T>& v) {
  const ClassLayout L = checks::softmax_args(c);
  return softmax(L, c.find("input")->shape, v.at("input"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_entropy(const LossCase& c, const Inputs<T>& v) {
  const checks::EntropyArgs a = checks::entropy_args(c);
  return entropy(a.layout, v.at("input"), a.reduction, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_nll_loss(const LossCase& c, const Inputs<T>& v) {
  const checks::CrossEntropyArgs a = checks::nll_loss_args(c);
  return nll_loss({c.loss, a.reduction, a.ignore_index}, a.layout, v.at("input"), a.y, optional_values(v, "weight"),
                  optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const checks::CrossEntropyArgs a = checks::cross_entropy_args(c);
  const std::vector<T>* w = optional_values(v, "weight");
  const std::vector<T>* g = optional_values(v, "grad_output");
  if (a.probabilities)
    return cross_entropy_probs(a.reduction, a.layout, v.at("input"), v.at("target"), w, a.label_smoothing, g);
  return cross_entropy_index({c.loss, a.reduction, a.ignore_index}, a.layout, v.at("input"), a.y, w,
                             a.label_smoothing, g);
}

template <class T>
LossResult<T> eval_kl_div(const LossCase& c, const Inputs<T>& v) {
  const checks::KlDivArgs a = checks::kl_div_args(c);
  return kl_div(a.reduction, a.log_target, c.find("input")->shape, v.at("input"), v.at("target"),
                optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
