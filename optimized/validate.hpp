// Input checks of the optimized tier, with the reference tier's words (the
// reference evaluators are the spec of the messages; tests/optimized/
// errors_test.cpp compares the two on every golden bad-input vector). They
// are written here rather than included from reference/ because the
// reference's check headers also carry its loss math (reduce, nll_loss), and
// the oracle must share no code with the tiers it judges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/loss_case.hpp"

namespace lossoracle::optimized {

// Input (C) unbatched, or (N, C, d1..dk) with classes at dimension 1; a
// position is one (n, d1..dk), its class c at (n * C + c) * inner + i.
struct ClassLayout {
  std::int64_t outer = 1, classes = 0, inner = 1;
  bool unbatched = false;
  Shape position_shape;
  std::int64_t positions() const { return outer * inner; }
  std::int64_t at(std::int64_t position, std::int64_t c) const {
    return ((position / inner) * classes + c) * inner + position % inner;
  }
};

enum class Reduction { none, sum, mean, batchmean };

ClassLayout class_layout(const std::string& loss, const Shape& input);
Reduction parse_reduction(const std::string& loss, const std::string& text, bool batchmean_allowed);
inline Shape reduced_shape(Reduction r, const Shape& per_position) { return r == Reduction::none ? per_position : Shape{}; }

const Tensor& required(const LossCase& c, const std::string& name);  // present, data matching shape
void check_class_weights(const LossCase& c, const ClassLayout& L);
void check_grad_output(const LossCase& c, const Shape& expected);
std::string index_text(const Shape& shape, std::int64_t flat);  // "(1, 2)"

// Class-index targets of shape (N, d1..dk) or (), integral.
std::vector<std::int64_t> class_indices(const LossCase& c, const Tensor& target, const ClassLayout& L,
                                        const Shape& input_shape);
// A batch of rows (N, C), as dlordinal's SLACELoss and the SLACE paper's
// losses take it; softmax_first: the source's first step on the input is
// F.softmax(dim=1), whose words a 1-D input meets first.
ClassLayout batch_layout(const LossCase& c, const Tensor& in, bool softmax_first);
// One integral class index per row: shape (N), or also (N, 1) when `column`
// (dlordinal's target.view(-1)). The range is each loss's own check.
std::vector<std::int64_t> row_targets(const LossCase& c, const Tensor& target, std::int64_t N, bool column);

// Every index in [0, C) or equal to ignore_index.
void check_class_indices(const std::string& loss, const ClassLayout& L, const std::vector<std::int64_t>& y,
                         std::int64_t ignore_index);

}  // namespace lossoracle::optimized
