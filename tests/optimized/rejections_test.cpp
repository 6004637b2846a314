// Bad input beyond the golden files: every case of a bound loss's smoke
// suite (golden vectors, their corners, random draws) that the oracle
// rejects, the optimized tier rejects with the oracle's exact words, in both
// precisions. Several families have no invalid golden vector at all
// (errors_test.cpp sees nothing of them); the corner table supplies them.
#include <gtest/gtest.h>

#include "certify/suite.hpp"
#include "core/error.hpp"
#include "core/protocol.hpp"
#include "core/registry.hpp"
#include "optimized/evaluate.hpp"

namespace lossoracle {
namespace {

TEST(OptimizedRejections, SuiteBadInputsGetTheOracleMessages) {
  certify::SuiteOptions o;
  o.golden_dir = std::string(LOSSORACLE_SOURCE_DIR) + "/golden/vectors";
  int checked = 0;
  for (const std::string& loss : optimized::bound_losses()) {
    for (const certify::SuiteCase& sc : certify::build_suite(loss, o)) {
      if (sc.expect != certify::Expect::invalid) continue;
      for (auto precision : {optimized::Precision::f64, optimized::Precision::f32}) {
        std::string message = "(accepted)";
        try {
          LossCase c = case_from_json(sc.request);
          resolve_case(find_loss(c.loss), c);
          optimized::evaluate(c, precision);
        } catch (const std::exception& e) {
          message = e.what();
        }
        EXPECT_EQ(message, sc.rejection) << loss << " " << sc.id;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace lossoracle
