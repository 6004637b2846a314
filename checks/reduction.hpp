// The reductions PyTorch names, parsed with its words for a bad one.
#pragma once

#include <string>

#include "core/tensor.hpp"

namespace lossoracle::checks {

enum class Reduction { none, sum, mean, batchmean };

Reduction parse_reduction(const std::string& loss, const std::string& text, bool batchmean_allowed);

inline Shape reduced_shape(Reduction r, const Shape& per_position) {
  return r == Reduction::none ? per_position : Shape{};
}

}  // namespace lossoracle::checks
