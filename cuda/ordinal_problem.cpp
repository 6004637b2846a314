// problem_from_case for the ordinal family (sord, oll, acc_loss,
// slace_prox): the shared checks (checks/ordinal.hpp) and the call's
// parameters.
#include <cmath>

#include "checks/ordinal.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

Problem ordinal_problem(const LossCase& c) {
  const bool prox = c.loss == "slace_prox";
  const checks::OrdinalArgs a =
      checks::ordinal_args(c, c.loss != "acc_loss", prox ? checks::Closeness::counts : checks::Closeness::distance);
  Problem p;
  p.loss = c.loss;
  p.kind = c.loss == "oll" ? Kind::oll : c.loss == "acc_loss" ? Kind::acc_loss : prox ? Kind::slace_prox : Kind::sord;
  p.has_grad_output = c.find("grad_output") != nullptr;
  p.has_distance = c.find("distance") != nullptr;
  p.input_shape = c.find("input")->shape;
  p.outer = a.layout.outer;
  p.classes = a.layout.classes;
  p.inner = 1;
  p.position_shape = {a.layout.outer};
  p.target_shape = c.find("target")->shape;
  p.reduction = a.reduction;
  p.alpha = a.alpha;
  p.use_logits = a.use_logits;
  p.ln_base = a.base == checks::LogBase::e ? 0.0 : std::log(a.base == checks::LogBase::two ? 2.0 : 10.0);
  p.prox_base = a.prox_base;
  return p;
}

}  // namespace lossoracle::cuda
