// The documented accuracy budgets (docs/accuracy.md, certify/profile.cpp)
// hold on the smoke suites of every loss the tier implements (fixed seed,
// bounded size: the golden vectors, their corners, 50 random cases), for
// float64 and float32 and every output. LOSSORACLE_ACCURACY_SUITE=standard
// runs the larger suite.
#include <gtest/gtest.h>

#include <cstdlib>

#include "certify/profile.hpp"
#include "cli/accuracy_command.hpp"
#include "optimized/evaluate.hpp"

namespace lossoracle {
namespace {

// measure_accuracy covers every instruction set this CPU runs (avx512, avx2,
// sse4, scalar): the dispatch may pick any of them on another machine.
TEST(OptimizedAccuracy, EveryOutputWithinItsBudget) {
  cli::AccuracyOptions o;
  o.golden_dir = std::string(LOSSORACLE_SOURCE_DIR) + "/golden/vectors";
  if (const char* s = std::getenv("LOSSORACLE_ACCURACY_SUITE")) o.suite = s;
  const auto rows = cli::measure_accuracy(o);
  const std::size_t outputs_per_loss_min = 2 * 2;  // two dtypes, at least loss and grad_input
  EXPECT_GE(rows.size(), optimized::bound_losses().size() * outputs_per_loss_min);
  for (const auto& r : rows) {
    const auto d = *certify::parse_dtype(r.dtype);
    EXPECT_GT(r.elements, 0u) << r.loss << " " << r.dtype << " " << r.output;
    EXPECT_TRUE(certify::has_tight_budget(r.loss, r.output)) << r.loss << " " << r.output << ": no documented budget";
    EXPECT_LE(r.max_ulps, certify::tight_budget_ulps(r.loss, r.output, d))
        << r.loss << " " << r.dtype << " " << r.output << " at " << r.worst_case;
    EXPECT_LE(r.max_scaled_ulps, certify::tight_scaled_budget_ulps(r.loss, r.output, d))
        << r.loss << " " << r.dtype << " " << r.output << " at " << r.worst_scaled_case;
  }
}

}  // namespace
}  // namespace lossoracle
