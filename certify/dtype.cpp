#include "certify/dtype.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lossoracle::certify {

const char* dtype_name(Dtype d) { return d == Dtype::float64 ? "float64" : "float32"; }

std::optional<Dtype> parse_dtype(const std::string& name) {
  if (name == "float64") return Dtype::float64;
  if (name == "float32") return Dtype::float32;
  return std::nullopt;
}

const std::vector<Dtype>& all_dtypes() {
  static const std::vector<Dtype> all{Dtype::float64, Dtype::float32};
  return all;
}

double round_to(Dtype d, double v) { return d == Dtype::float64 ? v : static_cast<double>(static_cast<float>(v)); }

bool representable(Dtype d, double v) { return std::isnan(v) || round_to(d, v) == v; }

long double ulp_at(Dtype d, long double x) {
  const int precision = d == Dtype::float64 ? std::numeric_limits<double>::digits : std::numeric_limits<float>::digits;
  const int min_exponent = d == Dtype::float64 ? std::numeric_limits<double>::min_exponent - 1
                                               : std::numeric_limits<float>::min_exponent - 1;
  const long double a = std::fabs(x);
  int e = min_exponent;
  if (a != 0 && std::isfinite(a)) e = std::max(std::ilogb(a), min_exponent);
  return std::ldexp(1.0L, e - precision + 1);
}

}  // namespace lossoracle::certify
