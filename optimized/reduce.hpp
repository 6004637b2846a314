// Reductions over positions, in one fixed order (index order, Neumaier's
// compensated sum in binary64) after all rows are done: the result does not
// depend on how rows were split among threads.
#pragma once

#include <cmath>
#include <vector>

namespace lossoracle::optimized {

inline double ordered_sum(const std::vector<double>& v) {
  double s = 0.0, c = 0.0;
  for (double x : v) {
    const double t = s + x;
    c += std::fabs(s) >= std::fabs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  // A non-finite term makes the compensation NaN; the plain sum is the answer then.
  return std::isfinite(s) ? s + c : s;
}

}  // namespace lossoracle::optimized
