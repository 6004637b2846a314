#include "certify/dtype.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lossoracle::certify {

const char* dtype_name(Dtype d) {
  switch (d) {
    case Dtype::float64: return "float64";
    case Dtype::float32: return "float32";
    case Dtype::bfloat16: return "bfloat16";
    case Dtype::float16: return "float16";
  }
  return "?";
}

std::optional<Dtype> parse_dtype(const std::string& name) {
  for (Dtype d : all_dtypes())
    if (name == dtype_name(d)) return d;
  return std::nullopt;
}

const std::vector<Dtype>& all_dtypes() {
  static const std::vector<Dtype> all{Dtype::float64, Dtype::float32, Dtype::bfloat16, Dtype::float16};
  return all;
}

std::string dtype_choices() {
  std::string s;
  for (Dtype d : all_dtypes()) s += (s.empty() ? "" : ", ") + std::string(dtype_name(d));
  return s;
}

Format format_of(Dtype d) {
  switch (d) {
    case Dtype::float64: return {53, -1022, 1023};
    case Dtype::float32: return {24, -126, 127};
    case Dtype::bfloat16: return {8, -126, 127};
    case Dtype::float16: return {11, -14, 15};
  }
  return {53, -1022, 1023};
}

double round_to(Dtype d, double v) {
  if (d == Dtype::float64 || !std::isfinite(v) || v == 0) return v;
  // A whole number of the quantum of v's binade (the subnormal quantum below
  // the normal range), rounded to nearest-even by nearbyint.
  const Format f = format_of(d);
  const int quantum = std::max(std::ilogb(v), f.emin) - f.precision + 1;
  const double r = std::ldexp(std::nearbyint(std::ldexp(v, -quantum)), quantum);
  const double max = std::ldexp(2.0 - std::ldexp(1.0, 1 - f.precision), f.emax);
  return std::fabs(r) > max ? std::copysign(std::numeric_limits<double>::infinity(), v) : r;
}

bool representable(Dtype d, double v) { return std::isnan(v) || round_to(d, v) == v; }

double oracle_rounding(Dtype d, const reference::RoundedValue& v) {
  switch (d) {
    case Dtype::float64: return v.f64;
    case Dtype::float32: return v.f32;
    case Dtype::bfloat16: return v.bf16;
    case Dtype::float16: return v.f16;
  }
  return v.f64;
}

bool oracle_decided(Dtype d, const reference::RoundedValue& v) {
  return reference::rounding_decided(v, d == Dtype::bfloat16 || d == Dtype::float16);
}

long double min_normal(Dtype d) { return std::ldexp(1.0L, format_of(d).emin); }

long double ulp_at(Dtype d, long double x) {
  const Format f = format_of(d);
  const long double a = std::fabs(x);
  int e = f.emin;
  if (a != 0 && std::isfinite(a)) e = std::max(std::ilogb(a), f.emin);
  return std::ldexp(1.0L, e - f.precision + 1);
}

}  // namespace lossoracle::certify
