// The optimized tier's bindings are keyed by registry names: every bound
// name is a registry loss, and LossInfo::optimized says exactly which.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/registry.hpp"
#include "optimized/evaluate.hpp"

namespace lossoracle {
namespace {

TEST(OptimizedRegistry, BindingsAreRegistryLossesAndTheFlagAgrees) {
  const auto bound = optimized::bound_losses();
  for (const std::string& name : bound) EXPECT_NO_THROW(find_loss(name)) << name;
  for (const LossInfo& info : loss_registry()) {
    const bool listed = std::find(bound.begin(), bound.end(), info.name) != bound.end();
    EXPECT_EQ(info.optimized, listed) << info.name;
    EXPECT_EQ(info.optimized, optimized::is_bound(info.name)) << info.name;
  }
}

}  // namespace
}  // namespace lossoracle
