// The SLACE paper's ordinal losses (sord, oll, acc_loss, slace_prox):
// semantics against the paper's equations written out here (literal Eq. 7
// prox, literal dominance matrix), the paper's worked examples, every error
// path, and ordinal monotonicity (Property 1) with the paper's
// counterexamples. Gradients: ordinal_gradient_test.cpp.
#include <gtest/gtest.h>

#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "reference/ordinal.hpp"
#include "tests/support/ordinal_draws.hpp"

namespace {

namespace bmp = boost::multiprecision;
using namespace lossoracle;
using namespace lossoracle::testing_support;
using Mp = bmp::mpfr_float;

constexpr unsigned kTextbookDigits = 60;  // ~200 bits

// ---------------------------------------------------------------- (a) the paper's equations

Mp log_base(const std::string& b) { return b == "e" ? Mp(1) : Mp(log(Mp(b == "2" ? 2 : 10))); }

// Eq. 7 as printed, c' the true class, counts n: cases c < c', c = c', c > c'.
Mp prox(const std::vector<double>& n, std::int64_t c, std::int64_t cp, const std::string& base) {
  Mp total = 0, numerator = Mp(n[c]) / 2;
  for (double v : n) total += v;
  if (c < cp)
    for (std::int64_t j = c + 1; j <= cp; ++j) numerator += n[j];
  if (c > cp)
    for (std::int64_t j = cp; j <= c - 1; ++j) numerator += n[j];
  return -log(numerator / total) / log_base(base);
}

struct Textbook {
  std::vector<Mp> loss, per_position, grad_input;
};

Textbook textbook(const OrdinalConfig& cfg, const OrdinalDraw& d) {
  Mp::default_precision(kTextbookDigits);
  const std::int64_t N = d.N, C = d.C;
  const Mp lb = log_base(cfg.log_base);
  Textbook t;
  std::vector<std::vector<Mp>> dp(N), probs(N);
  for (std::int64_t n = 0; n < N; ++n) {
    const auto y = static_cast<std::int64_t>(d.y[n]);
    std::vector<Mp> p(C);
    Mp z = 0;
    for (std::int64_t c = 0; c < C; ++c) {
      p[c] = cfg.use_logits ? Mp(exp(Mp(d.x[n * C + c]))) : Mp(d.x[n * C + c]);
      z += p[c];
    }
    if (cfg.use_logits)
      for (auto& v : p) v /= z;
    // dis(c_i, y)
    std::vector<Mp> dis(C);
    if (cfg.loss == "slace_prox") {
      Mp most = prox(d.counts, 0, y, cfg.prox_log_base);
      for (std::int64_t i = 1; i < C; ++i)
        if (prox(d.counts, i, y, cfg.prox_log_base) > most) most = prox(d.counts, i, y, cfg.prox_log_base);
      for (std::int64_t i = 0; i < C; ++i) dis[i] = most - prox(d.counts, i, y, cfg.prox_log_base);
    } else {
      for (std::int64_t i = 0; i < C; ++i) dis[i] = cfg.matrix ? Mp(d.distance[y * C + i]) : Mp(std::abs(i - y));
    }
    std::vector<Mp> q(C);
    Mp qz = 0;
    for (std::int64_t i = 0; i < C; ++i) qz += q[i] = exp(-Mp(d.alpha) * dis[i]);
    for (auto& v : q) v /= qz;
    if (cfg.loss == "acc_loss") q.assign(C, Mp(1));
    Mp l = 0;
    dp[n].assign(C, Mp(0));  // d l / d p, before the cotangent
    if (cfg.loss == "sord") {
      for (std::int64_t i = 0; i < C; ++i) {
        l -= q[i] * log(p[i]) / lb;
        dp[n][i] = -q[i] / (p[i] * lb);
      }
    } else if (cfg.loss == "oll") {
      for (std::int64_t i = 0; i < C; ++i) {
        const Mp w = pow(dis[i], Mp(d.alpha));
        l -= w * log(1 - p[i]) / lb;
        dp[n][i] = w / ((1 - p[i]) * lb);
      }
    } else {  // acc_loss, slace_prox: Eq. 9-11 with closeness C = -dis (prox itself for slace_prox)
      std::vector<Mp> acc(C);
      for (std::int64_t i = 0; i < C; ++i)
        for (std::int64_t j = 0; j < C; ++j)
          if (dis[j] <= dis[i]) acc[i] += p[j];
      for (std::int64_t i = 0; i < C; ++i) {
        l -= q[i] * log(acc[i]) / lb;
        for (std::int64_t j = 0; j < C; ++j)
          if (dis[j] <= dis[i]) dp[n][j] -= q[i] / (acc[i] * lb);
      }
    }
    t.per_position.push_back(l);
    probs[n] = p;
  }
  Mp total = 0;
  for (const Mp& v : t.per_position) total += v;
  std::vector<Mp> s(N, d.grad_output.empty() ? Mp(1) : Mp(d.grad_output[0]));
  if (cfg.reduction == "none") {
    t.loss = t.per_position;
    for (std::int64_t n = 0; n < N; ++n) s[n] = d.grad_output.empty() ? Mp(1) : Mp(d.grad_output[n]);
  } else if (cfg.reduction == "sum") {
    t.loss = {total};
  } else {
    t.loss = {total / N};
    for (auto& v : s) v /= N;
  }
  t.grad_input.assign(N * C, Mp(0));
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t k = 0; k < C; ++k) {
      if (!cfg.use_logits) {
        t.grad_input[n * C + k] = s[n] * dp[n][k];
        continue;
      }
      for (std::int64_t j = 0; j < C; ++j)
        t.grad_input[n * C + k] += s[n] * dp[n][j] * probs[n][j] * (Mp(j == k ? 1 : 0) - probs[n][k]);
    }
  return t;
}

testing::AssertionResult same_binary64(const std::vector<reference::RoundedValue>& got, const std::vector<Mp>& want,
                                       const char* what) {
  if (got.size() != want.size()) return testing::AssertionFailure() << what << ": " << got.size() << " vs " << want.size();
  for (std::size_t k = 0; k < got.size(); ++k) {
    if (auto s = settled(got[k]); !s) return s << " at " << what << "[" << k << "]";
    // The textbook's ~200-bit arithmetic leaves ~1e-60 of noise where the
    // exact value is 0 (every class in one dominance group); no entry of
    // these cases is anywhere near 1e-45 otherwise.
    const double expected = abs(want[k]) < Mp("1e-45") ? 0.0 : static_cast<double>(want[k]);
    if (got[k].f64 != expected && !(got[k].f64 == 0 && expected == 0))
      return testing::AssertionFailure() << what << "[" << k << "]: oracle " << hex64(got[k].f64) << ", textbook "
                                         << hex64(expected) << " (" << want[k].str(30) << ")";
  }
  return testing::AssertionSuccess();
}

TEST(Ordinal, MatchesThePapersEquationsBitForBit) {
  int checked = 0;
  for (const OrdinalConfig& cfg : ordinal_configs({"sord", "oll", "acc_loss", "slace_prox"})) {
    for (int k = 0; k < 2; ++k) {
      const OrdinalDraw d = ordinal_draw(cfg, seed_of(cfg, 500 + k));
      const Textbook t = textbook(cfg, d);
      const OracleOutputs o = oracle_outputs(d.c);
      const std::string at = name(cfg) + " case " + std::to_string(k);
      EXPECT_TRUE(same_binary64(o.at("loss"), t.loss, "loss")) << at;
      EXPECT_TRUE(same_binary64(o.at("per_position"), t.per_position, "per_position")) << at;
      EXPECT_TRUE(same_binary64(o.at("grad_input"), t.grad_input, "grad_input")) << at;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2 * 324);
}

// ---------------------------------------------------------------- (b) the paper's worked examples

// "Comparative Analysis of Loss Functions": alpha = 1, O = {c1, c2, c3},
// g(x) = c1, p = (0.1, 0.4, 0.5), p' = (0.1, 0.89999, 0.00001);
// "SORD(x, p) ≈ 0.79 < SORD(x, p') ≈ 1.127", "OLL(x, p) ≈ 0.824 < OLL(x, p') ≈ 1".
// The printed numbers are base-10 logarithms of dis = |i - j|: natural
// logarithms (those of the authors' code, torch.log) give 1.818, 2.594,
// 1.897, 2.303; base 2 gives 2.623, 3.742, 2.737, 3.322.
const std::vector<double> kPaperP{0.1, 0.4, 0.5, 0.1, 0.89999, 0.00001};

std::vector<double> paper_example(const std::string& loss, const std::string& base) {
  const OracleOutputs o = oracle_outputs(make_case(
      loss, {{"use_logits", false}, {"log_base", base}, {"reduction", std::string("none")}},
      {{"input", Tensor{{2, 3}, kPaperP}}, {"target", Tensor{{2}, {0, 0}}}}));
  std::vector<double> v;
  for (const auto& r : o.at("loss")) {
    EXPECT_TRUE(settled(r));
    v.push_back(r.f64);
  }
  return v;
}

std::string printed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

TEST(Ordinal, PapersSordAndOllNumbersInBase10) {
  const auto sord = paper_example("sord", "10");
  EXPECT_EQ(printed(sord[0], 2), "0.79");
  EXPECT_EQ(printed(sord[1], 3), "1.127");
  const auto oll = paper_example("oll", "10");
  EXPECT_EQ(printed(oll[0], 3), "0.824");
  EXPECT_EQ(printed(oll[1], 0), "1");
  // No other base reproduces them.
  for (const char* base : {"e", "2"}) {
    EXPECT_NE(printed(paper_example("sord", base)[0], 2), "0.79") << base;
    EXPECT_NE(printed(paper_example("oll", base)[0], 3), "0.824") << base;
  }
  std::printf("base 10: SORD %.6f %.6f, OLL %.6f %.6f\n", sord[0], sord[1], oll[0], oll[1]);
}

// "consider the data distribution in Figure 3b [counts c1 = 100, c2 = 50,
// c3 = 70] ... assume that g(x) = c2 and that closeness is computed by
// plugging per class instance numbers into Eq. 7. The closest class to c2 ...
// is c3 ... acc_loss(x, p) = -(log(p2) + log(p3 + p2) + log(p3 + p2 + p1))."
// slace_prox with alpha = 0 has q = 1/3 everywhere: three times it is that
// acc_loss with prox closeness.
TEST(Ordinal, PapersAccLossExampleWithFigure3bCounts) {
  const std::vector<std::int64_t> counts{100, 50, 70};
  reference::DistanceSpec s;
  s.kind = reference::DistanceSpec::Kind::prox;
  s.counts = &counts;
  const auto g = reference::true_class_geometry<double>(s, 3, 1);
  ASSERT_EQ(g.order.groups, (std::vector<std::vector<std::int64_t>>{{1}, {2}, {0}}));
  const std::vector<double> p{0.2, 0.3, 0.5};
  const OracleOutputs o = oracle_outputs(make_case(
      "slace_prox", {{"use_logits", false}, {"alpha", 0.0}},
      {{"input", Tensor{{1, 3}, p}}, {"target", Tensor{{1}, {1}}}, {"class_counts", Tensor{{3}, {100, 50, 70}}}}));
  Mp::default_precision(kTextbookDigits);
  const Mp formula = -(log(Mp(p[1])) + log(Mp(p[2]) + Mp(p[1])) + log(Mp(p[2]) + Mp(p[1]) + Mp(p[0])));
  ASSERT_TRUE(settled(o.at("loss")[0]));
  EXPECT_EQ(o.at("loss")[0].f64, static_cast<double>(Mp(formula / 3)));
}

// ---------------------------------------------------------------- (c) errors

struct ErrorCase {
  const char* what;
  LossCase c;
  const char* field;
  std::string message;
};

LossCase ordinal_case(const std::string& loss, Shape in_shape, std::vector<double> x, Shape t_shape,
                      std::vector<double> y, ParamList params = {}, InputList extra = {}) {
  InputList in{{"input", Tensor{std::move(in_shape), std::move(x)}}, {"target", Tensor{std::move(t_shape), std::move(y)}}};
  for (auto& e : extra) in.push_back(std::move(e));
  return make_case(loss, params, in);
}

TEST(Ordinal, ErrorMessages) {
  const std::vector<double> row{1, 2, 3};
  const Tensor counts{{3}, {5, 6, 7}};
  std::vector<ErrorCase> cases;
  for (const char* loss : {"sord", "oll", "acc_loss", "slace_prox"}) {
    const std::string l = loss;
    const bool prox = l == "slace_prox";
    InputList need = prox ? InputList{{"class_counts", counts}} : InputList{};
    cases.push_back({"1-D input", ordinal_case(l, {3}, row, {}, {0}, {}, need), "inputs.input",
                     l + ": input must have shape (N, C), got (3,)"});
    cases.push_back({"target out of range", ordinal_case(l, {1, 3}, row, {1}, {3}, {}, need), "inputs.target",
                     l + ": Target 3 is out of bounds. (target(0,); valid class indices are 0..2)"});
    cases.push_back({"negative target", ordinal_case(l, {1, 3}, row, {1}, {-1}, {}, need), "inputs.target",
                     l + ": Target -1 is out of bounds. (target(0,); valid class indices are 0..2)"});
    cases.push_back({"target (N, 1)", ordinal_case(l, {1, 3}, row, {1, 1}, {0}, {}, need), "inputs.target",
                     l + ": target must have shape (N) with N = 1, got (1, 1)"});
    cases.push_back({"target count", ordinal_case(l, {1, 3}, row, {2}, {0, 1}, {}, need), "inputs.target",
                     l + ": target has 2 entries but the input has N = 1 rows"});
    cases.push_back({"non-integer target", ordinal_case(l, {1, 3}, row, {1}, {0.5}, {}, need), "inputs.target",
                     l + ": target(0,) = 0.5 is not an integer class index"});
    cases.push_back({"bad log_base", ordinal_case(l, {1, 3}, row, {1}, {0}, {{"log_base", std::string("3")}}, need),
                     "params.log_base", l + ": 3 is not a valid value for log_base (expected one of: e, 2, 10)"});
    if (prox) continue;
    cases.push_back({"distance shape",
                     ordinal_case(l, {1, 3}, row, {1}, {0}, {}, {{"distance", Tensor{{3}, {0, 1, 2}}}}),
                     "inputs.distance", l + ": distance must have shape (C, C) = (3, 3), got (3,)"});
    std::vector<double> neg{0, 1, 2, 1, 0, 1, 2, -1, 0};
    cases.push_back({"negative distance", ordinal_case(l, {1, 3}, row, {1}, {0}, {}, {{"distance", Tensor{{3, 3}, neg}}}),
                     "inputs.distance", l + ": distance(2, 1) = -1 is not a finite non-negative distance"});
    std::vector<double> inf{0, 1, 2, 1, 0, HUGE_VAL, 2, 1, 0};
    cases.push_back({"infinite distance", ordinal_case(l, {1, 3}, row, {1}, {0}, {}, {{"distance", Tensor{{3, 3}, inf}}}),
                     "inputs.distance", l + ": distance(1, 2) = inf is not a finite non-negative distance"});
  }
  cases.push_back({"class_counts missing", ordinal_case("slace_prox", {1, 3}, row, {1}, {0}), "inputs.class_counts",
                   "slace_prox: missing input 'class_counts'"});
  cases.push_back({"class_counts shape",
                   ordinal_case("slace_prox", {1, 3}, row, {1}, {0}, {}, {{"class_counts", Tensor{{2}, {1, 2}}}}),
                   "inputs.class_counts", "slace_prox: class_counts must have shape (C) = (3,), got (2,)"});
  cases.push_back({"fractional count",
                   ordinal_case("slace_prox", {1, 3}, row, {1}, {0}, {}, {{"class_counts", Tensor{{3}, {1, 2.5, 3}}}}),
                   "inputs.class_counts", "slace_prox: class_counts(1,) = 2.5 is not a non-negative integer"});
  cases.push_back({"negative count",
                   ordinal_case("slace_prox", {1, 3}, row, {1}, {0}, {}, {{"class_counts", Tensor{{3}, {1, -2, 3}}}}),
                   "inputs.class_counts", "slace_prox: class_counts(1,) = -2 is not a non-negative integer"});
  cases.push_back({"huge counts",
                   ordinal_case("slace_prox", {1, 3}, row, {1}, {0}, {},
                                {{"class_counts", Tensor{{3}, {0x1p49, 0x1p49, 0x1p49}}}}),
                   "inputs.class_counts", "slace_prox: class_counts total more than 2^50"});
  cases.push_back({"distance is not slace_prox's",
                   ordinal_case("slace_prox", {1, 3}, row, {1}, {0}, {},
                                {{"class_counts", counts}, {"distance", Tensor{{3, 3}, std::vector<double>(9, 0)}}}),
                   "inputs.distance", "slace_prox: unknown input 'distance' (known: input, target, class_counts, grad_output)"});
  cases.push_back({"acc_loss has no alpha", ordinal_case("acc_loss", {1, 3}, row, {1}, {0}, {{"alpha", 2.0}}),
                   "params.alpha", "acc_loss: unknown parameter 'alpha' (known: reduction, use_logits, log_base)"});
  for (const ErrorCase& e : cases) {
    const RaisedError got = error_of(e.c);
    EXPECT_EQ(got.field, e.field) << e.what << " / " << e.c.loss;
    EXPECT_EQ(got.message, e.message) << e.what << " / " << e.c.loss;
  }
}

// ---------------------------------------------------------------- (e) ordinal monotonicity

double loss_of(const std::string& loss, const std::vector<double>& p, std::int64_t y, InputList extra = {},
               ParamList params = {}) {
  params.push_back({"use_logits", false});
  const auto C = static_cast<std::int64_t>(p.size());
  InputList in{{"input", Tensor{{1, C}, p}}, {"target", Tensor{{1}, {static_cast<double>(y)}}}};
  for (auto& e : extra) in.push_back(e);
  const OracleOutputs o = oracle_outputs(make_case(loss, params, in));
  EXPECT_TRUE(settled(o.at("loss")[0])) << loss;
  return o.at("loss")[0].f64;
}

struct Move {
  const char* what;
  std::vector<double> p;
  std::int64_t y, to, from;  // move eps from class `from` to the strictly closer class `to`
  double eps;
};

std::vector<double> moved(const Move& m) {
  std::vector<double> q = m.p;
  q[m.to] += m.eps;
  q[m.from] -= m.eps;
  return q;
}

// Property 1: p'_i = p_i + eps, p'_j = p_j - eps with c_i strictly closer to
// the true class than c_j gives a strictly lower loss. Proposition 3 proves
// it for acc_loss and SLACE; here it holds on hand cases for slace
// (dlordinal's epsilon included), acc_loss and slace_prox.
TEST(Ordinal, Property1HoldsForTheAccumulatingLosses) {
  const std::vector<Move> moves = {
      // Figure 2: g(x) = Moderate risk (c3), 0.2 moved from Critical (c5) to High (c4); bar heights as drawn.
      {"Figure 2", {0.05, 0.15, 0.2, 0.2, 0.4}, 2, 3, 4, 0.2},
      {"the paper's SORD/OLL counterexample", {0.1, 0.4, 0.5}, 0, 1, 2, 0.49999},
      {"into the true class", {0.3, 0.3, 0.4}, 1, 1, 0, 0.3},
      {"across the true class", {0.1, 0.2, 0.3, 0.15, 0.25}, 2, 1, 4, 0.1},
      {"tiny move", {0.25, 0.25, 0.25, 0.25}, 3, 2, 0, 1e-6},
      {"whole mass of the far class", {0.4, 0.1, 0.1, 0.1, 0.1, 0.2}, 0, 1, 5, 0.2},
  };
  for (const Move& m : moves) {
    const std::vector<double> after = moved(m);
    for (const char* loss : {"slace", "acc_loss"})
      EXPECT_LT(loss_of(loss, after, m.y), loss_of(loss, m.p, m.y)) << loss << ": " << m.what;
    // slace_prox orders by prox closeness: with equal counts that is |i - y|
    // (ties left and right of y), so the same moves qualify.
    const Tensor equal_counts{{static_cast<std::int64_t>(m.p.size())}, std::vector<double>(m.p.size(), 10)};
    EXPECT_LT(loss_of("slace_prox", after, m.y, {{"class_counts", equal_counts}}),
              loss_of("slace_prox", m.p, m.y, {{"class_counts", equal_counts}}))
        << "slace_prox: " << m.what;
  }
  // With unequal counts prox closeness is not |i - y|: for Figure 3b's
  // counts and g(x) = c2, c3 is closer than c1, so moving mass from c1 to c3
  // must lower slace_prox.
  const Tensor fig3b{{3}, {100, 50, 70}};
  EXPECT_LT(loss_of("slace_prox", {0.3, 0.3, 0.4}, 1, {{"class_counts", fig3b}}),
            loss_of("slace_prox", {0.4, 0.3, 0.3}, 1, {{"class_counts", fig3b}}));
}

// The paper's counterexamples: the move of 0.49999 from c3 to c2 (closer to
// g(x) = c1) raises SORD and OLL, in any base.
TEST(Ordinal, PapersCounterexamplesForSordAndOll) {
  const Move m{"", {0.1, 0.4, 0.5}, 0, 1, 2, 0.49999};
  const std::vector<double> after = moved(m);
  for (const char* base : {"e", "10"})
    for (const char* loss : {"sord", "oll"})
      EXPECT_GT(loss_of(loss, after, 0, {}, {{"log_base", std::string(base)}}),
                loss_of(loss, m.p, 0, {}, {{"log_base", std::string(base)}}))
          << loss << " base " << base;
}

// Property 2 (balance-sensitivity) on Figure 3: D has 10 items in c1 (3a),
// D* 100 (3b); g(x) = c1; eps moves from c1 to its closest class c2. The
// loss must rise more under D, where c1 is rarer (Proposition 4).
TEST(Ordinal, BalanceSensitivityOnFigure3) {
  const std::vector<double> p{0.5, 0.3, 0.2}, after{0.4, 0.4, 0.2};
  const Tensor small{{3}, {10, 50, 70}}, big{{3}, {100, 50, 70}};
  const double rise_small = loss_of("slace_prox", after, 0, {{"class_counts", small}}) -
                            loss_of("slace_prox", p, 0, {{"class_counts", small}});
  const double rise_big = loss_of("slace_prox", after, 0, {{"class_counts", big}}) -
                          loss_of("slace_prox", p, 0, {{"class_counts", big}});
  EXPECT_GT(rise_small, rise_big);
  EXPECT_GT(rise_big, 0);
}

// When one dominance group holds every class (C = 1, or a distance row of
// ties) a softmax's accumulation is exactly 1: the loss and the gradient are
// exact zeros, and the oracle proves it (status exact) instead of leaving an
// enclosure around 0 unresolved.
TEST(Ordinal, OneDominanceGroupGivesExactZeros) {
  const Tensor tied{{3, 3}, {0, 1, 2, 5, 5, 5, 2, 1, 0}};
  const LossCase acc = make_case("acc_loss", {}, {{"input", Tensor{{1, 3}, {0.5, -2, 3}}},
                                                  {"target", Tensor{{1}, {1}}}, {"distance", tied}});
  const LossCase one = make_case("slace_prox", {}, {{"input", Tensor{{2, 1}, {0.5, -7}}},
                                                    {"target", Tensor{{2}, {0, 0}}}, {"class_counts", Tensor{{1}, {4}}}});
  for (const LossCase& c : {acc, one}) {
    const OracleOutputs o = oracle_outputs(c);
    for (const char* out : {"loss", "grad_input"})
      for (const auto& v : o.at(out)) {
        EXPECT_EQ(v.status, reference::ProofStatus::exact) << c.loss << " " << out;
        EXPECT_EQ(v.f64, 0.0) << c.loss << " " << out;
      }
  }
}

}  // namespace
