// RapidCheck generators that reach the hard parts of each input space. Every
// generated value prints itself (showValue) as the small exact numbers it is
// made of, so a shrunk counterexample can be read and retyped.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <rapidcheck.h>
#include <vector>

namespace lossoracle::properties {

// How far the generators go: class counts and batch sizes. Long mode
// (--properties-long / LOSSORACLE_PROPERTIES_LONG) widens them.
struct Reach {
  int max_classes = 8;
  int max_batch = 4;
  int max_count = 1000;
};

// A probability row with a true class: p_c = units[c] / 2^m, exactly, so
// moves of mass and midpoints are exact in binary64. counts are class counts
// (every one >= 1), for the losses that read the class distribution.
struct SimplexPoint {
  int C = 2;
  int y = 0;
  int m = 4;
  std::vector<std::int64_t> units;
  std::vector<std::int64_t> counts;
  std::vector<double> p() const;
};
void showValue(const SimplexPoint& s, std::ostream& os);

// A move of k / 2^m of mass from class `from` to class `to`.
struct Move {
  int from = 0, to = 0;
  std::int64_t k = 1;
};
void showValue(const Move& mv, std::ostream& os);

// Rows: exact one-hot, near one-hot (2^-m off), uniform, rows with exact
// zeros, random; m from 2 to 40 bits; C from 2 (1 if min_classes is 1).
rc::Gen<SimplexPoint> simplex_point(const Reach& r, int min_classes = 2);
// Another row of the same C, y, m and counts.
rc::Gen<SimplexPoint> simplex_point_like(const SimplexPoint& s);
// Every unit at least `floor` (an interior point, for finite differences).
rc::Gen<SimplexPoint> interior_point(const Reach& r, std::int64_t floor);

// Logits of one row: huge spreads (+-1e4), all-equal rows, -inf entries,
// values next to the largest finite double, and small dyadic values.
rc::Gen<std::vector<double>> logit_row(int C, bool allow_minus_inf);
// Small dyadic logits k/8, |k| <= 64: exact under the shifts and steps of the
// structural and gradient properties.
rc::Gen<std::vector<double>> dyadic_row(int C);

struct Batch {
  std::vector<std::int64_t> shape;  // (N, C) or (N, C, d1..dk)
  std::vector<double> logits;
  std::vector<std::int64_t> target;  // class indices, one per position
};
void showValue(const Batch& b, std::ostream& os);
// Batches of logit rows, with C from 1, optional trailing dims, targets in
// range; hard rows as logit_row (without -inf at a target unless allowed).
rc::Gen<Batch> logit_batch(const Reach& r, bool extra_dims, bool hard_values);

// Class weights (C): zeros included.
rc::Gen<std::vector<double>> class_weights(int C);

}  // namespace lossoracle::properties
