// Internal to the host build (cuda/host_*.cpp): driving a row policy over
// every position as the kernels do, and the per-family host evaluations that
// evaluate_on_host dispatches to.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "core/loss_case.hpp"
#include "cuda/host_tier.hpp"
#include "cuda/softmax.cuh"

namespace lossoracle::cuda::host {

template <class A>
std::vector<A> values_of(const LossCase& c, const char* name) {
  const Tensor* t = c.find(name);
  if (!t) return {};
  return std::vector<A>(t->values.begin(), t->values.end());
}

// One row policy over every position: pass 1 (classes over `lanes` lanes,
// merged by the kernels' tree; 1 lane: left to right), finish, pass 2.
template <class A, class Policy, class InputsOf>
void run_rows(int lanes, const Policy& policy, const Problem& p, const std::vector<A>& x, const std::vector<A>& aux, A aux_default,
              const std::vector<A>& weight, const std::vector<std::int64_t>* targets, InputsOf inputs_of,
              std::vector<A>& value, std::vector<A>& grad, std::vector<A>* grad_target, std::vector<A>& row_loss) {
  const std::int64_t C = p.classes, inner = p.inner;
  for (std::int64_t pos = 0; pos < p.positions(); ++pos) {
    const std::int64_t base = (pos / inner) * C * inner + pos % inner;
    auto aux_at = [&](std::int64_t c) { return aux.empty() ? aux_default : aux[base + c * inner]; };
    auto w_at = [&](std::int64_t c) { return weight.empty() ? A(1) : weight[c]; };
    RowInputs<A> in = inputs_of(pos, base);
    in.aux_ref = C > 0 ? aux_at(0) : A(0);
    using State = decltype(policy.initial(in));
    std::vector<State> states(static_cast<std::size_t>(lanes), policy.initial(in));
    for (std::int64_t c = 0; c < C; ++c) policy.push(states[c % lanes], x[base + c * inner], aux_at(c), w_at(c));
    for (int s = lanes / 2; s > 0; s /= 2)
      for (int t = 0; t < s; ++t) states[t] = State::merge(states[t], states[t + s]);
    const auto k = policy.finish(states[0], in);
    const std::int64_t y = targets ? (*targets)[pos] : -1;
    std::vector<A> terms(static_cast<std::size_t>(lanes), A(0));
    for (std::int64_t c = 0; c < C; ++c) {
      const ElementOut<A> o = policy.element(k, c == y, x[base + c * inner], aux_at(c), w_at(c));
      value[base + c * inner] = o.value;
      grad[base + c * inner] = o.grad;
      if (grad_target) (*grad_target)[base + c * inner] = o.grad_target;
      terms[c % lanes] += o.loss_term;
    }
    for (int s = lanes / 2; s > 0; s /= 2)
      for (int t = 0; t < s; ++t) terms[t] = terms[t] + terms[t + s];
    row_loss[pos] = policy.row_loss(k, terms[0]);
  }
}

template <class A>
std::vector<double> widen(const std::vector<A>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// The "loss" output from the per-position terms: the terms themselves for
// reduction none, else their sum in index order (divided by `divisor` for
// mean), the one order the host build's figures are measured in.
template <class A>
std::vector<A> reduced_loss(const Problem& p, const std::vector<A>& terms, A divisor) {
  if (p.reduction == Reduction::none) return terms;
  A total(0);
  for (const A& v : terms) total += v;
  return {p.reduction == Reduction::sum ? total : total / divisor};
}

// loss (reduced as above), per_position and grad_input of a loss with one
// term per row of the input.
template <class A>
std::vector<HostOutput> row_loss_outputs(const Problem& p, const std::vector<A>& row_loss, const std::vector<A>& grad,
                                         A divisor) {
  return {{"loss", p.loss_shape(), widen(reduced_loss(p, row_loss, divisor))},
          {"per_position", p.position_shape, widen(row_loss)},
          {"grad_input", p.input_shape, widen(grad)}};
}

// Class indices as the kernels read them: one outside [0, C) that is not
// ignore_index is an error with the reference tier's words, never clamped.
inline std::vector<std::int64_t> checked_targets(const Problem& p, const LossCase& c) {
  const Tensor& t = *c.find("target");
  std::vector<std::int64_t> y(t.values.size());
  for (std::size_t k = 0; k < y.size(); ++k) {
    y[k] = static_cast<std::int64_t>(t.values[k]);
    if (y[k] != p.ignore_index && (y[k] < 0 || y[k] >= p.classes))
      throw InputError("inputs.target", target_out_of_range_message(p, static_cast<std::int64_t>(k), y[k]));
  }
  return y;
}


// One per family beyond the cross-entropy family's (host_<family>.cpp).
template <class A>
std::vector<HostOutput> unit_scaled_on_host(const LossCase& c, const Problem& p, int lanes);
template <class A>
std::vector<HostOutput> label_smoothing_on_host(const LossCase& c, const Problem& p, int lanes);
template <class A>
std::vector<HostOutput> soft_label_on_host(const LossCase& c, const Problem& p, int lanes);

}  // namespace lossoracle::cuda::host
