// Planted bugs: small binary64 implementations of cross_entropy and slace,
// written apart from reference/ (they share no code with it), each with one
// realistic bug switched on, or none (the control). Behind certify's
// Implementation interface, so the property suite checks them exactly as it
// checks any other implementation; the table lists which properties catch each.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "certify/implementation.hpp"

namespace lossoracle::properties {

enum class Bug {
  none,
  gradient_sign,           // cross_entropy: grad_input negated
  smoothing_over_c_minus_1,  // cross_entropy: label smoothing eps/(C-1) to the other classes, 1 - eps to the target
  mean_over_positions,     // cross_entropy: mean divides by the positions not ignored, not the weight sum
  log_sum_exp_unshifted,   // cross_entropy: log(sum exp x) without subtracting max x
  slace_distance_from_next_class,  // slace: distances measured from y + 1 (a one-based label read as zero-based)
};

struct Mutant {
  std::string name;
  std::string bug;                // what was planted, in words
  std::set<std::string> losses;   // what it implements
  Bug kind;
};

// The controls (Bug::none) first, then one mutant per bug.
const std::vector<Mutant>& mutants();
std::unique_ptr<certify::Implementation> make_mutant(const Mutant& m);

}  // namespace lossoracle::properties
