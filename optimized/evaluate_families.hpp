// The family drivers' entry points, one per registry loss, for the binding
// table in evaluate.cpp.
#pragma once

#include "optimized/evaluate.hpp"

namespace lossoracle::optimized {

using FamilyFn = Outputs (*)(const LossCase&);

FamilyFn log_softmax_fn(Precision p);
FamilyFn softmax_fn(Precision p);
FamilyFn entropy_fn(Precision p);
FamilyFn nll_loss_fn(Precision p);
FamilyFn cross_entropy_fn(Precision p);
FamilyFn kl_div_fn(Precision p);
FamilyFn slace_fn(Precision p);
FamilyFn sord_fn(Precision p);
FamilyFn oll_fn(Precision p);
FamilyFn acc_loss_fn(Precision p);
FamilyFn slace_prox_fn(Precision p);
FamilyFn smooth_labels_fn(Precision p);
FamilyFn fastai_label_smoothing_cross_entropy_fn(Precision p);
FamilyFn issue11959_label_smoothing_cross_entropy_fn(Precision p);
FamilyFn label_smoothed_nll_loss_fn(Precision p);
FamilyFn unit_scaled_cross_entropy_fn(Precision p);
FamilyFn per_pair_weighted_ce_fn(Precision p);
FamilyFn misclass_a_fn(Precision p);
FamilyFn misclass_a_logits_fn(Precision p);
FamilyFn misclass_b_as_published_fn(Precision p);
FamilyFn misclass_b_fn(Precision p);
FamilyFn smooth_soft_labels_fn(Precision p);
FamilyFn soft_label_cross_entropy_with_logits_fn(Precision p);
FamilyFn soft_label_cross_entropy_fn(Precision p);
FamilyFn classification_mae_with_logits_fn(Precision p);

}  // namespace lossoracle::optimized
