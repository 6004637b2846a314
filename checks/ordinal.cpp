#include "checks/ordinal.hpp"

#include <cmath>
#include <string>

#include "checks/ordinal_target.hpp"
#include "checks/slace.hpp"
#include "core/hexfloat.hpp"

namespace lossoracle::checks {

LogBase parse_log_base(const std::string& loss, const std::string& field, const std::string& text) {
  if (text == "e") return LogBase::e;
  if (text == "2") return LogBase::two;
  if (text == "10") return LogBase::ten;
  throw InputError("params." + field, loss + ": " + field + " must be one of e, 2, 10, got " + text);
}

std::string ordinal_target_message(const std::string& loss, const Shape& target_shape, std::int64_t k, std::int64_t y,
                                   std::int64_t C) {
  if (y >= 0 && y < C) return "";
  return loss + ": Target " + std::to_string(y) + " is out of bounds. (target" + index_text(target_shape, k) +
         "; valid class indices are 0.." + std::to_string(C - 1) + ")";
}

namespace {

void read_distance(const LossCase& c, OrdinalArgs& k) {
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

void read_counts(const LossCase& c, OrdinalArgs& k) {
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
  k.prox_base = parse_log_base(c.loss, "prox_log_base", c.params.text("prox_log_base"));
}

}  // namespace

OrdinalArgs ordinal_args(const LossCase& c, bool has_alpha, Closeness closeness) {
  OrdinalArgs k;
  const Tensor& in = required(c, "input");
  k.reduction = parse_reduction(c.loss, c.params.text("reduction"), false);
  k.alpha = has_alpha ? c.params.real("alpha") : 1.0;
  k.use_logits = c.params.boolean("use_logits");
  k.base = parse_log_base(c.loss, "log_base", c.params.text("log_base"));
  k.layout = batch_layout(c, in, false);
  const Tensor& target = required(c, "target");
  k.y = row_targets(c, target, k.layout.outer, false);
  const std::int64_t C = k.layout.classes;
  for (std::size_t n = 0; n < k.y.size(); ++n) {
    const std::string m = ordinal_target_message(c.loss, target.shape, static_cast<std::int64_t>(n), k.y[n], C);
    if (!m.empty()) throw InputError("inputs.target", m);
  }
  if (closeness == Closeness::distance) read_distance(c, k);
  else read_counts(c, k);
  check_row_grad_output(c, k.reduction, k.layout.outer);
  return k;
}

}  // namespace lossoracle::checks
