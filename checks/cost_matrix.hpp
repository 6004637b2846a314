// Input checks of the cost-matrix family (seed 002), in the order the
// document's PyTorch code meets them, with PyTorch's message where PyTorch
// raises one. Where PyTorch would broadcast a shape the losses do not mean
// (a (1, C) cost matrix, a target of length 1), the oracle refuses and says so.
#pragma once

#include <cstdint>
#include <vector>

#include "checks/inputs.hpp"

namespace lossoracle::checks {

struct CostMatrixArgs {
  ClassLayout layout;  // (C) or (N, C); per_pair_weighted_ce: (N, C)
  Reduction reduction = Reduction::mean;
  // misclass_*: the target's class indices as given, in [-C, C): D[targ]
  // wraps negative ones as PyTorch's indexing does. Empty for per_pair_weighted_ce.
  std::vector<std::int64_t> y;
};

// D[targ] * pred: the indexing (bounds against D.size(0)), then the product's
// broadcast (last dimension first).
CostMatrixArgs misclass_args(const LossCase& c);

// log_softmax(input, 1) @ D.T, then target * (N, D.size(0)).
CostMatrixArgs per_pair_weighted_ce_args(const LossCase& c);

}  // namespace lossoracle::checks
