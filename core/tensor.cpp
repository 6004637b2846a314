#include "core/tensor.hpp"

#include <limits>

namespace lossoracle {

std::int64_t element_count(const Shape& shape) {
  // Saturates instead of overflowing: a shape read from a file or a request
  // may claim more elements than exist, and no data can match that count.
  std::int64_t n = 1;
  for (auto d : shape)
    if (__builtin_mul_overflow(n, d, &n)) return std::numeric_limits<std::int64_t>::max();
  return n;
}

std::string shape_text(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace lossoracle
