// Judging one answer of an implementation against the oracle's: the closed
// set of verdicts (docs/certify.md, "Verdicts") and the error measured on
// the way.
#pragma once

#include <string>
#include <vector>

#include "certify/implementation.hpp"
#include "certify/profile.hpp"
#include "certify/suite.hpp"

namespace lossoracle::certify {

enum class Verdict {
  pass,         // every compared value within the profile's tolerance
  fail,         // a value outside it, a wrong rejection or acceptance, a missing output, a broken adapter
  acceptable,   // an `acceptable` golden vector answered by another convention: it differs from the oracle
                // only where the oracle's value is NaN or infinite
  rejected_ok,  // an input the oracle rejects, rejected
  mistrusted,   // nothing failed but the case cannot vouch for a pass: no value discriminated (NaN
                // expected and produced, no element), or some value is unresolved by the oracle
  unsupported,  // the implementation answered that its library cannot express this case (a parameter,
                // input or form it lacks): nothing was computed, so nothing passed or failed
};
const char* verdict_name(Verdict v);  // pass, fail, acceptable, rejected-ok, mistrusted, unsupported

struct Outcome {
  Verdict verdict = Verdict::fail;
  std::string reason;  // why, for everything but a plain pass
  // The largest error over the compared values, in ulps of the dtype and
  // relative; `worst_at` names the element ("grad_input[3]"), empty when no
  // finite value was compared.
  long double worst_ulps = 0, worst_relative = 0;
  std::string worst_at;
  double worst_got = 0, worst_expected = 0;
  // The largest relative error |got - x| / |x| over the compared values whose exact value x is
  // finite and in the dtype's normal range (at an exact zero the relative error is undefined and
  // the ulp error is measured in subnormal spacings; below the normal range even a correct
  // rounding is far off relatively); -1 when there is none.
  long double max_relative = -1;
  std::string max_relative_at;
  std::size_t compared = 0;  // values that could tell a right answer from a wrong one
};

Outcome judge(const SuiteCase& c, const ImplResult& r, Profile profile);

// The conventions an implementation may declare for a case (docs/protocol.md,
// "Response"; docs/certify.md, "Verdicts"): name and what it means. Each is a
// documented way of computing the same loss whose results differ from the
// oracle's only at special values; a finite value off is judged as ever.
struct Convention {
  const char* name;
  const char* meaning;
};
const std::vector<Convention>& conventions();
bool known_convention(const std::string& name);

}  // namespace lossoracle::certify
