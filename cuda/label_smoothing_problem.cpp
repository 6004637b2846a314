// The label-smoothing family's Problems: the shared checks
// (checks/label_smoothing.hpp, each source's order and words), then the layout.
#include <limits>

#include "checks/label_smoothing.hpp"
#include "cuda/problem.hpp"

namespace lossoracle::cuda {

std::optional<Problem> label_smoothing_problem(const LossCase& c) {
  Problem p;
  p.loss = c.loss;
  p.has_grad_output = c.find("grad_output") != nullptr;
  if (c.loss == "smooth_labels") {
    const checks::SmoothLabelsArgs a = checks::smooth_labels_args(c);
    p.kind = Kind::smooth_labels;
    p.outer = static_cast<std::int64_t>(a.y.size());
    p.classes = a.classes;
    p.input_shape = {p.outer, p.classes};  // the output's shape; there is no input
    p.position_shape = {p.outer};
    p.reduction = Reduction::none;
    p.ignore_index = std::numeric_limits<std::int64_t>::min();  // none: every index must be in range
    p.label_smoothing = c.params.real("eps");
    return p;
  }
  if (c.loss == "fastai_label_smoothing_cross_entropy") {
    const checks::ClassIndexArgs a = checks::fastai_label_smoothing_args(c);
    p.kind = Kind::fastai_label_smoothing;
    set_class_layout(p, c.find("input")->shape, a.layout);
    p.reduction = a.reduction;
    p.ignore_index = checks::kNllDefaultIgnoreIndex;
    p.label_smoothing = c.params.real("eps");
    p.has_weight = c.find("weight") != nullptr;
    return p;
  }
  if (c.loss == "issue11959_label_smoothing_cross_entropy") {
    const checks::ClassIndexArgs a = checks::issue11959_label_smoothing_args(c);
    p.kind = Kind::issue11959_label_smoothing;
    set_class_layout(p, c.find("input")->shape, a.layout);
    p.reduction = a.reduction;
    p.ignore_index = checks::kNllDefaultIgnoreIndex;
    p.label_smoothing = c.params.real("eps");
    return p;
  }
  if (c.loss == "label_smoothed_nll_loss") {
    const checks::FairseqArgs a = checks::label_smoothed_nll_loss_args(c);
    p.kind = Kind::label_smoothed_nll;
    set_class_layout(p, c.find("input")->shape, a.layout);
    // With ignore_index given, the unreduced outputs keep a trailing 1.
    if (a.ignore_index) p.position_shape.push_back(1);
    p.reduction = a.reduce_sum ? Reduction::sum : Reduction::none;
    p.ignore_index = a.ignore_index ? *a.ignore_index : std::numeric_limits<std::int64_t>::min();
    p.label_smoothing = c.params.real("epsilon");
    return p;
  }
  return std::nullopt;
}

}  // namespace lossoracle::cuda
