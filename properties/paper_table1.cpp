#include "properties/paper_table1.hpp"

namespace lossoracle::properties {

const std::vector<PaperClaim>& paper_table1() {
  // Table 1 of the paper (SLACE_full_paper.pdf in inbarnachmani/SLACE):
  // rows CE, SORD, OLL, acc loss, SLACE_prox (the class-count proximity);
  // columns PSR, convexity, ordinal monotonicity, balance sensitivity.
  static const std::vector<PaperClaim> claims = {
      {"cross_entropy", "proper_scoring", true},        {"cross_entropy", "convexity", true},
      {"cross_entropy", "ordinal_monotonicity", false}, {"cross_entropy", "balance_sensitivity", false},
      {"oll (alpha 1)", "proper_scoring", true},        {"oll (alpha 1)", "convexity", true},
      {"oll (alpha 1)", "ordinal_monotonicity", false}, {"oll (alpha 1)", "balance_sensitivity", false},
      {"sord (alpha 1)", "proper_scoring", false},      {"sord (alpha 1)", "convexity", true},
      {"sord (alpha 1)", "ordinal_monotonicity", false}, {"sord (alpha 1)", "balance_sensitivity", false},
      {"acc_loss", "proper_scoring", true},             {"acc_loss", "convexity", true},
      {"acc_loss", "ordinal_monotonicity", true},       {"acc_loss", "balance_sensitivity", false},
      {"slace_prox (alpha 1)", "proper_scoring", true}, {"slace_prox (alpha 1)", "convexity", true},
      {"slace_prox (alpha 1)", "ordinal_monotonicity", true}, {"slace_prox (alpha 1)", "balance_sensitivity", true},
  };
  return claims;
}

const std::vector<Disagreement>& explained_disagreements() {
  static const std::vector<Disagreement> explained = {
      {"oll (alpha 1)", "proper_scoring",
       "OLL's true-class term is dis(y, y)^alpha log(1 - p_y) = 0 * log(0) at the one-hot truth: NaN, as in the "
       "authors' code (torch.log(1 - p) * dis ** alpha) and in the oracle (docs/spec.md section 17). The paper "
       "means the limit, 0, which every other p exceeds; the loss as written is undefined at its minimiser."},
  };
  return explained;
}

}  // namespace lossoracle::properties
