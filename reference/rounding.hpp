// Rounding an enclosure to binary64, binary32, bfloat16 and binary16, with the
// proof status.
#pragma once

#include <string>

#include "reference/real.hpp"

namespace lossoracle::reference {

enum class ProofStatus {
  exact,       // the enclosure is one point: no rounding error anywhere; every format is round-to-nearest-even of it
  proved,      // every point of the enclosure rounds to the same binary64 and the same binary32 (and, unless
               // narrow_unresolved, the same bfloat16 and binary16)
  tie,         // exact, and a midpoint between two neighbours of binary64 or binary32 (see tie64/tie32): ties-to-even
               // applied. A midpoint of bfloat16 or binary16 only is flagged by tie_bf16/tie_f16 and stays `exact`,
               // so that the status of an answer in the two wide formats does not depend on the narrow ones
  zero,        // the enclosure lies within [-2^-1075, 2^-1075]: every format rounds every point of it to 0 (possibly an
               // exact zero reached by cancellation, which intervals cannot prove; the sign is not certified)
  nan,         // NaN by the loss's semantics (an undefined operation on the exact inputs), seen at two precisions
  unresolved,  // the precision cap was reached before the enclosure decided the rounding
};
const char* status_name(ProofStatus s);

struct RoundedValue {
  ProofStatus status = ProofStatus::unresolved;
  double f64 = 0;
  float f32 = 0;
  // bfloat16 (8-bit significand, binary32's exponent range) and IEEE binary16 (11-bit significand, emin -14,
  // largest finite 65504), each rounded directly from the exact value, never via binary32 (a binary16
  // midpoint is a binary32 number); stored as the binary32 of the same value, which always exists.
  float bf16 = 0, f16 = 0;
  // proved in binary64 and binary32, but bfloat16 or binary16 undecided at the precision cap (an exact value on
  // a narrow midpoint that intervals cannot reach as a point). Kept apart from `status` so that the proof of a
  // binary64/binary32 answer never depends on the narrow formats.
  bool narrow_unresolved = false;
  bool tie64 = false, tie32 = false, tie_bf16 = false, tie_f16 = false;
  std::string decimal;        // 40 significant digits of the enclosure's midpoint ("nan", "inf", "-inf")
  double lower = 0, upper = 0;  // the enclosure, outward-rounded to binary64
};

// Rounds one enclosure. A non-point enclosure counts as proved only when it is
// also narrower than 2^-140 relative, so that its 40-digit decimal is faithful.
RoundedValue round_enclosure(const Real& v);

// Whether v's rounding in binary64 and binary32 (narrow = false), or also in
// bfloat16 and binary16 (narrow = true), is certified.
inline bool rounding_decided(const RoundedValue& v, bool narrow) {
  return v.status != ProofStatus::unresolved && !(narrow && v.narrow_unresolved);
}

}  // namespace lossoracle::reference
