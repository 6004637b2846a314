// Tolerance profiles: how far an implementation's value may lie from the
// exact one before a case fails (docs/certify.md, "Profiles").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "certify/dtype.hpp"

namespace lossoracle::certify {

enum class Profile {
  strict,   // correctly rounded: the value must be the oracle's rounding (zeros compared by value)
  tight,    // within the per-loss, per-output ulp budget of tight_budget_ulps()
  pytorch,  // torch.testing.assert_close's default rtol/atol for the dtype
};

const char* profile_name(Profile p);
std::optional<Profile> parse_profile(const std::string& name);

// The `tight` budget in ulps of the dtype, per loss and output (loss,
// per_position, grad_input, ...): for the losses the optimized tier
// implements, the budgets measured and documented in docs/accuracy.md
// (`lossoracle accuracy`); 4 ulp for the others, as docs/certify.md states.
// Per output, so that a gradient formed by cancellation does not widen the
// budget of the loss value beside it.
double tight_budget_ulps(const std::string& loss, const std::string& output, Dtype d);
// The same table's bound on the error in ulps of each output's largest
// magnitude (docs/accuracy.md, "scaled ulp"), for outputs formed by cancellation.
double tight_scaled_budget_ulps(const std::string& loss, const std::string& output, Dtype d);
// Whether docs/accuracy.md documents budgets for the dtype at all (float64 and
// float32: the optimized tier's); `tight` is refused for the others, with
// tight_refusal()'s message, rather than judged against a budget nobody measured.
bool has_tight_budgets(Dtype d);
std::string tight_refusal(Dtype d);
// Whether docs/accuracy.md documents a budget for this output.
bool has_tight_budget(const std::string& loss, const std::string& output);

// torch.testing.assert_close's defaults (torch/testing/_comparison.py,
// _DTYPE_PRECISIONS: float16 (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5), float32
// (1.3e-6, 1e-5), float64 (1e-7, 1e-7)): a value passes when
// |actual - expected| <= atol + rtol * |expected|.
struct RelAbs {
  double rtol, atol;
};
RelAbs pytorch_tolerance(Dtype d);

// Whether `got` is acceptable for an element whose exact value is `exact` and
// whose correct rounding in the dtype is `rounded`, and its error in ulps.
struct ElementCheck {
  bool ok;
  long double ulps;      // |got - exact| / ulp_at(exact); inf when got is on the wrong side of an infinity
  long double relative;  // |got - exact| / |exact|; inf for a nonzero got where exact is 0
};
// The scale of an output, in whose ulps `tight`'s scaled budget counts an
// element's error (docs/accuracy.md, "scaled ulp"): max |exact| over the
// output's finite values and, for a gradient -- linear in the cotangent, and
// a difference of terms of the cotangent's size -- max |grad_output| of the
// request (1 when it has none).
long double output_scale(const std::string& output, long double max_abs_exact, const nlohmann::json& request);

// `output_scale` is output_scale() of the element's output tensor: `tight`
// also accepts an element within the scaled budget, in ulps of that scale
// (cancellation makes an element's own ulp meaningless: docs/accuracy.md).
ElementCheck check_element(Profile p, const std::string& loss, const std::string& output, Dtype d, long double exact,
                           double rounded, double got, long double output_scale = 0);

}  // namespace lossoracle::certify
