// dlordinal's SLACELoss in binary64: (N, C) logits or probabilities, weight,
// epsilon, alpha, reductions, grad_input; one planted bug or none.
#pragma once

#include <string>

#include "properties/mutants/mutants.hpp"

namespace lossoracle::properties {

class SlaceMutant : public MutantImplementation {
 public:
  SlaceMutant(std::string name, Bug bug) : MutantImplementation(std::move(name), bug, "slace") {}

 private:
  void check(const LossCase& c) const override;
  certify::ImplResult compute(const LossCase& c) const override;
};

}  // namespace lossoracle::properties
