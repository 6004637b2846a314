// The evaluator of `slace` (dlordinal's SLACELoss): the shared checks
// (checks/slace.hpp: dlordinal's order and messages), then the oracle.
#pragma once

#include "checks/slace.hpp"
#include "reference/evaluate.hpp"
#include "reference/slace.hpp"

namespace lossoracle::reference {

namespace ordinal_eval {

using checks::batch_layout;
using checks::check_row_grad_output;
using checks::row_targets;

}  // namespace ordinal_eval

template <class T>
LossResult<T> eval_slace(const LossCase& c, const Inputs<T>& v) {
  const checks::SlaceArgs a = checks::slace_args(c);
  SlaceOptions o;
  o.reduction = a.reduction;
  o.alpha = a.alpha;
  o.use_logits = a.use_logits;
  o.epsilon = a.epsilon;
  return slace(o, a.layout, v.at("input"), a.y, optional_values(v, "weight"), optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
