// The class-dimension layout shared by every loss of the reference tier:
// input (C) unbatched, or (N, C, d1, ..., dk) with the class dimension at 1.
// A "position" is one (n, d1, ..., dk); element (n, c, i) of the row-major
// tensor sits at (n * C + c) * inner + i.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/tensor.hpp"

namespace lossoracle::reference {

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

inline ClassLayout class_layout(const std::string& loss, const Shape& input) {
  if (input.empty())
    throw InputError("inputs.input", loss + ": input must have at least 1 dimension (C), got shape ()");
  for (std::size_t d = 0; d < input.size(); ++d)
    if (input[d] < 0) throw InputError("inputs.input", loss + ": negative extent in input shape " + shape_text(input));
  ClassLayout L;
  if (input.size() == 1) {
    L.unbatched = true;
    L.classes = input[0];
    return L;
  }
  L.outer = input[0];
  L.classes = input[1];
  L.position_shape.push_back(input[0]);
  for (std::size_t d = 2; d < input.size(); ++d) {
    L.inner *= input[d];
    L.position_shape.push_back(input[d]);
  }
  return L;
}

}  // namespace lossoracle::reference

namespace lossoracle::reference {

// "(1, 2)" for flat position 5 of shape (2, 3): the index a user looks up.
inline std::string index_text(const Shape& shape, std::int64_t flat) {
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_text(idx);
}

}  // namespace lossoracle::reference
