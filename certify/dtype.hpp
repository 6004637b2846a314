// The floating-point formats an implementation under test computes in, and
// the measures of its error in that format. The oracle rounds to binary64 and
// binary32 only, so those are the dtypes a certificate can speak about.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lossoracle::certify {

enum class Dtype { float64, float32 };

const char* dtype_name(Dtype d);  // "float64" | "float32" (PyTorch's spelling)
std::optional<Dtype> parse_dtype(const std::string& name);
const std::vector<Dtype>& all_dtypes();

// v rounded to nearest-even in the dtype (a binary32 stored in a double).
double round_to(Dtype d, double v);
bool representable(Dtype d, double v);  // NaN and +-inf count as representable

// The spacing of the dtype's numbers at |x|: 2^(e - p + 1) for x in the binade
// [2^e, 2^(e+1)), and the subnormal spacing below the normal range (also at 0).
// Taken at the exact value, so that a correctly rounded result is never more
// than 0.5 ulp away.
long double ulp_at(Dtype d, long double x);

}  // namespace lossoracle::certify
