// unit_scaled_cross_entropy's Problem: the shared checks
// (checks/unit_scaled.hpp, the library's order and words), then the layout.
#include "checks/unit_scaled.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

Problem unit_scaled_problem(const LossCase& c) {
  const checks::UnitScaledArgs a = checks::unit_scaled_cross_entropy_args(c);
  Problem p;
  p.loss = c.loss;
  p.has_grad_output = c.find("grad_output") != nullptr;
  p.kind = a.probabilities ? Kind::unit_scaled_probs : Kind::unit_scaled_index;
  set_class_layout(p, c.find("input")->shape, a.layout);
  p.reduction = a.reduction;
  p.ignore_index = a.ignore_index;
  p.mult = c.params.real("mult");
  return p;
}

}  // namespace lossoracle::cuda
