// How the CUDA tier's outputs are compared with the oracle (docs/cuda.md,
// "Accuracy"). An element passes when
//   |got - exact| <= K * ulp(scale),  K = 16 + 2 (C + P)
// in the computing format, where C is the class count and P the number of
// positions: the tier sums C exponentials per row and P row losses, each
// addition and each libm call (exp, expm1, log1p: <= 1 ulp) adding at most
// an ulp of the running magnitude, with 16 ulps for the fixed number of
// roundings around them. `scale` is the magnitude of the terms the exact
// formula adds, so that cancellation, which no binary32 formula of the loss
// avoids (PyTorch's included), is measured against its terms, not its
// result: the exact value for sums of like-signed terms (cross-entropy
// losses, log_softmax values); the row's largest exact gradient for the
// cross-entropy family's gradients (normwise); |G_j| + p_j |sum G| for
// log_softmax's; |g/D| (p_j S + t~_j w_j) for cross_entropy's with
// probability targets (S = sum t~ w), and with label smoothing the larger
// of the row's largest gradient and (eps/C)(g/D)(sum w + max w) (the nll
// and smoothing parts of d/dx_y cancel);
// p_c max_j |g_j| for softmax's gradient; for kl_div the sum of the
// magnitudes of its terms (t log t and t x, or exp(t) t and exp(t) x; log t,
// 1 and x times g). NaN must be NaN; infinities must match exactly.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "reference/oracle.hpp"

namespace lossoracle::cuda_testing {

template <class A>
double ulp_of(double scale) {
  const double s = std::max(std::fabs(scale), static_cast<double>(std::numeric_limits<A>::min()));
  return std::ldexp(1.0, std::ilogb(s) - std::numeric_limits<A>::digits + 1);
}

// Row scales: each element's largest exact magnitude among the elements that
// share its position (class stride `inner`, C classes), for row-normwise outputs.
inline std::vector<double> row_scales(const std::vector<double>& exact, const std::vector<std::int64_t>& shape,
                                      bool rowwise) {
  std::vector<double> s(exact.size());
  for (std::size_t k = 0; k < exact.size(); ++k) s[k] = std::isfinite(exact[k]) ? std::fabs(exact[k]) : 0.0;
  if (!rowwise || shape.empty()) {
    if (rowwise) {  // unbatched (C): one row
      double m = 0;
      for (double v : s) m = std::max(m, v);
      std::fill(s.begin(), s.end(), m);
    }
    return s;
  }
  const std::int64_t C = shape.size() == 1 ? shape[0] : shape[1];
  std::int64_t inner = 1;
  for (std::size_t d = 2; d < shape.size(); ++d) inner *= shape[d];
  if (shape.size() == 1) inner = 1;
  const std::int64_t outer = shape.size() == 1 ? 1 : shape[0];
  for (std::int64_t n = 0; n < outer; ++n)
    for (std::int64_t i = 0; i < inner; ++i) {
      double m = 0;
      for (std::int64_t c = 0; c < C; ++c) m = std::max(m, s[(n * C + c) * inner + i]);
      for (std::int64_t c = 0; c < C; ++c) s[(n * C + c) * inner + i] = m;
    }
  return s;
}

struct Mismatch {
  bool ok = true;
  double worst_ulps = 0;  // the largest error seen, in ulps of its scale
  std::string first;      // the first failing element, described
};

// Compares one output. `exact` holds the oracle's correctly rounded binary64
// values, `status` their proof status (NaN by the loss's semantics when nan).
// For outputs stored in bfloat16 or binary16 (storage_digits 8 or 11, and
// the format's smallest normal exponent): the final rounding into the
// storage format adds half an ulp of it, allowed as one ulp of |exact|.
struct StorageRounding {
  int digits = 0;  // 0: the output is in the computing format itself
  int min_exponent = 0;
};

inline double storage_ulp(double x, const StorageRounding& s) {
  const int e = std::max(x == 0 ? s.min_exponent : std::ilogb(std::fabs(x)), s.min_exponent);
  return std::ldexp(1.0, e - s.digits + 1);
}

template <class A>
Mismatch compare(const std::string& what, const reference::CertifiedOutput& oracle, const std::vector<double>& got,
                 const std::vector<double>& scale, double budget_ulps, StorageRounding storage = {}) {
  Mismatch m;
  if (got.size() != oracle.values.size()) {
    m.ok = false;
    m.first = what + ": " + std::to_string(got.size()) + " values, oracle has " + std::to_string(oracle.values.size());
    return m;
  }
  for (std::size_t k = 0; k < got.size(); ++k) {
    const auto& v = oracle.values[k];
    if (v.status == reference::ProofStatus::unresolved) continue;  // no certified value to compare with
    const double exact = v.f64;
    bool ok;
    double ulps = 0;
    if (v.status == reference::ProofStatus::nan || std::isnan(exact)) {
      ok = std::isnan(got[k]);
    } else if (std::isinf(exact) || std::isinf(got[k])) {
      ok = got[k] == exact;
    } else {
      const double slack = storage.digits ? storage_ulp(exact, storage) : 0.0;
      ulps = std::max(0.0, std::fabs(got[k] - exact) - slack) / ulp_of<A>(std::max(scale[k], std::fabs(exact)));
      ok = ulps <= budget_ulps;
      m.worst_ulps = std::max(m.worst_ulps, ulps);
    }
    if (!ok && m.ok) {
      m.ok = false;
      m.first = what + "[" + std::to_string(k) + "]: got " + std::to_string(got[k]) + " (" + std::to_string(ulps) +
                " ulps), exact " + v.decimal + ", budget " + std::to_string(budget_ulps) + " ulps";
    }
  }
  return m;
}

}  // namespace lossoracle::cuda_testing
