// Graphcore unit_scaling's cross entropy (unit_scaling 0.3.5) on top of the
// tier's cross-entropy rows (cross_entropy.hpp): S = sum of the rows' losses
// at z = mult x, with dS/dz from the same pass. What this family adds is the
// scaling of that one gradient into the two the oracle reports
// (reference/unit_scaled.hpp):
//   grad_input              mult dS/dz / B under mean, mult dS/dz under sum
//   grad_input_unit_scaled  V / sqrt(V - 1) dS/dz  (the library's backward)
// and, for probability targets, grad_target = dS/dt / B (mean) beside
// grad_target_unit_scaled = dS/dt. B = input.shape[0] (1 for a (V) input).
#pragma once

#include <cmath>
#include <cstdint>

namespace lossoracle::optimized {

struct UnitScale {
  double mult, batch;  // batch: B under mean, 1 under sum
  double backward;     // V / sqrt(V - 1)

  UnitScale(double mult_, std::int64_t B, bool mean, std::int64_t V)
      : mult(mult_),
        batch(mean ? static_cast<double>(B) : 1.0),
        backward(static_cast<double>(V) / std::sqrt(static_cast<double>(V) - 1.0)) {}

  // The reference's order: (mult dS/dz) / B, as autograd multiplies then scales.
  double grad_input(double dS_dz) const { return batch == 1.0 ? mult * dS_dz : (mult * dS_dz) / batch; }
  double grad_input_unit_scaled(double dS_dz) const { return backward * dS_dz; }
  double grad_target(double dS_dt) const { return batch == 1.0 ? dS_dt : dS_dt / batch; }
};

}  // namespace lossoracle::optimized
