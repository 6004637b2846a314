// The misclass losses on the CPU with the kernels' order (cuda/cost_matrix.cuh),
// for cuda/host_tier.cpp's evaluate_on_host.
#pragma once

#include <vector>

#include "cuda/host_tier.hpp"

namespace lossoracle::cuda {

// lanes: the kernel's block width to emulate for misclass_a_logits' row pass (1: left to right).
template <class A>
std::vector<HostOutput> misclass_on_host(const LossCase& c, const Problem& p, int lanes);

// per_pair_weighted_ce, with the kernel's strided sums merged by its tree.
template <class A>
std::vector<HostOutput> per_pair_weighted_ce_on_host(const LossCase& c, const Problem& p, int lanes);

}  // namespace lossoracle::cuda
