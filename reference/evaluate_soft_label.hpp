// Evaluators of the soft-label family (reference/soft_label.hpp): the shared
// checks (checks/soft_label.hpp: incendio's order and words), then the oracle.
#pragma once

#include "checks/soft_label.hpp"
#include "reference/evaluate.hpp"
#include "reference/soft_label.hpp"

namespace lossoracle::reference {

template <class T>
LossResult<T> eval_smooth_soft_labels(const LossCase& c, const Inputs<T>& v) {
  const checks::SmoothSoftLabelsArgs a = checks::smooth_soft_labels_args(c);
  return smooth_soft_labels(a.layout, c.inputs.at("input").shape, v.at("input"), a.alpha,
                            optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_soft_label_cross_entropy_with_logits(const LossCase& c, const Inputs<T>& v) {
  const checks::SoftLabelArgs a = checks::soft_label_cross_entropy_args(c);
  return soft_label_cross_entropy_with_logits(a.reduction, a.layout, v.at("input"), v.at("target"), a.alpha,
                                              optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_soft_label_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const checks::SoftLabelArgs a = checks::soft_label_cross_entropy_args(c);
  return soft_label_cross_entropy(a.reduction, a.layout, v.at("input"), v.at("target"), a.alpha,
                                  optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_classification_mae_with_logits(const LossCase& c, const Inputs<T>& v) {
  const checks::SoftLabelArgs a = checks::classification_mae_with_logits_args(c);
  return classification_mae_with_logits(a.reduction, a.layout, v.at("input"), v.at("target"),
                                        optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
