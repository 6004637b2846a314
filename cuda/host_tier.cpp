#include "cuda/host_tier.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "cuda/cross_entropy.cuh"
#include "cuda/kl_div.cuh"
#include "cuda/cost_matrix_host.hpp"
#include "cuda/slace_host.hpp"

namespace lossoracle::cuda {

namespace {

template <class A>
std::vector<A> values_of(const LossCase& c, const char* name) {
  const Tensor* t = c.find(name);
  if (!t) return {};
  return std::vector<A>(t->values.begin(), t->values.end());
}

// One row policy over every position, left to right: pass 1, finish, pass 2.
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
std::vector<std::int64_t> checked_targets(const Problem& p, const LossCase& c) {
  const Tensor& t = *c.find("target");
  std::vector<std::int64_t> y(t.values.size());
  for (std::size_t k = 0; k < y.size(); ++k) {
    y[k] = static_cast<std::int64_t>(t.values[k]);
    if (y[k] != p.ignore_index && (y[k] < 0 || y[k] >= p.classes))
      throw InputError("inputs.target", target_out_of_range_message(p, static_cast<std::int64_t>(k), y[k]));
  }
  return y;
}

template <class A>
std::vector<double> widen(const std::vector<A>& v) {
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace

template <class A>
std::vector<HostOutput> evaluate_on_host(const LossCase& c, int lanes) {
  if (lanes < 1 || (lanes & (lanes - 1)) != 0) throw std::invalid_argument("evaluate_on_host: lanes must be a power of two");
  const Problem p = problem_from_case(c);
  if (p.kind == Kind::slace) return slace_on_host<A>(c, p, lanes);
  if (p.is_misclass()) return misclass_on_host<A>(c, p, lanes);
  if (p.kind == Kind::per_pair_weighted_ce) return per_pair_weighted_ce_on_host<A>(c, p, lanes);
  const std::vector<A> x = values_of<A>(c, "input");
  const std::vector<A> w = values_of<A>(c, "weight");
  const std::vector<A> go = values_of<A>(c, "grad_output");
  const std::vector<A> none;
  const std::int64_t P = p.positions();
  std::vector<A> value(x.size(), A(0)), grad(x.size(), A(0)), grad_target, row_loss(P, A(0));
  A divisor(1);
  // The row cotangent before division: grad_output per position (none) or its scalar.
  auto row_g = [&](std::int64_t pos) {
    if (go.empty()) return A(1);
    return p.reduction == Reduction::none ? go[pos] : go[0];
  };

  switch (p.kind) {
    case Kind::log_softmax:
    case Kind::softmax: {
      auto inputs_of = [](std::int64_t, std::int64_t) { return RowInputs<A>{}; };
      if (p.kind == Kind::log_softmax)
        run_rows<A>(lanes, LogSoftmaxRow<A>{}, p, x, go, A(1), none, nullptr, inputs_of, value, grad, nullptr, row_loss);
      else
        run_rows<A>(lanes, SoftmaxOutRow<A>{}, p, x, go, A(1), none, nullptr, inputs_of, value, grad, nullptr, row_loss);
      return {{"loss", p.input_shape, widen(value)}, {"grad_input", p.input_shape, widen(grad)}};
    }
    case Kind::nll_loss:
    case Kind::cross_entropy_index: {
      const std::vector<std::int64_t> y = checked_targets<A>(p, c);
      A weight_sum(0), W(0);
      for (std::int64_t k = 0; k < p.classes; ++k) weight_sum += w.empty() ? A(1) : w[k];
      for (std::int64_t t : y)
        if (t != p.ignore_index) W += w.empty() ? A(1) : w[t];
      if (p.reduction == Reduction::mean) divisor = W;
      auto inputs_of = [&](std::int64_t pos, std::int64_t base) {
        RowInputs<A> in;
        in.ignored = y[pos] == p.ignore_index;
        if (!in.ignored) {
          in.x_target = x[base + y[pos] * p.inner];
          in.w_target = w.empty() ? A(1) : w[y[pos]];
        }
        in.g = row_g(pos);
        in.weight_sum = weight_sum;
        return in;
      };
      if (p.kind == Kind::nll_loss) {
        for (std::int64_t pos = 0; pos < P; ++pos) {
          const std::int64_t base = (pos / p.inner) * p.classes * p.inner + pos % p.inner;
          const RowInputs<A> in = inputs_of(pos, base);
          row_loss[pos] = nll_row_loss(in.x_target, in.w_target, in.ignored);
          if (!in.ignored) grad[base + y[pos] * p.inner] = nll_target_grad(in.g, divisor, in.w_target, in.ignored);
        }
      } else {
        CrossEntropyIndexRow<A> policy;
        const double eps = p.label_smoothing;
        policy.call.smoothing = eps > 0.0;
        if (policy.call.smoothing) {
          policy.call.keep = A(1) - A(eps);
          policy.call.spread = A(eps) / A(static_cast<double>(p.classes));
        }
        policy.call.divisor = divisor;
        run_rows<A>(lanes, policy, p, x, none, A(0), w, &y, inputs_of, value, grad, nullptr, row_loss);
      }
      break;
    }
    case Kind::cross_entropy_probs: {
      const std::vector<A> t = values_of<A>(c, "target");
      grad_target.assign(x.size(), A(0));
      CrossEntropyProbsRow<A> policy;
      const double eps = p.label_smoothing;
      policy.call.smoothing = eps > 0.0;
      if (policy.call.smoothing) {
        policy.call.keep = A(1) - A(eps);
        policy.call.spread = A(eps) / A(static_cast<double>(p.classes));
      }
      if (p.reduction == Reduction::mean) divisor = A(x.empty() ? 0.0 : static_cast<double>(P));
      policy.call.divisor = divisor;
      auto inputs_of = [&](std::int64_t pos, std::int64_t) {
        RowInputs<A> in;
        in.g = row_g(pos);
        return in;
      };
      run_rows<A>(lanes, policy, p, x, t, A(0), w, nullptr, inputs_of, value, grad, &grad_target, row_loss);
      break;
    }
    case Kind::kl_div: {
      const std::vector<A> t = values_of<A>(c, "target");
      grad_target.assign(x.size(), A(0));
      if (p.reduction == Reduction::mean) divisor = A(static_cast<double>(x.size()));
      if (p.reduction == Reduction::batchmean)
        divisor = A(p.input_shape.empty() ? 1.0 : static_cast<double>(p.input_shape[0]));
      for (std::int64_t k = 0; k < P; ++k) {
        const A g_raw = row_g(k);
        const A g = p.reduction == Reduction::mean || p.reduction == Reduction::batchmean ? g_raw / divisor : g_raw;
        const KlDivElement<A> e = kl_div_element(p.log_target, x[k], t[k], g, !go.empty() && g_raw == A(0));
        row_loss[k] = e.loss;
        grad[k] = e.grad_input;
        grad_target[k] = e.grad_target;
      }
      break;
    }
    case Kind::slace:  // above
    case Kind::misclass_a:
    case Kind::misclass_a_logits:
    case Kind::misclass_b_as_published:
    case Kind::per_pair_weighted_ce:
      break;
  }

  std::vector<HostOutput> out;
  std::vector<A> loss;
  if (p.reduction == Reduction::none) {
    loss = row_loss;
  } else {
    A total(0);
    for (const A& v : row_loss) total += v;
    loss = {p.reduction == Reduction::sum ? total : total / divisor};
  }
  out.push_back({"loss", p.loss_shape(), widen(loss)});
  out.push_back({"per_position", p.position_shape, widen(row_loss)});
  out.push_back({"grad_input", p.input_shape, widen(grad)});
  if (p.has_grad_target()) out.push_back({"grad_target", c.find("target")->shape, widen(grad_target)});
  return out;
}

template std::vector<HostOutput> evaluate_on_host<float>(const LossCase&, int);
template std::vector<HostOutput> evaluate_on_host<double>(const LossCase&, int);

}  // namespace lossoracle::cuda
