#include "optimized/evaluate.hpp"

#include <stdexcept>

#include "optimized/evaluate_families.hpp"

namespace lossoracle::optimized {

namespace {

// Keyed by the registry's names (core/loss_list.hpp); tests/optimized/
// registry_test.cpp checks that every name here is a registry loss and that
// LossInfo::optimized agrees.
struct Binding {
  const char* loss;
  FamilyFn (*fn)(Precision);
};

const Binding kBindings[] = {
    {"log_softmax", &log_softmax_fn}, {"softmax", &softmax_fn},           {"entropy", &entropy_fn},
    {"nll_loss", &nll_loss_fn},       {"cross_entropy", &cross_entropy_fn}, {"kl_div", &kl_div_fn},
    {"slace", &slace_fn},
    {"sord", &sord_fn}, {"oll", &oll_fn}, {"acc_loss", &acc_loss_fn}, {"slace_prox", &slace_prox_fn},
    {"smooth_labels", &smooth_labels_fn},
    {"fastai_label_smoothing_cross_entropy", &fastai_label_smoothing_cross_entropy_fn},
    {"issue11959_label_smoothing_cross_entropy", &issue11959_label_smoothing_cross_entropy_fn},
    {"label_smoothed_nll_loss", &label_smoothed_nll_loss_fn},
    {"unit_scaled_cross_entropy", &unit_scaled_cross_entropy_fn},
    {"per_pair_weighted_ce", &per_pair_weighted_ce_fn},
    {"misclass_a", &misclass_a_fn},
    {"misclass_a_logits", &misclass_a_logits_fn},
    {"misclass_b_as_published", &misclass_b_as_published_fn},
    {"misclass_b", &misclass_b_fn},
    {"smooth_soft_labels", &smooth_soft_labels_fn},
    {"soft_label_cross_entropy_with_logits", &soft_label_cross_entropy_with_logits_fn},
    {"soft_label_cross_entropy", &soft_label_cross_entropy_fn},
    {"classification_mae_with_logits", &classification_mae_with_logits_fn},
};

const Binding* find(const std::string& loss) {
  for (const Binding& b : kBindings)
    if (loss == b.loss) return &b;
  return nullptr;
}

}  // namespace

bool is_bound(const std::string& loss) { return find(loss) != nullptr; }

std::vector<std::string> bound_losses() {
  std::vector<std::string> out;
  for (const Binding& b : kBindings) out.push_back(b.loss);
  return out;
}

Outputs evaluate(const LossCase& resolved, Precision precision) {
  const Binding* b = find(resolved.loss);
  if (!b) throw std::invalid_argument(resolved.loss + ": not implemented by the optimized tier (issue #6)");
  return b->fn(precision)(resolved);
}

}  // namespace lossoracle::optimized
