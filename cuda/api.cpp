#include "cuda/api.hpp"

#include <cuda_runtime.h>

#include <cmath>

#include "core/error.hpp"
#include "cuda/label_smoothing_api.hpp"
#include "cuda/unit_scaled_api.hpp"
#include "cuda/cost_matrix_launch.hpp"
#include "cuda/ordinal_groups.hpp"
#include "cuda/ordinal_launch.hpp"
#include "cuda/slace_launch.hpp"

namespace lossoracle::cuda {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw CudaError(std::string("lossoracle cuda: ") + what + ": " + cudaGetErrorString(e));
}

std::size_t accumulate_bytes(Dtype d) { return d == Dtype::float64 ? 8 : 4; }

std::size_t round_up(std::size_t n) { return (n + 255) / 256 * 256; }

bool class_indices(const Problem& p) { return p.index_targets(); }

std::int64_t loss_rows(const Problem& p) { return p.kind == Kind::kl_div || p.is_misclass() ? p.elements() : p.positions(); }

launch::Workspace carve(const Problem& p, Dtype d, void* base) {
  const std::size_t a = accumulate_bytes(d);
  auto* b = static_cast<unsigned char*>(base);
  launch::Workspace w{};
  w.error = reinterpret_cast<unsigned long long*>(b);
  std::size_t at = 256;
  w.target_weight_total = b + at;
  w.weight_sum = b + at + a;
  w.total = b + at + 2 * a;
  at += 256;
  w.partials = b + at;
  at += round_up(launch::kPartials * a);
  w.row_loss = b + at;
  at += round_up(static_cast<std::size_t>(loss_rows(p)) * a);
  w.row_weight = b + at;
  return w;
}

// slace (cuda/slace.cu): one launch, then the reduction.
void enqueue_slace(const Problem& p, Dtype d, launch::RowProblem rp, launch::RowTensors rt, const DeviceTensors& t,
                   const launch::Workspace& w, cudaStream_t stream) {
  const bool reduced = p.reduction != Reduction::none;
  rt.target = static_cast<const std::int64_t*>(t.target);
  rt.per_position = reduced ? t.per_position : t.loss;
  if (p.reduction == Reduction::mean) rp.divisor = static_cast<double>(rp.rows);
  check(launch::slace_rows(d, rp, {p.alpha, p.epsilon, p.use_logits}, rt, w, stream), "slace kernel");
  if (reduced) check(launch::reduce_loss(d, rp.rows, rp.divisor, false, t.loss, w, stream), "reduction");
}

// The ordinal family (cuda/ordinal.cu): one launch, then the reduction.
void enqueue_ordinal(const Problem& p, Dtype d, launch::RowProblem rp, launch::RowTensors rt, const DeviceTensors& t,
                     const launch::Workspace& w, cudaStream_t stream) {
  const bool reduced = p.reduction != Reduction::none;
  const bool empty = p.elements() == 0;
  if (p.has_distance && p.kind != Kind::acc_loss && !t.distance && !empty)
    throw InputError("inputs.distance", p.loss + ": distance is a null device pointer");
  if (needs_group_table(p) && !t.ordinal_groups && !empty)
    throw InputError("inputs.ordinal_groups", p.loss + ": ordinal_groups is a null device pointer");
  if (p.kind == Kind::slace_prox && !t.ordinal_labels && !empty)
    throw InputError("inputs.ordinal_labels", p.loss + ": ordinal_labels is a null device pointer");
  rt.target = static_cast<const std::int64_t*>(t.target);
  rt.per_position = reduced ? t.per_position : t.loss;
  if (p.reduction == Reduction::mean) rp.divisor = static_cast<double>(rp.rows);
  launch::OrdinalParams params{p.alpha, p.use_logits, p.ln_base, t.distance};
  params.groups = needs_group_table(p) ? t.ordinal_groups : nullptr;
  params.labels = p.kind == Kind::slace_prox ? t.ordinal_labels : nullptr;
  if (p.kind == Kind::sord) check(launch::sord_rows(d, rp, params, rt, w, stream), "sord kernel");
  else if (p.kind == Kind::oll) check(launch::oll_rows(d, rp, params, rt, w, stream), "oll kernel");
  else check(launch::accumulating_rows(d, rp, params, rt, w, stream), "acc_loss/slace_prox kernel");
  if (reduced) check(launch::reduce_loss(d, rp.rows, rp.divisor, false, t.loss, w, stream), "reduction");
}

// The misclass losses (cuda/cost_matrix.cu): one launch, then the reduction
// over the N C element losses.
void enqueue_misclass(const Problem& p, Dtype d, launch::RowProblem rp, launch::RowTensors rt, const DeviceTensors& t,
                      const launch::Workspace& w, cudaStream_t stream) {
  const bool reduced = p.reduction != Reduction::none;
  if (!t.cost_matrix && p.elements() > 0) throw InputError("inputs.cost_matrix", p.loss + ": cost_matrix is a null device pointer");
  rt.target = static_cast<const std::int64_t*>(t.target);
  rt.aux = t.cost_matrix;
  rt.per_position = reduced ? t.per_position : t.loss;
  rp.grad_output_per_row = !reduced;  // per element
  if (p.reduction == Reduction::mean) rp.divisor = static_cast<double>(p.elements());
  check(launch::misclass(d, rp, p.clamp_min, rt, w, stream), "misclass kernel");
  if (reduced) check(launch::reduce_loss(d, p.elements(), rp.divisor, false, t.loss, w, stream), "reduction");
}

// per_pair_weighted_ce (cuda/cost_matrix.cu): targets are probabilities (aux),
// the cost matrix rides in the weight slot.
void enqueue_per_pair(const Problem& p, Dtype d, launch::RowProblem rp, launch::RowTensors rt, const DeviceTensors& t,
                      const launch::Workspace& w, cudaStream_t stream) {
  const bool reduced = p.reduction != Reduction::none;
  if (!t.cost_matrix && p.elements() > 0) throw InputError("inputs.cost_matrix", p.loss + ": cost_matrix is a null device pointer");
  rt.aux = t.target;
  rt.weight = t.cost_matrix;
  rt.grad_target = t.grad_target;
  rt.per_position = reduced ? t.per_position : t.loss;
  if (p.reduction == Reduction::mean) rp.divisor = static_cast<double>(rp.rows);
  check(launch::per_pair_weighted_ce(d, rp, rt, w, stream), "per_pair_weighted_ce kernel");
  if (reduced) check(launch::reduce_loss(d, rp.rows, rp.divisor, false, t.loss, w, stream), "reduction");
}

}  // namespace

bool device_available(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    if (why) *why = std::string("no CUDA device present: ") + (e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
    return false;
  }
  return true;
}

std::size_t workspace_bytes(const Problem& p, Dtype d) {
  const std::size_t a = accumulate_bytes(d);
  std::size_t n = 512 + round_up(launch::kPartials * a) + round_up(static_cast<std::size_t>(loss_rows(p)) * a);
  // Per-position weights (class indices) or cotangents (soft_label_cross_entropy).
  if (class_indices(p) || p.kind == Kind::soft_label_probs || p.kind == Kind::soft_label_logits) n += round_up(static_cast<std::size_t>(p.positions()) * a);
  return n;
}

Problem cross_entropy_problem(std::int64_t N, std::int64_t C, Reduction reduction, std::int64_t ignore_index,
                              double label_smoothing, bool has_weight, bool probability_targets) {
  if (N < 0 || C < 0)
    throw InputError("inputs.input", "cross_entropy: negative extent in input shape " + shape_text({N, C}));
  if (reduction == Reduction::batchmean)
    throw InputError("params.reduction",
                     "cross_entropy: batchmean is not a valid value for reduction (expected none, sum or mean)");
  if (label_smoothing > 1.0)
    throw InputError("params.label_smoothing",
                     "cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: " + std::to_string(label_smoothing));
  if (probability_targets && ignore_index >= 0)
    throw InputError("params.ignore_index", "cross_entropy: ignore_index is not supported for floating point target");
  Problem p;
  p.loss = "cross_entropy";
  p.kind = probability_targets ? Kind::cross_entropy_probs : Kind::cross_entropy_index;
  p.input_shape = {N, C};
  p.outer = N;
  p.classes = C;
  p.position_shape = {N};
  p.reduction = reduction;
  p.ignore_index = ignore_index;
  p.label_smoothing = label_smoothing;
  p.has_weight = has_weight;
  return p;
}

void enqueue(const Problem& p, Dtype d, const DeviceTensors& t, void* workspace, std::size_t workspace_size,
             cudaStream_t stream) {
  if (!t.input && p.elements() > 0 && p.kind != Kind::smooth_labels) throw InputError("inputs.input", p.loss + ": input is a null device pointer");
  if (!t.loss) throw InputError("outputs.loss", p.loss + ": the loss output is a null device pointer");
  const bool has_target = p.kind != Kind::log_softmax && p.kind != Kind::softmax &&
                          p.kind != Kind::entropy && p.kind != Kind::smooth_soft_labels;
  if (has_target && !t.target && p.positions() > 0)
    throw InputError("inputs.target", p.loss + ": target is a null device pointer");
  if (p.has_weight && !t.weight) throw InputError("inputs.weight", p.loss + ": weight is a null device pointer");
  const std::size_t need = workspace_bytes(p, d);
  if (!workspace || workspace_size < need)
    throw InputError("workspace", p.loss + ": the workspace holds " + std::to_string(workspace_size) +
                                      " bytes, this call needs " + std::to_string(need) + " (workspace_bytes)");
  const launch::Workspace w = carve(p, d, workspace);
  check(cudaMemsetAsync(w.error, 0xff, sizeof(unsigned long long), stream), "clearing the error word");

  const bool reduced = p.reduction != Reduction::none;
  launch::RowProblem rp{};
  rp.rows = p.positions();
  rp.classes = p.classes;
  rp.inner = p.inner;
  rp.kind = static_cast<int>(p.kind);
  rp.reduce = reduced;
  rp.ignore_index = p.ignore_index;
  rp.label_smoothing = std::isnan(p.label_smoothing) ? 0.0 : p.label_smoothing;
  rp.divisor = 1.0;
  rp.grad_output_per_row = p.reduction == Reduction::none;

  launch::RowTensors rt{};
  rt.x = t.input;
  rt.weight = p.has_weight ? t.weight : nullptr;
  rt.grad_output = t.grad_output;
  rt.grad = t.grad_input;

  switch (p.kind) {
    case Kind::unit_scaled_index:
    case Kind::unit_scaled_probs: enqueue_unit_scaled(p, d, t, w, rp, rt, stream); break;
    case Kind::smooth_labels:
    case Kind::fastai_label_smoothing:
    case Kind::label_smoothed_nll:
    case Kind::issue11959_label_smoothing: enqueue_label_smoothing(p, d, t, w, rp, rt, stream); break;
    case Kind::log_softmax:
    case Kind::softmax:
      rp.reduce = false;
      rt.aux = t.grad_output;  // elementwise cotangent
      rt.grad_output = nullptr;
      rt.value = t.loss;
      check(launch::softmax_rows(d, rp, rt, w, stream), "softmax kernel");
      return;
    case Kind::smooth_soft_labels:
      rp.reduce = false;
      rt.aux = t.grad_output;  // elementwise cotangent
      rt.grad_output = nullptr;
      rt.value = t.loss;
      check(launch::soft_label_rows(d, rp, rt, w, p.label_smoothing, stream), "smooth_soft_labels kernel");
      return;
    case Kind::soft_label_probs:
    case Kind::soft_label_logits: {
      const bool along = reduced && !p.position_shape.empty();
      const std::int64_t d0 = p.position_shape.empty() ? 1 : p.position_shape[0];
      const std::int64_t rest = element_count(p.loss_shape());
      if (along && t.grad_output && p.position_shape.size() >= 2) {
        // Each position's cotangent g[n % rest], into the workspace's per-position area.
        check(launch::expand_cotangent(d, rp.rows, rest, t.grad_output, w.row_weight, stream), "cotangent");
        rt.grad_output = w.row_weight;
        rp.grad_output_per_row = true;
      }
      rp.divisor = along && p.reduction == Reduction::mean ? static_cast<double>(d0) : 1.0;
      rt.aux = t.target;
      rt.grad_target = t.grad_target;
      rt.per_position = reduced ? t.per_position : t.loss;
      check(launch::soft_label_rows(d, rp, rt, w, p.label_smoothing, stream), "soft-label cross entropy kernel");
      if (reduced)
        check(launch::sum_dim0(d, along ? d0 : 1, rest, along && p.reduction == Reduction::mean, t.loss, w, stream),
              "reduction");
      break;
    }
    case Kind::classification_mae: {
      const bool along = reduced && !p.position_shape.empty();
      const std::int64_t last = p.position_shape.empty() ? 1 : p.position_shape.back();
      rp.grad_output_per_row = !reduced;
      rp.divisor = along && p.reduction == Reduction::mean ? static_cast<double>(last) : 1.0;
      rt.aux = t.target;
      rt.grad_target = t.grad_target;
      rt.per_position = reduced ? t.per_position : t.loss;
      check(launch::classification_mae(d, rp, last, along, rt, w, reduced, t.loss, stream),
            "classification_mae_with_logits kernel");
      break;
    }
    case Kind::entropy:
      rt.per_position = reduced ? t.per_position : t.loss;
      // mean divides by the number of positions; none of them gives NaN (0/0).
      if (p.reduction == Reduction::mean) rp.divisor = static_cast<double>(rp.rows);
      check(launch::softmax_rows(d, rp, rt, w, stream), "entropy kernel");
      if (reduced) check(launch::reduce_loss(d, rp.rows, rp.divisor, false, t.loss, w, stream), "reduction");
      break;
    case Kind::nll_loss:
    case Kind::cross_entropy_index:
      rt.target = static_cast<const std::int64_t*>(t.target);
      rp.divisor_on_device = p.reduction == Reduction::mean;
      check(launch::target_weights(d, rp, rt, w, stream), "target check");
      rt.per_position = reduced ? t.per_position : t.loss;
      if (p.kind == Kind::nll_loss)
        check(launch::nll(d, rp, rt, w, stream), "nll_loss kernel");
      else
        check(launch::cross_entropy_rows(d, rp, rt, w, stream), "cross_entropy kernel");
      if (reduced) check(launch::reduce_loss(d, rp.rows, 1.0, rp.divisor_on_device, t.loss, w, stream), "reduction");
      break;
    case Kind::cross_entropy_probs: {
      rt.aux = t.target;
      rt.grad_target = t.grad_target;
      rt.per_position = reduced ? t.per_position : t.loss;
      // mean divides by the number of positions; an empty input gives NaN (0/0).
      if (p.reduction == Reduction::mean) rp.divisor = p.elements() == 0 ? 0.0 : static_cast<double>(rp.rows);
      check(launch::cross_entropy_rows(d, rp, rt, w, stream), "cross_entropy kernel");
      if (reduced) check(launch::reduce_loss(d, rp.rows, rp.divisor, false, t.loss, w, stream), "reduction");
      break;
    }
    case Kind::slace:
      enqueue_slace(p, d, rp, rt, t, w, stream);
      break;
    case Kind::sord:
    case Kind::oll:
    case Kind::acc_loss:
    case Kind::slace_prox:
      enqueue_ordinal(p, d, rp, rt, t, w, stream);
      break;
    case Kind::misclass_a:
    case Kind::misclass_a_logits:
    case Kind::misclass_b_as_published:
    case Kind::misclass_b:
      enqueue_misclass(p, d, rp, rt, t, w, stream);
      break;
    case Kind::per_pair_weighted_ce:
      enqueue_per_pair(p, d, rp, rt, t, w, stream);
      break;
    case Kind::kl_div: {
      double divisor = 1.0;
      if (p.reduction == Reduction::mean) divisor = static_cast<double>(p.elements());
      if (p.reduction == Reduction::batchmean)
        divisor = p.input_shape.empty() ? 1.0 : static_cast<double>(p.input_shape[0]);
      check(launch::kl_div(d, p.elements(), p.log_target, reduced, divisor, !reduced, t.input, t.target,
                           t.grad_output, reduced ? t.per_position : t.loss, t.grad_input, t.grad_target, w, stream),
            "kl_div kernel");
      if (reduced) check(launch::reduce_loss(d, p.elements(), divisor, false, t.loss, w, stream), "reduction");
      break;
    }
  }
}

void check_targets(const Problem& p, const DeviceTensors& t, const void* workspace, cudaStream_t stream) {
  if (!class_indices(p)) return;
  unsigned long long first = 0;
  check(cudaMemcpyAsync(&first, workspace, sizeof first, cudaMemcpyDeviceToHost, stream), "reading the error word");
  check(cudaStreamSynchronize(stream), "kernel execution");
  if (first == ~0ull) return;
  std::int64_t value = 0;
  check(cudaMemcpy(&value, static_cast<const std::int64_t*>(t.target) + first, sizeof value, cudaMemcpyDeviceToHost),
        "reading the bad target");
  throw InputError("inputs.target", target_out_of_range_message(p, static_cast<std::int64_t>(first), value));
}

void run(const Problem& p, Dtype d, const DeviceTensors& t, void* workspace, std::size_t workspace_size,
         cudaStream_t stream) {
  enqueue(p, d, t, workspace, workspace_size, stream);
  check_targets(p, t, workspace, stream);
}

}  // namespace lossoracle::cuda
