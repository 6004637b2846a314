// The one list of losses. The registry (core/registry.hpp) reads it with
// T = Real for the oracle; the gradient checks and the property suite read it
// with their own number types, so every loss added here is checked by them
// without further edits. Adding a loss: its template and evaluator in
// reference/, one entry below, its section in docs/spec.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/loss_info.hpp"
#include "reference/evaluate_cost_matrix.hpp"
#include "reference/evaluate_cross_entropy.hpp"
#include "reference/evaluate_label_smoothing.hpp"
#include "reference/evaluate_ordinal.hpp"
#include "reference/evaluate_slace.hpp"
#include "reference/evaluate_soft_label.hpp"
#include "reference/evaluate_unit_scaled.hpp"

namespace lossoracle {

template <class T>
struct LossDefinition {
  LossInfo info;
  reference::EvalFn<T> evaluate;
};

namespace loss_list_detail {

inline ParamSpec reduction(const char* def, std::vector<std::string> choices = {"none", "sum", "mean"}) {
  return {"reduction", ParamType::text, std::string(def), std::move(choices),
          "none: per position; sum; mean (see docs/spec.md for each loss's denominator)"};
}
inline const ParamSpec kIgnoreIndex{"ignore_index", ParamType::integer, std::int64_t{-100}, {},
                                    "positions whose target equals it contribute nothing (class-index targets only)"};
inline const InputSpec kInput{"input", true, "logits (or log-probabilities for nll_loss), (C) or (N, C, d1..dk)"};
inline const InputSpec kWeight{"weight", false, "class weights, shape (C)"};
inline const ParamSpec kAlpha{"alpha", ParamType::real, 1.0, {},
                              "soft-label sharpness: q = softmax(-alpha dis(., y)); for oll the exponent of dis"};
inline const ParamSpec kUseLogits{"use_logits", ParamType::boolean, true, {},
                                  "the input holds logits (softmax applied); false: probabilities, used as given"};
inline const ParamSpec kLogBase{"log_base", ParamType::text, std::string("e"), {"e", "2", "10"},
                                "base of the loss's logarithm (the SLACE paper's examples use 10)"};
inline const InputSpec kOrdinalInput{"input", true, "logits (or probabilities if use_logits is false), (N, C)"};
inline const InputSpec kOrdinalTarget{"target", true, "true classes, (N), integers in [0, C)"};
inline const InputSpec kDistance{"distance", false,
                                 "(C, C) finite non-negative distances, row y = dis(c_i, y); default |i - y|"};
inline const InputSpec kCostMatrix{"cost_matrix", true,
                                   "D, shape (C, C): D[i][j] weighs the pair (true class i, predicted class j)"};
inline const InputSpec kCostTarget{"target", true,
                                   "class indices, () or (N); -C..-1 wrap as in PyTorch's D[targ]"};
inline const InputSpec kGradOutput{"grad_output", false,
                                   "cotangent of the output for the backward pass; ones by default"};

inline ParamSpec kSmoothingAlpha(double def) {
  return {"alpha", ParamType::real, def, {},
          "smoothing: alpha/k leaves each of the k positive classes (clamped at 0), alpha/C goes to every class"};
}
inline ParamSpec kEps(const char* doc) { return {"eps", ParamType::real, 0.1, {}, doc}; }
inline const InputSpec kSoftLabels{"target", true, "soft or one-hot labels, shaped like input"};

// One evaluator template, bound both to T and to the oracle's Real.
template <class T, class Evaluator>
LossDefinition<T> define(LossInfo info, Evaluator evaluator) {
  info.oracle = evaluator;
  return {std::move(info), evaluator};
}

}  // namespace loss_list_detail

// A captureless generic lambda converts to the evaluator of any number type.
#define LOSSORACLE_EVALUATOR(fn) [](const LossCase& c, const auto& v) { return reference::fn(c, v); }

template <class T>
std::vector<LossDefinition<T>> loss_definitions() {
  using namespace loss_list_detail;
  return {
      define<T>({"log_softmax", "softmax", "log of softmax along the class dimension", "PyTorch F.log_softmax(dim=1)",
                 {}, {kInput, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_log_softmax)),
      define<T>({"softmax", "softmax", "softmax along the class dimension", "PyTorch F.softmax(dim=1)", {},
                 {kInput, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_softmax)),
      define<T>({"entropy", "softmax", "Shannon entropy (nats) of each distribution along the class dimension",
                 "torch.special.entr(p).sum(dim=1)", {reduction("none")},
                 {{"input", true, "probabilities, (C) or (N, C, d1..dk)"}, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_entropy)),
      define<T>({"nll_loss", "cross_entropy", "negative log-likelihood of class indices given log-probabilities",
                 "PyTorch F.nll_loss", {reduction("mean"), kIgnoreIndex},
                 {kInput, {"target", true, "class indices, () or (N, d1..dk)"}, kWeight, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_nll_loss)),
      define<T>({"cross_entropy", "cross_entropy",
                 "cross entropy of logits against class indices or class probabilities (chosen by the target's shape)",
                 "PyTorch F.cross_entropy",
                 {reduction("mean"), kIgnoreIndex,
                  {"label_smoothing", ParamType::real, 0.0, {}, "epsilon in [0, 1]; targets become (1-eps) t + eps/C"}},
                 {kInput, {"target", true, "class indices (N, d1..dk) or probabilities shaped like input"}, kWeight,
                  kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_cross_entropy)),
      define<T>({"kl_div", "kl_div", "Kullback-Leibler divergence KL(target || q) with input = log q",
                 "PyTorch F.kl_div",
                 {reduction("mean", {"none", "sum", "mean", "batchmean"}),
                  {"log_target", ParamType::boolean, false, {}, "the target is given as log-probabilities"}},
                 {{"input", true, "log-probabilities log q, any shape"},
                  {"target", true, "probabilities (or their logs), same shape"}, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_kl_div)),
      define<T>({"slace", "slace",
                 "SLACE: soft labels softmax(-alpha |i - y|) against the accumulated probabilities "
                 "acc_i = sum_{|j-y| <= |i-y|} p_j, -w_y sum_i q_i log(acc_i + epsilon)",
                 "dlordinal 2.7.0 SLACELoss",
                 {reduction("mean"), kAlpha,
                  {"num_classes", ParamType::integer, std::int64_t{-1}, {},
                   "C; must equal the input's width (-1: take the width; dlordinal requires it)"},
                  kUseLogits,
                  {"epsilon", ParamType::real, 1e-9, {},
                   "added to acc_i inside the log (dlordinal: 1e-9; 0: the paper's pure form)"}},
                 {kOrdinalInput,
                  {"target", true, "true classes, (N) or (N, 1), integers in [0, num_classes)"},
                  {"weight", false, "class weights, shape (C): multiply each sample's loss; mean still divides by N"},
                  kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_slace)),
      define<T>({"sord", "ordinal", "soft ordinal labels: cross entropy against q = softmax(-alpha dis(., y))",
                 "SLACE paper (Nachmani et al., AAAI 2025) Eq. 2-3; Diaz & Marathe 2019",
                 {reduction("mean"), kAlpha, kUseLogits, kLogBase},
                 {kOrdinalInput, kOrdinalTarget, kDistance, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_sord)),
      define<T>({"oll", "ordinal", "ordinal log loss: -sum_i dis(c_i, y)^alpha log(1 - p_i)",
                 "SLACE paper Eq. 12; Castagnos et al. 2022",
                 {reduction("mean"), kAlpha, kUseLogits, kLogBase},
                 {kOrdinalInput, kOrdinalTarget, kDistance, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_oll)),
      define<T>({"acc_loss", "ordinal",
                 "accumulating cross entropy: -sum_i log(sum_{j : dis(c_j, y) <= dis(c_i, y)} p_j)",
                 "SLACE paper Eq. 10", {reduction("mean"), kUseLogits, kLogBase},
                 {kOrdinalInput, kOrdinalTarget, kDistance, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_acc_loss)),
      define<T>({"slace_prox", "ordinal",
                 "SLACE with the class-count proximity of Eq. 7 as closeness and dis(c, y) = max_i prox(c_i, y) - "
                 "prox(c, y)",
                 "SLACE paper Eq. 7 and 11",
                 {reduction("mean"), kAlpha, kUseLogits, kLogBase,
                  {"prox_log_base", ParamType::text, std::string("e"), {"e", "2", "10"},
                   "base of prox's logarithm (the paper does not fix it)"}},
                 {kOrdinalInput, kOrdinalTarget,
                  {"class_counts", true, "n_j, the number of items of each class, (C), non-negative integers"},
                  kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_slace_prox)),
      define<T>({"smooth_soft_labels", "soft_label",
                 "labels with alpha/k taken from each of the k positive classes (clamped at 0) and alpha/C added to all",
                 "incendio 0.14.0 smooth_soft_labels", {kSmoothingAlpha(0.1)},
                 {{"input", true, "labels (soft or one-hot), classes last: (C) or (d0, .., C)"}, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_smooth_soft_labels)),
      define<T>({"soft_label_cross_entropy_with_logits", "soft_label",
                 "cross entropy of logits against smoothed soft labels, classes last, reduced along dim 0",
                 "incendio 0.14.0 soft_label_cross_entropy_with_logits", {kSmoothingAlpha(0.0), reduction("mean")},
                 {{"input", true, "logits, classes last: (C) or (d0, .., C)"}, kSoftLabels, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_soft_label_cross_entropy_with_logits)),
      define<T>({"soft_label_cross_entropy", "soft_label",
                 "cross entropy of probabilities against smoothed soft labels; NaN/inf terms count as 0",
                 "incendio 0.14.0 soft_label_cross_entropy", {kSmoothingAlpha(0.0), reduction("mean")},
                 {{"input", true, "probabilities, classes last: (C) or (d0, .., C)"}, kSoftLabels, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_soft_label_cross_entropy)),
      define<T>({"classification_mae_with_logits", "soft_label",
                 "sum over classes of |softmax(x) - y|, reduced along the last remaining dimension",
                 "incendio losses notebook (seed 001) classification_mae_with_logits", {reduction("mean")},
                 {{"input", true, "logits, classes last: (C) or (d0, .., C)"}, kSoftLabels, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_classification_mae_with_logits)),
      define<T>({"smooth_labels", "label_smoothing",
                 "class indices to smoothed one-hot rows: eps/C everywhere, 1 - eps added at the target",
                 "PyTorch issue #11959 / torchvision smooth_labels(target, num_classes, eps)",
                 {{"num_classes", ParamType::integer, std::int64_t{0}, {}, "C, the row length", ParamPresence::required},
                  kEps("smoothing epsilon; not range-checked")},
                 {{"target", true, "class indices, shape (N)"}}},
                LOSSORACLE_EVALUATOR(eval_smooth_labels)),
      define<T>({"fastai_label_smoothing_cross_entropy", "label_smoothing",
                 "eps/C times the unweighted sum of -log p plus (1 - eps) times nll_loss (weighted)",
                 "fastai 2.8.12 losses.LabelSmoothingCrossEntropy (class dim 1)",
                 {kEps("smoothing epsilon; not range-checked"), reduction("mean")},
                 {{"input", true, "logits, (N, C) or (N, C, d1..dk)"},
                  {"target", true, "class indices, (N, d1..dk); -100 is ignored by the nll term only"},
                  {"weight", false, "class weights, shape (C); the nll term only"}, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_fastai_label_smoothing_cross_entropy)),
      define<T>({"issue11959_label_smoothing_cross_entropy", "label_smoothing",
                 "(1 - eps) * batch-mean nll - eps * mean_c log p, then reduced (PyTorch issue #11959's class)",
                 "LabelSmoothingCrossEntropy in PyTorch issue #11959 (seed 004)",
                 {kEps("smoothing epsilon; not range-checked"), reduction("mean")},
                 {{"input", true, "logits, (C) or (N, C)"}, {"target", true, "class indices, () or (N); -100 ignored"},
                  kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_issue11959_label_smoothing_cross_entropy)),
      define<T>({"label_smoothed_nll_loss", "label_smoothing",
                 "fairseq: (1 - eps - eps/(C-1)) * nll + eps/(C-1) * sum of -log p, on log-probabilities",
                 "fairseq label_smoothed_nll_loss (criterions/label_smoothed_cross_entropy.py @ 3d262bb2)",
                 {{"epsilon", ParamType::real, 0.0, {}, "the target keeps 1 - epsilon, other classes get epsilon/(C-1)",
                   ParamPresence::required},
                  {"ignore_index", ParamType::integer, std::int64_t{0}, {},
                   "positions whose target equals it contribute 0; absent = None", ParamPresence::optional},
                  {"reduce", ParamType::boolean, true, {}, "sum over positions"}},
                 {{"input", true, "log-probabilities, classes last: (C) or (d0, .., C)"},
                  {"target", true, "class indices, (..) or (.., 1)"}, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_label_smoothed_nll_loss)),
      define<T>({"per_pair_weighted_ce", "cost_matrix",
                 "cross entropy of soft targets with per-pair weights: -sum_i t_i (log_softmax(x) D^T)_i",
                 "K. Frank's perPairWeightedCE (PyTorch forums, seed 002)", {reduction("mean")},
                 {{"input", true, "logits, (N, C)"}, {"target", true, "class probabilities, (N, C)"}, kCostMatrix,
                  kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_per_pair_weighted_ce)),
      define<T>({"misclass_a", "cost_matrix", "expected misclassification cost D[y, c] p_c, elementwise",
                 "K. Frank's misclassA (PyTorch forums, seed 002), on probabilities as published",
                 {reduction("mean")}, {{"input", true, "probabilities, (C) or (N, C)"}, kCostTarget, kCostMatrix,
                                       kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_misclass_a)),
      define<T>({"misclass_a_logits", "cost_matrix", "misclass_a of softmax(input): D[y, c] softmax(x)_c",
                 "K. Frank's misclassA (seed 002) composed with softmax", {reduction("mean")},
                 {{"input", true, "logits, (C) or (N, C)"}, kCostTarget, kCostMatrix, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_misclass_a_logits)),
      define<T>({"misclass_b_as_published", "cost_matrix",
                 "K. Frank's misclassB as printed: D[y, c] (-log(clamp(p_c - 1, min=clamp_min))), a constant "
                 "for probabilities",
                 "K. Frank's misclassB (PyTorch forums, seed 002), clamp bug included",
                 {reduction("mean"),
                  {"clamp_min", ParamType::real, 1e-7, {},
                   "clamp's min; 1e-7 as binary64 (a float64 tensor); float32 PyTorch uses 0x1.ad7f2ap-24"}},
                 {{"input", true, "probabilities, (C) or (N, C)"}, kCostTarget, kCostMatrix, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_misclass_b_as_published)),
      define<T>({"misclass_b", "cost_matrix",
                 "misclassification cost with a log divergence: D[y, c] (-log(1 - softmax(x)_c)), from logits",
                 "the loss K. Frank's misclassB (seed 002) intends, computed stably from logits",
                 {reduction("mean")}, {{"input", true, "logits, (C) or (N, C)"}, kCostTarget, kCostMatrix,
                                       kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_misclass_b)),
      define<T>({"unit_scaled_cross_entropy", "unit_scaled",
                 "cross entropy of mult * input, sum or sum / batch size; extra output: the library's unit-scaled "
                 "backward V / sqrt(V - 1) dS/dz",
                 "Graphcore unit_scaling 0.3.5 unit_scaling.functional.cross_entropy",
                 {reduction("mean"), kIgnoreIndex,
                  {"mult", ParamType::real, 1.0, {}, "the logits are multiplied by it before the cross entropy"},
                  {"label_smoothing", ParamType::real, 0.0, {}, "unsupported by unit_scaling: any other value is an error"}},
                 {{"input", true, "logits, (V) or (B, V)"},
                  {"target", true, "class indices (B) or () , or probabilities shaped like input"},
                  {"weight", false, "unsupported by unit_scaling: giving it is an error"}, kGradOutput}},
                LOSSORACLE_EVALUATOR(eval_unit_scaled_cross_entropy)),
  };
}

#undef LOSSORACLE_EVALUATOR

}  // namespace lossoracle
