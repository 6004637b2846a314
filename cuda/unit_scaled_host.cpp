// unit_scaled_cross_entropy on the host build: cuda/unit_scaled.cuh's row
// policies driven as the kernels drive them (cuda/unit_scaled.cu), including
// the probability kernel's second pass for the divided target gradient.
#include <cmath>

#include "cuda/host_rows.hpp"
#include "cuda/unit_scaled.cuh"

namespace lossoracle::cuda::host {

template <class A>
UnitScaledCall<A> unit_scaled_call(const Problem& p) {
  UnitScaledCall<A> call;
  const double V = static_cast<double>(p.classes);
  call.mult = A(p.mult);
  call.unit_scale = A(V / std::sqrt(V - 1.0));
  call.batch = A(static_cast<double>(p.outer));
  call.divide = p.reduction == Reduction::mean;
  return call;
}

template <class A>
std::vector<HostOutput> unit_scaled_on_host(const LossCase& c, const Problem& p, int lanes) {
  const std::vector<A> x = values_of<A>(c, "input");
  const std::vector<A> go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  const A g = go.empty() ? A(1) : go[0];
  std::vector<A> scaled(x.size(), A(0)), grad(x.size(), A(0)), row_loss(p.positions(), A(0));
  std::vector<A> grad_target, grad_target_scaled;
  const UnitScaledCall<A> call = unit_scaled_call<A>(p);
  auto inputs_of = [&](std::int64_t, std::int64_t) {
    RowInputs<A> in;
    in.g = g;
    return in;
  };
  if (p.kind == Kind::unit_scaled_index) {
    const std::vector<std::int64_t> y = checked_targets(p, c);
    auto index_inputs = [&](std::int64_t pos, std::int64_t base) {
      RowInputs<A> in = inputs_of(pos, base);
      in.ignored = y[pos] == p.ignore_index;
      if (!in.ignored) in.x_target = x[base + y[pos] * p.inner];
      return in;
    };
    run_rows<A>(lanes, UnitScaledIndexRow<A>{call}, p, x, none, A(0), none, &y, index_inputs, scaled, grad, nullptr,
                row_loss);
  } else {
    const std::vector<A> t = values_of<A>(c, "target");
    grad_target_scaled.assign(x.size(), A(0));
    run_rows<A>(lanes, UnitScaledProbsRow<A>{call}, p, x, t, A(0), none, nullptr, inputs_of, scaled, grad,
                &grad_target_scaled, row_loss);
    // The kernels' second pass: only grad_target (dS/dt / B) is kept.
    UnitScaledCall<A> divided = call;
    divided.target_divided = true;
    std::vector<A> ignored_value(x.size()), ignored_grad(x.size()), ignored_loss(row_loss.size());
    grad_target.assign(x.size(), A(0));
    run_rows<A>(lanes, UnitScaledProbsRow<A>{divided}, p, x, t, A(0), none, nullptr, inputs_of, ignored_value,
                ignored_grad, &grad_target, ignored_loss);
  }
  A total(0);
  for (const A& v : row_loss) total += v;
  const A loss = call.divide ? total / call.batch : total;
  std::vector<HostOutput> out;
  out.push_back({"loss", p.loss_shape(), {static_cast<double>(loss)}});
  out.push_back({"per_position", p.position_shape, widen(row_loss)});
  out.push_back({"grad_input", p.input_shape, widen(grad)});
  if (p.kind == Kind::unit_scaled_probs) out.push_back({"grad_target", p.input_shape, widen(grad_target)});
  out.push_back({"grad_input_unit_scaled", p.input_shape, widen(scaled)});
  if (p.kind == Kind::unit_scaled_probs)
    out.push_back({"grad_target_unit_scaled", p.input_shape, widen(grad_target_scaled)});
  return out;
}

template std::vector<HostOutput> unit_scaled_on_host<float>(const LossCase&, const Problem&, int);
template std::vector<HostOutput> unit_scaled_on_host<double>(const LossCase&, const Problem&, int);

}  // namespace lossoracle::cuda::host
