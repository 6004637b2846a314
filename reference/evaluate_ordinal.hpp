// Evaluators of the SLACE paper's ordinal losses (sord, oll, acc_loss,
// slace_prox): the shared checks (checks/ordinal.hpp), then the oracle.
#pragma once

#include "checks/ordinal.hpp"
#include "reference/evaluate.hpp"
#include "reference/ordinal.hpp"

namespace lossoracle::reference {

namespace ordinal_eval {

// The checked case and the distance data that `distance` points into: not copyable.
struct OrdinalCase {
  OrdinalCase() = default;
  OrdinalCase(const OrdinalCase&) = delete;
  OrdinalCase& operator=(const OrdinalCase&) = delete;
  checks::OrdinalArgs args;
  OrdinalOptions options;
  DistanceSpec distance;
};

// (An out-parameter: OrdinalCase points into itself, so it is not copied.)
inline void read_case(const LossCase& c, bool has_alpha, checks::Closeness closeness, OrdinalCase& k) {
  k.args = checks::ordinal_args(c, has_alpha, closeness);
  k.options = {k.args.reduction, k.args.alpha, k.args.use_logits, k.args.base};
  if (!k.args.distance.empty()) {
    k.distance.kind = DistanceSpec::Kind::matrix;
    k.distance.matrix = &k.args.distance;
  }
  if (closeness == checks::Closeness::counts) {
    k.distance.kind = DistanceSpec::Kind::prox;
    k.distance.counts = &k.args.counts;
    k.distance.prox_base = k.args.prox_base;
  }
}

}  // namespace ordinal_eval

template <class T>
LossResult<T> eval_sord(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, true, checks::Closeness::distance, k);
  return sord(k.options, k.args.layout, v.at("input"), k.args.y, k.distance, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_oll(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, true, checks::Closeness::distance, k);
  return oll(k.options, k.args.layout, v.at("input"), k.args.y, k.distance, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_acc_loss(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, false, checks::Closeness::distance, k);
  return acc_loss(k.options, k.args.layout, v.at("input"), k.args.y, k.distance, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_slace_prox(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, true, checks::Closeness::counts, k);
  return slace_prox(k.options, k.args.layout, v.at("input"), k.args.y, k.distance, optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
