// problem_from_case for the cost-matrix family: the document's checks
// (checks/cost_matrix.hpp) and the call's parameters.
#include "checks/cost_matrix.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

Problem misclass_problem(const LossCase& c) {
  const checks::CostMatrixArgs a = checks::misclass_args(c);
  Problem p;
  p.loss = c.loss;
  p.kind = c.loss == "misclass_a"          ? Kind::misclass_a
           : c.loss == "misclass_a_logits" ? Kind::misclass_a_logits
           : c.loss == "misclass_b"        ? Kind::misclass_b
                                           : Kind::misclass_b_as_published;
  p.has_grad_output = c.find("grad_output") != nullptr;
  p.input_shape = c.find("input")->shape;
  p.outer = a.layout.outer;
  p.classes = a.layout.classes;
  p.inner = 1;
  p.position_shape = p.input_shape;  // one loss term per element
  p.target_shape = c.find("target")->shape;
  p.reduction = a.reduction;
  if (p.kind == Kind::misclass_b_as_published) p.clamp_min = c.params.real("clamp_min");
  return p;
}

Problem per_pair_weighted_ce_problem(const LossCase& c) {
  const checks::CostMatrixArgs a = checks::per_pair_weighted_ce_args(c);
  Problem p;
  p.loss = c.loss;
  p.kind = Kind::per_pair_weighted_ce;
  p.has_grad_output = c.find("grad_output") != nullptr;
  p.input_shape = c.find("input")->shape;
  p.outer = a.layout.outer;
  p.classes = a.layout.classes;
  p.inner = 1;
  p.position_shape = {a.layout.outer};
  p.target_shape = c.find("target")->shape;
  p.reduction = a.reduction;
  return p;
}

}  // namespace lossoracle::cuda
