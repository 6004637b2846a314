// Evaluators of the label-smoothing family (reference/label_smoothing.hpp):
// the shared checks (checks/label_smoothing.hpp: each source's order and
// words), then the oracle.
#pragma once

#include "checks/label_smoothing.hpp"
#include "reference/evaluate.hpp"
#include "reference/label_smoothing.hpp"

namespace lossoracle::reference {

template <class T>
LossResult<T> eval_smooth_labels(const LossCase& c, const Inputs<T>&) {
  const checks::SmoothLabelsArgs a = checks::smooth_labels_args(c);
  return smooth_labels<T>(a.y, a.classes, c.params.real("eps"));
}

template <class T>
LossResult<T> eval_fastai_label_smoothing_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const checks::ClassIndexArgs a = checks::fastai_label_smoothing_args(c);
  return fastai_label_smoothing_cross_entropy(a.reduction, a.layout, v.at("input"), a.y, optional_values(v, "weight"),
                                              c.params.real("eps"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_issue11959_label_smoothing_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const checks::ClassIndexArgs a = checks::issue11959_label_smoothing_args(c);
  return issue11959_label_smoothing_cross_entropy(a.reduction, a.layout, v.at("input"), a.y, c.params.real("eps"),
                                                  optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_label_smoothed_nll_loss(const LossCase& c, const Inputs<T>& v) {
  const checks::FairseqArgs a = checks::label_smoothed_nll_loss_args(c);
  return label_smoothed_nll_loss(a.layout, v.at("input"), a.y, c.params.real("epsilon"), a.ignore_index, a.reduce_sum,
                                 optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
