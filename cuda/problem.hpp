// What one call of the CUDA tier computes, independent of where its tensors
// live: which loss, the class layout (outer, C, inner: element (n, c, i) at
// (n C + c) inner + i), the reduction and parameters. problem_from_case
// checks a registry case as the reference tier does, with its words (the
// checks are shared by every tier: checks/inputs.hpp), so a rejected case
// reads the same from any tier.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checks/layout.hpp"
#include "checks/log_base.hpp"
#include "checks/reduction.hpp"
#include "core/loss_case.hpp"
#include "core/tensor.hpp"

namespace lossoracle::cuda {

// The losses this tier computes, by kernel shape. Bindings to registry
// names live in problem.cpp (cuda_loss_names) and a test checks them.
// One line per kind, so that families added side by side merge cleanly.
enum class Kind {
  log_softmax,
  softmax,
  nll_loss,
  cross_entropy_index,
  cross_entropy_probs,
  kl_div,
  unit_scaled_index,
  unit_scaled_probs,
  smooth_labels,
  fastai_label_smoothing,
  label_smoothed_nll,
  issue11959_label_smoothing,
  entropy,
  smooth_soft_labels,
  soft_label_probs,
  soft_label_logits,
  classification_mae,
  slace,
  misclass_a,
  misclass_a_logits,
  misclass_b_as_published,
  misclass_b,
  per_pair_weighted_ce,
  sord,
  oll,
  acc_loss,
  slace_prox,
};
using checks::Reduction;

struct Problem {
  std::string loss;  // the registry name, for messages
  Kind kind = Kind::cross_entropy_index;
  Shape input_shape;
  std::int64_t outer = 1, classes = 0, inner = 1;
  Shape position_shape;  // () unbatched, else (N, d1..dk); kl_div: the input's shape
  Reduction reduction = Reduction::mean;
  std::int64_t ignore_index = -100;
  double label_smoothing = 0.0;  // also the label-smoothing family's eps (epsilon)
  bool log_target = false;
  bool has_weight = false;
  bool has_grad_output = false;
  double mult = 1.0;  // unit_scaled_cross_entropy: the logits' multiplier
  // slace and the ordinal family (cuda/slace_problem.cpp)
  double alpha = 1.0, epsilon = 0.0;
  bool use_logits = true;
  Shape target_shape;
  double clamp_min = 0.0;  // misclass_b_as_published
  double ln_base = 0.0;  // the ordinal family: ln of the log base, 0 for base e
  bool has_distance = false;  // the ordinal family: a (C, C) distance matrix, not |i - y|
  checks::LogBase prox_base = checks::LogBase::e;  // slace_prox: the base of prox's logarithm

  std::int64_t positions() const { return outer * inner; }
  std::int64_t elements() const { return outer * classes * inner; }
  bool has_per_position() const {
    return kind != Kind::log_softmax && kind != Kind::softmax &&
           kind != Kind::smooth_labels && kind != Kind::smooth_soft_labels;
  }
  bool has_grad_input() const { return kind != Kind::smooth_labels; }
  bool has_grad_target() const {
    return kind == Kind::cross_entropy_probs || kind == Kind::kl_div ||
           kind == Kind::unit_scaled_probs ||
           kind == Kind::soft_label_probs ||
           kind == Kind::soft_label_logits ||
           kind == Kind::classification_mae ||
           kind == Kind::per_pair_weighted_ce;
  }
  // Targets are int64 class indices, range-checked on the device (error word).
  bool index_targets() const {
    return kind == Kind::nll_loss || kind == Kind::cross_entropy_index ||
           kind == Kind::unit_scaled_index ||
           kind == Kind::smooth_labels || kind == Kind::fastai_label_smoothing || kind == Kind::label_smoothed_nll ||
           kind == Kind::issue11959_label_smoothing ||
           kind == Kind::slace ||
           is_ordinal() ||
           is_misclass();
  }
  // The SLACE paper's ordinal losses (cuda/ordinal.cuh).
  bool is_ordinal() const {
    return kind == Kind::sord || kind == Kind::oll || kind == Kind::acc_loss || kind == Kind::slace_prox;
  }
  // The cost-matrix family's misclass losses: one loss term per element.
  bool is_misclass() const {
    return kind == Kind::misclass_a || kind == Kind::misclass_a_logits ||
           kind == Kind::misclass_b_as_published ||
           kind == Kind::misclass_b;
  }
  // Shape of the "loss" output: the input's for log_softmax/softmax,
  // the positions' for reduction none, () otherwise.
  Shape loss_shape() const;
};

// The registry names this tier answers for (the certify binding).
const std::vector<std::string>& cuda_loss_names();

// Validates a resolved case (core/registry.hpp's resolve_case) with the
// shared input checks (checks/) and describes it. InputError naming the field, for
// bad shapes, parameters and non-integer targets. Target values outside
// [0, C) are not checked here: the device finds them (docs/cuda.md).
Problem problem_from_case(const LossCase& c);
// Sets the input's shape and its class layout (outer, C, inner, positions)
// as the shared checks found them; every family's problem builder uses it.
void set_class_layout(Problem& p, const Shape& input, const checks::ClassLayout& L);
// Per-family parts of problem_from_case (cuda/<family>_problem.cpp).
Problem slace_problem(const LossCase& c);
Problem misclass_problem(const LossCase& c);
Problem per_pair_weighted_ce_problem(const LossCase& c);
Problem ordinal_problem(const LossCase& c);

// One per family beyond the cross-entropy family's (problem_<family>.cpp),
// called by problem_from_case for the registry names of that family.
Problem unit_scaled_problem(const LossCase& c);
// nullopt for a loss of the family this tier does not compute yet.
std::optional<Problem> label_smoothing_problem(const LossCase& c);
std::optional<Problem> soft_label_problem(const LossCase& c);

using checks::index_text;

// The reference tier's message for an out-of-range class index at `position`.
std::string target_out_of_range_message(const Problem& p, std::int64_t position, std::int64_t target);

}  // namespace lossoracle::cuda
