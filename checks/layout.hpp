// The class-dimension layout every loss with a class dimension shares:
// input (C) unbatched, or (N, C, d1, ..., dk) with the class dimension at 1.
// A "position" is one (n, d1, ..., dk); element (n, c, i) of the row-major
// tensor sits at (n * C + c) * inner + i.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.hpp"

namespace lossoracle::checks {

struct ClassLayout {
  std::int64_t outer = 1;    // N (1 when unbatched)
  std::int64_t classes = 0;  // C
  std::int64_t inner = 1;    // d1 * ... * dk
  bool unbatched = false;
  Shape position_shape;      // () unbatched, else (N, d1, ..., dk)

  std::int64_t positions() const { return outer * inner; }
  std::int64_t at(std::int64_t position, std::int64_t c) const {
    const std::int64_t n = position / inner, i = position % inner;
    return (n * classes + c) * inner + i;
  }
};

// InputError naming inputs.input for a rank-0 shape or a negative extent.
ClassLayout class_layout(const std::string& loss, const Shape& input);

// Shape (d0, ..., d_{r-2}, C), classes last (fairseq, incendio): a position
// indexes the leading dimensions.
ClassLayout last_axis_layout(const std::string& loss, const Shape& shape);

// "(1, 2)" for flat position 5 of shape (2, 3): the index a user looks up.
std::string index_text(const Shape& shape, std::int64_t flat);

// PyTorch prints sizes as [2, 4].
std::string sizes_text(const Shape& shape);

}  // namespace lossoracle::checks
