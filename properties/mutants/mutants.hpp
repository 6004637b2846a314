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
#include "core/loss_case.hpp"

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

// What every mutant does before its own arithmetic: read the request as a
// case of `loss` and resolve it, answering `rejected` with the reason when
// that fails, as any implementation that checks its input would.
class MutantImplementation : public certify::Implementation {
 public:
  MutantImplementation(std::string name, Bug bug, std::string loss)
      : name_(std::move(name)), loss_(std::move(loss)), bug_(bug) {}
  std::string name() const override { return name_; }
  certify::ImplResult evaluate(const nlohmann::json& request, certify::Dtype dtype) final;

 protected:
  // Checks beyond the registry's, throwing InputError.
  virtual void check(const LossCase&) const {}
  // The outputs for a resolved case, in binary64.
  virtual certify::ImplResult compute(const LossCase& c) const = 0;
  const std::string name_, loss_;
  const Bug bug_;
};

// The controls (Bug::none) first, then one mutant per bug.
const std::vector<Mutant>& mutants();
std::unique_ptr<certify::Implementation> make_mutant(const Mutant& m);

}  // namespace lossoracle::properties
