#include "certify/profile.hpp"

#include <cmath>
#include <limits>

#include "core/protocol.hpp"

namespace lossoracle::certify {

const char* profile_name(Profile p) {
  switch (p) {
    case Profile::strict: return "strict";
    case Profile::tight: return "tight";
    case Profile::pytorch: return "pytorch";
  }
  return "?";
}

std::optional<Profile> parse_profile(const std::string& name) {
  for (Profile p : {Profile::strict, Profile::tight, Profile::pytorch})
    if (name == profile_name(p)) return p;
  return std::nullopt;
}

namespace {

// docs/accuracy.md's "Budgets" table: {loss, output, float64 tight, float32
// tight, float64 scaled, float32 scaled}, each the measured maximum rounded up
// to a power of two. The accuracy command's --check (a ctest entry) fails when
// a measurement exceeds one, and prints this table into the document, so the
// two cannot drift apart.
struct Budget {
  const char* loss;
  const char* output;
  double tight64, tight32, scaled64, scaled32;
};
const Budget kBudgets[] = {
    {"log_softmax", "loss", 4, 1, 2, 1},
    {"log_softmax", "grad_input", 268435456, 8388608, 4, 1},
    {"softmax", "loss", 4, 1, 4, 1},
    {"softmax", "grad_input", 0x1p41, 4096, 2, 1},
    {"entropy", "loss", 2, 1, 2, 1},
    {"entropy", "per_position", 4, 1, 4, 1},
    {"entropy", "grad_input", 2048, 1, 2, 1},
    {"nll_loss", "loss", 8, 1, 8, 1},
    {"nll_loss", "per_position", 1, 1, 1, 1},
    {"nll_loss", "grad_input", 2, 1, 1, 1},
    {"cross_entropy", "loss", 8, 1, 8, 1},
    {"cross_entropy", "per_position", 32, 1, 4, 1},
    {"cross_entropy", "grad_input", 0x1p1018, 0x1p93, 16, 1},
    {"cross_entropy", "grad_target", 4, 1, 2, 1},
    {"kl_div", "loss", 256, 1, 64, 1},
    {"kl_div", "per_position", 16384, 1, 16, 1},
    {"kl_div", "grad_input", 2, 1, 1, 1},
    {"kl_div", "grad_target", 2048, 1, 4, 1},
    {"slace", "loss", 64, 1, 64, 1},
    {"slace", "per_position", 64, 1, 64, 1},
    {"slace", "grad_input", 2048, 1, 4, 1},
    {"sord", "loss", 4, 1, 4, 1},
    {"sord", "per_position", 4, 1, 4, 1},
    {"sord", "grad_input", 32768, 1, 2, 1},
    {"oll", "loss", 4, 1, 4, 1},
    {"oll", "per_position", 4, 1, 4, 1},
    {"oll", "grad_input", 4096, 1, 2, 1},
    {"acc_loss", "loss", 4, 1, 4, 1},
    {"acc_loss", "per_position", 4, 1, 4, 1},
    {"acc_loss", "grad_input", 1024, 1, 4, 1},
    {"slace_prox", "loss", 4, 1, 4, 1},
    {"slace_prox", "per_position", 4, 1, 4, 1},
    {"slace_prox", "grad_input", 16, 1, 2, 1},
    {"smooth_labels", "loss", 1, 1, 1, 1},
    {"fastai_label_smoothing_cross_entropy", "loss", 4, 1, 4, 1},
    {"fastai_label_smoothing_cross_entropy", "per_position", 4, 1, 4, 1},
    {"fastai_label_smoothing_cross_entropy", "grad_input", 32768, 16, 4, 1},
    {"issue11959_label_smoothing_cross_entropy", "loss", 4, 1, 4, 1},
    {"issue11959_label_smoothing_cross_entropy", "per_position", 4, 1, 4, 1},
    {"issue11959_label_smoothing_cross_entropy", "grad_input", 4096, 1, 2, 1},
    {"label_smoothed_nll_loss", "loss", 2, 1, 2, 1},
    {"label_smoothed_nll_loss", "per_position", 2, 1, 2, 1},
    {"label_smoothed_nll_loss", "grad_input", 1, 1, 1, 1},
    {"label_smoothed_nll_loss", "nll_loss", 1, 1, 1, 1},
    {"unit_scaled_cross_entropy", "loss", 8, 1, 8, 1},
    {"unit_scaled_cross_entropy", "per_position", 32, 1, 8, 1},
    {"unit_scaled_cross_entropy", "grad_input", 2048, 1, 16, 1},
    {"unit_scaled_cross_entropy", "grad_input_unit_scaled", 2048, 1, 8, 1},
    {"unit_scaled_cross_entropy", "grad_target", 2, 1, 2, 1},
    {"unit_scaled_cross_entropy", "grad_target_unit_scaled", 2, 1, 2, 1},
    {"per_pair_weighted_ce", "loss", 4, 1, 4, 1},
    {"per_pair_weighted_ce", "per_position", 4, 1, 4, 1},
    {"per_pair_weighted_ce", "grad_input", 0x1p39, 1, 8, 1},
    {"per_pair_weighted_ce", "grad_target", 4, 1, 4, 1},
    {"misclass_a", "loss", 2, 1, 2, 1},
    {"misclass_a", "per_position", 1, 1, 1, 1},
    {"misclass_a", "grad_input", 1, 1, 1, 1},
    {"misclass_a_logits", "loss", 4, 1, 2, 1},
    {"misclass_a_logits", "per_position", 4, 1, 4, 1},
    {"misclass_a_logits", "grad_input", 8192, 1, 1, 1},
    {"misclass_b_as_published", "loss", 4, 1, 4, 1},
    {"misclass_b_as_published", "per_position", 2, 1, 1, 1},
    {"misclass_b_as_published", "grad_input", 2, 1, 2, 1},
    {"misclass_b", "loss", 4, 1, 4, 1},
    {"misclass_b", "per_position", 4, 1, 4, 1},
    {"misclass_b", "grad_input", 0x1p21, 0x1p16, 8, 1},
    {"smooth_soft_labels", "loss", 1, 1, 1, 1},
    {"smooth_soft_labels", "grad_input", 1, 1, 1, 1},
    {"soft_label_cross_entropy_with_logits", "loss", 2, 1, 2, 1},
    {"soft_label_cross_entropy_with_logits", "per_position", 2, 1, 2, 1},
    {"soft_label_cross_entropy_with_logits", "grad_input", 0x1p26, 1, 2, 1},
    {"soft_label_cross_entropy_with_logits", "grad_target", 4, 1, 2, 1},
    {"soft_label_cross_entropy", "loss", 2, 1, 2, 1},
    {"soft_label_cross_entropy", "per_position", 2, 1, 2, 1},
    {"soft_label_cross_entropy", "grad_input", 2, 1, 2, 1},
    {"soft_label_cross_entropy", "grad_target", 2, 1, 2, 1},
    {"classification_mae_with_logits", "loss", 16, 1, 2, 1},
    {"classification_mae_with_logits", "per_position", 16, 1, 2, 1},
    {"classification_mae_with_logits", "grad_input", 8, 1, 1, 1},
    {"classification_mae_with_logits", "grad_target", 1, 1, 1, 1},
};

const Budget* budget_of(const std::string& loss, const std::string& output) {
  for (const Budget& b : kBudgets)
    if (loss == b.loss && output == b.output) return &b;
  return nullptr;
}

}  // namespace

bool has_tight_budgets(Dtype d) { return d == Dtype::float64 || d == Dtype::float32; }

std::string tight_refusal(Dtype d) {
  return std::string("--profile tight: no error budget is documented for ") + dtype_name(d) +
         " (docs/accuracy.md measures the optimized tier in float64 and float32 only); use --profile strict or "
         "pytorch for it";
}

// A dtype without budgets gets none (0 ulp: only the correct rounding passes);
// run_certify refuses `tight` for it before any case runs, with tight_refusal().
double tight_budget_ulps(const std::string& loss, const std::string& output, Dtype d) {
  if (!has_tight_budgets(d)) return 0;
  const Budget* b = budget_of(loss, output);
  if (!b) return 4.0;
  return d == Dtype::float64 ? b->tight64 : b->tight32;
}

double tight_scaled_budget_ulps(const std::string& loss, const std::string& output, Dtype d) {
  if (!has_tight_budgets(d)) return 0;
  const Budget* b = budget_of(loss, output);
  if (!b) return 4.0;
  return d == Dtype::float64 ? b->scaled64 : b->scaled32;
}

long double output_scale(const std::string& output, long double max_abs_exact, const nlohmann::json& request) {
  if (output.rfind("grad_", 0) != 0) return max_abs_exact;
  long double cotangent = 1;
  const auto inputs = request.find("inputs");
  if (inputs != request.end() && inputs->contains("grad_output")) {
    cotangent = 0;
    for (double g : tensor_from_json(inputs->at("grad_output"), "inputs.grad_output").values)
      if (std::isfinite(g)) cotangent = std::max<long double>(cotangent, std::fabs(g));
  }
  return std::max(max_abs_exact, cotangent);
}

bool has_tight_budget(const std::string& loss, const std::string& output) { return budget_of(loss, output) != nullptr; }

RelAbs pytorch_tolerance(Dtype d) {
  switch (d) {
    case Dtype::float64: return {1e-7, 1e-7};
    case Dtype::float32: return {1.3e-6, 1e-5};
    case Dtype::bfloat16: return {1.6e-2, 1e-5};
    case Dtype::float16: return {1e-3, 1e-5};
  }
  return {1e-7, 1e-7};
}

ElementCheck check_element(Profile p, const std::string& loss, const std::string& output, Dtype d, long double exact,
                           double rounded, double got, long double output_scale) {
  constexpr long double inf = std::numeric_limits<long double>::infinity();
  ElementCheck c{false, inf, inf};
  if (std::isnan(got)) return c;
  if (std::isinf(rounded) || std::isinf(got)) {
    // Infinities are only ever matched exactly: no finite error measures them.
    if (got == rounded) c = {true, 0, 0};
    return c;
  }
  const long double diff = std::fabs(static_cast<long double>(got) - exact);
  c.ulps = diff / ulp_at(d, exact);
  c.relative = exact == 0 ? (got == 0 ? 0 : inf) : diff / std::fabs(exact);
  switch (p) {
    case Profile::strict: c.ok = got == rounded; break;
    case Profile::tight:
      c.ok = got == rounded || c.ulps <= tight_budget_ulps(loss, output, d) ||
             (output_scale > 0 && diff / ulp_at(d, output_scale) <= tight_scaled_budget_ulps(loss, output, d));
      break;
    case Profile::pytorch: {
      const RelAbs t = pytorch_tolerance(d);
      // assert_close compares against the expected tensor, which holds the rounded value.
      c.ok = std::fabs(got - rounded) <= t.atol + t.rtol * std::fabs(rounded);
      break;
    }
  }
  return c;
}

}  // namespace lossoracle::certify
