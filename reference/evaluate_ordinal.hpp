// Evaluators of the SLACE paper's ordinal losses (sord, oll, acc_loss,
// slace_prox). The paper and its authors' code define no input checks, so
// the messages are the oracle's own, worded like PyTorch's nll_loss.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "reference/evaluate_slace.hpp"
#include "reference/ordinal.hpp"

namespace lossoracle::reference {

namespace ordinal_eval {

// Holds the distance data that `distance` points into: not copyable.
struct OrdinalCase {
  OrdinalCase() = default;
  OrdinalCase(const OrdinalCase&) = delete;
  OrdinalCase& operator=(const OrdinalCase&) = delete;
  ClassLayout layout;
  std::vector<std::int64_t> y;
  OrdinalOptions options;
  DistanceSpec distance;
  std::vector<double> matrix;
  std::vector<std::int64_t> counts;
};

inline void read_common(const LossCase& c, OrdinalCase& k, bool has_alpha) {
  const Tensor& in = required(c, "input");
  k.options.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  k.options.alpha = has_alpha ? c.params.real("alpha") : 1.0;
  k.options.use_logits = c.params.boolean("use_logits");
  k.options.base = parse_log_base(c.loss, "log_base", c.params.text("log_base"));
  k.layout = batch_layout(c, in, false);
  const Tensor& target = required(c, "target");
  k.y = row_targets(c, target, k.layout.outer, false);
  const std::int64_t C = k.layout.classes;
  for (std::size_t n = 0; n < k.y.size(); ++n)
    if (k.y[n] < 0 || k.y[n] >= C)
      throw InputError("inputs.target", c.loss + ": Target " + std::to_string(k.y[n]) + " is out of bounds. (target" +
                                            index_text(target.shape, static_cast<std::int64_t>(n)) +
                                            "; valid class indices are 0.." + std::to_string(C - 1) + ")");
}

// An optional (C, C) matrix of finite, non-negative distances; row y holds
// dis(c_i, y). Ties in a row are classes equally close to y.
inline void read_distance(const LossCase& c, OrdinalCase& k) {
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
  k.matrix = d->values;
  k.distance.kind = DistanceSpec::Kind::matrix;
  k.distance.matrix = &k.matrix;
}

// Class counts n_j of Eq. 7: non-negative integers, their total at most 2^50
// so that every 2 * (n_c / 2 + ...) is an exact integer.
inline void read_counts(const LossCase& c, OrdinalCase& k) {
  const Tensor& t = required(c, "class_counts");
  const std::int64_t C = k.layout.classes;
  if (t.shape != Shape{C})
    throw InputError("inputs.class_counts", c.loss + ": class_counts must have shape (C) = " + shape_text({C}) +
                                                ", got " + shape_text(t.shape));
  double total = 0;
  for (std::size_t j = 0; j < t.values.size(); ++j) {
    const double v = t.values[j];
    if (!std::isfinite(v) || v < 0 || v != std::floor(v))
      throw InputError("inputs.class_counts", c.loss + ": class_counts" + index_text(t.shape, static_cast<std::int64_t>(j)) +
                                                  " = " + shortest_decimal(v) + " is not a non-negative integer");
    total += v;
    k.counts.push_back(static_cast<std::int64_t>(v));
  }
  if (total > 0x1p50)
    throw InputError("inputs.class_counts", c.loss + ": class_counts total more than 2^50");
  k.distance.kind = DistanceSpec::Kind::prox;
  k.distance.counts = &k.counts;
  k.distance.prox_base = parse_log_base(c.loss, "prox_log_base", c.params.text("prox_log_base"));
}

// The checks every ordinal loss makes, in one order: common inputs and
// parameters, then its closeness (a distance matrix, or class counts).
enum class Closeness { distance, counts };

// (An out-parameter: OrdinalCase points into itself, so it is not copied.)
inline void read_case(const LossCase& c, bool has_alpha, Closeness closeness, OrdinalCase& k) {
  read_common(c, k, has_alpha);
  if (closeness == Closeness::distance) read_distance(c, k);
  else read_counts(c, k);
  check_row_grad_output(c, k.options.reduction, k.layout.outer);
}

}  // namespace ordinal_eval

template <class T>
LossResult<T> eval_sord(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, true, ordinal_eval::Closeness::distance, k);
  return sord(k.options, k.layout, v.at("input"), k.y, k.distance, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_oll(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, true, ordinal_eval::Closeness::distance, k);
  return oll(k.options, k.layout, v.at("input"), k.y, k.distance, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_acc_loss(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, false, ordinal_eval::Closeness::distance, k);
  return acc_loss(k.options, k.layout, v.at("input"), k.y, k.distance, optional_values(v, "grad_output"));
}

template <class T>
LossResult<T> eval_slace_prox(const LossCase& c, const Inputs<T>& v) {
  ordinal_eval::OrdinalCase k;
  ordinal_eval::read_case(c, true, ordinal_eval::Closeness::counts, k);
  return slace_prox(k.options, k.layout, v.at("input"), k.y, k.distance, optional_values(v, "grad_output"));
}

}  // namespace lossoracle::reference
