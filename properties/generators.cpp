#include "properties/generators.hpp"

#include <cfloat>
#include <cmath>
#include <ostream>

namespace lossoracle::properties {

namespace {

void show_list(std::ostream& os, const std::vector<std::int64_t>& v) {
  os << "[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
}

void show_doubles(std::ostream& os, const std::vector<double>& v) {
  os << "[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
}

enum class RowStyle { random, one_hot, near_one_hot, uniform, with_zeros };

}  // namespace

std::vector<double> SimplexPoint::p() const {
  std::vector<double> v;
  for (std::int64_t u : units) v.push_back(std::ldexp(static_cast<double>(u), -m));
  return v;
}

void showValue(const SimplexPoint& s, std::ostream& os) {
  os << "C = " << s.C << ", y = " << s.y << ", p = ";
  show_list(os, s.units);
  os << " / 2^" << s.m << ", counts = ";
  show_list(os, s.counts);
}

void showValue(const Move& mv, std::ostream& os) {
  os << mv.k << " / 2^m from class " << mv.from << " to class " << mv.to;
}

void showValue(const Batch& b, std::ostream& os) {
  os << "shape = ";
  show_list(os, b.shape);
  os << ", logits = ";
  show_doubles(os, b.logits);
  os << ", target = ";
  show_list(os, b.target);
}

namespace {

// units for C classes summing to 2^m, in the given style; `hot` is the class
// that one-hot styles favour.
rc::Gen<std::vector<std::int64_t>> units_of(int C, int m, int hot, std::int64_t floor) {
  return rc::gen::exec([=] {
    const std::int64_t total = std::int64_t{1} << m;
    std::vector<std::int64_t> u(C, floor);
    std::int64_t left = total - floor * C;
    const RowStyle style = floor > 0 ? RowStyle::random
                                     : *rc::gen::element(RowStyle::random, RowStyle::one_hot, RowStyle::near_one_hot,
                                                         RowStyle::uniform, RowStyle::with_zeros);
    switch (style) {
      case RowStyle::one_hot:
        u[hot] += left;
        return u;
      case RowStyle::near_one_hot:
        for (int c = 0; c < C; ++c)
          if (c != hot && left > 1) u[c] += 1, left -= 1;
        u[hot] += left;
        return u;
      case RowStyle::uniform:
        for (int c = 0; c < C; ++c) u[c] += left / C;
        u[hot] += left % C;  // exact 1/C where C is a power of two
        return u;
      case RowStyle::with_zeros:
      case RowStyle::random: {
        // C - 1 shares drawn in turn; the rest goes to the last class. Shrinking
        // pulls the shares to 0, which leaves a readable row.
        for (int c = 0; c + 1 < C; ++c) {
          const bool zero = style == RowStyle::with_zeros && *rc::gen::inRange(0, 2) == 0;
          const std::int64_t share = zero || left == 0 ? 0 : *rc::gen::inRange<std::int64_t>(0, left + 1);
          u[c] += share;
          left -= share;
        }
        u[C - 1] += left;
        return u;
      }
    }
    return u;
  });
}

rc::Gen<std::vector<std::int64_t>> counts_of(int C, int max_count) {
  return rc::gen::container<std::vector<std::int64_t>>(C, rc::gen::inRange<std::int64_t>(1, max_count + 1));
}

}  // namespace

rc::Gen<SimplexPoint> simplex_point(const Reach& r, int min_classes) {
  return rc::gen::exec([=] {
    SimplexPoint s;
    s.C = *rc::gen::inRange(min_classes, r.max_classes + 1);
    s.y = *rc::gen::inRange(0, s.C);
    s.m = *rc::gen::element(4, 2, 10, 20, 40);
    // The favoured class of one-hot styles: mostly y, else any class (rows
    // nearly one-hot on a wrong class are where OLL's and SORD's monotonicity breaks).
    const int hot = *rc::gen::weightedOneOf<int>({{2, rc::gen::just(s.y)}, {1, rc::gen::inRange(0, s.C)}});
    s.units = *units_of(s.C, s.m, hot, 0);
    s.counts = *counts_of(s.C, r.max_count);
    return s;
  });
}

rc::Gen<SimplexPoint> simplex_point_like(const SimplexPoint& like) {
  return rc::gen::exec([=] {
    SimplexPoint s = like;
    const int hot = *rc::gen::inRange(0, s.C);
    s.units = *units_of(s.C, s.m, hot, 0);
    return s;
  });
}

rc::Gen<SimplexPoint> interior_point(const Reach& r, std::int64_t floor) {
  return rc::gen::exec([=] {
    SimplexPoint s;
    s.C = *rc::gen::inRange(2, r.max_classes + 1);
    s.y = *rc::gen::inRange(0, s.C);
    s.m = 10;
    s.units = *units_of(s.C, s.m, s.y, floor);
    s.counts = *counts_of(s.C, r.max_count);
    return s;
  });
}

namespace {

rc::Gen<double> hard_logit(bool allow_minus_inf) {
  const double big = DBL_MAX;
  const auto small = rc::gen::map(rc::gen::inRange(-64, 65), [](int k) { return k / 8.0; });
  const auto spread = rc::gen::element(1e4, -1e4, 0.0);
  const auto edge = rc::gen::element(big, -big, std::nextafter(big, 0.0), -std::nextafter(big, 0.0));
  if (allow_minus_inf)
    return rc::gen::weightedOneOf<double>({{6, small}, {2, spread}, {1, edge}, {1, rc::gen::just(-HUGE_VAL)}});
  return rc::gen::weightedOneOf<double>({{6, small}, {2, spread}, {1, edge}});
}

}  // namespace

rc::Gen<std::vector<double>> logit_row(int C, bool allow_minus_inf) {
  return rc::gen::exec([=] {
    if (*rc::gen::inRange(0, 6) == 0) return std::vector<double>(C, *hard_logit(false));  // all equal
    return *rc::gen::container<std::vector<double>>(C, hard_logit(allow_minus_inf));
  });
}

rc::Gen<std::vector<double>> dyadic_row(int C) {
  return rc::gen::container<std::vector<double>>(
      C, rc::gen::map(rc::gen::inRange(-64, 65), [](int k) { return k / 8.0; }));
}

rc::Gen<Batch> logit_batch(const Reach& r, bool extra_dims, bool hard_values) {
  return rc::gen::exec([=] {
    Batch b;
    const int N = *rc::gen::inRange(1, r.max_batch + 1);
    const int C = *rc::gen::inRange(1, r.max_classes + 1);
    b.shape = {N, C};
    std::int64_t inner = 1;
    if (extra_dims) {
      const int k = *rc::gen::inRange(1, 3);
      for (int i = 0; i < k; ++i) {
        const int d = *rc::gen::inRange(1, 4);
        b.shape.push_back(d);
        inner *= d;
      }
    }
    const std::int64_t positions = N * inner;
    b.target = *rc::gen::container<std::vector<std::int64_t>>(positions, rc::gen::inRange<std::int64_t>(0, C));
    b.logits.assign(N * C * inner, 0);
    // Row by row (one row = the C logits of one position), in NC... layout.
    for (std::int64_t pos = 0; pos < positions; ++pos) {
      const std::vector<double> row = hard_values ? *logit_row(C, false) : *dyadic_row(C);
      const std::int64_t n = pos / inner, s = pos % inner;
      for (int c = 0; c < C; ++c) b.logits[(n * C + c) * inner + s] = row[c];
    }
    return b;
  });
}

rc::Gen<std::vector<double>> class_weights(int C) {
  return rc::gen::container<std::vector<double>>(
      C, rc::gen::weightedOneOf<double>({{1, rc::gen::just(0.0)},
                                         {4, rc::gen::map(rc::gen::inRange(1, 33), [](int k) { return k / 8.0; })}}));
}

}  // namespace lossoracle::properties
