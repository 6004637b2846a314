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

double tight_budget_ulps(const std::string& /*loss*/, Dtype /*d*/) { return 4.0; }

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
