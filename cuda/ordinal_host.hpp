// The ordinal losses on the CPU with the kernels' row algorithm
// (cuda/ordinal.cuh), for cuda/host_tier.cpp's evaluate_on_host.
#pragma once

#include <vector>

#include "cuda/host_tier.hpp"

namespace lossoracle::cuda {

// lanes: the kernel's block width to emulate (1: left to right).
template <class A>
std::vector<HostOutput> sord_on_host(const LossCase& c, const Problem& p, int lanes);
template <class A>
std::vector<HostOutput> oll_on_host(const LossCase& c, const Problem& p, int lanes);
// acc_loss and slace_prox.
template <class A>
std::vector<HostOutput> accumulating_on_host(const LossCase& c, const Problem& p, int lanes);

}  // namespace lossoracle::cuda
