// Evaluators of the cost-matrix family (seed 002): the shared checks
// (checks/cost_matrix.hpp: the document's PyTorch order and words), then the
// template.
#pragma once

#include "checks/cost_matrix.hpp"
#include "reference/cost_matrix.hpp"
#include "reference/evaluate.hpp"

namespace lossoracle::reference {

template <class T>
LossResult<T> eval_per_pair_weighted_ce(const LossCase& c, const Inputs<T>& v) {
  const checks::CostMatrixArgs a = checks::per_pair_weighted_ce_args(c);
  return per_pair_weighted_ce(a.reduction, a.layout, v.at("input"), v.at("target"), v.at("cost_matrix"),
                              optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_misclass_a(const LossCase& c, const Inputs<T>& v) {
  const checks::CostMatrixArgs m = checks::misclass_args(c);
  return misclass_a(m.reduction, m.layout, c.find("input")->shape, v.at("input"), m.y, v.at("cost_matrix"),
                    optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_misclass_a_logits(const LossCase& c, const Inputs<T>& v) {
  const checks::CostMatrixArgs m = checks::misclass_args(c);
  return misclass_a_logits(m.reduction, m.layout, c.find("input")->shape, v.at("input"), m.y, v.at("cost_matrix"),
                           optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_misclass_b_as_published(const LossCase& c, const Inputs<T>& v) {
  const checks::CostMatrixArgs m = checks::misclass_args(c);
  return misclass_b_as_published(m.reduction, m.layout, c.find("input")->shape, v.at("input"), m.y,
                                 v.at("cost_matrix"),
                                 c.params.real("clamp_min"), optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_misclass_b(const LossCase& c, const Inputs<T>& v) {
  const checks::CostMatrixArgs m = checks::misclass_args(c);
  return misclass_b(m.reduction, m.layout, c.find("input")->shape, v.at("input"), m.y, v.at("cost_matrix"),
                    optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
