// Comparing the oracle's outputs with a textbook formula evaluated in a wide
// MPFR type (the reference tests' second, independent computation).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "tests/support/oracle_case.hpp"

namespace lossoracle::testing_support {

// Every settled value of the oracle's output equals the textbook value rounded
// to binary64 (zeros by value); a NaN status only where the textbook gives NaN.
// `compared` counts the settled values, `total` every value.
template <class Wide>
testing::AssertionResult matches_textbook(const reference::OracleAnswer& a, const std::string& name,
                                          const std::vector<Wide>& want, int& compared, int& total) {
  const auto& out = output(a, name).values;
  if (out.size() != want.size())
    return testing::AssertionFailure() << name << ": " << out.size() << " values, expected " << want.size();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double w = static_cast<double>(want[i]);
    ++total;
    if (out[i].status == reference::ProofStatus::nan) {
      if (!std::isnan(w)) return testing::AssertionFailure() << name << "[" << i << "]: oracle NaN, textbook " << w;
      continue;
    }
    if (!settled(out[i])) continue;
    ++compared;
    if (!(out[i].f64 == w))
      return testing::AssertionFailure() << name << "[" << i << "]: oracle " << hex64(out[i].f64) << ", textbook "
                                         << hex64(w) << " (" << want[i].str(30) << ")";
  }
  return testing::AssertionSuccess();
}

}  // namespace lossoracle::testing_support
