#include "certify/profile.hpp"

#include <cmath>
#include <limits>

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

// docs/accuracy.md's "Budgets" table: {loss, float64 tight, float32 tight,
// float64 scaled, float32 scaled}. The accuracy command's --check (a ctest
// entry) fails when a measurement exceeds one, and prints this table into
// the document, so the two cannot drift apart.
struct Budget {
  const char* loss;
  double tight64, tight32, scaled64, scaled32;
};
const Budget kBudgets[] = {
    {"log_softmax", 32768, 1024, 32768, 512},
    {"softmax", 4294967296, 2, 32, 1},
    {"entropy", 256, 1, 4, 1},
    {"nll_loss", 1, 1, 1, 1},
    {"cross_entropy", 64, 16, 8, 1},
    {"kl_div", 16384, 1, 4, 1},
    {"slace", 32, 1, 16, 1},
    {"smooth_labels", 1, 1, 1, 1},
    {"fastai_label_smoothing_cross_entropy", 1024, 16, 4, 1},
    {"issue11959_label_smoothing_cross_entropy", 32, 1, 4, 1},
    {"label_smoothed_nll_loss", 1, 1, 1, 1},
    {"unit_scaled_cross_entropy", 32, 1, 4, 1},
};

const Budget* budget_of(const std::string& loss) {
  for (const Budget& b : kBudgets)
    if (loss == b.loss) return &b;
  return nullptr;
}

}  // namespace

double tight_budget_ulps(const std::string& loss, Dtype d) {
  const Budget* b = budget_of(loss);
  if (!b) return 4.0;
  return d == Dtype::float64 ? b->tight64 : b->tight32;
}

double tight_scaled_budget_ulps(const std::string& loss, Dtype d) {
  const Budget* b = budget_of(loss);
  if (!b) return 4.0;
  return d == Dtype::float64 ? b->scaled64 : b->scaled32;
}

RelAbs pytorch_tolerance(Dtype d) { return d == Dtype::float64 ? RelAbs{1e-7, 1e-7} : RelAbs{1.3e-6, 1e-5}; }

ElementCheck check_element(Profile p, const std::string& loss, Dtype d, long double exact, double rounded,
                           double got) {
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
    case Profile::tight: c.ok = got == rounded || c.ulps <= tight_budget_ulps(loss, d); break;
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
