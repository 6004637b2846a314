// The CUDA tier's host API (docs/cuda.md). Tensors live in caller-owned
// device memory, work is enqueued on the caller's stream, and the caller
// provides a workspace of workspace_bytes(). Shapes and parameters are
// described by a Problem (cuda/problem.hpp): problem_from_case for a
// registry case, or cross_entropy_problem for the common call.
//
// Errors: InputError (core/error.hpp) for a bad shape or parameter, before
// anything is launched, and for a class index outside [0, C): the kernels
// flag it on the device (never clamp it) and check_targets reads the flag,
// naming the position and the value with the reference tier's words.
// CudaError for a failure of the CUDA runtime.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "cuda/launch.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

using Dtype = launch::Storage;  // float32 | float64 | bfloat16 | float16

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether kernels can run here; when not, `why` says so ("no CUDA device
// present: <cudaGetErrorString>").
bool device_available(std::string* why = nullptr);

// Device pointers of one call (smooth_labels: target and loss only). target: int64 class indices (positions'
// shape) or probabilities in the input's dtype (input's shape). weight (C),
// grad_output (the loss's shape) in the input's dtype; either may be null
// (no weights; ones). Outputs may be null when not wanted, except `loss`.
// grad_input may equal input: the gradient then overwrites the logits.
struct DeviceTensors {
  const void* input = nullptr;
  const void* target = nullptr;
  const void* weight = nullptr;
  const void* grad_output = nullptr;
  const void* cost_matrix = nullptr;  // (C, C) in the input's dtype: the misclass losses
  const double* distance = nullptr;   // (C, C) in binary64: the ordinal family's dis (null: |i - y|)
  // acc_loss with a distance matrix, slace_prox: cuda/ordinal_groups.hpp's
  // tables (ordinal_group_table), uploaded once per matrix or class counts.
  const std::int32_t* ordinal_groups = nullptr;
  const double* ordinal_labels = nullptr;  // slace_prox
  void* loss = nullptr;          // log_softmax/softmax: their output, shaped like the input
  void* per_position = nullptr;  // the reduction='none' values under sum or mean (under none: `loss` holds them)
  void* grad_input = nullptr;
  void* grad_target = nullptr;   // cross_entropy with probabilities, kl_div
  void* grad_input_unit_scaled = nullptr;   // unit_scaled_cross_entropy: the library's backward output
  void* grad_target_unit_scaled = nullptr;  // unit_scaled_cross_entropy with probabilities: dS/dt
  void* nll_loss = nullptr;                 // label_smoothed_nll_loss's second output (the loss's shape)
};

std::size_t workspace_bytes(const Problem& p, Dtype dtype);

// Enqueues the whole computation (forward and backward, fused) on `stream`.
// Does not synchronise; out-of-range class indices are only flagged.
void enqueue(const Problem& p, Dtype dtype, const DeviceTensors& t, void* workspace, std::size_t workspace_size,
             cudaStream_t stream);

// Waits for `stream` and throws InputError for the first (lowest) position
// whose class index was out of range in the last enqueue on this workspace.
void check_targets(const Problem& p, const DeviceTensors& t, const void* workspace, cudaStream_t stream);

// enqueue, then check_targets where the problem has class-index targets.
void run(const Problem& p, Dtype dtype, const DeviceTensors& t, void* workspace, std::size_t workspace_size,
         cudaStream_t stream);

// The common call: cross_entropy of (N, C) logits against N class indices
// (or, with probability_targets, an (N, C) tensor of probabilities).
Problem cross_entropy_problem(std::int64_t N, std::int64_t C, Reduction reduction, std::int64_t ignore_index = -100,
                              double label_smoothing = 0.0, bool has_weight = false, bool probability_targets = false);

}  // namespace lossoracle::cuda
