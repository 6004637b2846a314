// The loss registry: the one list (core/loss_list.hpp) with the oracle bound
// to each entry. The CLI, case suites, golden generation and benchmarks
// enumerate losses through it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "core/loss_info.hpp"

namespace lossoracle {

const std::vector<LossInfo>& loss_registry();
const LossInfo& find_loss(const std::string& name);  // InputError("loss") listing the known names

// Checks parameter names, types and choices and input names against the
// registry, then fills in defaults. Errors name the offending field.
void resolve_case(const LossInfo& info, LossCase& c);

}  // namespace lossoracle
