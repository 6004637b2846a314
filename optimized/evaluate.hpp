// The optimized tier's entry point: a resolved case (core/registry.hpp's
// resolve_case) computed in binary32 or binary64, outputs named as the
// oracle names them. Bindings are keyed by the registry's loss names; the
// registry's LossInfo::optimized is read from is_bound().
#pragma once

#include <string>
#include <vector>

#include "core/loss_case.hpp"

namespace lossoracle::optimized {

enum class Precision { f32, f64 };

struct Output {
  std::string name;  // loss | per_position | grad_input | grad_target
  Shape shape;
  std::vector<double> values;  // each a value of the precision
};
using Outputs = std::vector<Output>;

bool is_bound(const std::string& loss);
std::vector<std::string> bound_losses();

// Throws InputError (the reference tier's field and words) for bad input,
// std::invalid_argument for a loss this tier does not implement.
Outputs evaluate(const LossCase& resolved, Precision precision);

}  // namespace lossoracle::optimized
