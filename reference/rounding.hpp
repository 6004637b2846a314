// Rounding an enclosure to binary64 and binary32, with the proof status.
#pragma once

#include <string>

#include "reference/real.hpp"

namespace lossoracle::reference {

enum class ProofStatus {
  exact,       // the enclosure is one point: no rounding error anywhere; both formats are round-to-nearest-even of it
  proved,      // every point of the enclosure rounds to the same binary64 and the same binary32
  tie,         // exact, and a midpoint between two neighbours of a format (see tie64/tie32): ties-to-even applied
  zero,        // the enclosure lies within [-2^-1075, 2^-1075]: both formats round every point of it to 0 (possibly an
               // exact zero reached by cancellation, which intervals cannot prove; the sign is not certified)
  nan,         // NaN by the loss's semantics (an undefined operation on the exact inputs), seen at two precisions
  unresolved,  // the precision cap was reached before the enclosure decided the rounding
};
const char* status_name(ProofStatus s);

struct RoundedValue {
  ProofStatus status = ProofStatus::unresolved;
  double f64 = 0;
  float f32 = 0;
  bool tie64 = false, tie32 = false;
  std::string decimal;        // 40 significant digits of the enclosure's midpoint ("nan", "inf", "-inf")
  double lower = 0, upper = 0;  // the enclosure, outward-rounded to binary64
};

// Rounds one enclosure. A non-point enclosure counts as proved only when it is
// also narrower than 2^-140 relative, so that its 40-digit decimal is faithful.
RoundedValue round_enclosure(const Real& v);

}  // namespace lossoracle::reference
