// The CUDA tier's numerical core run on the CPU: the very row policies the
// kernels run (cuda/*.cuh), driven row by row in binary32 or binary64. CI
// has no GPU, so this is how the tier's mathematics is tested against the
// oracle there (tests/cuda/host_core_test.cpp); on a GPU the device tests
// compare the kernels with the oracle directly.
#pragma once

#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

struct HostOutput {
  std::string name;  // loss | per_position | grad_input | grad_target, as the oracle names them
  Shape shape;
  std::vector<double> values;  // each a value of the accumulation type
};

// Evaluates a resolved case with accumulation type A (float or double):
// inputs are first rounded to A. InputError as problem_from_case, and for a
// class index outside [0, C) the reference tier's message.
// lanes = 1 runs each row left to right; a power of two > 1 runs it in the
// kernels' order instead: class c goes to lane c mod lanes, and the lanes'
// partial states and loss terms are merged by the kernels' fixed tree
// (cuda/kernels.cuh, block_merge), so State::merge is tested on the CPU too.
template <class A>
std::vector<HostOutput> evaluate_on_host(const LossCase& c, int lanes = 1);

}  // namespace lossoracle::cuda
