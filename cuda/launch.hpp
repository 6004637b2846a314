// What the per-family .cu files export to the host API (cuda/api.cpp):
// one launch function per kernel, for each storage type T. Plain C++ with
// opaque pointers, so api.cpp compiles with the host compiler.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace lossoracle::cuda::launch {

enum class Storage { float32, float64, bfloat16, float16 };

// Workspace layout (docs/cuda.md): an error word (the first bad position,
// all ones when none), three accumulation-type scalars (W = sum of w[y] over
// kept positions, sum_c w_c, the reduced total), kPartials partial sums,
// then per-position (or per-element) losses and per-position weights.
constexpr std::int64_t kPartials = 256;

struct Workspace {
  unsigned long long* error;
  void* target_weight_total;  // W
  void* weight_sum;
  void* total;
  void* partials;
  void* row_loss;
  void* row_weight;
};

// Row kernels: one block per position (outer * inner of them), the class
// dimension strided by `inner`.
struct RowProblem {
  std::int64_t rows, classes, inner;
  int kind;  // cuda::Kind
  bool reduce;  // per-position losses go to the workspace for a reduction
  std::int64_t ignore_index;
  double label_smoothing;
  double divisor;  // host-known divisor of mean (probabilities: P); W comes from the workspace
  bool divisor_on_device;
  bool grad_output_per_row;  // reduction none: one cotangent per position
};

struct RowTensors {
  const void* x;
  const void* aux;  // soft target or elementwise grad_output
  const void* weight;
  const std::int64_t* target;
  const void* grad_output;  // per-row or scalar cotangent (losses with a reduction)
  void* value;
  void* grad;
  void* grad_target;
  void* per_position;
};

cudaError_t softmax_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, cudaStream_t stream);
cudaError_t cross_entropy_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w,
                               cudaStream_t stream);
cudaError_t nll(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, cudaStream_t stream);
// Checks class indices (error word), writes per-position weights, and
// reduces them into W (and the weights into sum_c w_c).
cudaError_t target_weights(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w,
                           cudaStream_t stream);
cudaError_t kl_div(Storage s, std::int64_t elements, bool log_target, bool reduce, double divisor,
                   bool grad_output_per_element, const void* x, const void* t, const void* grad_output, void* per_position,
                   void* grad_input, void* grad_target, const Workspace& w, cudaStream_t stream);
// total = sum of n per-row losses; loss = total / divisor (W on the device if divisor_on_device).
cudaError_t reduce_loss(Storage s, std::int64_t n, double divisor, bool divisor_on_device, void* loss,
                        const Workspace& w, cudaStream_t stream);

// unit_scaled_cross_entropy (cuda/unit_scaled.cu): the row kernel of its
// class-index or probability policy (p.kind), p.divisor = B. target_divided:
// the probability kernel's second pass, writing grad_target = dS/dt / B only.
cudaError_t unit_scaled_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, double mult,
                             bool mean, bool target_divided, cudaStream_t stream);

// The label-smoothing family (cuda/label_smoothing.cu). smooth_labels: out
// (rows, classes) from rows class indices, an index outside [0, C) flagged
// in the error word and its row NaN. label_smoothing_rows: the row kernel of
// fastai's (p.divisor_on_device: W from target_weights) or fairseq's policy
// (p.kind); contribution: fastai's mean pass, row losses = shares of the mean.
cudaError_t smooth_labels(Storage s, std::int64_t rows, std::int64_t classes, double eps, const std::int64_t* target,
                          void* out, const Workspace& w, cudaStream_t stream);
cudaError_t label_smoothing_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, double eps,
                                 bool mean, bool contribution, cudaStream_t stream);
// issue #11959's loss: H / W into w.target_weight_total (W there before),
// H = sum of the grad_output (per_row; P without one) or grad_output[0]
// times factor (1 without one); then each row's loss row_loss[n] +
// (1 - eps) w.total (the batch-mean nll) into row_loss and per_position.
cudaError_t issue11959_ratio(Storage s, std::int64_t rows, const void* grad_output, bool per_row, double factor,
                             const Workspace& w, cudaStream_t stream);
cudaError_t issue11959_finish(Storage s, std::int64_t rows, double eps, void* per_position, const Workspace& w,
                              cudaStream_t stream);

// The soft-label family (cuda/soft_label.cu): the row kernel of
// smooth_soft_labels (t.value: the smoothed labels, t.aux: the elementwise
// cotangent) or soft_label_cross_entropy (t.aux: the labels; p.divisor:
// d0 for a mean along dimension 0); incendio's reduction along dimension 0
// of the positions (from w.row_loss), and the cotangent it broadcasts.
cudaError_t soft_label_rows(Storage s, const RowProblem& p, const RowTensors& t, const Workspace& w, double alpha,
                            cudaStream_t stream);
cudaError_t expand_cotangent(Storage s, std::int64_t rows, std::int64_t rest, const void* g, void* out,
                             cudaStream_t stream);
cudaError_t sum_dim0(Storage s, std::int64_t d0, std::int64_t rest, bool mean, void* out, const Workspace& w,
                     cudaStream_t stream);
// classification_mae_with_logits: one block per position (t.aux the
// labels; t.grad_output per position when p.grad_output_per_row, else
// g[row / last] when `along`, else a scalar; p.divisor: last for a mean along
// the last dimension of the positions); then, if reduce_out, the sum along
// that dimension (or of every position, not along: (C) input) into out.
cudaError_t classification_mae(Storage s, const RowProblem& p, std::int64_t last, bool along, const RowTensors& t,
                               const Workspace& w, bool reduce_out, void* out, cudaStream_t stream);

}  // namespace lossoracle::cuda::launch
