#include "cuda/unit_scaled_api.hpp"

#include <string>

namespace lossoracle::cuda {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw CudaError(std::string("lossoracle cuda: ") + what + ": " + cudaGetErrorString(e));
}

}  // namespace

void enqueue_unit_scaled(const Problem& p, Dtype d, const DeviceTensors& t, const launch::Workspace& w,
                         launch::RowProblem rp, launch::RowTensors rt, cudaStream_t stream) {
  const bool mean = p.reduction == Reduction::mean;
  rp.divisor = static_cast<double>(p.outer);  // B = input.shape[0], ignored rows included
  rp.grad_output_per_row = false;             // the loss is a scalar (sum or mean)
  rt.weight = nullptr;
  rt.per_position = t.per_position;
  rt.value = t.grad_input_unit_scaled;
  const bool probs = p.kind == Kind::unit_scaled_probs;
  if (probs) {
    rt.aux = t.target;
    rt.grad_target = t.grad_target_unit_scaled;
  } else {
    rt.target = static_cast<const std::int64_t*>(t.target);
  }
  if (probs && t.grad_target) {
    // grad_target = dS/dt / B, rounded once; first, as the main pass may
    // write the gradient over the logits.
    launch::RowTensors second = rt;
    second.value = second.grad = second.per_position = nullptr;
    second.grad_target = t.grad_target;
    launch::RowProblem rp2 = rp;
    rp2.reduce = false;
    check(launch::unit_scaled_rows(d, rp2, second, w, p.mult, mean, true, stream), "unit_scaled_cross_entropy kernel");
  }
  check(launch::unit_scaled_rows(d, rp, rt, w, p.mult, mean, false, stream), "unit_scaled_cross_entropy kernel");
  check(launch::reduce_loss(d, rp.rows, mean ? rp.divisor : 1.0, false, t.loss, w, stream), "reduction");
}

}  // namespace lossoracle::cuda
