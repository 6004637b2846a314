// dlordinal's SLACELoss in binary64: (N, C) logits or probabilities, weight,
// epsilon, alpha, reductions, grad_input; one planted bug or none.
#pragma once

#include <string>

#include "certify/implementation.hpp"
#include "properties/mutants/mutants.hpp"

namespace lossoracle::properties {

class SlaceMutant : public certify::Implementation {
 public:
  SlaceMutant(std::string name, Bug bug) : name_(std::move(name)), bug_(bug) {}
  std::string name() const override { return name_; }
  certify::ImplResult evaluate(const nlohmann::json& request, certify::Dtype dtype) override;

 private:
  std::string name_;
  Bug bug_;
};

}  // namespace lossoracle::properties
