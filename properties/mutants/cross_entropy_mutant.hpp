// F.cross_entropy in binary64: logits (N, C, d1..dk), class indices or
// probability targets, weight, ignore_index, label_smoothing, reductions,
// grad_input; one planted bug or none.
#pragma once

#include <string>

#include "certify/implementation.hpp"
#include "properties/mutants/mutants.hpp"

namespace lossoracle::properties {

class CrossEntropyMutant : public certify::Implementation {
 public:
  CrossEntropyMutant(std::string name, Bug bug) : name_(std::move(name)), bug_(bug) {}
  std::string name() const override { return name_; }
  certify::ImplResult evaluate(const nlohmann::json& request, certify::Dtype dtype) override;

 private:
  std::string name_;
  Bug bug_;
};

}  // namespace lossoracle::properties
