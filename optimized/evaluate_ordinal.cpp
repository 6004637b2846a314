// The drivers of the SLACE paper's ordinal losses (sord, oll, acc_loss,
// slace_prox): the family's input checks, the per-class data of
// every class that occurs as a target, built once each, then one O(C) row
// kernel per sample over threads and the reduction in index order.
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/hexfloat.hpp"
#include "optimized/driver.hpp"
#include "optimized/evaluate_families.hpp"
#include "optimized/reduce.hpp"
#include "optimized/thread_pool.hpp"

namespace lossoracle::optimized {

namespace {

struct OrdinalRead {
  ClassLayout layout;
  std::vector<std::int64_t> y;
  Reduction reduction = Reduction::mean;
  double alpha = 1.0;
  bool use_logits = true;
  LogBase base = LogBase::e, prox_base = LogBase::e;
  std::vector<double> distance;       // (C, C), or empty
  std::vector<std::int64_t> counts;   // (C) for slace_prox
};

// The paper and the authors' code check nothing: these are the oracle's own
// words (reference/evaluate_ordinal.hpp, docs/spec.md §17 "Errors"), in its
// order. (Written against validate.hpp: the shared checks/ library had not
// landed on main when this was written.)
LogBase parse_log_base(const LossCase& c, const std::string& field) {
  const std::string text = c.params.text(field);
  if (text == "e") return LogBase::e;
  if (text == "2") return LogBase::two;
  if (text == "10") return LogBase::ten;
  throw InputError("params." + field, c.loss + ": " + field + " must be one of e, 2, 10, got " + text);
}

// Finite non-negative distances, (C, C).
void read_distance(const LossCase& c, OrdinalRead& k) {
  const Tensor* d = c.find("distance");
  if (!d) return;
  required(c, "distance");
  const std::int64_t C = k.layout.classes;
  if (d->shape != Shape{C, C})
    throw InputError("inputs.distance", c.loss + ": distance must have shape (C, C) = " + shape_text({C, C}) +
                                            ", got " + shape_text(d->shape));
  for (std::size_t e = 0; e < d->values.size(); ++e)
    if (!std::isfinite(d->values[e]) || d->values[e] < 0)
      throw InputError("inputs.distance", c.loss + ": distance" + index_text(d->shape, static_cast<std::int64_t>(e)) +
                                              " = " + shortest_decimal(d->values[e]) +
                                              " is not a finite non-negative distance");
  k.distance = d->values;
}

// Class counts of Eq. 7: non-negative integers totalling at most 2^50, so
// that prox's integers A_c stay exact.
void read_counts(const LossCase& c, OrdinalRead& k) {
  const Tensor& t = required(c, "class_counts");
  const std::int64_t C = k.layout.classes;
  if (t.shape != Shape{C})
    throw InputError("inputs.class_counts", c.loss + ": class_counts must have shape (C) = " + shape_text({C}) +
                                                ", got " + shape_text(t.shape));
  double total = 0;
  for (std::size_t j = 0; j < t.values.size(); ++j) {
    const double v = t.values[j];
    if (!std::isfinite(v) || v < 0 || v != std::floor(v))
      throw InputError("inputs.class_counts", c.loss + ": class_counts" +
                                                  index_text(t.shape, static_cast<std::int64_t>(j)) + " = " +
                                                  shortest_decimal(v) + " is not a non-negative integer");
    total += v;
    k.counts.push_back(static_cast<std::int64_t>(v));
  }
  if (total > 0x1p50) throw InputError("inputs.class_counts", c.loss + ": class_counts total more than 2^50");
  k.prox_base = parse_log_base(c, "prox_log_base");
}

OrdinalRead read(const LossCase& c, OrdinalLoss loss) {
  OrdinalRead k;
  const Tensor& in = required(c, "input");
  k.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  if (loss != OrdinalLoss::acc_loss) k.alpha = c.params.real("alpha");
  k.use_logits = c.params.boolean("use_logits");
  k.base = parse_log_base(c, "log_base");
  k.layout = batch_layout(c, in, false);
  const Tensor& target = required(c, "target");
  k.y = row_targets(c, target, k.layout.outer, false);
  const std::int64_t C = k.layout.classes;
  for (std::size_t n = 0; n < k.y.size(); ++n)
    if (k.y[n] < 0 || k.y[n] >= C)
      throw InputError("inputs.target", c.loss + ": Target " + std::to_string(k.y[n]) + " is out of bounds. (target" +
                                            index_text(target.shape, static_cast<std::int64_t>(n)) +
                                            "; valid class indices are 0.." + std::to_string(C - 1) + ")");
  if (loss == OrdinalLoss::slace_prox) read_counts(c, k);
  else read_distance(c, k);
  check_grad_output(c, k.reduction == Reduction::none ? Shape{k.layout.outer} : Shape{});
  return k;
}

template <class F, OrdinalLoss Loss>
Outputs ordinal(const LossCase& c) {
  const OrdinalRead k = read(c, Loss);
  const std::int64_t N = k.layout.outer, C = k.layout.classes;
  const Kernels<F>& kern = kernels_for<F>(kernel_table());

  // Each class that occurs as a target, once.
  std::vector<std::int64_t> classes;
  std::vector<char> seen(C, 0);
  for (std::int64_t t : k.y)
    if (!seen[t]) seen[t] = 1, classes.push_back(t);
  std::vector<OrdinalTarget> targets(C);
  OrdinalCloseness src;
  src.distance = k.distance.empty() ? nullptr : k.distance.data();
  src.counts = k.counts.empty() ? nullptr : k.counts.data();
  src.prox_base = k.prox_base;
  parallel_for(static_cast<std::int64_t>(classes.size()), 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) kern.ordinal_target(Loss, src, C, classes[i], k.alpha, targets[classes[i]]);
  });

  const auto row = Loss == OrdinalLoss::sord  ? kern.sord_row
                   : Loss == OrdinalLoss::oll ? kern.oll_row
                                              : kern.accumulating_row;
  const std::vector<F> x = values_as<F>(required(c, "input")), go = optional_values<F>(c, "grad_output");
  std::vector<double> per(N, 0.0);
  std::vector<F> grad(x.size());
  parallel_for(N, row_grain(C), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t n = b; n < e; ++n) {
      double g = go.empty() ? 1.0 : static_cast<double>(go[k.reduction == Reduction::none ? n : 0]);
      if (k.reduction == Reduction::mean) g /= static_cast<double>(N);
      per[n] = row(x.data() + n * C, C, targets[k.y[n]], k.use_logits, k.base, g, grad.data() + n * C);
    }
  });
  Outputs o;
  if (k.reduction == Reduction::none) {
    o.push_back(rounded_output<F>("loss", {N}, per));
  } else {
    const double total = ordered_sum(per);
    o.push_back(rounded_output<F>("loss", {}, {k.reduction == Reduction::sum ? total : total / static_cast<double>(N)}));
  }
  o.push_back(rounded_output<F>("per_position", {N}, per));
  o.push_back(output<F>("grad_input", {N, C}, grad));
  return o;
}

template <OrdinalLoss Loss>
FamilyFn ordinal_fn(Precision p) {
  return p == Precision::f32 ? ordinal<float, Loss> : ordinal<double, Loss>;
}

}  // namespace

FamilyFn sord_fn(Precision p) { return ordinal_fn<OrdinalLoss::sord>(p); }
FamilyFn oll_fn(Precision p) { return ordinal_fn<OrdinalLoss::oll>(p); }
FamilyFn acc_loss_fn(Precision p) { return ordinal_fn<OrdinalLoss::acc_loss>(p); }
FamilyFn slace_prox_fn(Precision p) { return ordinal_fn<OrdinalLoss::slace_prox>(p); }

}  // namespace lossoracle::optimized
