// The corner table: hand-written rewrites of a valid case into the inputs
// implementations get wrong (huge and tiny logits, ties, NaN and infinities,
// all-ignored batches, zero weights, out-of-range targets). Each applies to any
// loss whose case has the tensors it rewrites; whether the result is a valid
// case, and what it evaluates to, the oracle decides, so the table holds no
// expected values.
#pragma once

#include <string>
#include <vector>

#include "certify/draft.hpp"
#include "core/loss_info.hpp"

namespace lossoracle::certify {

struct Corner {
  std::string name;  // part of the case id: corner-<name>-<tcId>
  std::string description;
  Draft draft;
};

std::vector<Corner> corner_cases(const LossInfo& info, const Draft& from, Dtype dtype);

// The names of every corner, in table order (docs/certify.md lists them).
std::vector<std::string> corner_names();

}  // namespace lossoracle::certify
