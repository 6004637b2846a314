// Input checks of the SLACE paper's ordinal losses (sord, oll, acc_loss,
// slace_prox). The paper and the authors' code check nothing: these are the
// oracle's own words (docs/spec.md §17 "Errors"), in one order for all four:
// common inputs and parameters, then the closeness (a distance matrix, or
// class counts), then grad_output.
#pragma once

#include <cstdint>
#include <vector>

#include "checks/inputs.hpp"
#include "checks/log_base.hpp"

namespace lossoracle::checks {

enum class Closeness { distance, counts };

struct OrdinalArgs {
  ClassLayout layout;  // (N, C)
  std::vector<std::int64_t> y;  // 0 <= y < C
  Reduction reduction = Reduction::mean;
  double alpha = 1.0;  // 1 for acc_loss, which has none
  bool use_logits = true;
  LogBase base = LogBase::e, prox_base = LogBase::e;
  // Closeness::distance: the optional (C, C) matrix, row y holding
  // dis(c_i, y), finite and non-negative; empty for |i - y|.
  std::vector<double> distance;
  // Closeness::counts: the class counts n_j of Eq. 7, non-negative integers
  // totalling at most 2^50 (so every 2 (n_c / 2 + ...) is an exact integer).
  std::vector<std::int64_t> counts;
};

OrdinalArgs ordinal_args(const LossCase& c, bool has_alpha, Closeness closeness);

}  // namespace lossoracle::checks
