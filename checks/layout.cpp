#include "checks/layout.hpp"

#include <vector>

#include "core/error.hpp"

namespace lossoracle::checks {

ClassLayout class_layout(const std::string& loss, const Shape& input) {
  if (input.empty())
    throw InputError("inputs.input", loss + ": input must have at least 1 dimension (C), got shape ()");
  for (std::int64_t extent : input)
    if (extent < 0) throw InputError("inputs.input", loss + ": negative extent in input shape " + shape_text(input));
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

ClassLayout last_axis_layout(const std::string& loss, const Shape& shape) {
  if (shape.empty())
    throw InputError("inputs.input", loss + ": input must have at least 1 dimension (classes last), got shape ()");
  ClassLayout L;
  L.unbatched = shape.size() == 1;
  L.classes = shape.back();
  L.position_shape.assign(shape.begin(), shape.end() - 1);
  L.outer = element_count(L.position_shape);
  return L;
}

std::string index_text(const Shape& shape, std::int64_t flat) {
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_text(idx);
}

std::string sizes_text(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace lossoracle::checks
