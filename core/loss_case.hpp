// One evaluation request: which loss, its parameters, its named input tensors
// ("input", "target", optional "weight", optional "grad_output").
#pragma once

#include <map>
#include <string>

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace lossoracle {

struct LossCase {
  std::string loss;
  Params params;
  std::map<std::string, Tensor> inputs;

  const Tensor* find(const std::string& name) const {
    auto it = inputs.find(name);
    return it == inputs.end() ? nullptr : &it->second;
  }
};

}  // namespace lossoracle
