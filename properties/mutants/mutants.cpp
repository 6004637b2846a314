#include "properties/mutants/mutants.hpp"

#include "properties/mutants/cross_entropy_mutant.hpp"
#include "properties/mutants/slace_mutant.hpp"

#include "core/error.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"

namespace lossoracle::properties {

certify::ImplResult MutantImplementation::evaluate(const nlohmann::json& request, certify::Dtype) {
  LossCase c;
  try {
    c = case_from_json(request);
    if (c.loss != loss_) throw InputError("loss", name_ + " implements " + loss_ + " only");
    resolve_case(find_loss(c.loss), c);
    check(c);
  } catch (const std::exception& e) {
    certify::ImplResult r;
    r.kind = certify::ImplResult::Kind::rejected;
    r.message = e.what();
    return r;
  }
  return compute(c);
}

const std::vector<Mutant>& mutants() {
  static const std::vector<Mutant> all = {
      {"cross_entropy control", "none (the unmutated binary64 implementation)", {"cross_entropy"}, Bug::none},
      {"slace control", "none (the unmutated binary64 implementation)", {"slace"}, Bug::none},
      {"cross_entropy gradient sign", "grad_input = -(p - t): the sign of the backward flipped", {"cross_entropy"},
       Bug::gradient_sign},
      {"cross_entropy smoothing eps/(C-1)",
       "label_smoothing gives eps/(C-1) to the other classes and 1 - eps to the target (fairseq's convention under "
       "PyTorch's parameter), class-index targets only",
       {"cross_entropy"}, Bug::smoothing_over_c_minus_1},
      {"cross_entropy mean over positions", "reduction mean divides by the positions not ignored, not the weight sum",
       {"cross_entropy"}, Bug::mean_over_positions},
      {"cross_entropy unshifted log-sum-exp", "log_softmax as x - log(sum exp x), without subtracting max x",
       {"cross_entropy"}, Bug::log_sum_exp_unshifted},
      {"slace distance off by one", "the distance order is |i - (y + 1)|: classes measured from the next class",
       {"slace"}, Bug::slace_distance_from_next_class},
  };
  return all;
}

std::unique_ptr<certify::Implementation> make_mutant(const Mutant& m) {
  if (m.losses.count("slace")) return std::make_unique<SlaceMutant>(m.name, m.kind);
  return std::make_unique<CrossEntropyMutant>(m.name, m.kind);
}

}  // namespace lossoracle::properties
