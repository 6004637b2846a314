// The analytic gradients of the reference tier's loss templates, checked
// against the very same templates differentiated two independent ways:
//   forward-mode autodiff (Boost autodiff over a 100-digit cpp_bin_float, so
//   the check does not share MPFR with the oracle), and central finite
//   differences at ~1030 bits with h = 2^-120 (truncation error ~h^2 = 1e-72).
// Both must agree with grad . u to 1e-30 relative, far below anything a
// binary64 or binary32 rounding could hide, and far above their own noise.
#include <gtest/gtest.h>

#include <boost/math/differentiation/autodiff.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <ios>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "reference/cross_entropy.hpp"
#include "reference/kl_div.hpp"
#include "reference/softmax.hpp"
#include "tests/support/gradient_check.hpp"

namespace lossoracle::reference {
namespace {

// The number types, the precision and the agreement bound are the harness's
// (tests/support/gradient_check.hpp), so every gradient check in the suite
// holds to the same standard; this file keeps its own configurations, since it
// calls the CE-family templates directly with every parameter combination.
using testing_support::agree;
using testing_support::Dual;
using testing_support::Hp;
using testing_support::kMpDigits10;
using testing_support::Mp;
namespace bad = boost::math::differentiation;

// Per configuration; with 354 configurations this keeps the file near 15 s.
constexpr int kForwardModeCases = 30;
constexpr int kFiniteDifferenceCases = 25;

// ---------------------------------------------------------------- configurations

enum class Loss { log_softmax, softmax, entropy, nll_loss, cross_entropy_index, cross_entropy_probs, kl_div };
enum class Layout { unbatched, batched, spatial };  // (C), (N, C), (N, C, d1)
enum class Wrt { input, target };

struct Config {
  Loss loss = Loss::log_softmax;
  Layout layout = Layout::batched;
  Reduction reduction = Reduction::none;
  bool weighted = false;
  bool ignore_hit = false;
  double eps = 0.0;
  bool log_target = false;
  bool custom_grad_output = false;
};

bool has_reduction(Loss l) { return l != Loss::log_softmax && l != Loss::softmax; }
bool has_weight(Loss l) {
  return l == Loss::nll_loss || l == Loss::cross_entropy_index || l == Loss::cross_entropy_probs;
}
bool index_target(Loss l) { return l == Loss::nll_loss || l == Loss::cross_entropy_index; }
bool has_grad_target(Loss l) { return l == Loss::cross_entropy_probs || l == Loss::kl_div; }
bool smoothable(Loss l) { return l == Loss::cross_entropy_index || l == Loss::cross_entropy_probs; }

std::string name(const Config& c) {
  static const char* const losses[] = {"log_softmax", "softmax",  "entropy", "nll_loss",
                                       "ce_index",    "ce_probs", "kl_div"};
  static const char* const layouts[] = {"C", "NC", "NCd"};
  static const char* const reductions[] = {"none", "sum", "mean", "batchmean"};
  std::string s = std::string(losses[static_cast<int>(c.loss)]) + "_" + layouts[static_cast<int>(c.layout)];
  if (has_reduction(c.loss)) s += std::string("_") + reductions[static_cast<int>(c.reduction)];
  if (has_weight(c.loss)) s += c.weighted ? "_weight" : "_noweight";
  if (index_target(c.loss)) s += c.ignore_hit ? "_ignorehit" : "_ignoremiss";
  if (smoothable(c.loss)) s += c.eps > 0 ? "_smooth" : "_nosmooth";
  if (c.loss == Loss::kl_div) s += c.log_target ? "_logtarget" : "_probtarget";
  s += c.custom_grad_output ? "_gradout" : "_ones";
  return s;
}

void PrintTo(const Config& c, std::ostream* os) { *os << name(c); }

std::vector<Config> all_configs() {
  std::vector<Config> out;
  for (Layout layout : {Layout::unbatched, Layout::batched, Layout::spatial})
    for (bool go : {false, true}) {
      for (Loss l : {Loss::log_softmax, Loss::softmax}) out.push_back({l, layout, Reduction::none, false, false, 0, false, go});
      for (Reduction r : {Reduction::none, Reduction::sum, Reduction::mean}) {
        out.push_back({Loss::entropy, layout, r, false, false, 0, false, go});
        for (bool w : {false, true}) {
          for (bool hit : {false, true}) {
            // An unbatched input has one position: hit means all ignored, and
            // mean is 0/0 there, a constant NaN with no derivative to check
            // (AllIgnoredMean below covers it).
            if (hit && layout == Layout::unbatched && r == Reduction::mean) continue;
            out.push_back({Loss::nll_loss, layout, r, w, hit, 0, false, go});
            for (double eps : {0.0, 0.3}) out.push_back({Loss::cross_entropy_index, layout, r, w, hit, eps, false, go});
          }
          for (double eps : {0.0, 0.3}) out.push_back({Loss::cross_entropy_probs, layout, r, w, false, eps, false, go});
        }
      }
      for (Reduction r : {Reduction::none, Reduction::sum, Reduction::mean, Reduction::batchmean})
        for (bool lt : {false, true}) out.push_back({Loss::kl_div, layout, r, false, false, 0, lt, go});
    }
  return out;
}

// ---------------------------------------------------------------- random draws

struct Draw {
  std::uint64_t seed = 0;
  Shape shape;
  ClassLayout layout;
  std::vector<double> x, target, weight, grad_output, u_input, u_target;
  std::vector<std::int64_t> y;
  std::int64_t ignore_index = -100;
};

std::uint64_t seed_for(const Config& c, int case_index) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across standard libraries, unlike std::hash
  for (char ch : name(c)) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h ^ (static_cast<std::uint64_t>(case_index) * 0x9E3779B97F4A7C15ull);
}

// Realistic inputs: logits in [-8, 8]; log-probabilities and probabilities
// from a binary64 softmax of such logits along the class dimension.
Draw make_draw(const Config& c, std::uint64_t seed, bool small) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto pick = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  Draw d;
  d.seed = seed;
  const std::int64_t C = small ? 3 : pick(1, 5);
  std::int64_t N = small ? 2 : pick(1, 3);
  const std::int64_t d1 = small ? 2 : pick(1, 3);
  // Keep a non-ignored position beside the ignored ones, so mean stays finite.
  if (c.ignore_hit && c.layout != Layout::unbatched && N * (c.layout == Layout::spatial ? d1 : 1) < 2) N = 2;
  if (c.layout == Layout::unbatched) d.shape = {C};
  if (c.layout == Layout::batched) d.shape = {N, C};
  if (c.layout == Layout::spatial) d.shape = {N, C, d1};
  d.layout = class_layout("gradient_test", d.shape);
  const ClassLayout& L = d.layout;
  const std::size_t n = static_cast<std::size_t>(L.positions() * L.classes);

  auto logits = [&] {
    std::vector<double> v(n);
    for (double& e : v) e = uniform(-8.0, 8.0);
    return v;
  };
  auto normalised = [&](std::vector<double> v, bool log_space) {
    for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
      double m = -std::numeric_limits<double>::infinity(), s = 0;
      for (std::int64_t k = 0; k < L.classes; ++k) m = std::max(m, v[L.at(pos, k)]);
      for (std::int64_t k = 0; k < L.classes; ++k) s += std::exp(v[L.at(pos, k)] - m);
      for (std::int64_t k = 0; k < L.classes; ++k) {
        const double lp = v[L.at(pos, k)] - m - std::log(s);
        v[L.at(pos, k)] = log_space ? lp : std::exp(lp);
      }
    }
    return v;
  };
  switch (c.loss) {
    case Loss::log_softmax:
    case Loss::softmax:
    case Loss::cross_entropy_index:
      d.x = logits();
      break;
    case Loss::entropy:
      d.x = normalised(logits(), false);
      break;
    case Loss::nll_loss:
      d.x = normalised(logits(), true);
      break;
    case Loss::cross_entropy_probs:
      d.x = logits();
      d.target = normalised(logits(), false);
      break;
    case Loss::kl_div:
      d.x = normalised(logits(), true);
      d.target = normalised(logits(), c.log_target);
      break;
  }
  if (c.weighted) {
    d.weight.resize(C);
    for (double& w : d.weight) w = uniform(0.1, 3.0);
  }
  if (index_target(c.loss)) {
    // ignore_index is sometimes a valid class: PyTorch allows it, and a miss
    // then still has that class in the smoothing sum.
    const bool in_range = C >= 2 && pick(0, 1) == 1;
    d.ignore_index = in_range ? pick(0, C - 1) : -100;
    d.y.resize(L.positions());
    for (std::int64_t& t : d.y) {
      do t = pick(0, C - 1);
      while (!c.ignore_hit && t == d.ignore_index);
      if (c.ignore_hit && uniform(0, 1) < 0.4) t = d.ignore_index;
    }
    if (c.ignore_hit) {
      // At least one ignored position, and position 0 kept where there are two.
      const std::int64_t P = L.positions();
      if (P >= 2 && d.y[0] == d.ignore_index) d.y[0] = d.ignore_index == 0 ? 1 : 0;
      d.y[P >= 2 ? pick(1, P - 1) : 0] = d.ignore_index;
    }
  }
  if (c.custom_grad_output) {
    std::size_t m = 1;
    if (!has_reduction(c.loss)) m = n;
    else if (c.reduction == Reduction::none) m = c.loss == Loss::kl_div ? n : static_cast<std::size_t>(L.positions());
    d.grad_output.resize(m);
    for (double& g : d.grad_output) g = uniform(-2.0, 2.0);
  }
  d.u_input.resize(n);
  for (double& e : d.u_input) e = uniform(-1.0, 1.0);
  d.u_target.resize(d.target.size());
  for (double& e : d.u_target) e = uniform(-1.0, 1.0);
  return d;
}

std::string describe(const Config& c, const Draw& d, int case_index) {
  std::ostringstream s;
  s << name(c) << " case " << case_index << " seed " << d.seed << " shape " << shape_text(d.shape);
  if (index_target(c.loss)) {
    s << " ignore_index " << d.ignore_index << " y";
    for (std::int64_t t : d.y) s << ' ' << t;
  }
  return s.str();
}

// ---------------------------------------------------------------- evaluation

template <class T>
std::vector<T> to(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

template <class T>
LossResult<T> evaluate(const Config& c, const Draw& d, const std::vector<T>& x, const std::vector<T>& t) {
  const std::vector<T> w = to<T>(d.weight), go = to<T>(d.grad_output);
  const std::vector<T>* wp = c.weighted ? &w : nullptr;
  const std::vector<T>* gp = c.custom_grad_output ? &go : nullptr;
  const IndexTargetOptions o{"gradient_test", c.reduction, d.ignore_index};
  switch (c.loss) {
    case Loss::log_softmax:
      return log_softmax(d.layout, d.shape, x, gp);
    case Loss::softmax:
      return softmax(d.layout, d.shape, x, gp);
    case Loss::entropy:
      return entropy(d.layout, x, c.reduction, gp);
    case Loss::nll_loss:
      return nll_loss(o, d.layout, x, d.y, wp, gp);
    case Loss::cross_entropy_index:
      return cross_entropy_index(o, d.layout, x, d.y, wp, c.eps, gp);
    case Loss::cross_entropy_probs:
      return cross_entropy_probs(c.reduction, d.layout, x, t, wp, c.eps, gp);
    case Loss::kl_div:
      return kl_div(c.reduction, c.log_target, d.shape, x, t, gp);
  }
  return {};
}

// The scalar whose gradient the templates claim to return: the outputs
// weighted by grad_output (ones when absent), i.e. sum_n g_n l_n for `none`.
template <class T>
T objective(const LossResult<T>& r, const std::vector<double>& grad_output) {
  T s(0.0);
  for (std::size_t k = 0; k < r.loss.size(); ++k) s += (grad_output.empty() ? T(1.0) : T(grad_output[k])) * r.loss[k];
  return s;
}

template <class N>
testing::AssertionResult claimed_derivative(const LossResult<N>& analytic, Wrt wrt, const std::vector<double>& u,
                                            N& claimed, N& scale) {
  const std::vector<N>& g = wrt == Wrt::input ? analytic.grad_input : analytic.grad_target;
  if (g.size() != u.size())
    return testing::AssertionFailure() << "gradient has " << g.size() << " entries, the direction " << u.size();
  claimed = N(0.0);
  scale = N(0.0);
  for (std::size_t k = 0; k < u.size(); ++k) {
    const N term = g[k] * N(u[k]);
    claimed += term;
    scale += abs(term);
  }
  return testing::AssertionSuccess();
}

// d/dt objective(x + t u) at t = 0 by forward-mode autodiff, against grad . u.
testing::AssertionResult forward_mode_check(const Config& c, const Draw& d, Wrt wrt, const std::vector<double>& u,
                                            const LossResult<Hp>& analytic) {
  const Dual tau = bad::make_fvar<Hp, 1>(Hp(0));
  auto lift = [&](const std::vector<double>& v, bool moving) {
    std::vector<Dual> out;
    out.reserve(v.size());
    for (std::size_t k = 0; k < v.size(); ++k) out.push_back(moving ? Dual(Hp(v[k])) + tau * Dual(Hp(u[k])) : Dual(Hp(v[k])));
    return out;
  };
  const LossResult<Dual> r = evaluate<Dual>(c, d, lift(d.x, wrt == Wrt::input), lift(d.target, wrt == Wrt::target));
  const Hp derivative = objective(r, d.grad_output).derivative(1);
  Hp claimed, scale;
  if (auto ok = claimed_derivative(analytic, wrt, u, claimed, scale); !ok) return ok;
  return agree("forward-mode autodiff", derivative, claimed, scale);
}

// (f(x + h u) - f(x - h u)) / 2h at ~1030 bits, against grad . u.
testing::AssertionResult finite_difference_check(const Config& c, const Draw& d, Wrt wrt,
                                                 const std::vector<double>& u, const LossResult<Mp>& analytic) {
  const Mp h = ldexp(Mp(1), -120);
  auto moved = [&](const std::vector<double>& v, bool moving, int sign) {
    std::vector<Mp> out = to<Mp>(v);
    if (moving)
      for (std::size_t k = 0; k < v.size(); ++k) out[k] += sign * h * Mp(u[k]);
    return out;
  };
  auto f = [&](int sign) {
    return objective(evaluate<Mp>(c, d, moved(d.x, wrt == Wrt::input, sign), moved(d.target, wrt == Wrt::target, sign)),
                     d.grad_output);
  };
  const Mp derivative = (f(+1) - f(-1)) / (2 * h);
  Mp claimed, scale;
  if (auto ok = claimed_derivative(analytic, wrt, u, claimed, scale); !ok) return ok;
  return agree("central finite difference", derivative, claimed, scale);
}

// Every entry of the gradient, one basis direction at a time.
testing::AssertionResult jacobian_check(const Config& c, const Draw& d, Wrt wrt, const LossResult<Hp>& analytic) {
  const std::size_t n = wrt == Wrt::input ? d.x.size() : d.target.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<double> e(n, 0.0);
    e[k] = 1.0;
    if (auto ok = forward_mode_check(c, d, wrt, e, analytic); !ok)
      return ok << " at " << (wrt == Wrt::input ? "grad_input" : "grad_target") << "[" << k << "]";
  }
  return testing::AssertionSuccess();
}

template <class T>
LossResult<T> analytic(const Config& c, const Draw& d) {
  return evaluate<T>(c, d, to<T>(d.x), to<T>(d.target));
}

std::vector<Wrt> directions(const Config& c) {
  if (has_grad_target(c.loss)) return {Wrt::input, Wrt::target};
  return {Wrt::input};
}

const std::vector<double>& direction(const Draw& d, Wrt wrt) { return wrt == Wrt::input ? d.u_input : d.u_target; }

// ---------------------------------------------------------------- the checks

// MPFR's default precision applies to every mpfr_float created afterwards.
class WithMpfr : public testing::Test {
 protected:
  void SetUp() override { Mp::default_precision(kMpDigits10); }
};

class GradientCheck : public testing::TestWithParam<Config> {
 protected:
  void SetUp() override { Mp::default_precision(kMpDigits10); }
};

TEST_P(GradientCheck, ForwardModeDirectional) {
  const Config& c = GetParam();
  for (int i = 0; i < kForwardModeCases; ++i) {
    const Draw d = make_draw(c, seed_for(c, i), false);
    const LossResult<Hp> a = analytic<Hp>(c, d);
    for (Wrt wrt : directions(c)) ASSERT_TRUE(forward_mode_check(c, d, wrt, direction(d, wrt), a)) << describe(c, d, i);
  }
}

TEST_P(GradientCheck, FiniteDifferenceDirectional) {
  const Config& c = GetParam();
  for (int i = 0; i < kFiniteDifferenceCases; ++i) {
    const Draw d = make_draw(c, seed_for(c, 1000 + i), false);
    const LossResult<Mp> a = analytic<Mp>(c, d);
    for (Wrt wrt : directions(c))
      ASSERT_TRUE(finite_difference_check(c, d, wrt, direction(d, wrt), a)) << describe(c, d, i);
  }
}

TEST_P(GradientCheck, FullJacobian) {
  const Config& c = GetParam();
  const Draw d = make_draw(c, seed_for(c, -1), true);
  const LossResult<Hp> a = analytic<Hp>(c, d);
  for (Wrt wrt : directions(c)) EXPECT_TRUE(jacobian_check(c, d, wrt, a)) << describe(c, d, -1);
}

INSTANTIATE_TEST_SUITE_P(Reference, GradientCheck, testing::ValuesIn(all_configs()),
                         [](const testing::TestParamInfo<Config>& info) { return name(info.param); });

// ---------------------------------------------------------------- identities

std::vector<Config> configs_of(std::initializer_list<Loss> losses) {
  std::vector<Config> out;
  for (const Config& c : all_configs())
    for (Loss l : losses)
      if (c.loss == l) out.push_back(c);
  return out;
}

// Adding a constant to a position's logits changes no cross-entropy (softmax
// is shift-invariant), so each gradient row sums to zero: p - onehot for the
// plain loss, and equally with class weights and label smoothing. Ignored
// positions contribute nothing. Zero to working precision (2^-1000).
TEST_F(WithMpfr, CrossEntropyGradientRowsSumToZero) {
  const Mp tiny = ldexp(Mp(1), -1000);
  for (const Config& c : configs_of({Loss::cross_entropy_index, Loss::cross_entropy_probs}))
    for (int i = 0; i < 5; ++i) {
      const Draw d = make_draw(c, seed_for(c, 2000 + i), false);
      const LossResult<Mp> r = analytic<Mp>(c, d);
      const ClassLayout& L = d.layout;
      for (std::int64_t pos = 0; pos < L.positions(); ++pos) {
        Mp sum(0), size(0);
        for (std::int64_t j = 0; j < L.classes; ++j) {
          sum += r.grad_input[L.at(pos, j)];
          size += abs(r.grad_input[L.at(pos, j)]);
        }
        if (index_target(c.loss) && d.y[pos] == d.ignore_index)
          EXPECT_TRUE(size == 0) << describe(c, d, i) << " ignored position " << pos << " has a nonzero gradient";
        else
          EXPECT_LE(Mp(abs(sum)), Mp(tiny * size)) << describe(c, d, i) << " position " << pos << " sums to " << testing_support::text(sum);
      }
    }
}

// d/dx_j sum_c logp_c = 1 - C p_j, and d/dx_j sum_c p_c = 0.
TEST_F(WithMpfr, SoftmaxFamilyVjpWithOnesCotangent) {
  const Mp tiny = ldexp(Mp(1), -1000);
  for (const Config& c : configs_of({Loss::log_softmax}))
    for (int i = 0; i < 5; ++i) {
      if (c.custom_grad_output) continue;
      const Draw d = make_draw(c, seed_for(c, 3000 + i), false);
      const std::vector<Mp> x = to<Mp>(d.x);
      const LossResult<Mp> ls = log_softmax<Mp>(d.layout, d.shape, x, nullptr);
      const LossResult<Mp> sm = softmax<Mp>(d.layout, d.shape, x, nullptr);
      const Mp classes(static_cast<double>(d.layout.classes));
      for (std::size_t k = 0; k < x.size(); ++k) {
        const Mp expected = 1 - classes * sm.loss[k];
        EXPECT_LE(Mp(abs(ls.grad_input[k] - expected)), Mp(tiny * (1 + abs(expected)))) << describe(c, d, i) << " k " << k;
        EXPECT_LE(Mp(abs(sm.grad_input[k])), tiny) << describe(c, d, i) << " k " << k;
      }
    }
}

// With every position ignored, `mean` is 0/0: the loss is NaN (PyTorch's too)
// and, as PyTorch's backward skips ignored positions, the gradient is zero.
// Not differentiable, so outside the derivative checks above.
TEST_F(WithMpfr, AllIgnoredMean) {
  for (Loss l : {Loss::nll_loss, Loss::cross_entropy_index})
    for (bool w : {false, true})
      for (double eps : {0.0, 0.3}) {
        const Config c{l, Layout::unbatched, Reduction::mean, w, true, eps, false, false};
        const Draw d = make_draw(c, seed_for(c, 0), false);
        ASSERT_EQ(d.y[0], d.ignore_index);
        const LossResult<Mp> r = analytic<Mp>(c, d);
        EXPECT_TRUE(isnan(r.loss.at(0))) << describe(c, d, 0);
        for (const Mp& g : r.grad_input) EXPECT_TRUE(g == 0) << describe(c, d, 0);
      }
}

// ---------------------------------------------------------------- planted bugs
// The checks above are only worth something if they fail on a wrong gradient.
// Each test corrupts a local copy of a correct analytic result and hands it to
// the same check routine the real tests use.

const Config kSmoothedCe{Loss::cross_entropy_index, Layout::spatial, Reduction::mean, true, true, 0.3, false, true};

template <class N>
std::size_t largest_term(const std::vector<N>& g, const std::vector<double>& u) {
  std::size_t best = 0;
  for (std::size_t k = 1; k < g.size(); ++k)
    if (abs(g[k] * N(u[k])) > abs(g[best] * N(u[best]))) best = k;
  return best;
}

TEST_F(WithMpfr, PlantedRelativeErrorOf1em20IsCaught) {
  const Draw d = make_draw(kSmoothedCe, seed_for(kSmoothedCe, 7), true);
  const LossResult<Hp> hp = analytic<Hp>(kSmoothedCe, d);
  const LossResult<Mp> mp = analytic<Mp>(kSmoothedCe, d);
  ASSERT_TRUE(forward_mode_check(kSmoothedCe, d, Wrt::input, d.u_input, hp));
  ASSERT_TRUE(finite_difference_check(kSmoothedCe, d, Wrt::input, d.u_input, mp));
  ASSERT_TRUE(jacobian_check(kSmoothedCe, d, Wrt::input, hp));

  LossResult<Hp> bad_hp = hp;
  LossResult<Mp> bad_mp = mp;
  const std::size_t k = largest_term(hp.grad_input, d.u_input);
  bad_hp.grad_input[k] *= 1 + Hp(1e-20);
  bad_mp.grad_input[k] *= 1 + Mp(1e-20);
  EXPECT_FALSE(forward_mode_check(kSmoothedCe, d, Wrt::input, d.u_input, bad_hp));
  EXPECT_FALSE(finite_difference_check(kSmoothedCe, d, Wrt::input, d.u_input, bad_mp));
  EXPECT_FALSE(jacobian_check(kSmoothedCe, d, Wrt::input, bad_hp));
}

// grad = keep G0 + S, with G0 the unsmoothed gradient (same cotangents: the
// mean's denominator does not depend on eps) and S the smoothing term; the
// planted bug returns keep G0 - S.
TEST_F(WithMpfr, PlantedSmoothingSignFlipIsCaught) {
  Config plain = kSmoothedCe;
  plain.eps = 0.0;
  for (int i = 0; i < 5; ++i) {
    const Draw d = make_draw(kSmoothedCe, seed_for(kSmoothedCe, 100 + i), true);  // C = 3: at C = 1, S = 0
    const LossResult<Hp> hp = analytic<Hp>(kSmoothedCe, d), hp0 = analytic<Hp>(plain, d);
    const LossResult<Mp> mp = analytic<Mp>(kSmoothedCe, d), mp0 = analytic<Mp>(plain, d);
    LossResult<Hp> bad_hp = hp;
    LossResult<Mp> bad_mp = mp;
    const Hp keep_hp = 1 - Hp(kSmoothedCe.eps);
    const Mp keep_mp = 1 - Mp(kSmoothedCe.eps);
    for (std::size_t k = 0; k < hp.grad_input.size(); ++k) {
      bad_hp.grad_input[k] = 2 * keep_hp * hp0.grad_input[k] - hp.grad_input[k];
      bad_mp.grad_input[k] = 2 * keep_mp * mp0.grad_input[k] - mp.grad_input[k];
    }
    EXPECT_TRUE(forward_mode_check(kSmoothedCe, d, Wrt::input, d.u_input, hp)) << describe(kSmoothedCe, d, i);
    EXPECT_FALSE(forward_mode_check(kSmoothedCe, d, Wrt::input, d.u_input, bad_hp)) << describe(kSmoothedCe, d, i);
    EXPECT_FALSE(finite_difference_check(kSmoothedCe, d, Wrt::input, d.u_input, bad_mp)) << describe(kSmoothedCe, d, i);
  }
}

// d/dt [t log t - t x] = log t + 1 - x; the planted bug forgets the + 1.
TEST_F(WithMpfr, PlantedKlTargetGradientBugIsCaught) {
  const Config c{Loss::kl_div, Layout::batched, Reduction::none, false, false, 0, false, true};
  const Draw d = make_draw(c, seed_for(c, 9), false);
  const LossResult<Hp> hp = analytic<Hp>(c, d);
  const LossResult<Mp> mp = analytic<Mp>(c, d);
  ASSERT_TRUE(forward_mode_check(c, d, Wrt::target, d.u_target, hp));
  ASSERT_TRUE(finite_difference_check(c, d, Wrt::target, d.u_target, mp));
  LossResult<Hp> bad_hp = hp;
  LossResult<Mp> bad_mp = mp;
  for (std::size_t k = 0; k < d.x.size(); ++k) {
    bad_hp.grad_target[k] -= Hp(d.grad_output[k]);
    bad_mp.grad_target[k] -= Mp(d.grad_output[k]);
  }
  EXPECT_FALSE(forward_mode_check(c, d, Wrt::target, d.u_target, bad_hp));
  EXPECT_FALSE(finite_difference_check(c, d, Wrt::target, d.u_target, bad_mp));
  EXPECT_FALSE(jacobian_check(c, d, Wrt::target, bad_hp));
}

}  // namespace
}  // namespace lossoracle::reference
