// Relations between outputs: identities (CE = KL + H, soft CE with a one-hot
// target = hard CE, label-smoothing conventions), structure (shift
// invariance, batch permutation, K-dim = flattened, sum = mean x count, zero
// weight = ignore), bounds (CE >= 0, KL >= 0, MAE in [0, 2]) and gradients
// (directional derivative against a central difference of the forward, CE
// rows summing to 0, the unit-scaled backward). Each names the registry
// losses it checks and runs on any subject that implements them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "properties/runner.hpp"

namespace lossoracle::properties {

struct Relation {
  std::string id;
  std::string kind;  // identity, structure, bound, gradient
  std::string statement;
  std::vector<std::string> losses;  // registry names it is checked on
  std::vector<std::string> needs;   // further losses the subject must implement (e.g. kl_div, entropy)
  std::function<void(Subject&, const std::string& loss, const Reach&)> body;
};

const std::vector<Relation>& relations();

Outcome check_relation(const Relation& r, Subject& s, const std::string& loss, const RunOptions& o);

}  // namespace lossoracle::properties
