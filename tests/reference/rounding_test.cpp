// The correct-rounding proof. Part 1 throws seeded random cases at the oracle
// (every loss, small shapes, random doubles, float32 values, equal logits,
// magnitudes from 1e-300 to 1e300) and checks each certified value against an
// independent evaluation: the loss written out directly in this file and
// computed in plain MPFR at 2048 bits, rounded with mpfr_get_d / mpfr_get_flt.
// Part 2 unit-tests round_enclosure on enclosures built by hand: exact values,
// midpoints (ties to even, subnormal and overflow edges), enclosures that
// straddle a rounding boundary, and the precision cap of the Ziv loop.
#include <gtest/gtest.h>
#include <mpfr.h>

#include <algorithm>
#include <bit>
#include <boost/multiprecision/mpfr.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "core/registry.hpp"
#include "reference/oracle.hpp"
#include "reference/real.hpp"
#include "reference/rounding.hpp"

namespace lossoracle::reference {
// Readable statuses in gtest failure messages.
void PrintTo(ProofStatus s, std::ostream* os) { *os << status_name(s); }
}  // namespace lossoracle::reference

namespace {

namespace mp = boost::multiprecision;
namespace ref = lossoracle::reference;
using lossoracle::LossCase;
using lossoracle::Shape;
using lossoracle::Tensor;
using ref::ProofStatus;
using ref::Real;
using ref::RoundedValue;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ===================================================== independent evaluation

// Variable precision, set per evaluation through default_precision (decimal
// digits): 617 digits is 2051 bits, 2500 digits about 8300.
using M = mp::number<mp::mpfr_float_backend<0>, mp::et_off>;
constexpr unsigned kDigits2048 = 617;
constexpr unsigned kDigitsRecheck = 2500;

struct PrecisionScope {
  unsigned saved = M::default_precision();
  explicit PrecisionScope(unsigned digits) { M::default_precision(digits); }
  ~PrecisionScope() { M::default_precision(saved); }
};

M nan_m() { return M(kNaN); }

// One random case, in the terms of docs/spec.md: input x of shape (N, C, inner)
// (or (C) unbatched), class-index targets y or elementwise targets t, etc.
struct Case {
  std::string loss;
  Shape shape;
  int N = 1, C = 1, inner = 1;
  std::vector<double> x, t, w, g;
  std::vector<std::int64_t> y;
  bool has_w = false, has_g = false, prob_targets = false, log_target = false;
  std::string reduction = "mean";
  std::int64_t ignore = -100;
  double eps = 0.0;
  std::string style;

  int positions() const { return N * inner; }
  std::size_t at(int pos, int c) const {
    const int n = pos / inner, i = pos % inner;
    return static_cast<std::size_t>((n * C + c) * inner + i);
  }
  Shape position_shape() const {
    if (shape.size() <= 1) return {};
    Shape s{shape[0]};
    for (std::size_t d = 2; d < shape.size(); ++d) s.push_back(shape[d]);
    return s;
  }
  Shape reduced_shape() const {
    if (reduction != "none") return {};
    return loss == "kl_div" ? shape : position_shape();
  }

  LossCase to_loss_case() const {
    LossCase c;
    c.loss = loss;
    c.inputs["input"] = {shape, x};
    if (loss == "nll_loss" || (loss == "cross_entropy" && !prob_targets))
      c.inputs["target"] = {position_shape(), std::vector<double>(y.begin(), y.end())};
    if (loss == "kl_div" || (loss == "cross_entropy" && prob_targets)) c.inputs["target"] = {shape, t};
    if (has_w) c.inputs["weight"] = {{C}, w};
    if (has_g) {
      const bool elementwise = loss == "softmax" || loss == "log_softmax";
      c.inputs["grad_output"] = {elementwise ? shape : reduced_shape(), g};
    }
    if (loss != "softmax" && loss != "log_softmax") c.params.set("reduction", reduction);
    if (loss == "nll_loss" || loss == "cross_entropy") c.params.set("ignore_index", ignore);
    if (loss == "cross_entropy") c.params.set("label_smoothing", eps);
    if (loss == "kl_div") c.params.set("log_target", log_target);
    return c;
  }

  std::string describe() const {
    std::ostringstream s;
    s << loss << " style=" << style << " shape=" << lossoracle::shape_text(shape) << " reduction=" << reduction;
    if (loss == "cross_entropy") s << " eps=" << lossoracle::hex64(eps) << (prob_targets ? " probs" : " indices");
    if (loss == "kl_div") s << " log_target=" << log_target;
    auto list = [&](const char* name, const std::vector<double>& v) {
      s << "\n  " << name << ": [";
      for (std::size_t k = 0; k < v.size(); ++k) s << (k ? ", " : "") << lossoracle::hex64(v[k]);
      s << "]";
    };
    list("input", x);
    if (!y.empty()) {
      s << "\n  target: [";
      for (std::size_t k = 0; k < y.size(); ++k) s << (k ? ", " : "") << y[k];
      s << "] ignore_index " << ignore;
    }
    if (!t.empty()) list("target", t);
    if (has_w) list("weight", w);
    if (has_g) list("grad_output", g);
    return s.str();
  }
};

using Outputs = std::map<std::string, std::vector<M>>;

// PyTorch's log_softmax of one position (shift by the max; NaN, +inf or an
// all -inf row is NaN throughout).
std::vector<M> log_softmax_at(const Case& k, const std::vector<double>& x, int pos) {
  double mx = -kInf;
  bool nan = false;
  for (int c = 0; c < k.C; ++c) {
    const double v = x[k.at(pos, c)];
    if (std::isnan(v) || v == kInf) nan = true;
    mx = std::max(mx, v);
  }
  if (mx == -kInf) nan = true;
  std::vector<M> out(k.C, nan_m());
  if (nan) return out;
  M s(0.0);
  for (int c = 0; c < k.C; ++c) s += mp::exp(M(x[k.at(pos, c)]) - M(mx));
  const M ls = mp::log(s);
  for (int c = 0; c < k.C; ++c) out[c] = (M(x[k.at(pos, c)]) - M(mx)) - ls;
  return out;
}

M cotangent(const Case& k, int pos, const M& denominator) {
  if (k.reduction == "none") return k.has_g ? M(k.g[pos]) : M(1.0);
  const M g = k.has_g ? M(k.g[0]) : M(1.0);
  return k.reduction == "sum" ? g : g / denominator;
}

// d/dx_j of log_softmax given the cotangent G on logp: G_j - p_j sum G.
void log_softmax_vjp(const Case& k, int pos, const std::vector<M>& logp, const std::vector<M>& G, std::vector<M>& out) {
  M total(0.0);
  for (const M& v : G) total += v;
  for (int j = 0; j < k.C; ++j) out[k.at(pos, j)] = G[j] - mp::exp(logp[j]) * total;
}

Outputs eval_softmax_like(const Case& k, bool log) {
  Outputs o;
  auto& loss = o["loss"];
  auto& grad = o["grad_input"];
  loss.assign(k.x.size(), M(0.0));
  grad.assign(k.x.size(), M(0.0));
  for (int pos = 0; pos < k.positions(); ++pos) {
    const std::vector<M> logp = log_softmax_at(k, k.x, pos);
    std::vector<M> G(k.C);
    for (int c = 0; c < k.C; ++c) G[c] = k.has_g ? M(k.g[k.at(pos, c)]) : M(1.0);
    if (log) {
      for (int c = 0; c < k.C; ++c) loss[k.at(pos, c)] = logp[c];
      log_softmax_vjp(k, pos, logp, G, grad);
    } else {
      M pg(0.0);
      for (int c = 0; c < k.C; ++c) pg += mp::exp(logp[c]) * G[c];
      for (int c = 0; c < k.C; ++c) {
        loss[k.at(pos, c)] = mp::exp(logp[c]);
        grad[k.at(pos, c)] = mp::exp(logp[c]) * (G[c] - pg);
      }
    }
  }
  return o;
}

M reduce(const Case& k, const std::vector<M>& per_position, const M& denominator) {
  M total(0.0);
  for (const M& v : per_position) total += v;
  return k.reduction == "sum" ? total : total / denominator;
}

void set_loss(Outputs& o, const Case& k, const std::vector<M>& per_position, const M& denominator) {
  o["per_position"] = per_position;
  o["loss"] = k.reduction == "none" ? per_position : std::vector<M>{reduce(k, per_position, denominator)};
}

Outputs eval_entropy(const Case& k) {
  Outputs o;
  std::vector<M> h(k.positions(), M(0.0));
  for (int pos = 0; pos < k.positions(); ++pos)
    for (int c = 0; c < k.C; ++c) {
      const double p = k.x[k.at(pos, c)];
      h[pos] += p == 0.0 ? M(0.0) : p < 0.0 ? M(-kInf) : -(M(p) * mp::log(M(p)));
    }
  const M D(static_cast<double>(k.positions()));
  set_loss(o, k, h, D);
  auto& grad = o["grad_input"];
  grad.assign(k.x.size(), M(0.0));
  for (int pos = 0; pos < k.positions(); ++pos)
    for (int c = 0; c < k.C; ++c)
      grad[k.at(pos, c)] = cotangent(k, pos, D) * -(M(1.0) + mp::log(M(k.x[k.at(pos, c)])));
  return o;
}

M weight(const Case& k, std::int64_t c) { return k.has_w ? M(k.w[c]) : M(1.0); }

Outputs eval_nll(const Case& k) {
  Outputs o;
  std::vector<M> l(k.positions(), M(0.0));
  M W(0.0);
  for (int pos = 0; pos < k.positions(); ++pos) {
    if (k.y[pos] == k.ignore) continue;
    W += weight(k, k.y[pos]);
    l[pos] = -(M(k.x[k.at(pos, static_cast<int>(k.y[pos]))]) * weight(k, k.y[pos]));
  }
  set_loss(o, k, l, W);
  auto& grad = o["grad_input"];
  grad.assign(k.x.size(), M(0.0));
  for (int pos = 0; pos < k.positions(); ++pos)
    if (k.y[pos] != k.ignore)
      grad[k.at(pos, static_cast<int>(k.y[pos]))] = weight(k, k.y[pos]) * -cotangent(k, pos, W);
  return o;
}

// PyTorch's composition: nll and the smoothing term reduced separately; the
// backward puts the cotangent on logp and then applies the log_softmax VJP.
Outputs eval_ce_index(const Case& k) {
  const bool smoothing = k.eps > 0.0;
  const M keep = smoothing ? M(1.0) - M(k.eps) : M(1.0);
  const M spread = smoothing ? M(k.eps) / M(static_cast<double>(k.C)) : M(0.0);
  Outputs o;
  const int P = k.positions();
  std::vector<M> nll(P, M(0.0)), smooth(P, M(0.0)), l(P, M(0.0));
  std::vector<std::vector<M>> logp(P);
  M W(0.0);
  for (int pos = 0; pos < P; ++pos) {
    logp[pos] = log_softmax_at(k, k.x, pos);
    if (k.y[pos] == k.ignore) continue;
    W += weight(k, k.y[pos]);
    nll[pos] = -logp[pos][k.y[pos]] * weight(k, k.y[pos]);
    for (int c = 0; c < k.C; ++c) smooth[pos] += -logp[pos][c] * weight(k, c);
    l[pos] = smoothing ? keep * nll[pos] + spread * smooth[pos] : nll[pos];
  }
  o["per_position"] = l;
  if (k.reduction == "none") {
    o["loss"] = l;
  } else {
    M a(0.0), b(0.0);
    for (int pos = 0; pos < P; ++pos) a += nll[pos], b += smooth[pos];
    if (k.reduction == "mean") a = a / W, b = b / W;
    o["loss"] = {smoothing ? keep * a + spread * b : a};
  }
  auto& grad = o["grad_input"];
  grad.assign(k.x.size(), M(0.0));
  for (int pos = 0; pos < P; ++pos) {
    std::vector<M> G(k.C, M(0.0));
    if (k.y[pos] != k.ignore) {
      const M s = cotangent(k, pos, W);
      G[k.y[pos]] = weight(k, k.y[pos]) * -(keep * s);
      if (smoothing)
        for (int c = 0; c < k.C; ++c) G[c] += -(spread * s) * weight(k, c);
    }
    log_softmax_vjp(k, pos, logp[pos], G, grad);
  }
  return o;
}

Outputs eval_ce_probs(const Case& k) {
  const bool smoothing = k.eps > 0.0;
  const M keep = smoothing ? M(1.0) - M(k.eps) : M(1.0);
  const M spread = smoothing ? M(k.eps) / M(static_cast<double>(k.C)) : M(0.0);
  auto tt = [&](std::size_t e) { return smoothing ? M(k.t[e]) * keep + spread : M(k.t[e]); };
  Outputs o;
  const int P = k.positions();
  std::vector<M> l(P, M(0.0));
  std::vector<std::vector<M>> logp(P);
  for (int pos = 0; pos < P; ++pos) {
    logp[pos] = log_softmax_at(k, k.x, pos);
    for (int c = 0; c < k.C; ++c) l[pos] += -(logp[pos][c] * tt(k.at(pos, c)) * weight(k, c));
  }
  const M D(k.x.empty() ? 0.0 : static_cast<double>(P));
  set_loss(o, k, l, D);
  auto& grad = o["grad_input"];
  auto& grad_t = o["grad_target"];
  grad.assign(k.x.size(), M(0.0));
  grad_t.assign(k.x.size(), M(0.0));
  for (int pos = 0; pos < P; ++pos) {
    const M s = cotangent(k, pos, D);
    std::vector<M> G(k.C);
    for (int c = 0; c < k.C; ++c) {
      G[c] = -(s * weight(k, c)) * tt(k.at(pos, c));
      grad_t[k.at(pos, c)] = keep * -(s * weight(k, c)) * logp[pos][c];
    }
    log_softmax_vjp(k, pos, logp[pos], G, grad);
  }
  return o;
}

Outputs eval_kl(const Case& k) {
  Outputs o;
  std::vector<M> l(k.x.size());
  for (std::size_t e = 0; e < k.x.size(); ++e) {
    const M X(k.x[e]), T(k.t[e]);
    if (k.log_target) l[e] = mp::exp(T) * (T - X);
    else l[e] = (k.t[e] == 0.0 ? M(0.0) : T * mp::log(T)) - T * X;
  }
  M D(static_cast<double>(k.x.size()));
  if (k.reduction == "batchmean") D = M(k.shape.empty() ? 1.0 : static_cast<double>(k.shape[0]));
  o["per_position"] = l;
  M total(0.0);
  for (const M& v : l) total += v;
  o["loss"] = k.reduction == "none" ? l : std::vector<M>{k.reduction == "sum" ? total : total / D};
  auto& gi = o["grad_input"];
  auto& gt = o["grad_target"];
  for (std::size_t e = 0; e < k.x.size(); ++e) {
    const M X(k.x[e]), T(k.t[e]);
    const M s = k.reduction == "none" ? (k.has_g ? M(k.g[e]) : M(1.0))
                                      : (k.has_g ? M(k.g[0]) : M(1.0)) / (k.reduction == "sum" ? M(1.0) : D);
    if (k.log_target) {
      gi.push_back(-(s * mp::exp(T)));
      gt.push_back((s * (T - X)) * mp::exp(T) + s * mp::exp(T));
    } else {
      gi.push_back(-(s * T));
      const M xlogy = (k.t[e] == 0.0 || s == 0) ? M(0.0) : s * mp::log(T);
      gt.push_back(xlogy + (s * T) / T - s * X);
    }
  }
  return o;
}

Outputs independent(const Case& k, unsigned digits) {
  PrecisionScope scope(digits);
  if (k.loss == "log_softmax") return eval_softmax_like(k, true);
  if (k.loss == "softmax") return eval_softmax_like(k, false);
  if (k.loss == "entropy") return eval_entropy(k);
  if (k.loss == "nll_loss") return eval_nll(k);
  if (k.loss == "kl_div") return eval_kl(k);
  return k.prob_targets ? eval_ce_probs(k) : eval_ce_index(k);
}

// ============================================================= random cases

// A tiny deterministic generator: std::uniform_*_distribution differ between
// standard libraries, and the cases must be the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1p-53; }  // [0, 1), every bit random
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  bool chance(double p) { return unit() < p; }

 private:
  std::uint64_t s_;
};

enum class Style { doubles, float32, ties, magnitudes };
const char* style_name(Style s) {
  switch (s) {
    case Style::doubles: return "doubles";
    case Style::float32: return "float32";
    case Style::ties: return "ties";
    case Style::magnitudes: return "magnitudes";
  }
  return "?";
}

// A value of the case's style in [lo, hi]: a full-precision double, an exact
// float32, a multiple of (hi - lo)/8 (equal values, exact sums, midpoints), or
// a full-precision double of any magnitude from 2^-996 (1.5e-300) to 2^997
// (random sign where lo < 0): underflowing probabilities, long exact sums.
double value(Rng& r, Style s, double lo, double hi) {
  switch (s) {
    case Style::doubles: return r.uniform(lo, hi);
    case Style::float32: return static_cast<double>(static_cast<float>(r.uniform(lo, hi)));
    case Style::ties: return std::ldexp(static_cast<double>(r.range(0, 8)), -2) * (hi - lo) / 2.0 + lo;
    case Style::magnitudes: {
      const double v = std::ldexp(1.0 + r.unit(), r.range(-996, 996));  // exact, unlike pow: same cases everywhere
      return lo < 0 && (hi <= 0 || r.chance(0.5)) ? -v : v;
    }
  }
  return 0.0;
}

Case random_case(Rng& r, const std::string& loss, int variant) {
  Case k;
  k.loss = loss;
  const Style style = static_cast<Style>(r.range(0, 3));
  k.style = style_name(style);
  k.C = r.range(1, 7);
  k.N = r.range(1, 4);
  const bool unbatched = loss != "kl_div" && r.chance(0.1);
  const bool trailing = !unbatched && r.chance(0.3);
  k.inner = trailing ? r.range(1, 3) : 1;
  if (unbatched) k.N = 1, k.shape = {k.C};
  else if (trailing) k.shape = {k.N, k.C, k.inner};
  else k.shape = {k.N, k.C};
  const std::size_t n = static_cast<std::size_t>(k.N * k.C * k.inner);
  const std::vector<std::string> reductions =
      loss == "kl_div" ? std::vector<std::string>{"none", "sum", "mean", "batchmean"}
                       : std::vector<std::string>{"none", "sum", "mean"};
  k.reduction = reductions[r.range(0, static_cast<int>(reductions.size()) - 1)];

  auto fill = [&](std::vector<double>& v, double lo, double hi) {
    v.resize(n);
    for (auto& e : v) e = value(r, style, lo, hi);
  };
  if (loss == "entropy") {
    fill(k.x, 0.0, 1.0);
    for (auto& e : k.x) {
      if (r.chance(0.1)) e = 0.0;
      else if (r.chance(0.03)) e = -e;
    }
  } else if (loss == "kl_div") {
    k.log_target = variant == 1;
    fill(k.x, -20.0, 0.0);
    if (k.log_target) {
      fill(k.t, -20.0, 0.0);
    } else {
      fill(k.t, 0.0, 1.0);
      for (auto& e : k.t)
        if (r.chance(0.1)) e = 0.0;
    }
  } else {
    fill(k.x, -8.0, 8.0);
    // Equal logits within a position: probabilities 1/C, exact or not.
    if (style == Style::ties && r.chance(0.5)) {
      const double same = k.x[0];
      for (auto& e : k.x) e = same;
    }
  }
  if (loss == "nll_loss" || loss == "cross_entropy") {
    if (r.chance(0.5)) {
      k.has_w = true;
      k.w.resize(k.C);
      for (auto& e : k.w) e = r.chance(0.1) ? 0.0 : value(r, style == Style::magnitudes ? Style::ties : style, 0.0, 3.0);
    }
    k.ignore = r.chance(0.3) ? r.range(0, k.C - 1) : -100;
  }
  if (loss == "cross_entropy") {
    k.prob_targets = variant == 1;
    if (k.prob_targets) k.ignore = -100;
    // Few-bit smoothing under huge logit gaps, for the reason given at grad_output below.
    if (style == Style::magnitudes) {
      const double few_bits[] = {0.0, 0.125, 0.25, 0.5, 1.0, -0.5};
      k.eps = few_bits[r.range(0, 5)];
    } else switch (r.range(0, 5)) {
      case 0: k.eps = 0.0; break;
      case 1: k.eps = r.unit(); break;
      case 2: k.eps = static_cast<double>(static_cast<float>(r.unit())); break;
      case 3: k.eps = 1.0; break;
      case 4: k.eps = -r.unit(); break;
      default: k.eps = 0.1; break;
    }
    if (k.prob_targets) {
      k.t.resize(n);
      // Few-bit targets under huge logit gaps, for the reason given at grad_output below.
      for (auto& e : k.t) e = value(r, style == Style::magnitudes ? Style::ties : style, 0.0, 1.0);
      for (auto& e : k.t)
        if (r.chance(0.2)) e = 0.0;
    }
  }
  if (loss == "nll_loss" || (loss == "cross_entropy" && !k.prob_targets)) {
    k.y.resize(k.positions());
    for (auto& e : k.y) e = r.chance(0.15) ? k.ignore : r.range(0, k.C - 1);
  }
  if (r.chance(0.5)) {
    k.has_g = true;
    const bool elementwise = loss == "softmax" || loss == "log_softmax";
    const std::size_t m = elementwise ? n : static_cast<std::size_t>(lossoracle::element_count(k.reduced_shape()));
    k.g.resize(m);
    // With huge logit gaps a gradient is (an exact product or sum of the
    // cotangents, weights, smoothing and targets) - (p_j * ..., with p_j below
    // MPFR's smallest exponent). Were that exact part a rounding midpoint, no
    // enclosure could ever settle the value (its lower end stays on the
    // midpoint), so magnitude cases give those inputs few-bit significands.
    for (auto& e : k.g) e = value(r, style == Style::magnitudes ? Style::ties : style, -4.0, 4.0);
  }
  return k;
}

// ================================================================ the check

bool certified(ProofStatus s) {
  return s == ProofStatus::exact || s == ProofStatus::proved || s == ProofStatus::tie || s == ProofStatus::zero;
}

// Zeros compare by value (the oracle does not certify a zero's sign); any
// other value must be the same binary64 / binary32 bit pattern.
bool same64(double a, double b) {
  if (a == 0.0 && b == 0.0) return true;
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}
bool same32(float a, float b) {
  if (a == 0.0f && b == 0.0f) return true;
  return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
}

// bfloat16 and binary16 by MPFR's own emulation of a narrow format (its
// exponent range set to the format's, then mpfr_subnormalize, as the MPFR
// manual does for binary64): independent of the oracle's round_narrow.
struct NarrowFormat {
  int precision, emin, emax;
};
constexpr NarrowFormat kBf16{8, -126, 127}, kF16{11, -14, 15};

float mpfr_narrow(const M& v, NarrowFormat f, mpfr_rnd_t rnd) {
  const mpfr_exp_t saved_min = mpfr_get_emin(), saved_max = mpfr_get_emax();
  mpfr_t r;
  mpfr_init2(r, f.precision);
  // Rounded to p bits in the full exponent range, then into the format's: MPFR
  // writes x = 0.1b... * 2^e, so its smallest subnormal 2^(emin-p+1) has
  // e = emin-p+2 and 2^(emax+1) has e = emax+2; check_range and subnormalize
  // use the ternary value, so there is no double rounding.
  int t = mpfr_set(r, v.backend().data(), rnd);
  mpfr_set_emin(f.emin - f.precision + 2);
  mpfr_set_emax(f.emax + 1);
  t = mpfr_check_range(r, t, rnd);
  mpfr_subnormalize(r, t, rnd);
  mpfr_set_emin(saved_min);
  mpfr_set_emax(saved_max);
  const float out = mpfr_get_flt(r, MPFR_RNDN);  // exact: every value of the format is a binary32
  mpfr_clear(r);
  return out;
}

struct Tally {
  int cases = 0, values = 0, checked = 0, nans = 0, unresolved = 0, rechecked = 0;
  std::vector<std::string> disagreements;  // at most a few, with their cases
  std::map<std::string, int> unresolved_by_kind;
  std::map<std::string, std::string> unresolved_example;  // one per kind
  double seconds = 0;
};

// Why a value may have stayed unresolved, judged from its independent
// 2048-bit value v: |v| <= 2^-1075 rounds to zero in both formats, yet an
// enclosure of it keeps 0 inside or at one end; a v on a rounding midpoint
// (to 2^-2000 relative) cannot be separated from it by any enclosure unless
// the oracle computes it exactly.
bool near_midpoint(const M& v, double lo, double hi, int top_exp) {
  if (lo == hi || std::isnan(lo)) return false;
  PrecisionScope scope(kDigits2048);
  M a(lo), b = std::isinf(hi) ? M(std::ldexp(1.0, top_exp - 1)) * 2 : M(hi);
  const M mid = (a + b) / 2;
  return mp::abs(v - mid) <= mp::abs(v) * M(std::ldexp(1.0, -1000)) * M(std::ldexp(1.0, -1000));
}

std::string unresolved_kind(const M& v, const std::string& style) {
  std::string kind;
  const mpfr_srcptr m = v.backend().data();
  if (mpfr_zero_p(m) || (mpfr_number_p(m) && mpfr_get_exp(m) <= -1075)) {
    kind = "value rounds to zero (|v| <= 2^-1075)";
  } else if (near_midpoint(v, mpfr_get_d(m, MPFR_RNDD), mpfr_get_d(m, MPFR_RNDU), 1024) ||
             near_midpoint(v, mpfr_get_flt(m, MPFR_RNDD), mpfr_get_flt(m, MPFR_RNDU), 128)) {
    kind = "value on a binary64/binary32 rounding midpoint (to 2^-2000)";
  } else if (mpfr_number_p(m) &&
             (near_midpoint(v, mpfr_narrow(v, kBf16, MPFR_RNDD), mpfr_narrow(v, kBf16, MPFR_RNDU), kBf16.emax + 1) ||
              near_midpoint(v, mpfr_narrow(v, kF16, MPFR_RNDD), mpfr_narrow(v, kF16, MPFR_RNDU), kF16.emax + 1))) {
    kind = "value on a bfloat16/binary16 rounding midpoint (to 2^-2000)";
  } else {
    kind = "value neither zero nor a midpoint";
  }
  return kind + ", " + style + " inputs";
}

// Random inputs within 1e+-300 need at most ~2100 bits for any value whose
// rounding is decidable at all; a 4096-bit cap keeps values the oracle cannot
// settle from costing 16384-bit evaluations.
const ref::OracleOptions kRandomOptions{256, 4096};

// Evaluates one case with the oracle and tallies it. With `compare`, every
// value is checked against the independent evaluation; without, that is only
// computed to classify unresolved values.
void check_case(const Case& k, Tally& tally, bool compare) {
  LossCase c = k.to_loss_case();
  const lossoracle::LossInfo& info = lossoracle::find_loss(k.loss);
  lossoracle::resolve_case(info, c);
  const ref::OracleAnswer a = ref::evaluate_correctly_rounded(info.oracle, c, kRandomOptions);
  bool any_unresolved = false;
  for (const auto& out : a.outputs)
    for (const auto& v : out.values) any_unresolved = any_unresolved || v.status == ProofStatus::unresolved;
  const Outputs want = compare || any_unresolved ? independent(k, kDigits2048) : Outputs{};
  Outputs recheck;
  std::ostringstream fail;
  ++tally.cases;
  for (const auto& out : a.outputs) {
    if (!compare && !any_unresolved) {
      tally.values += static_cast<int>(out.values.size());
      continue;
    }
    auto it = want.find(out.name);
    if (it == want.end()) {
      fail << "unexpected output " << out.name << "\n";
      continue;
    }
    if (it->second.size() != out.values.size()) {
      fail << out.name << ": " << out.values.size() << " values, expected " << it->second.size() << "\n";
      continue;
    }
    for (std::size_t i = 0; i < out.values.size(); ++i) {
      const RoundedValue& v = out.values[i];
      ++tally.values;
      if (v.status == ProofStatus::unresolved) {
        ++tally.unresolved;
        const std::string kind = unresolved_kind(it->second[i], k.style);
        if (tally.unresolved_by_kind[kind]++ == 0)
          tally.unresolved_example[kind] = out.name + "[" + std::to_string(i) + "], enclosure [" +
                                           lossoracle::hex64(v.lower) + ", " + lossoracle::hex64(v.upper) +
                                           "], decimal " + v.decimal + ", in " + k.describe();
        continue;
      }
      if (!compare) continue;
      const M* m = &it->second[i];
      double d = mpfr_get_d(m->backend().data(), MPFR_RNDN);
      float f = mpfr_get_flt(m->backend().data(), MPFR_RNDN);
      const bool nan_expected = std::isnan(d);
      if (v.status == ProofStatus::nan || nan_expected) {
        ++tally.nans;
        if ((v.status == ProofStatus::nan) != nan_expected)
          fail << out.name << "[" << i << "]: oracle " << ref::status_name(v.status) << " " << v.decimal
               << ", independent " << lossoracle::hex64(d) << "\n";
        continue;
      }
      if (!certified(v.status)) continue;
      ++tally.checked;
      if (v.status == ProofStatus::tie) {
        // The oracle computed this value exactly and found it on a midpoint;
        // the independent evaluation passes through inexact steps (1/C), so
        // it can only confirm that it sits on that midpoint (to 2^-2000), with
        // the oracle's roundings among its two neighbours in each format.
        const mpfr_srcptr mv = m->backend().data();
        const double d_dn = mpfr_get_d(mv, MPFR_RNDD), d_up = mpfr_get_d(mv, MPFR_RNDU);
        const float f_dn = mpfr_get_flt(mv, MPFR_RNDD), f_up = mpfr_get_flt(mv, MPFR_RNDU);
        const bool on_midpoint = (v.tie64 && near_midpoint(*m, d_dn, d_up, 1024)) ||
                                 (v.tie32 && near_midpoint(*m, f_dn, f_up, 128));
        const bool neighbours = (same64(v.f64, d_dn) || same64(v.f64, d_up)) && (same32(v.f32, f_dn) || same32(v.f32, f_up));
        if (!on_midpoint || !neighbours)
          fail << out.name << "[" << i << "] (tie): oracle f64 " << lossoracle::hex64(v.f64) << " f32 "
               << lossoracle::hex32(v.f32) << " is not a rounding of a midpoint next to the independent "
               << lossoracle::hex64(d) << " (" << v.decimal << ")\n";
        continue;
      }
      // The narrow formats, where the value is no midpoint of them (an exact
      // midpoint found by the oracle is confirmed only to 2^-2000 here). Left
      // undecided at the cap, the value must lie on one of their midpoints.
      if (v.narrow_unresolved) {
        if (!near_midpoint(*m, mpfr_narrow(*m, kBf16, MPFR_RNDD), mpfr_narrow(*m, kBf16, MPFR_RNDU), kBf16.emax + 1) &&
            !near_midpoint(*m, mpfr_narrow(*m, kF16, MPFR_RNDD), mpfr_narrow(*m, kF16, MPFR_RNDU), kF16.emax + 1))
          fail << out.name << "[" << i << "]: bfloat16/binary16 left undecided off their midpoints (" << v.decimal
               << ")\n";
      } else if (!v.tie_bf16 && !same32(v.bf16, mpfr_narrow(*m, kBf16, MPFR_RNDN)))
        fail << out.name << "[" << i << "]: oracle bf16 " << lossoracle::hex32(v.bf16) << ", independent "
             << lossoracle::hex32(mpfr_narrow(*m, kBf16, MPFR_RNDN)) << " (" << v.decimal << ")\n";
      if (!v.narrow_unresolved && !v.tie_f16 && !same32(v.f16, mpfr_narrow(*m, kF16, MPFR_RNDN)))
        fail << out.name << "[" << i << "]: oracle f16 " << lossoracle::hex32(v.f16) << ", independent "
             << lossoracle::hex32(mpfr_narrow(*m, kF16, MPFR_RNDN)) << " (" << v.decimal << ")\n";
      if (!same64(v.f64, d) || !same32(v.f32, f)) {
        // 2048 bits can fall short where a huge logit range cancels; only a
        // disagreement that survives ~8300 bits counts.
        if (recheck.empty()) recheck = independent(k, kDigitsRecheck);
        ++tally.rechecked;
        m = &recheck.at(out.name)[i];
        d = mpfr_get_d(m->backend().data(), MPFR_RNDN);
        f = mpfr_get_flt(m->backend().data(), MPFR_RNDN);
        if (!same64(v.f64, d) || !same32(v.f32, f))
          fail << out.name << "[" << i << "] (" << ref::status_name(v.status) << "): oracle f64 "
               << lossoracle::hex64(v.f64) << " f32 " << lossoracle::hex32(v.f32) << ", independent f64 "
               << lossoracle::hex64(d) << " f32 " << lossoracle::hex32(f) << " (" << v.decimal << ")\n";
      }
    }
  }
  for (const auto& [name, values] : compare ? want : Outputs{}) {
    bool found = false;
    for (const auto& out : a.outputs) found = found || out.name == name;
    if (!found && !(name == "per_position" && (k.loss == "softmax" || k.loss == "log_softmax")))
      fail << "missing output " << name << "\n";
  }
  if (!fail.str().empty() && tally.disagreements.size() < 5)
    tally.disagreements.push_back(fail.str() + "in case " + k.describe());
  else if (!fail.str().empty())
    tally.disagreements.push_back("");
}

constexpr int kCasesPerLoss = 1000;

// Each loss's cases run once per process: the two suites below share the
// tally when run together, and NeverUnresolved alone (as ctest runs each test
// in its own process) skips the comparison it does not assert.
const Tally& random_run(const std::string& loss, int variant, bool compare) {
  static std::map<std::string, std::pair<bool, Tally>> runs;
  const std::string key = loss + "/" + std::to_string(variant);
  auto it = runs.find(key);
  if (it != runs.end() && (it->second.first || !compare)) return it->second.second;
  const auto start = std::chrono::steady_clock::now();
  // One seed per loss, so adding cases to one loss leaves the others' alone.
  std::uint64_t seed = 0x5eed;
  for (char ch : key) seed = seed * 131 + static_cast<unsigned char>(ch);
  Rng r(seed);
  Tally tally;
  for (int i = 0; i < kCasesPerLoss; ++i) check_case(random_case(r, loss, variant), tally, compare);
  tally.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (compare)
    std::printf("  %s: %d cases, %d values: %d certified and checked (%d rechecked at 8300 bits), %d NaN, %d "
                "unresolved; %.1f s\n",
                key.c_str(), tally.cases, tally.values, tally.checked, tally.rechecked, tally.nans, tally.unresolved,
                tally.seconds);
  else
    std::printf("  %s: %d cases, %d values, %d unresolved (oracle only); %.1f s\n", key.c_str(), tally.cases,
                tally.values, tally.unresolved, tally.seconds);
  runs[key] = {compare, std::move(tally)};
  return runs[key].second;
}

void expect_agreement(const std::string& loss, int variant) {
  const Tally& t = random_run(loss, variant, true);
  EXPECT_GE(t.cases, kCasesPerLoss);
  EXPECT_GT(t.checked, t.values / 2) << "too few certified values to mean anything";
  EXPECT_TRUE(t.disagreements.empty()) << t.disagreements.size()
                                       << " cases disagree with the independent evaluation; the first:\n"
                                       << (t.disagreements.empty() ? "" : t.disagreements.front());
}

// A magnitude case's value can be an exact midpoint plus p_j * (...) with p_j
// below MPFR's smallest exponent (2^-2^62): every enclosure then keeps the
// midpoint at one end, at any precision. No interval method can settle those,
// so they are reported, not failed.
bool undecidable_by_intervals(const std::string& kind) {
  return kind.find("midpoint") != std::string::npos && kind.find("magnitudes") != std::string::npos;
}

// A value exactly on a midpoint whose formula divides by a number that is not
// a power of two (1/C in eps/C, 1/W under `mean`) is never a point interval:
// the oracle reports it unresolved, as docs/protocol.md says, rather than
// guess. Equal logits with few-bit inputs reach a handful of those; the
// exact-friendly backward (reference/softmax.hpp) keeps them rare, and this
// bound fails if that regresses (hundreds, before it).
constexpr int kMidpointsThroughDivisionAllowed = 20;
bool midpoint_through_division(const std::string& kind) {
  return kind.find("midpoint") != std::string::npos && kind.find("ties inputs") != std::string::npos;
}

void expect_nothing_unresolved(const std::string& loss, int variant) {
  const Tally& t = random_run(loss, variant, false);
  std::ostringstream kinds;
  int counted = 0;
  for (const auto& [kind, count] : t.unresolved_by_kind) {
    if (undecidable_by_intervals(kind)) {
      std::printf("  (not failed: %d %s)\n", count, kind.c_str());
      continue;
    }
    if (midpoint_through_division(kind)) {
      std::printf("  (reported unresolved, within the bound of %d: %d %s)\n", kMidpointsThroughDivisionAllowed, count,
                  kind.c_str());
      EXPECT_LE(count, kMidpointsThroughDivisionAllowed) << kind << ", e.g. " << t.unresolved_example.at(kind);
      continue;
    }
    counted += count;
    kinds << "\n- " << count << " " << kind << ", e.g. " << t.unresolved_example.at(kind);
  }
  EXPECT_EQ(counted, 0) << "unresolved values:" << kinds.str();
}

TEST(IndependentEvaluation, RunsAtLeastAt2048Bits) {
  PrecisionScope scope(kDigits2048);
  const M x = M(1.0) / M(3.0);
  EXPECT_GE(mpfr_get_prec(x.backend().data()), 2048);
  const Case k = [] {
    Case c;
    c.loss = "softmax";
    c.shape = {1, 2};
    c.C = 2;
    c.x = {0.0, 1.0};
    return c;
  }();
  EXPECT_GE(mpfr_get_prec(independent(k, kDigits2048).at("loss").at(0).backend().data()), 2048);
}

// Every certified (exact/proved/tie) value is the correct rounding of the
// independent 2048-bit evaluation, and NaN exactly where that is NaN.
TEST(CertifiedValuesMatchMpfr, LogSoftmax) { expect_agreement("log_softmax", 0); }
TEST(CertifiedValuesMatchMpfr, Softmax) { expect_agreement("softmax", 0); }
TEST(CertifiedValuesMatchMpfr, Entropy) { expect_agreement("entropy", 0); }
TEST(CertifiedValuesMatchMpfr, NllLoss) { expect_agreement("nll_loss", 0); }
TEST(CertifiedValuesMatchMpfr, CrossEntropyIndices) { expect_agreement("cross_entropy", 0); }
TEST(CertifiedValuesMatchMpfr, CrossEntropyProbabilities) { expect_agreement("cross_entropy", 1); }
TEST(CertifiedValuesMatchMpfr, KlDiv) { expect_agreement("kl_div", 0); }
TEST(CertifiedValuesMatchMpfr, KlDivLogTarget) { expect_agreement("kl_div", 1); }

// No value of these inputs is left unresolved, but for the midpoints above.
// Two causes were fixed in reference/:
// - "value rounds to zero": exact zeros reached by cancellation (equal logits,
//   C = 1 under `mean`, equal cotangents) give enclosures [-d, d] at every
//   precision, and values far below 2^-1074 (exp(-1e300), log(1 + e^-20000))
//   give [0, d]; round_enclosure now reports them `zero` once d <= 2^-1075;
// - "value on a rounding midpoint" with equal logits computed through p = 1/C:
//   the backward is now written over the unnormalised exponentials.
TEST(NeverUnresolved, LogSoftmax) { expect_nothing_unresolved("log_softmax", 0); }
TEST(NeverUnresolved, Softmax) { expect_nothing_unresolved("softmax", 0); }
TEST(NeverUnresolved, Entropy) { expect_nothing_unresolved("entropy", 0); }
TEST(NeverUnresolved, NllLoss) { expect_nothing_unresolved("nll_loss", 0); }
TEST(NeverUnresolved, CrossEntropyIndices) { expect_nothing_unresolved("cross_entropy", 0); }
TEST(NeverUnresolved, CrossEntropyProbabilities) { expect_nothing_unresolved("cross_entropy", 1); }
TEST(NeverUnresolved, KlDiv) { expect_nothing_unresolved("kl_div", 0); }
TEST(NeverUnresolved, KlDivLogTarget) { expect_nothing_unresolved("kl_div", 1); }

// ====================================================== round_enclosure units

// Real's working precision is global; each unit test sets its own and restores it.
struct RealPrecision {
  unsigned saved = Real::precision();
  explicit RealPrecision(unsigned bits) { Real::set_precision(bits); }
  ~RealPrecision() { Real::set_precision(saved); }
};

TEST(RoundEnclosure, RepresentableValuesAreExact) {
  RealPrecision p(256);
  for (const double v : {0.75, -3.5, 0x1p-1074, std::numeric_limits<double>::max(), 1.0 / 3.0, 0x1.fffffep+127}) {
    const RoundedValue r = ref::round_enclosure(Real(v));
    EXPECT_EQ(r.status, ProofStatus::exact) << v;
    EXPECT_EQ(r.f64, v);
    EXPECT_EQ(r.f32, static_cast<float>(v)) << v;  // not a binary32 midpoint, so a direct rounding is right
    EXPECT_FALSE(r.tie64);
    EXPECT_FALSE(r.tie32);
  }
  const RoundedValue nz = ref::round_enclosure(Real(-0.0));
  EXPECT_EQ(nz.status, ProofStatus::exact);
  EXPECT_FALSE(std::signbit(nz.f64)) << "an exact zero is reported as +0";
  const RoundedValue inf = ref::round_enclosure(Real(-kInf));
  EXPECT_EQ(inf.status, ProofStatus::exact);
  EXPECT_EQ(inf.f64, -kInf);
  EXPECT_EQ(inf.f32, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(ref::round_enclosure(Real(kNaN)).status, ProofStatus::nan);
}

TEST(RoundEnclosure, MidpointBetweenDoublesIsATieRoundedToEven) {
  RealPrecision p(256);
  // 1 + 2^-53 lies halfway between 1 (even) and 1 + 2^-52 (odd).
  RoundedValue r = ref::round_enclosure(Real(1.0) + Real(0x1p-53));
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_TRUE(r.tie64);
  EXPECT_FALSE(r.tie32);
  EXPECT_EQ(r.f64, 1.0);
  EXPECT_EQ(r.f32, 1.0f);
  // 1 + 3 * 2^-53 lies halfway between 1 + 2^-52 (odd) and 1 + 2^-51 (even).
  r = ref::round_enclosure(Real(1.0) + Real(0x3p-53));
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_EQ(r.f64, 1.0 + 0x1p-51);
  r = ref::round_enclosure(-(Real(1.0) + Real(0x1p-53)));
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_EQ(r.f64, -1.0);
  // Subnormal: 2^-1075 is halfway between 0 and 2^-1074; 3 * 2^-1075 between 2^-1074 and 2^-1073.
  r = ref::round_enclosure(Real(0x1p-1074) * Real(0.5));
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_EQ(r.f64, 0.0);
  r = ref::round_enclosure(Real(0x1p-1074) * Real(1.5));
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_EQ(r.f64, 0x1p-1073);
  // Overflow: DBL_MAX + half an ulp rounds (to even) to infinity.
  r = ref::round_enclosure(Real(std::numeric_limits<double>::max()) + Real(0x1p970));
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_TRUE(r.tie64);
  EXPECT_EQ(r.f64, kInf);
  // Just below that midpoint stays finite: exact, not a tie.
  r = ref::round_enclosure(Real(std::numeric_limits<double>::max()) + Real(0x1p969));
  EXPECT_EQ(r.status, ProofStatus::exact);
  EXPECT_EQ(r.f64, std::numeric_limits<double>::max());
}

TEST(RoundEnclosure, MidpointBetweenFloatsIsATieRoundedToEvenInBinary32Only) {
  RealPrecision p(256);
  RoundedValue r = ref::round_enclosure(Real(1.0 + 0x1p-24));  // exactly a double
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_FALSE(r.tie64);
  EXPECT_TRUE(r.tie32);
  EXPECT_EQ(r.f64, 1.0 + 0x1p-24);
  EXPECT_EQ(r.f32, 1.0f);
  r = ref::round_enclosure(Real(1.0 + 0x3p-24));
  EXPECT_EQ(r.f32, 1.0f + 0x1p-22f);
  // FLT_MAX + half a binary32 ulp: a double, and a binary32 tie that rounds to infinity.
  r = ref::round_enclosure(Real(static_cast<double>(std::numeric_limits<float>::max()) + 0x1p103));
  EXPECT_EQ(r.status, ProofStatus::tie);
  EXPECT_TRUE(r.tie32);
  EXPECT_EQ(r.f32, std::numeric_limits<float>::infinity());
  // The binary32 rounding is direct, not via the binary64: 1 + 2^-24 + 2^-60 is
  // no binary32 tie, but its binary64 rounding 1 + 2^-24 would be.
  r = ref::round_enclosure(Real(1.0 + 0x1p-24) + Real(0x1p-60));
  EXPECT_EQ(r.status, ProofStatus::exact);
  EXPECT_EQ(r.f64, 1.0 + 0x1p-24);
  EXPECT_EQ(r.f32, 1.0f + 0x1p-23f);
}

TEST(RoundEnclosure, EnclosureStraddlingARoundingBoundaryIsUnresolved) {
  RealPrecision p(200);
  // [1 + 2^-53, 1 + 2^-53 + 2^-199]: narrow (2^-199 relative) but holding the
  // midpoint 1 + 2^-53 and values above it, which round to 1 and to 1 + 2^-52.
  const Real straddling = (Real(1.0) + Real(0x1p-53)) + Real(0x1p-250);
  ASSERT_FALSE(straddling.is_point());
  RoundedValue r = ref::round_enclosure(straddling);
  EXPECT_EQ(r.status, ProofStatus::unresolved);
  EXPECT_LE(r.lower, 1.0 + 0x1p-53);
  EXPECT_GE(r.upper, 1.0 + 0x1p-52);
  // The same width away from any boundary is proved.
  r = ref::round_enclosure((Real(1.0) + Real(0x1p-54)) + Real(0x1p-250));
  EXPECT_EQ(r.status, ProofStatus::proved);
  EXPECT_EQ(r.f64, 1.0);
  // A binary32 boundary is enough: 1 + 2^-24 (+ tiny) straddles binary32's midpoint only.
  r = ref::round_enclosure(Real(1.0 + 0x1p-24) + Real(0x1p-250));
  EXPECT_EQ(r.status, ProofStatus::unresolved);
  // Straddling zero can never be decided.
  r = ref::round_enclosure(Real(0x1p-60) - (Real(0x1p-60) + Real(0x1p-300)));
  EXPECT_EQ(r.status, ProofStatus::unresolved);
}

TEST(RoundEnclosure, WideEnclosureIsUnresolvedEvenWhenBothEndsRoundAlike) {
  // 1/3 at 100 bits: both ends round to the same binary64, but the enclosure is
  // wider than the 2^-140 the 40-digit decimal needs.
  {
    RealPrecision p(100);
    const RoundedValue r = ref::round_enclosure(Real(1.0) / Real(3.0));
    EXPECT_EQ(r.status, ProofStatus::unresolved);
    EXPECT_EQ(r.lower, 1.0 / 3.0);
  }
  RealPrecision p(256);
  const RoundedValue r = ref::round_enclosure(Real(1.0) / Real(3.0));
  EXPECT_EQ(r.status, ProofStatus::proved);
  EXPECT_EQ(r.f64, 1.0 / 3.0);
  EXPECT_EQ(r.f32, 1.0f / 3.0f);
  EXPECT_EQ(r.decimal.substr(0, 12), "3.3333333333");
}

ref::OracleAnswer softmax_of(double a, double b, const ref::OracleOptions& options) {
  LossCase c;
  c.loss = "softmax";
  c.inputs["input"] = {{2}, {a, b}};
  const auto& info = lossoracle::find_loss("softmax");
  lossoracle::resolve_case(info, c);
  return ref::evaluate_correctly_rounded(info.oracle, c, options);
}

TEST(OracleCap, ValueNextToAMidpointIsUnresolvedUnderALowCapAndProvedWithout) {
  // softmax(0, 2^-53)_0 = 1/(1 + e^(2^-53)) = 1/2 - 2^-55 + 2^-159/48 - ...:
  // about 2^-164.6 above the midpoint 1/2 - 2^-55 of binary64's 1/2 - 2^-54 and 1/2.
  // At 150 bits the enclosure is narrow enough for a proof (< 2^-140 relative)
  // but still holds the midpoint, so only the straddle keeps it unresolved.
  const auto capped = softmax_of(0.0, 0x1p-53, {150, 150});
  ASSERT_FALSE(capped.outputs.empty());
  const RoundedValue& p0 = capped.outputs[0].values.at(0);
  EXPECT_EQ(p0.status, ProofStatus::unresolved);
  EXPECT_LE(p0.lower, 0.5 - 0x1p-54);
  EXPECT_GE(p0.upper, 0.5);
  EXPECT_EQ(capped.final_bits, 150u);
  // 180 bits leave the midpoint outside: the straddle was the only obstacle.
  EXPECT_EQ(softmax_of(0.0, 0x1p-53, {180, 180}).outputs[0].values.at(0).status, ProofStatus::proved);

  const auto full = softmax_of(0.0, 0x1p-53, {});
  const RoundedValue& q0 = full.outputs[0].values.at(0);
  EXPECT_EQ(q0.status, ProofStatus::proved);
  EXPECT_EQ(q0.f64, 0.5);  // just above the midpoint: rounds up
  EXPECT_EQ(q0.f32, 0.5f);
  EXPECT_EQ(full.outputs[0].values.at(1).f64, 0.5);  // 1/2 + 2^-55 - ...: below the midpoint 1/2 + 2^-54
  PrecisionScope scope(kDigits2048);
  const M e = mp::exp(M(0x1p-53));
  const M want0 = M(1.0) / (M(1.0) + e);
  EXPECT_EQ(q0.f64, mpfr_get_d(want0.backend().data(), MPFR_RNDN));
}

TEST(OracleCap, NanSeenOnlyAtTheCapIsStillNan) {
  // With start == cap there is no second precision to confirm a NaN; it stays NaN.
  const auto a = softmax_of(kInf, 0.0, {256, 256});
  for (const auto& v : a.outputs[0].values) EXPECT_EQ(v.status, ProofStatus::nan);
  const auto b = softmax_of(kInf, 0.0, {});
  for (const auto& v : b.outputs[0].values) EXPECT_EQ(v.status, ProofStatus::nan);
}

}  // namespace
