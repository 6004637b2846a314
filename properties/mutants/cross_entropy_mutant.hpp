// F.cross_entropy in binary64: logits (N, C, d1..dk), class indices or
// probability targets, weight, ignore_index, label_smoothing, reductions,
// grad_input; one planted bug or none.
#pragma once

#include <string>

#include "properties/mutants/mutants.hpp"

namespace lossoracle::properties {

class CrossEntropyMutant : public MutantImplementation {
 public:
  CrossEntropyMutant(std::string name, Bug bug) : MutantImplementation(std::move(name), bug, "cross_entropy") {}

 private:
  certify::ImplResult compute(const LossCase& c) const override;
};

}  // namespace lossoracle::properties
