// The property suite's bindings are keyed by the registry's names: every
// registry loss has a simplex view or a stated reason, every name the suite
// uses is a registry loss, and every relation names losses that exist.
#include <gtest/gtest.h>

#include <set>

#include "core/registry.hpp"
#include "properties/mutants/mutants.hpp"
#include "properties/relations.hpp"
#include "properties/simplex_views.hpp"

namespace {

using namespace lossoracle;
using namespace lossoracle::properties;

std::set<std::string> registry_names() {
  std::set<std::string> names;
  for (const LossInfo& info : loss_registry()) names.insert(info.name);
  return names;
}

TEST(PropertyViews, EveryRegistryLossHasAViewOrAReason) {
  std::set<std::string> covered;
  for (const SimplexView& v : simplex_views()) covered.insert(v.loss);
  for (const NoSimplexView& n : losses_without_simplex_view()) {
    EXPECT_EQ(covered.count(n.loss), 0u) << n.loss << " has a view and a reason not to";
    EXPECT_FALSE(n.reason.empty());
    covered.insert(n.loss);
  }
  EXPECT_EQ(covered, registry_names());
}

TEST(PropertyViews, ViewLabelsAreDistinct) {
  std::set<std::string> labels;
  for (const SimplexView& v : simplex_views()) EXPECT_TRUE(labels.insert(v.label).second) << v.label;
}

TEST(PropertyViews, RelationsAndMutantsNameRegistryLosses) {
  const auto names = registry_names();
  for (const Relation& r : relations()) {
    EXPECT_FALSE(r.losses.empty()) << r.id;
    for (const auto& l : r.losses) EXPECT_EQ(names.count(l), 1u) << r.id << ": " << l;
    for (const auto& l : r.needs) EXPECT_EQ(names.count(l), 1u) << r.id << ": " << l;
  }
  for (const Mutant& m : mutants())
    for (const auto& l : m.losses) EXPECT_EQ(names.count(l), 1u) << m.name << ": " << l;
}

// Every view's query is accepted by the reference tier at a plain interior row.
TEST(PropertyViews, EveryViewIsAValidCase) {
  ReferenceSubject reference;
  SimplexPoint s{3, 1, 2, {1, 2, 1}, {5, 6, 7}};
  for (const SimplexView& v : simplex_views()) {
    const Answer a = reference.evaluate(simplex_query(v, s));
    EXPECT_FALSE(a.rejected) << v.label << ": " << a.message;
    if (!a.rejected) {
      EXPECT_FALSE(a.loss().is_nan()) << v.label;
    }
  }
}

}  // namespace
