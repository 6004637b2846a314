// Evaluator of unit_scaling's cross entropy: the shared checks
// (checks/unit_scaled.hpp: the library's own, then F.cross_entropy's), then
// the template.
#pragma once

#include <vector>

#include "checks/unit_scaled.hpp"
#include "reference/evaluate.hpp"
#include "reference/unit_scaled.hpp"

namespace lossoracle::reference {

template <class T>
LossResult<T> eval_unit_scaled_cross_entropy(const LossCase& c, const Inputs<T>& v) {
  const checks::UnitScaledArgs a = checks::unit_scaled_cross_entropy_args(c);
  const UnitScaledOptions o{a.reduction, a.ignore_index, c.params.real("mult")};
  const std::vector<T>* g = optional_values(v, "grad_output");
  if (a.probabilities)
    return unit_scaled_cross_entropy(o, a.layout, c.find("input")->shape, v.at("input"), nullptr, &v.at("target"), g);
  return unit_scaled_cross_entropy(o, a.layout, c.find("input")->shape, v.at("input"), &a.y,
                                   static_cast<const std::vector<T>*>(nullptr), g);
}

}  // namespace lossoracle::reference
