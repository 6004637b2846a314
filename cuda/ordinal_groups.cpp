// acc_loss's and slace_prox's group tables (cuda/ordinal_groups.hpp).
// slace_prox's distance (Eq. 7) with true class y: A_c = 2 (n_c / 2 + the
// counts strictly between c and y, y included) is an exact integer, smallest
// at y, and dis(c, y) = log(A_c / A_y) = log1p((A_c - A_y) / A_y) in prox's
// base; closeness is A_c itself, so no rounded logarithm decides a tie.
// n_y = 0 gives +inf (A_c > 0) and NaN (A_c = 0), as inf - inf does: labels NaN.
#include "cuda/ordinal_groups.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace lossoracle::cuda {

namespace {

// Groups of equal key, smaller keys first, into the table at `out`.
template <class Key>
void group_by_keys(const std::vector<Key>& key, std::int32_t* out) {
  const auto C = static_cast<std::int32_t>(key.size());
  std::int32_t* start = out + 1;
  std::int32_t* order = out + 2 + C;
  std::iota(order, order + C, 0);
  std::stable_sort(order, order + C, [&](std::int32_t a, std::int32_t b) { return key[a] < key[b]; });
  std::int32_t H = 0;
  for (std::int32_t r = 0; r < C; ++r)
    if (r == 0 || key[order[r]] != key[order[r - 1]]) start[H++] = r;
  std::fill(start + H, start + C + 1, C);
  out[0] = H;
}

std::vector<std::int64_t> prox_masses(const std::vector<std::int64_t>& n, std::int64_t y) {
  const auto C = static_cast<std::int64_t>(n.size());
  std::vector<std::int64_t> A(n.size());
  A[y] = n[y];
  std::int64_t between = 0;
  for (std::int64_t c = y - 1; c >= 0; --c) A[c] = n[c] + 2 * (between += n[c + 1]);
  between = 0;
  for (std::int64_t c = y + 1; c < C; ++c) A[c] = n[c] + 2 * (between += n[c - 1]);
  return A;
}

// Each group's soft label: softmax(-alpha d) over the classes, d equal within a group.
void group_labels(const std::vector<long double>& d, double alpha, const std::int32_t* table, double* out) {
  constexpr long double inf = std::numeric_limits<long double>::infinity();
  const std::size_t C = d.size();
  std::vector<long double> z(C);
  long double mz = -inf, Z = 0;
  bool undefined = false;
  for (std::size_t i = 0; i < C; ++i) {
    z[i] = -static_cast<long double>(alpha) * d[i];
    undefined = undefined || z[i] != z[i] || z[i] == inf;
    mz = std::max(mz, z[i]);
  }
  undefined = undefined || mz == -inf;
  for (std::size_t i = 0; i < C; ++i) Z += std::exp(z[i] - mz);
  const std::int32_t H = table[0];
  for (std::int32_t h = 0; h < H; ++h) {
    const std::int32_t c = table[2 + static_cast<std::int32_t>(C) + table[1 + h]];
    const double q = static_cast<double>(std::exp(z[c] - mz) / Z);
    // The exact label of a finite exponent is positive: kept so (cuda/ordinal.cuh).
    out[h] = undefined ? std::numeric_limits<double>::quiet_NaN()
             : q == 0.0 && z[c] > -inf ? std::numeric_limits<double>::denorm_min()
                                      : q;
  }
}

}  // namespace

bool needs_group_table(const Problem& p) {
  return p.kind == Kind::slace_prox || (p.kind == Kind::acc_loss && p.has_distance);
}

OrdinalGroupTable ordinal_group_table(const Problem& p, const std::vector<double>& distance,
                                      const std::vector<double>& counts) {
  OrdinalGroupTable t;
  if (!needs_group_table(p)) return t;
  const std::int64_t C = p.classes, stride = 2 * C + 2;
  t.groups.assign(static_cast<std::size_t>(C * stride), 0);
  if (p.kind == Kind::slace_prox) t.labels.assign(static_cast<std::size_t>(C * C), 0.0);
  const std::vector<std::int64_t> n(counts.begin(), counts.end());
  const long double ln_base = p.prox_base == checks::LogBase::e     ? 1.0L
                              : p.prox_base == checks::LogBase::two ? std::log(2.0L)
                                                                    : std::log(10.0L);
  for (std::int64_t y = 0; y < C; ++y) {
    std::int32_t* out = t.groups.data() + y * stride;
    if (p.kind == Kind::acc_loss) {
      group_by_keys(std::vector<double>(distance.begin() + y * C, distance.begin() + (y + 1) * C), out);
      continue;
    }
    const std::vector<std::int64_t> A = prox_masses(n, y);
    group_by_keys(A, out);
    std::vector<long double> d(static_cast<std::size_t>(C));
    const auto Ay = static_cast<long double>(A[y]);
    for (std::int64_t c = 0; c < C; ++c)
      d[c] = (A[y] > 0 ? std::log1p(static_cast<long double>(A[c] - A[y]) / Ay)
                       : std::log(static_cast<long double>(A[c]) / Ay)) /
             ln_base;
    group_labels(d, p.alpha, out, t.labels.data() + y * C);
  }
  return t;
}

}  // namespace lossoracle::cuda
