// Tensors as the oracle receives them: a shape and the exact binary values,
// row-major. Every binary32/bfloat16/binary16 input is exactly a binary64,
// so binary64 storage loses nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lossoracle {

using Shape = std::vector<std::int64_t>;

std::int64_t element_count(const Shape& shape);  // INT64_MAX when the product overflows
std::string shape_text(const Shape& shape);  // "(3, 5)", "()" for a scalar

struct Tensor {
  Shape shape;
  std::vector<double> values;
};

}  // namespace lossoracle
