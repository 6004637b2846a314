// The soft-label family's Problems: the shared checks (checks/soft_label.hpp,
// incendio's order and words), then the layout (classes last).
#include "checks/soft_label.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

std::optional<Problem> soft_label_problem(const LossCase& c) {
  Problem p;
  p.loss = c.loss;
  p.has_grad_output = c.find("grad_output") != nullptr;
  if (c.loss == "smooth_soft_labels") {
    const checks::SmoothSoftLabelsArgs a = checks::smooth_soft_labels_args(c);
    p.kind = Kind::smooth_soft_labels;
    set_class_layout(p, c.find("input")->shape, a.layout);
    p.reduction = Reduction::none;
    p.label_smoothing = a.alpha;  // alpha
    return p;
  }
  if (c.loss == "soft_label_cross_entropy" || c.loss == "soft_label_cross_entropy_with_logits") {
    const checks::SoftLabelArgs a = checks::soft_label_cross_entropy_args(c);
    p.kind = c.loss == "soft_label_cross_entropy" ? Kind::soft_label_probs : Kind::soft_label_logits;
    set_class_layout(p, c.find("input")->shape, a.layout);
    p.reduction = a.reduction;
    p.label_smoothing = a.alpha;
    return p;
  }
  if (c.loss == "classification_mae_with_logits") {
    const checks::SoftLabelArgs a = checks::classification_mae_with_logits_args(c);
    p.kind = Kind::classification_mae;
    set_class_layout(p, c.find("input")->shape, a.layout);
    p.reduction = a.reduction;
    return p;
  }
  return std::nullopt;
}

}  // namespace lossoracle::cuda
