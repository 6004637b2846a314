// The groups of acc_loss and slace_prox for the CUDA tier: per target class,
// the classes of equal distance to it, closest first (a sort, which a kernel
// row should not repeat), and slace_prox's soft labels. Built on the host
// once per distance matrix or class counts (they do not depend on the batch)
// and read by the kernels from device memory (DeviceTensors::ordinal_groups,
// ordinal_labels; cuda/ordinal.cuh's OrdinalGroups reads the layout).
#pragma once

#include <cstdint>
#include <vector>

#include "cuda/problem.hpp"

namespace lossoracle::cuda {

struct OrdinalGroupTable {
  // Per target class t, at t * (2 C + 2): the group count H, the groups'
  // first positions start[0..H] (start[H] = C, later entries C), then the
  // classes in group order (by class index within a group).
  std::vector<std::int32_t> groups;
  // slace_prox: per target class t, at t * C + h, group h's soft label in
  // binary64 (exp(-alpha dis) normalised, in long double, rounded once).
  std::vector<double> labels;
};

// Whether the problem reads a table: acc_loss with a distance matrix, and
// slace_prox (without one, acc_loss takes |i - y|'s groups, slace's).
bool needs_group_table(const Problem& p);

// distance: the (C, C) matrix (acc_loss); counts: the class counts
// (slace_prox), as the checks accepted them (checks/ordinal.hpp).
OrdinalGroupTable ordinal_group_table(const Problem& p, const std::vector<double>& distance,
                                      const std::vector<double>& counts);

}  // namespace lossoracle::cuda
