#include "cuda/label_smoothing_api.hpp"

#include <string>

namespace lossoracle::cuda {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw CudaError(std::string("lossoracle cuda: ") + what + ": " + cudaGetErrorString(e));
}

}  // namespace

void enqueue_label_smoothing(const Problem& p, Dtype d, const DeviceTensors& t, const launch::Workspace& w,
                             launch::RowProblem rp, launch::RowTensors rt, cudaStream_t stream) {
  const auto* target = static_cast<const std::int64_t*>(t.target);
  if (p.kind == Kind::smooth_labels) {
    check(launch::smooth_labels(d, p.outer, p.classes, p.label_smoothing, target, t.loss, w, stream), "smooth_labels kernel");
    return;
  }
  const bool reduced = p.reduction != Reduction::none;
  const bool mean = p.reduction == Reduction::mean;
  rt.target = target;
  rt.per_position = reduced ? t.per_position : t.loss;
  if (p.kind == Kind::issue11959_label_smoothing) {
    check(launch::target_weights(d, rp, rt, w, stream), "target check");  // W
    // Each row's nll (cross_entropy's row kernel, no gradient), then their batch mean into w.total.
    launch::RowProblem nrp = rp;
    nrp.kind = static_cast<int>(Kind::cross_entropy_index);
    nrp.label_smoothing = 0.0;
    nrp.divisor = 1.0;
    nrp.reduce = true;
    launch::RowTensors nrt{};
    nrt.x = rt.x;
    nrt.target = target;
    check(launch::cross_entropy_rows(d, nrp, nrt, w, stream), "cross_entropy kernel");
    check(launch::reduce_loss(d, rp.rows, 1.0, true, nullptr, w, stream), "reduction");
    const double P = static_cast<double>(rp.rows);
    check(launch::issue11959_ratio(d, rp.rows, t.grad_output, !reduced, reduced && !mean ? P : reduced ? 1.0 : P, w,
                                   stream),
          "issue #11959 cotangent sum");
    rp.divisor_on_device = true;  // H / W
    rp.reduce = true;
    rt.per_position = nullptr;
    check(launch::label_smoothing_rows(d, rp, rt, w, p.label_smoothing, mean, false, stream), "label smoothing kernel");
    check(launch::issue11959_finish(d, rp.rows, p.label_smoothing, reduced ? t.per_position : t.loss, w, stream),
          "issue #11959 row losses");
    if (reduced) check(launch::reduce_loss(d, rp.rows, mean ? P : 1.0, false, t.loss, w, stream), "reduction");
    return;
  }
  if (p.kind == Kind::fastai_label_smoothing) {
    check(launch::target_weights(d, rp, rt, w, stream), "target check");
    rp.divisor_on_device = mean;
    if (mean) {
      // The shares of the mean first: the main pass may write the gradient over the logits.
      launch::RowTensors shares{};
      shares.x = rt.x;
      shares.weight = rt.weight;
      shares.target = rt.target;
      shares.grad_output = rt.grad_output;
      rp.reduce = true;
      check(launch::label_smoothing_rows(d, rp, shares, w, p.label_smoothing, mean, true, stream),
            "label smoothing kernel");
    }
    rp.reduce = reduced && !mean;
    check(launch::label_smoothing_rows(d, rp, rt, w, p.label_smoothing, mean, false, stream), "label smoothing kernel");
    if (reduced) check(launch::reduce_loss(d, rp.rows, 1.0, false, t.loss, w, stream), "reduction");
    return;
  }
  // fairseq: nll_loss (-l_y, the nll kernel without a gradient) first, as
  // the main pass may write the gradient over the log-probabilities.
  launch::RowTensors nll{};
  nll.x = rt.x;
  nll.target = rt.target;
  nll.per_position = reduced ? nullptr : t.nll_loss;
  check(launch::nll(d, rp, nll, w, stream), "nll kernel");
  if (reduced) check(launch::reduce_loss(d, rp.rows, 1.0, false, t.nll_loss, w, stream), "reduction");
  check(launch::label_smoothing_rows(d, rp, rt, w, p.label_smoothing, false, false, stream), "label smoothing kernel");
  if (reduced) check(launch::reduce_loss(d, rp.rows, 1.0, false, t.loss, w, stream), "reduction");
}

}  // namespace lossoracle::cuda
