// The analytic gradients of sord, oll, acc_loss and slace_prox (logits or
// probabilities, |i - j| or a distance matrix or class-count proximity, every
// log base and reduction, custom grad_output) against forward-mode autodiff
// and high-precision central differences.
#include "tests/support/ordinal_gradient_suite.hpp"

namespace lossoracle::testing_support {

INSTANTIATE_TEST_SUITE_P(Ordinal, OrdinalGradient,
                         testing::ValuesIn(config_groups({"sord", "oll", "acc_loss", "slace_prox"})),
                         [](const testing::TestParamInfo<ConfigGroup>& info) { return info.param.name; });

}  // namespace lossoracle::testing_support
