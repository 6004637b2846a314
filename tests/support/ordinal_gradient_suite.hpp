// The gradient checks of the slace and ordinal families, parameterised by
// configuration (tests/support/ordinal_draws.hpp): the analytic gradient
// against forward-mode autodiff and 1030-bit central differences
// (tests/support/gradient_check.hpp) on random directions, and entry by entry
// on one case. A test file instantiates it with its family's configurations.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/support/gradient_check.hpp"
#include "tests/support/ordinal_draws.hpp"

namespace lossoracle::testing_support {

constexpr int kOrdinalDirectionalCases = 4;

// One ctest entry per (loss, input kind): the configurations of a group are
// run inside it, each failure naming its configuration and case.
struct ConfigGroup {
  std::string name;
  std::vector<OrdinalConfig> configs;
};

inline void PrintTo(const ConfigGroup& g, std::ostream* os) { *os << g.name; }

inline std::vector<ConfigGroup> config_groups(const std::vector<std::string>& losses) {
  std::vector<ConfigGroup> out;
  for (const std::string& loss : losses)
    for (bool logits : {true, false}) {
      ConfigGroup g{loss + (logits ? "_logits" : "_probs"), {}};
      for (const OrdinalConfig& c : ordinal_configs({loss}))
        if (c.use_logits == logits) g.configs.push_back(c);
      out.push_back(std::move(g));
    }
  return out;
}

class OrdinalGradient : public testing::TestWithParam<ConfigGroup> {};

inline std::string describe(const OrdinalConfig& c, const OrdinalDraw& d, int index) {
  std::string s = name(c) + " case " + std::to_string(index) + " N " + std::to_string(d.N) + " C " +
                  std::to_string(d.C) + " alpha " + std::to_string(d.alpha) + " y";
  for (double t : d.y) s += " " + std::to_string(static_cast<int>(t));
  return s;
}

TEST_P(OrdinalGradient, ForwardModeAndFiniteDifferences) {
  for (const OrdinalConfig& c : GetParam().configs)
    for (int i = 0; i < kOrdinalDirectionalCases; ++i) {
      const OrdinalDraw d = ordinal_draw(c, seed_of(c, i));
      EXPECT_TRUE(forward_mode_agrees(d.c, "input", d.u)) << describe(c, d, i);
      EXPECT_TRUE(finite_difference_agrees(d.c, "input", d.u)) << describe(c, d, i);
    }
}

TEST_P(OrdinalGradient, EveryEntry) {
  for (const OrdinalConfig& c : GetParam().configs) {
    const OrdinalDraw d = ordinal_draw(c, seed_of(c, -1), 4);
    for (std::size_t k = 0; k < d.u.size(); ++k) {
      std::vector<double> e(d.u.size(), 0.0);
      e[k] = 1.0;
      EXPECT_TRUE(forward_mode_agrees(d.c, "input", e)) << describe(c, d, -1) << " grad_input[" << k << "]";
    }
  }
}

}  // namespace lossoracle::testing_support
