// slace's analytic gradient (logits or probabilities, weights, epsilon,
// every reduction, custom grad_output) against forward-mode autodiff and
// high-precision central differences.
#include "tests/support/ordinal_gradient_suite.hpp"

namespace lossoracle::testing_support {

INSTANTIATE_TEST_SUITE_P(Slace, OrdinalGradient, testing::ValuesIn(config_groups({"slace"})),
                         [](const testing::TestParamInfo<ConfigGroup>& info) { return info.param.name; });

}  // namespace lossoracle::testing_support
