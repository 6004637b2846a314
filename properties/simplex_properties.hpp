// The properties of the SLACE paper's Table 1, on the probability simplex:
// proper scoring (the one-hot truth minimises the loss), convexity in p,
// ordinal monotonicity (Property 1) and balance sensitivity (Property 2).
// Each runs on any subject through a SimplexView of a loss.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "properties/runner.hpp"
#include "properties/simplex_views.hpp"

namespace lossoracle::properties {

struct SimplexProperty {
  std::string id;         // proper_scoring, convexity, ordinal_monotonicity, balance_sensitivity
  std::string title;      // the table's column
  std::string statement;  // what is checked, for docs/properties.md
  std::function<void(Subject&, const SimplexView&, const Reach&)> body;
};

const std::vector<SimplexProperty>& simplex_properties();

Outcome check_simplex_property(const SimplexProperty& p, Subject& s, const SimplexView& v, const RunOptions& o);

// The loss of the view at p, widened by the view's input margin.
Bound simplex_loss(Subject& s, const SimplexView& v, const SimplexPoint& p);
Bound simplex_loss_at(Subject& s, const SimplexView& v, const std::vector<double>& p, int y,
                      const std::vector<std::int64_t>& counts);

}  // namespace lossoracle::properties
