#include "cuda/host_tier.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "cuda/cross_entropy.cuh"
#include "cuda/host_rows.hpp"
#include "cuda/kl_div.cuh"
#include "cuda/cost_matrix_host.hpp"
#include "cuda/ordinal_host.hpp"
#include "cuda/slace_host.hpp"

namespace lossoracle::cuda {

using host::run_rows;
using host::values_of;
using host::widen;
using host::checked_targets;

template <class A>
std::vector<HostOutput> evaluate_on_host(const LossCase& c, int lanes) {
  if (lanes < 1 || (lanes & (lanes - 1)) != 0) throw std::invalid_argument("evaluate_on_host: lanes must be a power of two");
  const Problem p = problem_from_case(c);
  if (p.kind == Kind::slace) return slace_on_host<A>(c, p, lanes);
  if (p.kind == Kind::sord) return sord_on_host<A>(c, p, lanes);
  if (p.kind == Kind::oll) return oll_on_host<A>(c, p, lanes);
  if (p.kind == Kind::acc_loss || p.kind == Kind::slace_prox) return accumulating_on_host<A>(c, p, lanes);
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
    case Kind::unit_scaled_index:
    case Kind::unit_scaled_probs: return host::unit_scaled_on_host<A>(c, p, lanes);
    case Kind::smooth_labels:
    case Kind::fastai_label_smoothing:
    case Kind::label_smoothed_nll:
    case Kind::issue11959_label_smoothing: return host::label_smoothing_on_host<A>(c, p, lanes);
    case Kind::smooth_soft_labels:
    case Kind::soft_label_probs:
    case Kind::soft_label_logits:
    case Kind::classification_mae: return host::soft_label_on_host<A>(c, p, lanes);
    case Kind::entropy: {
      if (p.reduction == Reduction::mean) divisor = A(static_cast<double>(P));
      auto inputs_of = [&](std::int64_t pos, std::int64_t) {
        RowInputs<A> in;
        in.g = row_g(pos);
        return in;
      };
      run_rows<A>(lanes, EntropyRow<A>{divisor}, p, x, none, A(0), none, nullptr, inputs_of, value, grad, nullptr,
                  row_loss);
      break;
    }
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
      const std::vector<std::int64_t> y = checked_targets(p, c);
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
    case Kind::sord:
    case Kind::oll:
    case Kind::acc_loss:
    case Kind::slace_prox:
    case Kind::misclass_a:
    case Kind::misclass_a_logits:
    case Kind::misclass_b_as_published:
    case Kind::misclass_b:
    case Kind::per_pair_weighted_ce:
      break;
  }

  std::vector<HostOutput> out;
  const std::vector<A> loss = host::reduced_loss(p, row_loss, divisor);
  out.push_back({"loss", p.loss_shape(), widen(loss)});
  out.push_back({"per_position", p.position_shape, widen(row_loss)});
  out.push_back({"grad_input", p.input_shape, widen(grad)});
  if (p.has_grad_target()) out.push_back({"grad_target", c.find("target")->shape, widen(grad_target)});
  return out;
}

template std::vector<HostOutput> evaluate_on_host<float>(const LossCase&, int);
template std::vector<HostOutput> evaluate_on_host<double>(const LossCase&, int);

}  // namespace lossoracle::cuda
