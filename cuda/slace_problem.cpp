// problem_from_case for slace: dlordinal's checks (checks/slace.hpp) and the
// call's parameters.
#include "checks/slace.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

Problem slace_problem(const LossCase& c) {
  const checks::SlaceArgs a = checks::slace_args(c);
  Problem p;
  p.loss = c.loss;
  p.kind = Kind::slace;
  p.has_grad_output = c.find("grad_output") != nullptr;
  p.has_weight = c.find("weight") != nullptr;
  p.input_shape = c.find("input")->shape;
  p.outer = a.layout.outer;
  p.classes = a.layout.classes;
  p.inner = 1;
  p.position_shape = {a.layout.outer};
  p.target_shape = c.find("target")->shape;
  p.reduction = a.reduction;
  p.alpha = a.alpha;
  p.epsilon = a.epsilon;
  p.use_logits = a.use_logits;
  return p;
}

}  // namespace lossoracle::cuda
