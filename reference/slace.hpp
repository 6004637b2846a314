// SLACE, the Soft Labels Accumulating Cross Entropy of Nachmani et al.
// (AAAI 2025), with dlordinal's semantics (dlordinal 2.7.0, SLACELoss), and
// the machinery the ordinal family (reference/ordinal.hpp) shares with it:
// dominance orders, the O(C) accumulation, soft labels, the softmax VJP.
//
// For one sample with true class y, distances d_i = dis(c_i, y) and
// probabilities p (the softmax of the logits, or the input itself):
//   q_i   = softmax(-alpha d)_i                       (soft labels)
//   acc_i = sum_{j : d_j <= d_i} p_j                  (the dominance matrix row i times p)
//   l     = -w_y sum_i q_i log(acc_i + epsilon)
// dlordinal fixes d_i = |i - y| and epsilon = 1e-9; reductions divide by N.
//
// The accumulation is O(C): sort the classes into groups of equal distance,
// closest first (for |i - y| that order is known without sorting), and
// acc_i is the running sum of p over the groups up to i's own, so no sum is
// ever formed by subtraction. Its backward is the running sum of the
// cotangents over the groups from the farthest down to j's own.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "reference/layout.hpp"
#include "reference/number.hpp"
#include "reference/reduction.hpp"
#include "reference/result.hpp"
#include "reference/softmax.hpp"

namespace lossoracle::reference {

// ---------------------------------------------------------------- dominance orders

// The classes of one true class y in groups of equal distance to y, closest
// group first. Class j dominates class i (P(c_i, c_j) = 1) iff
// group_of[j] <= group_of[i], i.e. d_j <= d_i: ties dominate each other, as
// in the paper's Eq. 9 and dlordinal's `distance_j <= distance_i`.
struct DominanceOrder {
  std::vector<std::vector<std::int64_t>> groups;
  std::vector<std::int64_t> group_of;
};

// d_i = |i - y|: groups {y}, {y-1, y+1}, {y-2, y+2}, ... clipped to [0, C).
inline DominanceOrder absolute_order(std::int64_t C, std::int64_t y) {
  DominanceOrder o;
  o.group_of.assign(C, 0);
  for (std::int64_t d = 0; y - d >= 0 || y + d < C; ++d) {
    std::vector<std::int64_t> g;
    if (y - d >= 0) g.push_back(y - d);
    if (d > 0 && y + d < C) g.push_back(y + d);
    for (std::int64_t c : g) o.group_of[c] = static_cast<std::int64_t>(o.groups.size());
    o.groups.push_back(std::move(g));
  }
  return o;
}

// Classes by exact keys (smaller = closer), equal keys in one group.
template <class Key>
DominanceOrder order_by_keys(const std::vector<Key>& keys) {
  std::vector<std::int64_t> idx(keys.size());
  std::iota(idx.begin(), idx.end(), std::int64_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::int64_t a, std::int64_t b) { return keys[a] < keys[b]; });
  DominanceOrder o;
  o.group_of.assign(keys.size(), 0);
  for (std::size_t k = 0; k < idx.size(); ++k) {
    if (k == 0 || keys[idx[k]] != keys[idx[k - 1]]) o.groups.emplace_back();
    o.groups.back().push_back(idx[k]);
    o.group_of[idx[k]] = static_cast<std::int64_t>(o.groups.size()) - 1;
  }
  return o;
}

// acc_i = sum_{j : group_of[j] <= group_of[i]} p_j, in O(C).
template <class T>
std::vector<T> accumulate_dominance(const DominanceOrder& o, const std::vector<T>& p) {
  std::vector<T> acc(p.size(), T(0.0));
  T running(0.0);
  for (const auto& g : o.groups) {
    for (std::int64_t j : g) running += p[j];
    for (std::int64_t i : g) acc[i] = running;
  }
  return acc;
}

// The transpose: given a cotangent a_i on acc_i, the cotangent on p_j is
// sum_{i : group_of[i] >= group_of[j]} a_i, in O(C).
template <class T>
std::vector<T> accumulate_dominance_backward(const DominanceOrder& o, const std::vector<T>& a) {
  std::vector<T> g(a.size(), T(0.0));
  T running(0.0);
  for (auto it = o.groups.rbegin(); it != o.groups.rend(); ++it) {
    for (std::int64_t i : *it) running += a[i];
    for (std::int64_t j : *it) g[j] = running;
  }
  return g;
}

// ---------------------------------------------------------------- shared pieces

// q = softmax(-alpha d), as dlordinal forms it: (-alpha) * d, then a softmax
// (a NaN or +inf entry, e.g. alpha = inf times d = 0, makes the row NaN).
template <class T>
std::vector<T> soft_labels(const std::vector<T>& d, double alpha) {
  ClassLayout one;
  one.classes = static_cast<std::int64_t>(d.size());
  std::vector<T> z(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) z[i] = T(-alpha) * d[i];
  std::vector<T> logq, q;
  softmax_position(one, z, 0, logq, q);
  return q;
}

// sum_{j != k} v_j for every k from prefix and suffix sums: O(C), and exactly
// the sum of the other entries (no total minus own entry).
template <class T>
std::vector<T> sums_of_others(const std::vector<T>& v) {
  const std::size_t C = v.size();
  std::vector<T> prefix(C + 1, T(0.0)), suffix(C + 1, T(0.0)), out(C);
  for (std::size_t k = 0; k < C; ++k) prefix[k + 1] = prefix[k] + v[k];
  for (std::size_t k = C; k-- > 0;) suffix[k] = suffix[k + 1] + v[k];
  for (std::size_t k = 0; k < C; ++k) out[k] = prefix[k] + suffix[k + 1];
  return out;
}

// The softmax VJP of a cotangent G on p that is constant on each group of a
// dominance order and equal to the suffix sums G_j = U_{g(j)},
// U_g = sum_{h >= g} R_h (the shape accumulate_dominance_backward gives):
//   d/dx_k sum_j G_j p_j(x) = p_k (G_k - sum_j p_j G_j) = p_k sum_j p_j (G_k - G_j)   (sum_j p_j = 1)
//                           = p_k ( sum_{h >= g(k)} R_h Tail_h - sum_{h < g(k)} R_h Acc_h ),
// with P_g the mass of group g, Acc_h = sum_{g <= h} P_g, Tail_h = sum_{g > h} P_g
// (G_k - G_j telescopes to the R_h between the two groups). O(C), no sum
// formed by subtraction, and exactly 0 when one group holds every class.
template <class T>
std::vector<T> grouped_softmax_vjp(const DominanceOrder& o, const std::vector<T>& p, const std::vector<T>& R) {
  const std::size_t H = o.groups.size();
  std::vector<T> mass(H, T(0.0)), acc(H), tail(H);
  for (std::size_t h = 0; h < H; ++h)
    for (std::int64_t j : o.groups[h]) mass[h] += p[j];
  T running(0.0);
  for (std::size_t h = 0; h < H; ++h) acc[h] = running = running + mass[h];
  running = T(0.0);
  for (std::size_t h = H; h-- > 0;) {
    tail[h] = running;
    running = running + mass[h];
  }
  // left[g] = sum_{h < g} R_h Acc_h;  right[g] = sum_{h >= g} R_h Tail_h.
  std::vector<T> left(H + 1, T(0.0)), right(H + 1, T(0.0));
  for (std::size_t h = 0; h < H; ++h) left[h + 1] = left[h] + R[h] * acc[h];
  for (std::size_t h = H; h-- > 0;) right[h] = right[h + 1] + R[h] * tail[h];
  std::vector<T> out(p.size());
  for (std::size_t h = 0; h < H; ++h)
    for (std::int64_t k : o.groups[h]) out[k] = p[k] * (right[h] - left[h]);
  return out;
}

// The probabilities of one sample: the softmax of its logits or the input as given.
template <class T>
std::vector<T> sample_probabilities(const ClassLayout& L, const std::vector<T>& x, std::int64_t n, bool use_logits) {
  std::vector<T> logp, p;
  if (use_logits) {
    softmax_position(L, x, n, logp, p);
    return p;
  }
  p.resize(L.classes);
  for (std::int64_t c = 0; c < L.classes; ++c) p[c] = x[L.at(n, c)];
  return p;
}

// ---------------------------------------------------------------- log bases

// The paper prints losses in base-10 logarithms; PyTorch and dlordinal use
// natural ones. A value in base b is the value in nats divided by ln b.
enum class LogBase { e, two, ten };

inline LogBase parse_log_base(const std::string& loss, const std::string& field, const std::string& text) {
  if (text == "e") return LogBase::e;
  if (text == "2") return LogBase::two;
  if (text == "10") return LogBase::ten;
  throw InputError("params." + field, loss + ": " + field + " must be one of e, 2, 10, got " + text);
}

template <class T>
T in_base(const T& nats, LogBase b) {
  if (b == LogBase::e) return nats;
  return nats / log(T(b == LogBase::two ? 2.0 : 10.0));
}

// ---------------------------------------------------------------- the accumulating cross entropy

// What one sample's accumulating cross entropy needs about its true class.
template <class T>
struct AccumulatingTerms {
  const DominanceOrder* order = nullptr;
  const std::vector<T>* q = nullptr;  // soft labels; null: q_i = 1 (the paper's acc_loss)
  T weight = T(1.0);                  // multiplies the sample's loss (dlordinal's weight[y])
};

struct AccumulatingOptions {
  bool use_logits = true;
  double epsilon = 0.0;  // added inside the log; 0: the paper's pure form (nothing added)
  LogBase base = LogBase::e;
};

// One sample's forward state, kept for its backward.
template <class T>
struct AccumulatingSample {
  std::vector<T> p, inner;  // probabilities; acc_i + epsilon
  T loss;
};

// l = w (-sum_i q_i log(acc_i + eps)) / ln b.
template <class T>
AccumulatingSample<T> accumulating_forward(const ClassLayout& L, const std::vector<T>& x, std::int64_t n,
                                           const AccumulatingTerms<T>& terms, const AccumulatingOptions& o) {
  AccumulatingSample<T> s;
  s.p = sample_probabilities(L, x, n, o.use_logits);
  s.inner = accumulate_dominance(*terms.order, s.p);
  // A softmax sums to exactly 1, so the farthest group's accumulation is 1;
  // said so, log(1) is an exact 0 instead of an enclosure that never
  // decides the sign of a zero loss. (Not for a NaN row, which stays NaN.)
  if (o.use_logits && !s.p.empty() && !std::isnan(value_of(s.p[0])))
    for (std::int64_t i : terms.order->groups.back()) s.inner[i] = T(1.0);
  T nats(0.0);
  for (std::size_t i = 0; i < s.inner.size(); ++i) {
    if (o.epsilon != 0.0) s.inner[i] = s.inner[i] + T(o.epsilon);
    nats += terms.q ? T((*terms.q)[i] * log(s.inner[i])) : T(log(s.inner[i]));
  }
  s.loss = in_base(T(-nats), o.base) * terms.weight;
  return s;
}

// With cotangent g on the sample's loss:
//   d/d acc_i = (-(g w / ln b) q_i) / (acc_i + eps),
//   d/d p_j   = sum_{i : d_j <= d_i} d/d acc_i    (accumulate_dominance_backward),
//   d/d x_k   = the softmax VJP of that when the input holds logits
//               (grouped_softmax_vjp, from the per-group sums of d/d acc).
// The products are formed in PyTorch autograd's order for dlordinal's graph
// (g times w, times q, over acc + eps), so special values (g = 0 against an
// infinite 1/acc) come out as there.
template <class T>
void accumulating_backward(const ClassLayout& L, std::int64_t n, const AccumulatingTerms<T>& terms,
                           const AccumulatingOptions& o, const AccumulatingSample<T>& s, const T& g,
                           std::vector<T>& grad_input) {
  const T gw = in_base(T(g * terms.weight), o.base);
  std::vector<T> a(s.inner.size());
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = (terms.q ? T(-gw * (*terms.q)[i]) : T(-gw)) / s.inner[i];
  std::vector<T> dx;
  if (o.use_logits) {
    std::vector<T> R(terms.order->groups.size(), T(0.0));
    for (std::size_t h = 0; h < R.size(); ++h)
      for (std::int64_t i : terms.order->groups[h]) R[h] += a[i];
    dx = grouped_softmax_vjp(*terms.order, s.p, R);
  } else {
    dx = accumulate_dominance_backward(*terms.order, a);
  }
  for (std::int64_t c = 0; c < L.classes; ++c) grad_input[L.at(n, c)] = dx[c];
}

// Runs the accumulating cross entropy over a batch: terms_of(n) gives sample
// n's terms; `mean` divides by N.
template <class T, class TermsOf>
LossResult<T> accumulating_batch(const ClassLayout& L, const std::vector<T>& x, Reduction reduction,
                                 const AccumulatingOptions& o, TermsOf terms_of, const std::vector<T>* grad_output) {
  const std::int64_t N = L.positions();
  LossResult<T> r;
  r.position_shape = L.position_shape;
  r.per_position.reserve(N);
  std::vector<AccumulatingSample<T>> samples;
  samples.reserve(N);
  for (std::int64_t n = 0; n < N; ++n) {
    samples.push_back(accumulating_forward(L, x, n, terms_of(n), o));
    r.per_position.push_back(samples.back().loss);
  }
  const Reduced<T> red = reduce(r.per_position, r.position_shape, reduction, T(static_cast<double>(N)), grad_output);
  r.loss_shape = red.shape;
  r.loss = red.loss;
  r.grad_input.assign(x.size(), T(0.0));
  for (std::int64_t n = 0; n < N; ++n) accumulating_backward(L, n, terms_of(n), o, samples[n], red.cotangent[n], r.grad_input);
  return r;
}

// ---------------------------------------------------------------- dlordinal's SLACELoss

struct SlaceOptions {
  Reduction reduction = Reduction::mean;
  double alpha = 1.0;
  bool use_logits = true;
  double epsilon = 1e-9;
};

// Input (N, C), targets y_n in [0, C) (checked by the evaluator), optional
// class weights (C). Soft labels and dominance order depend only on y, so they
// are built once per target class that occurs (O(C) each): O(C) per sample.
// `mean` is the plain mean over N of w_{y_n} l_n (dlordinal's per_sample_loss.mean()).
template <class T>
LossResult<T> slace(const SlaceOptions& o, const ClassLayout& L, const std::vector<T>& x,
                    const std::vector<std::int64_t>& y, const std::vector<T>* weight,
                    const std::vector<T>* grad_output) {
  const std::int64_t C = L.classes;
  std::vector<DominanceOrder> orders(C);
  std::vector<std::vector<T>> labels(C);
  std::vector<bool> built(C, false);
  for (std::int64_t t : y) {
    if (built[t]) continue;
    built[t] = true;
    orders[t] = absolute_order(C, t);
    std::vector<T> d(C);
    for (std::int64_t i = 0; i < C; ++i) d[i] = T(static_cast<double>(i > t ? i - t : t - i));
    labels[t] = soft_labels(d, o.alpha);
  }
  auto terms_of = [&](std::int64_t n) {
    return AccumulatingTerms<T>{&orders[y[n]], &labels[y[n]], weight ? (*weight)[y[n]] : T(1.0)};
  };
  return accumulating_batch(L, x, o.reduction, AccumulatingOptions{o.use_logits, o.epsilon, LogBase::e}, terms_of,
                            grad_output);
}

}  // namespace lossoracle::reference
