// The input checks (checks/), under the optimized tier's names: the tier
// accepts what the oracle accepts and rejects the rest with the same words.
#pragma once

#include "checks/inputs.hpp"

namespace lossoracle::optimized {

using checks::check_class_indices;
using checks::check_class_weights;
using checks::check_grad_output;
using checks::class_indices;
using checks::class_layout;
using checks::ClassLayout;
using checks::index_text;
using checks::parse_reduction;
using checks::reduced_shape;
using checks::Reduction;
using checks::required;

}  // namespace lossoracle::optimized
