// One oracle entry point per loss; the registry (core/registry.cpp) lists them.
#pragma once

#include "reference/oracle.hpp"

namespace lossoracle::reference {

Evaluation eval_log_softmax(const LossCase& c);
Evaluation eval_softmax(const LossCase& c);
Evaluation eval_entropy(const LossCase& c);
Evaluation eval_nll_loss(const LossCase& c);
Evaluation eval_cross_entropy(const LossCase& c);
Evaluation eval_kl_div(const LossCase& c);

}  // namespace lossoracle::reference
