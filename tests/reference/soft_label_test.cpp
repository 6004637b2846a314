// The soft-label family (reference/soft_label.hpp, docs/spec.md §12):
//   (a) the oracle against textbook formulas written here at 200 bits (MPFR),
//       bit for bit in binary64 wherever the oracle proves its rounding;
//   (b) every number seed 001 prints for these losses;
//   (c) every error path, with its message;
//   (d) gradients by forward-mode autodiff and 1030-bit finite differences,
//       for every parameter combination;
//   (e) the family's own properties: the clamp and its kink, all-zero rows,
//       alpha = 0 against cross_entropy with probability targets, the
//       probability version against the logits version, the NaN/inf -> 0
//       rule, the exact zeros of the MAE, the reduction axes.
#include <gtest/gtest.h>

#include <boost/multiprecision/mpfr.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/hexfloat.hpp"
#include "tests/support/gradient_check.hpp"
#include "tests/support/oracle_case.hpp"
#include "tests/support/textbook_match.hpp"

namespace lossoracle {
namespace {

using nlohmann::json;
using reference::ProofStatus;
using namespace testing_support;
namespace bmp = boost::multiprecision;

// ~200 bits: the textbook formulas' working precision.
using M = bmp::number<bmp::mpfr_float_backend<61>, bmp::et_off>;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

json tensor(const Shape& shape, const std::vector<double>& values) {
  json data = json::array();
  for (double v : values) data.push_back(hex64(v));
  return {{"shape", shape}, {"data", data}};
}

// ---------------------------------------------------------------- random cases

struct Draw {
  std::string loss;
  Shape shape;  // classes last
  std::vector<double> x, y, grad_output;
  Shape grad_output_shape;
  double alpha = 0.0;
  std::string reduction = "mean";

  std::int64_t classes() const { return shape.back(); }
  std::int64_t positions() const { return static_cast<std::int64_t>(x.size()) / classes(); }
  Shape position_shape() const { return Shape(shape.begin(), shape.end() - 1); }
  bool has_target() const { return loss != "smooth_soft_labels"; }
  bool reduces_first() const { return loss != "classification_mae_with_logits"; }

  json to_json() const {
    json j{{"loss", loss}, {"inputs", {{"input", tensor(shape, x)}}}};
    if (loss != "classification_mae_with_logits") j["params"]["alpha"] = alpha;
    if (loss != "smooth_soft_labels") j["params"]["reduction"] = reduction;
    if (has_target()) j["inputs"]["target"] = tensor(shape, y);
    if (!grad_output.empty()) j["inputs"]["grad_output"] = tensor(grad_output_shape, grad_output);
    return j;
  }
  LossCase to_case() const { return resolved_case(to_json()); }
};

// The shape of the reduced loss: incendio's CE reduces along dim 0, the MAE
// along the last dimension of the row-wise tensor.
Shape reduced_shape_of(const Draw& d) {
  const Shape p = d.position_shape();
  if (d.loss == "smooth_soft_labels") return d.shape;
  if (d.reduction == "none" || p.empty()) return p;
  return d.reduces_first() ? Shape(p.begin() + 1, p.end()) : Shape(p.begin(), p.end() - 1);
}

class Drawer {
 public:
  explicit Drawer(std::uint64_t seed) : rng_(seed) {}
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  std::int64_t pick(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_); }

  // One row of labels of one of several kinds: soft, one-hot, sparse with a
  // small entry (the clamp fires for alpha/2 above it), all zero, a negative entry.
  std::vector<double> label_row(std::int64_t C, bool allow_zero_row) {
    std::vector<double> row(C, 0.0);
    const std::int64_t kind = pick(0, allow_zero_row ? 4 : 3);
    if (kind == 0) {
      double s = 0;
      for (double& v : row) s += (v = uniform(0.0, 1.0));
      for (double& v : row) v /= s;
    } else if (kind == 1) {
      row[pick(0, C - 1)] = 1.0;
    } else if (kind == 2) {
      row[pick(0, C - 1)] = uniform(0.6, 0.95);
      row[pick(0, C - 1)] += uniform(0.01, 0.05);
    } else if (kind == 3) {
      for (double& v : row) v = uniform(-0.3, 1.0);
    }
    return row;
  }

  // `safe` draws stay away from the loss's discontinuities and undefined
  // points, for the derivative checks: no zero labels under alpha > 0 (k
  // changes there), no zero probabilities.
  Draw draw(const std::string& loss, int rank, double alpha, const std::string& reduction, bool grad_output,
            bool safe) {
    Draw d;
    d.loss = loss;
    d.alpha = alpha;
    d.reduction = reduction;
    const std::int64_t C = pick(1, 5);
    if (rank == 1) d.shape = {C};
    if (rank == 2) d.shape = {pick(1, 3), C};
    if (rank == 3) d.shape = {pick(1, 2), pick(1, 3), C};
    const std::int64_t P = static_cast<std::int64_t>(element_count(d.shape)) / C;
    for (std::int64_t pos = 0; pos < P; ++pos) {
      std::vector<double> row = label_row(C, !safe);
      if (safe && alpha > 0)
        for (double& v : row)
          if (v == 0.0) v = uniform(0.001, 0.2);
      d.y.insert(d.y.end(), row.begin(), row.end());
      for (std::int64_t c = 0; c < C; ++c) d.x.push_back(uniform(-6.0, 6.0));
    }
    if (loss == "smooth_soft_labels") d.x = d.y;
    if (loss == "soft_label_cross_entropy") {
      for (std::int64_t pos = 0; pos < P; ++pos) {
        double s = 0;
        for (std::int64_t c = 0; c < C; ++c) s += (d.x[pos * C + c] = uniform(0.0, 1.0));
        for (std::int64_t c = 0; c < C; ++c) d.x[pos * C + c] /= s;
        if (!safe && C > 1 && pick(0, 3) == 0) d.x[pos * C + pick(0, C - 1)] = 0.0;  // a dropped term
      }
    }
    if (grad_output) {
      d.grad_output_shape = reduced_shape_of(d);
      d.grad_output.resize(static_cast<std::size_t>(element_count(d.grad_output_shape)));
      for (double& g : d.grad_output) g = uniform(-2.0, 2.0);
    }
    return d;
  }

 private:
  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------- textbook formulas

struct Expected {
  std::vector<M> loss, per_position, grad_input, grad_target;
};

// t = max(y - alpha/k, 0) + alpha/C, k = #{y > 0}; alpha = 0 returns y.
// `passes`: the label's gradient is 1 (y - alpha/k >= 0, PyTorch's clamp_min
// backward), else 0.
void textbook_smooth(const std::vector<double>& y, double alpha, std::vector<M>& t, std::vector<bool>& passes) {
  const std::size_t C = y.size();
  t.assign(C, M(0));
  passes.assign(C, true);
  if (alpha == 0) {
    for (std::size_t c = 0; c < C; ++c) t[c] = M(y[c]);
    return;
  }
  int k = 0;
  for (double v : y) k += v > 0;
  for (std::size_t c = 0; c < C; ++c) {
    if (std::isnan(y[c])) {
      t[c] = M(kNaN);
      passes[c] = false;
      continue;
    }
    // y k - alpha is exact at 200 bits for these magnitudes.
    const bool keep = k > 0 && M(y[c]) * k - M(alpha) >= 0;
    passes[c] = keep;
    t[c] = (keep ? M(M(y[c]) - M(alpha) / k) : M(0)) + M(alpha) / M(static_cast<double>(C));
  }
}

int sign_of(const M& v) { return v > 0 ? 1 : v < 0 ? -1 : 0; }

Expected textbook(const Draw& d) {
  const std::int64_t C = d.classes(), P = d.positions();
  Expected e;
  if (d.loss == "smooth_soft_labels") {
    e.grad_input.resize(d.y.size());
    for (std::int64_t pos = 0; pos < P; ++pos) {
      std::vector<M> t;
      std::vector<bool> passes;
      textbook_smooth(std::vector<double>(d.y.begin() + pos * C, d.y.begin() + (pos + 1) * C), d.alpha, t, passes);
      for (std::int64_t c = 0; c < C; ++c) {
        e.loss.push_back(t[c]);
        const M g = d.grad_output.empty() ? M(1) : M(d.grad_output[pos * C + c]);
        e.grad_input[pos * C + c] = passes[c] ? g : M(0);
      }
    }
    return e;
  }
  std::vector<std::vector<M>> t(P), logp(P), p(P), e_shifted(P);
  std::vector<std::vector<bool>> passes(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    std::vector<bool> pass;
    textbook_smooth(std::vector<double>(d.y.begin() + pos * C, d.y.begin() + (pos + 1) * C),
                    d.loss == "classification_mae_with_logits" ? 0.0 : d.alpha, t[pos], pass);
    passes[pos] = pass;
    // log-sum-exp shifted by the row's maximum: exact zeros (C = 1, equal
    // logits) stay exact at 200 bits.
    double top = -kInf;
    for (std::int64_t c = 0; c < C; ++c) top = std::max(top, d.x[pos * C + c]);
    M lse(0);
    for (std::int64_t c = 0; c < C; ++c) {
      e_shifted[pos].push_back(exp(M(d.x[pos * C + c]) - M(top)));
      lse += e_shifted[pos].back();
    }
    lse = M(top) + log(lse);
    for (std::int64_t c = 0; c < C; ++c) {
      logp[pos].push_back(M(d.x[pos * C + c]) - lse);
      p[pos].push_back(exp(logp[pos].back()));
    }
    M l(0);
    for (std::int64_t c = 0; c < C; ++c) {
      const double xv = d.x[pos * C + c];
      if (d.loss == "soft_label_cross_entropy_with_logits") l += -t[pos][c] * logp[pos][c];
      if (d.loss == "soft_label_cross_entropy" && xv > 0) l += -t[pos][c] * log(M(xv));
      if (d.loss == "classification_mae_with_logits") l += abs(p[pos][c] - M(d.y[pos * C + c]));
    }
    e.per_position.push_back(l);
  }
  // The reduction: along the first position dimension (CE) or the last (MAE).
  const Shape ps = d.position_shape();
  const std::int64_t extent = ps.empty() ? 1 : d.reduces_first() ? ps.front() : ps.back();
  auto out_of = [&](std::int64_t pos) { return d.reduces_first() ? pos % (P / extent) : pos / extent; };
  std::vector<M> s(P);
  if (d.reduction == "none" || ps.empty()) {
    e.loss = e.per_position;
    for (std::int64_t pos = 0; pos < P; ++pos) s[pos] = d.grad_output.empty() ? M(1) : M(d.grad_output[pos]);
  } else {
    e.loss.assign(static_cast<std::size_t>(P / extent), M(0));
    for (std::int64_t pos = 0; pos < P; ++pos) e.loss[out_of(pos)] += e.per_position[pos];
    const M div = d.reduction == "mean" ? M(static_cast<double>(extent)) : M(1);
    for (M& v : e.loss) v /= div;
    for (std::int64_t pos = 0; pos < P; ++pos)
      s[pos] = (d.grad_output.empty() ? M(1) : M(d.grad_output[out_of(pos)])) / div;
  }
  e.grad_input.resize(d.x.size());
  e.grad_target.resize(d.y.size());
  for (std::int64_t pos = 0; pos < P; ++pos) {
    M total(0), weighted(0), mass(0);
    for (std::int64_t c = 0; c < C; ++c) total += t[pos][c];
    std::vector<int> sg(C);
    for (std::int64_t c = 0; c < C; ++c) {
      sg[c] = sign_of(M(p[pos][c] - M(d.y[pos * C + c])));
      weighted += e_shifted[pos][c] * sg[c];
      mass += e_shifted[pos][c];
    }
    // sum_c p_c sgn_c as (sum_c e_c sgn_c) / sum_c e_c: equal signs give it exactly.
    const M psg = weighted / mass;
    for (std::int64_t c = 0; c < C; ++c) {
      const std::int64_t k = pos * C + c;
      if (d.loss == "soft_label_cross_entropy_with_logits") {
        e.grad_input[k] = s[pos] * (p[pos][c] * total - t[pos][c]);  // d/dx of -sum t logp
        e.grad_target[k] = passes[pos][c] ? M(-s[pos] * logp[pos][c]) : M(0);
      } else if (d.loss == "soft_label_cross_entropy") {
        const bool kept = d.x[k] > 0;
        e.grad_input[k] = (kept ? s[pos] : M(0)) * -t[pos][c] / M(d.x[k]);
        e.grad_target[k] = passes[pos][c] ? M(-(kept ? s[pos] : M(0)) * log(M(d.x[k]))) : M(0);
      } else {
        e.grad_input[k] = s[pos] * p[pos][c] * (sg[c] - psg);
        e.grad_target[k] = -s[pos] * sg[c];
      }
    }
  }
  return e;
}

std::string describe(const Draw& d) { return d.to_json().dump(); }

const std::vector<std::string> kLosses = {"smooth_soft_labels", "soft_label_cross_entropy_with_logits",
                                          "soft_label_cross_entropy", "classification_mae_with_logits"};

// (a) ------------------------------------------------------------------------

TEST(SoftLabelSemantics, OracleEqualsTextbookFormulasBitForBit) {
  Drawer drawer(20240611);
  int compared = 0, total = 0, cases = 0;
  for (const std::string& loss : kLosses)
    for (int rank : {1, 2, 3})
      for (double alpha : {0.0, 0.05, 0.3, 1.5})
        for (const char* reduction : {"none", "sum", "mean"}) {
          if (loss == "classification_mae_with_logits" && alpha != 0.0) continue;
          if (loss == "smooth_soft_labels" && std::string(reduction) != "none") continue;
          for (int i = 0; i < 8; ++i) {
            const Draw d = drawer.draw(loss, rank, alpha, reduction, i % 2 == 1, false);
            const reference::OracleAnswer a = oracle(d.to_case());
            const Expected e = textbook(d);
            ++cases;
            ASSERT_TRUE(matches_textbook(a, "loss", e.loss, compared, total)) << describe(d);
            ASSERT_TRUE(matches_textbook(a, "grad_input", e.grad_input, compared, total)) << describe(d);
            if (d.has_target()) {
              ASSERT_TRUE(matches_textbook(a, "per_position", e.per_position, compared, total)) << describe(d);
              ASSERT_TRUE(matches_textbook(a, "grad_target", e.grad_target, compared, total)) << describe(d);
            }
          }
        }
  // Not vacuous: nearly every value is settled and compared (the rest are NaN
  // by the semantics, checked above, or unresolved).
  EXPECT_GT(compared, 0.95 * total) << cases << " cases";
  EXPECT_GT(cases, 700);
}

// (b) ------------------------------------------------------------------------

const json kLogits = {{6, 1, 3, 1, 2}, {5, 8, 1, 1, 2}, {1, 3, 4, 2, 0}};
const json kOneHot = {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}, {0, 0, 0, 1, 0}};
// The notebook's float32 tensors: y_smooth from the decimals .9, .1, ..., and
// y_hat = F.softmax(logits, dim=-1) as torch 1.13.1 computes it in float32
// (recovered bit for bit; consistent with every digit the notebook prints).
const json kSmooth = {{"0x1.ccccccp-1", "0x1.99999ap-4", 0, 0, 0},
                      {"0x1.666666p-2", "0x1.4cccccp-1", 0, 0, 0},
                      {0, "0x1.99999ap-4", "0x1.99999ap-3", "0x1.666666p-1", 0}};
const json kYHat = {{"0x1.d961d4p-1", "0x1.984598p-8", "0x1.7917cap-5", "0x1.984598p-8", "0x1.157312p-6"},
                    {"0x1.82ed5p-5", "0x1.e5ba3p-1", "0x1.c58e62p-11", "0x1.c58e62p-11", "0x1.34393p-9"},
                    {"0x1.039016p-5", "0x1.df7b2ap-3", "0x1.45d758p-1", "0x1.60c85p-4", "0x1.7df38ap-7"}};

struct Printed {
  json request;
  std::vector<std::string> digits;
};

std::vector<Printed> seed001_prints() {
  auto ce = [](const char* loss, const json& input, const json& target, double alpha, const char* reduction) {
    return json{{"loss", loss},
                {"params", {{"alpha", alpha}, {"reduction", reduction}}},
                {"inputs", {{"input", input}, {"target", target}}}};
  };
  auto mae = [](const char* reduction) {
    return json{{"loss", "classification_mae_with_logits"},
                {"params", {{"reduction", reduction}}},
                {"inputs", {{"input", kLogits}, {"target", kOneHot}}}};
  };
  const char* L = "soft_label_cross_entropy_with_logits";
  const char* P = "soft_label_cross_entropy";
  return {
      {{{"loss", "smooth_soft_labels"}, {"params", {{"alpha", 0.1}}}, {"inputs", {{"input", kSmooth}}}},
       {"0.8700", "0.0700", "0.0200", "0.0200", "0.0200", "0.3200", "0.6200", "0.0200", "0.0200", "0.0200", "0.0200",
        "0.0867", "0.1867", "0.6867", "0.0200"}},
      {{{"loss", "smooth_soft_labels"}, {"params", {{"alpha", 0.0}}}, {"inputs", {{"input", kSmooth}}}},
       {"0.9", "0.1", "0", "0", "0", "0.35", "0.65", "0", "0", "0", "0", "0.1", "0.2", "0.7", "0"}},
      {ce(L, kLogits, kOneHot, 0.0, "none"), {"0.0784", "0.0527", "2.4519"}},
      {ce(L, kLogits, kOneHot, 0.0, "sum"), {"2.5830"}},
      {ce(L, kLogits, kOneHot, 0.0, "mean"), {"0.8610"}},
      {ce(L, kLogits, kSmooth, 0.0, "none"), {"0.5784", "1.1027", "1.9519"}},
      {ce(L, kLogits, kSmooth, 0.0, "sum"), {"3.6330"}},
      {ce(L, kLogits, kSmooth, 0.0, "mean"), {"1.2110"}},
      {ce(P, kYHat, kSmooth, 0.0, "none"), {"0.5784", "1.1027", "1.9519"}},
      {ce(P, kYHat, kSmooth, 0.0, "sum"), {"3.6330"}},
      {ce(P, kYHat, kSmooth, 0.0, "mean"), {"1.2110"}},
      {ce(L, kLogits, kSmooth, 0.2, "none"), {"0.7584", "1.7227", "2.1519"}},
      {ce(L, kLogits, kSmooth, 0.2, "sum"), {"4.6330"}},
      {ce(L, kLogits, kSmooth, 0.2, "mean"), {"1.5443"}},
      {mae("none"), {"0.1509", "0.1026", "1.8277"}},
      {mae("sum"), {"2.0812"}},
      {mae("mean"), {"0.6937"}},
  };
}

TEST(SoftLabelDocument, EveryNumberSeed001PrintsRoundsToThePrintedDigits) {
  for (const Printed& p : seed001_prints()) {
    const reference::OracleAnswer a = oracle(resolved_case(p.request));
    const auto& loss = output(a, "loss").values;
    ASSERT_EQ(loss.size(), p.digits.size()) << p.request.dump();
    for (std::size_t i = 0; i < loss.size(); ++i) {
      ASSERT_TRUE(settled(loss[i])) << p.request.dump();
      EXPECT_TRUE(rounds_to_printed(loss[i].f64, p.digits[i]))
          << p.request.dump() << " [" << i << "]: " << loss[i].decimal << " is not " << p.digits[i];
    }
  }
}

// y_hat itself is torch's float32 softmax: within 3 ulps of the correctly
// rounded values (it is not correctly rounded: 11 of 15 entries differ).
TEST(SoftLabelDocument, RecoveredYHatIsTorchsFloat32Softmax) {
  const reference::OracleAnswer a = oracle(resolved_case({{"loss", "softmax"}, {"inputs", {{"input", kLogits}}}}));
  const auto& p = output(a, "loss").values;
  int differ = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const float torch = static_cast<float>(*parse_real(kYHat[i / 5][i % 5].get<std::string>()));
    const float ulp = std::nextafter(p[i].f32, 2.0f) - p[i].f32;
    EXPECT_LE(std::fabs(torch - p[i].f32), 3 * ulp) << i;
    differ += torch != p[i].f32;
  }
  EXPECT_EQ(differ, 11);
}

TEST(SoftLabelDocument, NegativeAlphaIsRejectedWithTheNotebooksMessage) {
  const RaisedError e = error_of({{"loss", "smooth_soft_labels"}, {"params", {{"alpha", -0.1}}}, {"inputs", {{"input", kSmooth}}}});
  ASSERT_TRUE(e.raised);
  EXPECT_EQ(e.field, "params.alpha");
  EXPECT_EQ(e.message, "smooth_soft_labels: Alpha must be non-negative.");
}

// The golden source lines carry the same numbers; each must still hold.
TEST(SoftLabelDocument, GoldenSourceLinesReproduceTheirPrintedDigits) {
  std::ifstream in(std::string(LOSSORACLE_SOURCE_DIR) + "/golden/sources/soft_label.jsonl");
  ASSERT_TRUE(in);
  int printed = 0;
  for (std::string line; std::getline(in, line);) {
    const json j = json::parse(line);
    const json request{{"loss", j["loss"]}, {"params", j.value("params", json::object())}, {"inputs", j["inputs"]}};
    if (j.value("result", "valid") == "invalid") {
      EXPECT_TRUE(error_of(request).raised) << line;
      continue;
    }
    const reference::OracleAnswer a = oracle(resolved_case(request));
    if (!j.contains("printed")) continue;
    for (const auto& [name, digits] : j["printed"].items()) {
      const auto& values = output(a, name).values;
      const json list = digits.is_array() ? digits : json::array({digits});
      ASSERT_EQ(values.size(), list.size()) << line;
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (list[i].is_null()) continue;
        ++printed;
        EXPECT_TRUE(rounds_to_printed(values[i].f64, list[i].get<std::string>())) << line << " [" << i << "]";
      }
    }
  }
  EXPECT_EQ(printed, 2 * 15 + 4 * (3 + 1 + 1) + 3 + 1 + 1);
}

// (c) ------------------------------------------------------------------------

struct ErrorCase {
  json request;
  std::string field, message;
};

TEST(SoftLabelErrors, EveryErrorPathHasItsMessage) {
  const json x23 = {{1, 2, 3}, {4, 5, 6}}, t32 = {{1, 0}, {0, 1}, {1, 0}};
  const json x234 = {{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}, {{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}};
  auto req = [](const char* loss, json params, json inputs) {
    return json{{"loss", loss}, {"params", std::move(params)}, {"inputs", std::move(inputs)}};
  };
  const std::vector<ErrorCase> cases = {
      {req("smooth_soft_labels", {{"alpha", -1e-300}}, {{"input", x23}}), "params.alpha",
       "smooth_soft_labels: Alpha must be non-negative."},
      // incendio checks alpha before it looks at the tensors.
      {req("soft_label_cross_entropy_with_logits", {{"alpha", -0.5}}, {{"input", x23}, {"target", t32}}),
       "params.alpha", "soft_label_cross_entropy_with_logits: Alpha must be non-negative."},
      {req("soft_label_cross_entropy", {{"alpha", -0.5}}, {{"input", 0.5}, {"target", 0.5}}), "params.alpha",
       "soft_label_cross_entropy: Alpha must be non-negative."},
      {req("smooth_soft_labels", json::object(), {{"input", 0.5}}), "inputs.input",
       "smooth_soft_labels: input must have at least 1 dimension (classes last), got shape ()"},
      {req("classification_mae_with_logits", json::object(), {{"input", 0.5}, {"target", 0.5}}), "inputs.input",
       "classification_mae_with_logits: input must have at least 1 dimension (classes last), got shape ()"},
      {req("soft_label_cross_entropy_with_logits", json::object(), {{"input", x23}, {"target", t32}}),
       "inputs.target",
       "soft_label_cross_entropy_with_logits: target shape (3, 2) must equal input shape (2, 3) (the oracle does "
       "not broadcast)"},
      {req("soft_label_cross_entropy", json::object(), {{"input", x23}, {"target", {1, 2, 3}}}), "inputs.target",
       "soft_label_cross_entropy: target shape (3,) must equal input shape (2, 3) (the oracle does not broadcast)"},
      {req("classification_mae_with_logits", json::object(), {{"input", x23}, {"target", t32}}), "inputs.target",
       "classification_mae_with_logits: target shape (3, 2) must equal input shape (2, 3) (the oracle does not "
       "broadcast)"},
      {req("soft_label_cross_entropy", {{"reduction", "batchmean"}}, {{"input", x23}, {"target", x23}}),
       "params.reduction",
       "soft_label_cross_entropy: batchmean is not a valid value for reduction (expected one of: none, sum, mean)"},
      {req("classification_mae_with_logits", json::object(), {{"input", x23}}), "inputs.target",
       "classification_mae_with_logits: missing input 'target'"},
      {req("smooth_soft_labels", {{"reduction", "sum"}}, {{"input", x23}}), "params.reduction",
       "smooth_soft_labels: unknown parameter 'reduction' (known: alpha)"},
      // The reduced shapes differ: dim 0 for the cross entropies, the last for the MAE.
      {req("soft_label_cross_entropy_with_logits", json::object(),
           {{"input", x234}, {"target", x234}, {"grad_output", {1, 1}}}),
       "inputs.grad_output", "soft_label_cross_entropy_with_logits: grad_output must have the output's shape (3,), got (2,)"},
      {req("classification_mae_with_logits", json::object(),
           {{"input", x234}, {"target", x234}, {"grad_output", {1, 1, 1}}}),
       "inputs.grad_output", "classification_mae_with_logits: grad_output must have the output's shape (2,), got (3,)"},
      {req("smooth_soft_labels", json::object(), {{"input", x23}, {"grad_output", {1, 2}}}), "inputs.grad_output",
       "smooth_soft_labels: grad_output must have the output's shape (2, 3), got (2,)"},
  };
  for (const ErrorCase& c : cases) {
    const RaisedError e = error_of(c.request);
    ASSERT_TRUE(e.raised) << c.request.dump();
    EXPECT_EQ(e.field, c.field) << c.request.dump();
    EXPECT_EQ(e.message, c.message) << c.request.dump();
  }
}

// (d) ------------------------------------------------------------------------

std::vector<double> direction(Drawer& drawer, const Draw& d, bool wrt_target) {
  std::vector<double> u((wrt_target ? d.y : d.x).size());
  for (double& e : u) e = drawer.uniform(-1.0, 1.0);
  return u;
}

TEST(SoftLabelGradients, ForwardModeAndFiniteDifferencesForEveryParameterCombination) {
  Drawer drawer(77);
  int checked = 0;
  for (const std::string& loss : kLosses)
    for (int rank : {1, 2, 3})
      for (double alpha : {0.0, 0.05, 0.6})
        for (const char* reduction : {"none", "sum", "mean"})
          for (bool grad_output : {false, true}) {
            if (loss == "classification_mae_with_logits" && alpha != 0.0) continue;
            if (loss == "smooth_soft_labels" && std::string(reduction) != "none") continue;
            for (int i = 0; i < 4; ++i) {
              const Draw d = drawer.draw(loss, rank, alpha, reduction, grad_output, true);
              const LossCase c = d.to_case();
              for (bool wrt_target : {false, true}) {
                if (wrt_target && !d.has_target()) continue;
                const std::string wrt = wrt_target ? "target" : "input";
                const std::vector<double> u = direction(drawer, d, wrt_target);
                ASSERT_TRUE(forward_mode_agrees(c, wrt, u)) << describe(d) << " wrt " << wrt;
                ASSERT_TRUE(finite_difference_agrees(c, wrt, u)) << describe(d) << " wrt " << wrt;
                ++checked;
              }
            }
          }
  EXPECT_GT(checked, 800);
}

// (e) ------------------------------------------------------------------------

std::vector<double> f64s(const reference::OracleAnswer& a, const std::string& name) {
  std::vector<double> v;
  for (const auto& r : output(a, name).values) v.push_back(r.status == ProofStatus::nan ? kNaN : r.f64);
  return v;
}

bool all_exact(const reference::OracleAnswer& a, const std::string& name) {
  for (const auto& r : output(a, name).values)
    if (r.status != ProofStatus::exact) return false;
  return true;
}

// The clamp fires: alpha/k exceeds a positive label, which drops to 0 before
// alpha/C is added, so the row no longer sums to 1. Dyadic values first
// (every output exact): alpha = 0.5, k = 2, 0.125 < 0.25.
TEST(SoftLabelSmoothing, ClampFiresAndTheRowNoLongerSumsToOne) {
  const reference::OracleAnswer a = oracle(resolved_case(
      {{"loss", "smooth_soft_labels"}, {"params", {{"alpha", 0.5}}}, {"inputs", {{"input", {{0.875, 0.125, 0, 0}}}}}}));
  EXPECT_TRUE(all_exact(a, "loss"));
  EXPECT_EQ(f64s(a, "loss"), (std::vector<double>{0.75, 0.125, 0.125, 0.125}));  // sums to 1.125
  EXPECT_EQ(f64s(a, "grad_input"), (std::vector<double>{1, 0, 0, 0}));

  // The seed's kind of numbers: alpha = 0.3 on [0.9, 0.1, 0, 0, 0] keeps
  // 0.9 - 0.15 + 0.06 and loses the 0.1: the row sums to 0.9 - 0.15 + 0.3.
  Mp::default_precision(kMpDigits10);
  const LossCase fired = resolved_case(
      {{"loss", "smooth_soft_labels"}, {"params", {{"alpha", 0.3}}}, {"inputs", {{"input", {{0.9, 0.1, 0, 0, 0}}}}}});
  const auto r = evaluator_for<Mp>("smooth_soft_labels")(fired, reference::inputs_as<Mp>(fired));
  Mp sum(0);
  for (const Mp& v : r.loss) sum += v;
  const Mp alpha(0.3), expected_sum = Mp(0.9) - alpha / 2 + alpha;
  EXPECT_LT(Mp(abs(sum - expected_sum)), Mp(1e-300));
  EXPECT_GT(Mp(abs(sum - Mp(1.0))), Mp(0.04));
  EXPECT_LT(Mp(abs(r.loss[1] - alpha / 5)), Mp(1e-300));
  EXPECT_EQ(f64s(oracle(fired), "grad_input"), (std::vector<double>{1, 0, 0, 0, 0}));
}

// y k = alpha exactly: the label becomes exactly alpha/C and, by PyTorch's
// clamp_min backward (self >= min passes), keeps gradient 1.
TEST(SoftLabelSmoothing, AtTheKinkTheGradientPassesAsInClampMin) {
  const reference::OracleAnswer a = oracle(resolved_case(
      {{"loss", "smooth_soft_labels"}, {"params", {{"alpha", 0.5}}}, {"inputs", {{"input", {{0.25, 0.75, 0, 0}}}}}}));
  EXPECT_TRUE(all_exact(a, "loss"));
  EXPECT_EQ(f64s(a, "loss"), (std::vector<double>{0.125, 0.625, 0.125, 0.125}));
  EXPECT_EQ(f64s(a, "grad_input"), (std::vector<double>{1, 1, 0, 0}));
  // Just below the kink the clamp fires and the gradient stops.
  const reference::OracleAnswer b = oracle(resolved_case({{"loss", "smooth_soft_labels"},
                                                                 {"params", {{"alpha", 0.5}}},
                                                                 {"inputs", {{"input", {{"0x1.fffffffffffffp-3", 0.75, 0, 0}}}}}}));
  EXPECT_EQ(f64s(b, "grad_input"), (std::vector<double>{0, 1, 0, 0}));
  EXPECT_EQ(f64s(b, "loss")[0], 0.125);
}

// k = 0: alpha/0 = inf clamps every entry; the row is uniform alpha/C (sum
// alpha); alpha = 0 leaves it all zero.
TEST(SoftLabelSmoothing, AllZeroRowBecomesUniformAlphaOverC) {
  for (double alpha : {0.0, 0.5, 3.0}) {
    const reference::OracleAnswer a = oracle(resolved_case(
        {{"loss", "smooth_soft_labels"}, {"params", {{"alpha", alpha}}}, {"inputs", {{"input", {{0, 0, 0, 0}, {0, 1, 0, 0}}}}}}));
    const std::vector<double> t = f64s(a, "loss"), g = f64s(a, "grad_input");
    for (int c = 0; c < 4; ++c) {
      EXPECT_EQ(t[c], alpha / 4) << alpha;
      EXPECT_EQ(g[c], alpha == 0.0 ? 1.0 : 0.0) << alpha;
    }
    // alpha = 3 > 1 clamps the one-hot target too (1 - 3 < 0): uniform as well.
    EXPECT_EQ(t[5], alpha >= 1.0 ? alpha / 4 : 1.0 - alpha + alpha / 4) << alpha;
  }
}

// alpha = 0: incendio's CE is -sum(y * log_softmax(x)), which is PyTorch's
// cross_entropy with probability targets: the same exact values, so the same
// roundings and statuses for every output, gradients included.
TEST(SoftLabelIdentities, AlphaZeroEqualsCrossEntropyWithProbabilityTargets) {
  Drawer drawer(5);
  int compared = 0;
  for (int rank : {1, 2})
    for (const char* reduction : {"none", "sum", "mean"})
      for (int i = 0; i < 6; ++i) {
        const Draw d = drawer.draw("soft_label_cross_entropy_with_logits", rank, 0.0, reduction, i % 2 == 1, false);
        json ce = d.to_json();
        ce["loss"] = "cross_entropy";
        ce["params"].erase("alpha");
        const reference::OracleAnswer mine = oracle(d.to_case()), torch = oracle(resolved_case(ce));
        ASSERT_EQ(mine.outputs.size(), torch.outputs.size());
        for (std::size_t o = 0; o < mine.outputs.size(); ++o) {
          ASSERT_EQ(mine.outputs[o].name, torch.outputs[o].name);
          ASSERT_EQ(mine.outputs[o].shape, torch.outputs[o].shape) << mine.outputs[o].name;
          for (std::size_t k = 0; k < mine.outputs[o].values.size(); ++k) {
            const auto &m = mine.outputs[o].values[k], &t = torch.outputs[o].values[k];
            EXPECT_EQ(m.status, t.status) << describe(d) << " " << mine.outputs[o].name << "[" << k << "]";
            if (settled(m)) {
              EXPECT_EQ(m.f64, t.f64) << describe(d) << " " << mine.outputs[o].name << "[" << k << "]";
              EXPECT_EQ(m.f32, t.f32) << describe(d) << " " << mine.outputs[o].name << "[" << k << "]";
              ++compared;
            }
          }
        }
      }
  EXPECT_GT(compared, 300);
}

// soft_label_cross_entropy(softmax(x)) against soft_label_cross_entropy_with_logits(x),
// compared at 1030 bits through the loss list:
//  - with the exact probabilities (softmax evaluated at 1030 bits) the two
//    agree to 2^-1000 relative: the same function;
//  - with the binary64 probabilities the oracle returns (correctly rounded,
//    relative error <= 2^-53), each log p moves by at most -log(1 - 2^-53) < 2^-52,
//    so per position |difference| <= 2^-52 sum_c |t_c|, the smoothed labels.
TEST(SoftLabelIdentities, ProbabilityVersionAgreesWithLogitsVersionUpToTheRoundingOfP) {
  Mp::default_precision(kMpDigits10);
  Drawer drawer(11);
  const Mp tiny = ldexp(Mp(1), -1000), u = ldexp(Mp(1), -52);
  int positions = 0;
  for (int rank : {1, 2, 3})
    for (double alpha : {0.0, 0.3})
      for (int i = 0; i < 4; ++i) {
        const Draw d = drawer.draw("soft_label_cross_entropy_with_logits", rank, alpha, "none", false, false);
        const LossCase logits_case = d.to_case();
        const auto logits = evaluator_for<Mp>(d.loss)(logits_case, reference::inputs_as<Mp>(logits_case));

        // softmax along the last dimension is the softmax loss's for (C) and (N, C);
        // for rank 3 take it row by row as (1, C).
        std::vector<double> rounded;
        reference::Inputs<Mp> exact = reference::inputs_as<Mp>(logits_case);
        const std::int64_t C = d.classes();
        for (std::int64_t pos = 0; pos < d.positions(); ++pos) {
          const std::vector<double> row(d.x.begin() + pos * C, d.x.begin() + (pos + 1) * C);
          const LossCase sm = resolved_case({{"loss", "softmax"}, {"inputs", {{"input", tensor({1, C}, row)}}}});
          const auto p = evaluator_for<Mp>("softmax")(sm, reference::inputs_as<Mp>(sm));
          const reference::OracleAnswer sm_answer = oracle(sm);
          const auto& p64 = output(sm_answer, "loss").values;
          for (std::int64_t c = 0; c < C; ++c) {
            exact["input"][pos * C + c] = p.loss[c];
            ASSERT_TRUE(settled(p64[c]));
            rounded.push_back(p64[c].f64);
          }
        }
        Draw on_probs = d;
        on_probs.loss = "soft_label_cross_entropy";
        on_probs.x = rounded;
        const LossCase probs_case = on_probs.to_case();
        const auto with_exact = evaluator_for<Mp>(on_probs.loss)(probs_case, exact);
        const auto with_rounded = evaluator_for<Mp>(on_probs.loss)(probs_case, reference::inputs_as<Mp>(probs_case));
        const LossCase smooth_case = resolved_case(
            {{"loss", "smooth_soft_labels"}, {"params", {{"alpha", alpha}}}, {"inputs", {{"input", tensor(d.shape, d.y)}}}});
        const auto t = evaluator_for<Mp>("smooth_soft_labels")(smooth_case, reference::inputs_as<Mp>(smooth_case));
        for (std::int64_t pos = 0; pos < d.positions(); ++pos) {
          Mp bound(0);
          for (std::int64_t c = 0; c < C; ++c) bound += abs(t.loss[pos * C + c]);
          bound *= u;
          const Mp& reference_value = logits.per_position[pos];
          EXPECT_LE(Mp(abs(with_exact.per_position[pos] - reference_value)), Mp(tiny * (1 + abs(reference_value))))
              << describe(d) << " position " << pos;
          EXPECT_LE(Mp(abs(with_rounded.per_position[pos] - reference_value)), bound)
              << describe(d) << " position " << pos;
          ++positions;
        }
      }
  EXPECT_GT(positions, 40);
}

// The probability version drops a term that is NaN or infinite (torch.where
// in incendio), decided on exact values; gradients as PyTorch's autograd
// gives them through that where (confirmed with incendio 0.14.0, torch 1.13.1).
TEST(SoftLabelNanInfRule, NanAndInfiniteTermsCountAsZero) {
  const reference::OracleAnswer a = oracle(resolved_case(
      {{"loss", "soft_label_cross_entropy"},
       {"params", {{"reduction", "none"}}},
       {"inputs",
        {{"input", {{0, 0.5, 0.5, -0.125}, {0, 0.25, 0.5, 0.25}}},
         {"target", {{0.5, 0, 0.5, 0}, {0, 0.5, "inf", 0.5}}}}}}));
  // Row 0: p = 0 with t = 0.5 (+inf, dropped), t = 0 with p = 0.5 (an ordinary 0),
  // -0.5 log 0.5, p < 0 (NaN, dropped). Row 1: 0 * log 0 (NaN, dropped),
  // -0.5 log 0.25 twice, an infinite label (dropped).
  const std::vector<double> l = f64s(a, "loss");
  EXPECT_EQ(l[0], static_cast<double>(M(-0.5) * log(M(0.5))));
  EXPECT_EQ(l[1], static_cast<double>(M(-1.0) * log(M(0.25))));
  const std::vector<double> gi = f64s(a, "grad_input"), gt = f64s(a, "grad_target");
  // d/dp: (m s)(-t)/p: NaN at p = 0 (0/0 or inf/0 ... here 0*(-t)/0) and at the
  // infinite label (0 * -inf); 0 at p < 0; -t/p where kept.
  const std::vector<bool> nan_input = {true, false, false, false, true, false, true, false};
  const std::vector<bool> nan_target = {true, false, false, true, true, false, false, false};
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(std::isnan(gi[k]), nan_input[k]) << k;
    EXPECT_EQ(std::isnan(gt[k]), nan_target[k]) << k;
  }
  EXPECT_EQ(gi[2], -1.0);
  EXPECT_EQ(gi[3], 0.0);
  EXPECT_EQ(gi[5], -2.0);
  EXPECT_EQ(gt[6], 0.0);
  EXPECT_EQ(gt[1], static_cast<double>(M(-1) * log(M(0.5))));
}

// A probability that underflowed to 0 drops a term that the logits version keeps.
TEST(SoftLabelNanInfRule, UnderflowedProbabilityDropsItsTerm) {
  const double probs = f64s(oracle(resolved_case({{"loss", "soft_label_cross_entropy"},
                                                         {"params", {{"reduction", "sum"}}},
                                                         {"inputs", {{"input", {{1, 0}}}, {"target", {{0.5, 0.5}}}}}})),
                            "loss")[0];
  const double logits = f64s(oracle(resolved_case({{"loss", "soft_label_cross_entropy_with_logits"},
                                                          {"params", {{"reduction", "sum"}}},
                                                          {"inputs", {{"input", {{0, -800}}}, {"target", {{0.5, 0.5}}}}}})),
                             "loss")[0];
  EXPECT_EQ(probs, 0.0);
  EXPECT_NEAR(logits, 400.0, 1e-9);
}

// |softmax(x)_c - y_c| is exactly 0 only where p_c is rational: equal logits
// (p = 1/m) or a -inf logit (p = 0). There the term and its gradient are 0
// (abs backward: sgn(0) = 0); a label one ulp away is not a kink.
TEST(SoftLabelMae, ExactZerosAreDecidedExactly) {
  const reference::OracleAnswer a = oracle(
      resolved_case({{"loss", "classification_mae_with_logits"},
                     {"params", {{"reduction", "none"}}},
                     {"inputs",
                      {{"input", {{0, 0, 0, 0}, {1, "-inf", 1, "-inf"}, {3, 3, 3, 3}}},
                       {"target", {{0.25, 0.25, 0.25, 0.25}, {0.5, 0, 0.5, 0}, {"0x1.0000000000001p-2", 0.25, 0.25, 0.25}}}}}}));
  const std::vector<double> l = f64s(a, "loss");
  EXPECT_EQ(l[0], 0.0);
  EXPECT_EQ(l[1], 0.0);
  EXPECT_EQ(l[2], 0x1p-54);
  EXPECT_TRUE(all_exact(a, "grad_input"));
  const std::vector<double> gi = f64s(a, "grad_input"), gt = f64s(a, "grad_target");
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(gi[k], 0.0) << k;
    EXPECT_EQ(gt[k], 0.0) << k;
  }
  // Row 2: sgn(1/4 - (1/4 + 2^-54)) = -1 at class 0, 0 elsewhere: G = (-1, 0, 0, 0),
  // d/dx_j = p_j (G_j - sum p G) = 1/4 (G_j + 1/4).
  EXPECT_EQ(gi[8], 0.25 * (-1 + 0.25));
  EXPECT_EQ(gi[9], 0.25 * 0.25);
  EXPECT_EQ(gt[8], 1.0);
  EXPECT_EQ(gt[9], 0.0);
}

// PyTorch's sgn(NaN) is 0, so a NaN label makes its row NaN but sends no
// gradient: the input gradient stays finite.
TEST(SoftLabelMae, NanLabelSendsNoGradientAsInPyTorch) {
  const reference::OracleAnswer a = oracle(resolved_case({{"loss", "classification_mae_with_logits"},
                                                                 {"params", {{"reduction", "sum"}}},
                                                                 {"inputs", {{"input", {{0, 0}}}, {"target", json::array({json::array({"nan", 0.25})})}}}}));
  EXPECT_TRUE(std::isnan(f64s(a, "loss")[0]));
  // G = (0, sgn(1/2 - 1/4)) = (0, 1): d/dx = 1/2 (G_j - 1/2) = (-1/4, 1/4).
  EXPECT_EQ(f64s(a, "grad_input"), (std::vector<double>{-0.25, 0.25}));
  EXPECT_EQ(f64s(a, "grad_target"), (std::vector<double>{0.0, -1.0}));
}

// Rank 3 (A, B, C): the cross entropies reduce along dim 0 (shape (B)), the
// MAE along the last dimension of the row-wise tensor (shape (A)).
TEST(SoftLabelReductions, CrossEntropyReducesDimZeroAndMaeTheLastDimension) {
  Mp::default_precision(kMpDigits10);
  Drawer drawer(3);
  for (const std::string& loss : {std::string("soft_label_cross_entropy_with_logits"),
                                  std::string("classification_mae_with_logits")}) {
    Draw d = drawer.draw(loss, 3, 0.1, "sum", false, false);
    d.shape = {2, 3, 4};
    d.x.resize(24);
    d.y.resize(24);
    for (int k = 0; k < 24; ++k) {
      d.x[k] = drawer.uniform(-3, 3);
      d.y[k] = drawer.uniform(0, 1);
    }
    const LossCase c = d.to_case();
    const auto r = evaluator_for<Mp>(loss)(c, reference::inputs_as<Mp>(c));
    const bool first = loss != "classification_mae_with_logits";
    ASSERT_EQ(r.loss_shape, first ? Shape{3} : Shape{2});
    for (std::size_t o = 0; o < r.loss.size(); ++o) {
      Mp s(0);
      for (int i = 0; i < (first ? 2 : 3); ++i) s += r.per_position[first ? i * 3 + o : o * 3 + i];
      EXPECT_EQ(r.loss[o], s) << loss << " " << o;
    }
  }
}

}  // namespace
}  // namespace lossoracle
