// The generators reach the hard parts of each input space: one-hot, near
// one-hot and uniform rows and rows with exact zeros, C = 1 and large C,
// huge spreads, all-equal rows, -inf and near-overflow logits, zero weights,
// ignored positions and K-dim shapes. A sample of each is drawn and counted.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>

#include "properties/generators.hpp"

namespace {

using namespace lossoracle::properties;

template <class T>
std::vector<T> sample(const rc::Gen<T>& g, int n) {
  std::vector<T> out;
  rc::Random random(20261123);
  for (int i = 0; i < n; ++i) {
    const rc::Random here = random.split();
    out.push_back(g(here, 100).value());  // full size: inRange spans its whole range
  }
  return out;
}

TEST(PropertyGenerators, SimplexRowsReachTheEdges) {
  Reach r;
  int one_hot = 0, near = 0, zeros = 0, exact_sum = 0, biggest_c = 0;
  for (const SimplexPoint& s : sample(simplex_point(r), 400)) {
    std::int64_t total = 0, nonzero = 0, max_unit = 0;
    for (auto u : s.units) total += u, nonzero += u != 0, max_unit = std::max(max_unit, u);
    exact_sum += total == (std::int64_t{1} << s.m);
    one_hot += nonzero == 1;
    near += max_unit == (std::int64_t{1} << s.m) - (s.C - 1) && s.C > 1;
    zeros += nonzero > 1 && nonzero < s.C;
    biggest_c = std::max(biggest_c, s.C);
    for (auto c : s.counts) EXPECT_GE(c, 1);
  }
  EXPECT_EQ(exact_sum, 400);
  EXPECT_GT(one_hot, 20);
  EXPECT_GT(near, 20);
  EXPECT_GT(zeros, 20);
  EXPECT_EQ(biggest_c, r.max_classes);
}

TEST(PropertyGenerators, LogitsReachHugeSpreadsInfinitiesAndOverflow) {
  int huge = 0, minus_inf = 0, near_max = 0, all_equal = 0;
  for (const auto& row : sample(logit_row(4, true), 400)) {
    bool equal = true;
    for (double x : row) {
      huge += std::fabs(x) == 1e4;
      minus_inf += x == -HUGE_VAL;
      near_max += std::isfinite(x) && std::fabs(x) >= std::nextafter(DBL_MAX, 0.0);
      equal = equal && x == row[0];
    }
    all_equal += equal;
  }
  EXPECT_GT(huge, 20);
  EXPECT_GT(minus_inf, 20);
  EXPECT_GT(near_max, 20);
  EXPECT_GT(all_equal, 20);
}

TEST(PropertyGenerators, BatchesReachOneClassAndKdimShapes) {
  Reach r;
  int one_class = 0, kdim = 0;
  for (const Batch& b : sample(logit_batch(r, true, true), 200)) {
    one_class += b.shape[1] == 1;
    kdim += b.shape.size() > 2;
    for (auto t : b.target) EXPECT_LT(t, b.shape[1]);
  }
  EXPECT_GT(one_class, 5);
  EXPECT_EQ(kdim, 200);
  int zero_weights = 0;
  for (const auto& w : sample(class_weights(5), 100))
    for (double v : w) zero_weights += v == 0;
  EXPECT_GT(zero_weights, 20);
}

}  // namespace
