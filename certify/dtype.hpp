// The floating-point formats an implementation under test computes in, and
// the measures of its error in that format. The oracle rounds every value to
// each of them directly from the exact value (reference/rounding.hpp), so a
// certificate can speak about any of them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/rounding.hpp"

namespace lossoracle::certify {

enum class Dtype { float64, float32, bfloat16, float16 };

// "float64" | "float32" | "bfloat16" | "float16" (PyTorch's spellings)
const char* dtype_name(Dtype d);
std::optional<Dtype> parse_dtype(const std::string& name);
const std::vector<Dtype>& all_dtypes();
// "float64, float32, bfloat16, float16": for messages listing the choices.
std::string dtype_choices();

// A dtype's binary format: significand bits (the implicit one included), the
// exponent of its smallest normal binade and of its largest.
struct Format {
  int precision, emin, emax;
};
Format format_of(Dtype d);

// v rounded to nearest-even in the dtype, straight from v (held in a double:
// every value of these formats is one), overflowing to infinity as IEEE
// round-to-nearest does.
double round_to(Dtype d, double v);
bool representable(Dtype d, double v);  // NaN and +-inf count as representable

// The oracle's correctly rounded value in the dtype (its rounding of the exact
// value, never derived from another format's).
double oracle_rounding(Dtype d, const reference::RoundedValue& v);
// Whether that rounding is certified (bfloat16 and float16 can stay undecided
// at the precision cap where binary64 and binary32 are proved).
bool oracle_decided(Dtype d, const reference::RoundedValue& v);

// The smallest positive normal number of the dtype.
long double min_normal(Dtype d);

// The spacing of the dtype's numbers at |x|: 2^(e - p + 1) for x in the binade
// [2^e, 2^(e+1)), and the subnormal spacing below the normal range (also at 0).
// Taken at the exact value, so that a correctly rounded result is never more
// than 0.5 ulp away.
long double ulp_at(Dtype d, long double x);

}  // namespace lossoracle::certify
