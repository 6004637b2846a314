#include "checks/reduction.hpp"

#include "core/error.hpp"

namespace lossoracle::checks {

Reduction parse_reduction(const std::string& loss, const std::string& text, bool batchmean_allowed) {
  if (text == "none") return Reduction::none;
  if (text == "sum") return Reduction::sum;
  if (text == "mean") return Reduction::mean;
  if (text == "batchmean" && batchmean_allowed) return Reduction::batchmean;
  throw InputError("params.reduction", loss + ": " + text + " is not a valid value for reduction (expected " +
                                           (batchmean_allowed ? "none, sum, mean or batchmean)" : "none, sum or mean)"));
}

}  // namespace lossoracle::checks
