// The label-smoothing family (reference/label_smoothing.hpp,
// docs/spec.md §13):
//   (a) the oracle against textbook formulas written here at 200 bits,
//       bit for bit in binary64 wherever it proves its rounding;
//   (b) the documents print no number for these losses (seed 004's example
//       draws torch.randn without a seed); their claims are checked in (e);
//   (c) every error path, with its message;
//   (d) gradients by forward-mode autodiff and 1030-bit finite differences;
//   (e) the conventions against each other: seed 004's LabelSmoothingCrossEntropy
//       equals cross entropy on smooth_labels targets; fastai's equals PyTorch's
//       label_smoothing without weights and differs with them as specified; the
//       eps/C <-> eps/(C-1) conversion makes fairseq's loss PyTorch's;
//       smooth_soft_labels of one-hot rows is smooth_labels for alpha <= 1.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/multiprecision/mpfr.hpp>
#include <cmath>
#include <cstdint>
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

using M = bmp::number<bmp::mpfr_float_backend<61>, bmp::et_off>;  // ~200 bits

json tensor(const Shape& shape, const std::vector<double>& values) {
  json data = json::array();
  for (double v : values) data.push_back(hex64(v));
  return {{"shape", shape}, {"data", data}};
}

// ---------------------------------------------------------------- random cases

struct Draw {
  std::string loss;
  Shape shape;          // of the input
  Shape target_shape;   // positions, or positions + (1) for fairseq
  std::vector<double> x, weight, grad_output;
  std::vector<std::int64_t> y;
  Shape grad_output_shape;
  json params = json::object();

  // fastai's class dimension is 1, issue #11959's and fairseq's the last.
  std::int64_t classes() const { return loss == "fastai_label_smoothing_cross_entropy" ? shape[1] : shape.back(); }
  std::int64_t positions() const { return static_cast<std::int64_t>(x.size()) / classes(); }
  std::int64_t at(std::int64_t pos, std::int64_t c) const {
    if (loss != "fastai_label_smoothing_cross_entropy") return pos * classes() + c;
    const std::int64_t inner = positions() / shape[0];
    return ((pos / inner) * classes() + c) * inner + pos % inner;
  }

  json to_json() const {
    std::vector<double> yd(y.begin(), y.end());
    json j{{"loss", loss}, {"params", params}, {"inputs", {{"input", tensor(shape, x)}, {"target", tensor(target_shape, yd)}}}};
    if (!weight.empty()) j["inputs"]["weight"] = tensor({classes()}, weight);
    if (!grad_output.empty()) j["inputs"]["grad_output"] = tensor(grad_output_shape, grad_output);
    return j;
  }
  LossCase to_case() const { return resolved_case(to_json()); }
};

std::string describe(const Draw& d) { return d.to_json().dump(); }

class Drawer {
 public:
  explicit Drawer(std::uint64_t seed) : rng_(seed) {}
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  std::int64_t pick(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_); }

  // fastai: (N, C) or (N, C, d); issue #11959: (C) or (N, C); fairseq: rank 1..3.
  Draw draw(const std::string& loss, int rank, double eps, const std::string& reduction, bool weighted,
            bool ignore_hit, bool grad_output, bool min_two_classes = false) {
    Draw d;
    d.loss = loss;
    const bool fairseq = loss == "label_smoothed_nll_loss";
    const std::int64_t C = pick(fairseq || min_two_classes ? 2 : 1, 5);
    // With ignored targets keep two positions or more: one stays, one is ignored.
    const std::int64_t lead = pick(ignore_hit ? 2 : 1, 3);
    if (rank == 1) d.shape = {C};
    if (rank == 2) d.shape = {lead, C};
    if (rank == 3) d.shape = loss == "fastai_label_smoothing_cross_entropy" ? Shape{lead, C, pick(1, 3)}
                                                                            : Shape{pick(1, 2), lead, C};
    const std::int64_t P = element_count(d.shape) / C;
    d.x.resize(static_cast<std::size_t>(P * C));
    for (double& v : d.x) v = fairseq ? uniform(-8.0, 0.0) : uniform(-6.0, 6.0);
    std::int64_t ignore = -100;
    if (fairseq) {
      d.params = {{"epsilon", eps}, {"reduce", reduction != "none"}};
      if (ignore_hit) d.params["ignore_index"] = ignore = pick(0, C - 1);
      else if (pick(0, 1)) d.params["ignore_index"] = ignore = -7;  // given, never hit
    } else {
      d.params = {{"eps", eps}, {"reduction", reduction}};
    }
    d.y.resize(static_cast<std::size_t>(P));
    for (auto& t : d.y) {
      do t = pick(0, C - 1);
      while (!ignore_hit && t == ignore);
      if (ignore_hit && !fairseq && pick(0, 2) == 0) t = -100;
    }
    // Keep one non-ignored position so that means stay finite; ignore another.
    if (ignore_hit && P >= 2) {
      if (d.y[0] == ignore) d.y[0] = ignore == 0 ? 1 % C : 0;
      d.y[static_cast<std::size_t>(pick(1, P - 1))] = ignore;
    }
    if (weighted) {
      d.weight.resize(static_cast<std::size_t>(C));
      for (double& w : d.weight) w = uniform(0.1, 3.0);
    }
    Shape positions = d.shape;
    if (loss == "fastai_label_smoothing_cross_entropy") positions.erase(positions.begin() + 1);
    else positions.pop_back();
    d.target_shape = positions;
    if (fairseq && pick(0, 1)) d.target_shape.push_back(1);
    if (grad_output) {
      if (reduction == "none") {
        d.grad_output_shape = positions;
        if (fairseq && d.params.contains("ignore_index")) d.grad_output_shape.push_back(1);
      }
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
  std::vector<M> loss, per_position, grad_input, nll;
};

struct Row {
  std::vector<M> logp, p;
};

Row row_of(const Draw& d, std::int64_t pos) {
  const std::int64_t C = d.classes();
  double top = -std::numeric_limits<double>::infinity();
  for (std::int64_t c = 0; c < C; ++c) top = std::max(top, d.x[d.at(pos, c)]);
  std::vector<M> e;
  M sum(0);
  for (std::int64_t c = 0; c < C; ++c) {
    e.push_back(exp(M(d.x[d.at(pos, c)]) - M(top)));
    sum += e.back();
  }
  Row r;
  for (std::int64_t c = 0; c < C; ++c) {
    r.logp.push_back(M(d.x[d.at(pos, c)]) - M(top) - log(sum));
    r.p.push_back(e[c] / sum);
  }
  return r;
}

M weight_of(const Draw& d, std::int64_t c) { return d.weight.empty() ? M(1) : M(d.weight[c]); }

Expected textbook(const Draw& d) {
  const std::int64_t C = d.classes(), P = d.positions();
  const bool none = d.params.value("reduction", "") == "none" || (d.params.contains("reduce") && !d.params["reduce"].get<bool>());
  const bool mean = d.params.value("reduction", "") == "mean";
  Expected e;
  e.grad_input.assign(d.x.size(), M(0));
  auto g_of = [&](std::int64_t pos) {
    if (d.grad_output.empty()) return M(1);
    return none ? M(d.grad_output[pos]) : M(d.grad_output[0]);
  };
  if (d.loss == "label_smoothed_nll_loss") {
    // The target keeps 1 - eps, every other class gets eps/(C-1): a distribution q, loss = sum_c q_c (-lp_c).
    const M eps(d.params["epsilon"].get<double>());
    const bool has_ignore = d.params.contains("ignore_index");
    const std::int64_t ignore = has_ignore ? d.params["ignore_index"].get<std::int64_t>() : 0;
    M total(0), nll_total(0);
    for (std::int64_t pos = 0; pos < P; ++pos) {
      M l(0), nll(0);
      if (!(has_ignore && d.y[pos] == ignore))
        for (std::int64_t c = 0; c < C; ++c) {
          const M q = c == d.y[pos] ? M(1 - eps) : M(eps / (C - 1));
          l += q * -M(d.x[pos * C + c]);
          if (c == d.y[pos]) nll = -M(d.x[pos * C + c]);
          e.grad_input[pos * C + c] = -g_of(pos) * q;
        }
      e.per_position.push_back(l);
      e.nll.push_back(nll);
      total += l;
      nll_total += nll;
    }
    e.loss = none ? e.per_position : std::vector<M>{total};
    if (!none) e.nll = {nll_total};
    return e;
  }
  const M eps(d.params["eps"].get<double>());
  std::vector<Row> rows;
  for (std::int64_t pos = 0; pos < P; ++pos) rows.push_back(row_of(d, pos));
  M W(0), kept(0);
  for (std::int64_t pos = 0; pos < P; ++pos)
    if (d.y[pos] != -100) {
      W += weight_of(d, d.y[pos]);
      kept += 1;
    }
  if (d.loss == "fastai_label_smoothing_cross_entropy") {
    // eps/C times the unweighted sum of surprisals over every position, plus
    // (1 - eps) times the weighted NLL of the non-ignored ones; under mean the
    // first is divided by P, the second by W.
    M S(0), NLL(0);
    for (std::int64_t pos = 0; pos < P; ++pos) {
      M s(0), nll(0);
      for (std::int64_t c = 0; c < C; ++c) s += -rows[pos].logp[c];
      if (d.y[pos] != -100) nll = weight_of(d, d.y[pos]) * -rows[pos].logp[d.y[pos]];
      e.per_position.push_back(eps / C * s + (1 - eps) * nll);
      S += s;
      NLL += nll;
    }
    e.loss = none ? e.per_position : std::vector<M>{mean ? M(eps / C * S / P + (1 - eps) * NLL / W) : M(eps / C * S + (1 - eps) * NLL)};
    for (std::int64_t pos = 0; pos < P; ++pos)
      for (std::int64_t j = 0; j < C; ++j) {
        // d/dx_j sum_c -logp_c = C p_j - 1;  d/dx_j -logp_y = p_j - [j == y].
        const M s_smooth = mean ? M(g_of(pos) / P) : g_of(pos), s_nll = mean ? M(g_of(pos) / W) : g_of(pos);
        M g = eps / C * s_smooth * (C * rows[pos].p[j] - 1);
        if (d.y[pos] != -100) g += (1 - eps) * s_nll * weight_of(d, d.y[pos]) * (rows[pos].p[j] - (j == d.y[pos] ? 1 : 0));
        e.grad_input[d.at(pos, j)] = g;
      }
    return e;
  }
  // issue #11959: (1 - eps) * (batch-mean NLL) - eps * mean_c logp_n, then reduced.
  M NLL(0);
  for (std::int64_t pos = 0; pos < P; ++pos)
    if (d.y[pos] != -100) NLL += -rows[pos].logp[d.y[pos]];
  NLL /= kept;
  M total(0), h_total(0);
  std::vector<M> h(P);
  for (std::int64_t pos = 0; pos < P; ++pos) {
    M mean_logp(0);
    for (std::int64_t c = 0; c < C; ++c) mean_logp += rows[pos].logp[c];
    e.per_position.push_back((1 - eps) * NLL - eps * (mean_logp / C));
    total += e.per_position.back();
    h[pos] = mean ? M(g_of(pos) / P) : g_of(pos);
    h_total += h[pos];
  }
  e.loss = none ? e.per_position : std::vector<M>{mean ? M(total / P) : total};
  for (std::int64_t pos = 0; pos < P; ++pos)
    for (std::int64_t j = 0; j < C; ++j) {
      M g = eps * h[pos] * (rows[pos].p[j] - M(1) / C);
      if (d.y[pos] != -100) g += (1 - eps) * h_total / kept * (rows[pos].p[j] - (j == d.y[pos] ? 1 : 0));
      e.grad_input[pos * C + j] = g;
    }
  return e;
}

const std::vector<std::string> kLosses = {"fastai_label_smoothing_cross_entropy",
                                          "issue11959_label_smoothing_cross_entropy", "label_smoothed_nll_loss"};

std::vector<int> ranks_of(const std::string& loss) {
  if (loss == "fastai_label_smoothing_cross_entropy") return {2, 3};
  if (loss == "issue11959_label_smoothing_cross_entropy") return {1, 2};
  return {1, 2, 3};
}

// (a) ------------------------------------------------------------------------

TEST(LabelSmoothingSemantics, OracleEqualsTextbookFormulasBitForBit) {
  Drawer drawer(4242);
  int compared = 0, total = 0, cases = 0;
  for (const std::string& loss : kLosses)
    for (int rank : ranks_of(loss))
      for (double eps : {0.0, 0.1, 0.7})
        for (const char* reduction : {"none", "sum", "mean"})
          for (bool weighted : {false, true})
            for (bool ignore_hit : {false, true}) {
              const bool fairseq = loss == "label_smoothed_nll_loss";
              if (weighted && loss != "fastai_label_smoothing_cross_entropy") continue;
              if (fairseq && std::string(reduction) == "mean") continue;
              if (ignore_hit && rank == 1 && !fairseq) continue;  // one position: all ignored
              for (int i = 0; i < 4; ++i) {
                const Draw d = drawer.draw(loss, rank, eps, reduction, weighted, ignore_hit, i % 2 == 1);
                const reference::OracleAnswer a = oracle(d.to_case());
                const Expected e = textbook(d);
                ++cases;
                ASSERT_TRUE(matches_textbook(a, "loss", e.loss, compared, total)) << describe(d);
                ASSERT_TRUE(matches_textbook(a, "per_position", e.per_position, compared, total)) << describe(d);
                ASSERT_TRUE(matches_textbook(a, "grad_input", e.grad_input, compared, total)) << describe(d);
                if (fairseq) {
                  ASSERT_TRUE(matches_textbook(a, "nll_loss", e.nll, compared, total)) << describe(d);
                }
              }
            }
  EXPECT_GT(compared, 0.95 * total);
  EXPECT_GT(cases, 300);
}

TEST(LabelSmoothingSemantics, SmoothLabelsIsEpsOverCPlusOneMinusEpsAtTheTarget) {
  for (double eps : {0.0, 0.1, 0.25, 1.0, 1.5, -0.5})
    for (std::int64_t C : {1, 3, 7}) {
      const std::vector<double> y = {0, static_cast<double>(C - 1), static_cast<double>(C / 2)};
      const reference::OracleAnswer a = oracle(resolved_case(
          {{"loss", "smooth_labels"}, {"params", {{"num_classes", C}, {"eps", eps}}}, {"inputs", {{"target", y}}}}));
      ASSERT_EQ(a.outputs.size(), 1u);  // no per_position, and no gradient: integer targets
      ASSERT_EQ(a.outputs[0].shape, (Shape{3, C}));
      for (std::int64_t n = 0; n < 3; ++n)
        for (std::int64_t c = 0; c < C; ++c) {
          const M want = M(eps) / C + (c == static_cast<std::int64_t>(y[n]) ? M(1 - M(eps)) : M(0));
          const auto& v = a.outputs[0].values[n * C + c];
          ASSERT_TRUE(settled(v));
          EXPECT_EQ(v.f64, static_cast<double>(want)) << eps << " " << C << " " << n << " " << c;
        }
    }
}

// (c) ------------------------------------------------------------------------

struct ErrorCase {
  json request;
  std::string field, message;
};

TEST(LabelSmoothingErrors, EveryErrorPathHasItsMessage) {
  auto req = [](const char* loss, json params, json inputs) {
    return json{{"loss", loss}, {"params", std::move(params)}, {"inputs", std::move(inputs)}};
  };
  const json x23 = {{1, 2, 3}, {4, 5, 6}};
  const char* S = "smooth_labels";
  const char* F = "fastai_label_smoothing_cross_entropy";
  const char* I = "issue11959_label_smoothing_cross_entropy";
  const char* Q = "label_smoothed_nll_loss";
  const std::vector<ErrorCase> cases = {
      {req(S, {{"eps", 0.1}}, {{"target", {1, 0}}}), "params.num_classes",
       "smooth_labels: missing required parameter 'num_classes'"},
      {req(S, {{"num_classes", 3}}, {{"target", 1}}), "inputs.target",
       "smooth_labels: tuple index out of range (IndexError: target.shape[0] of a 0-dim target)"},
      {req(S, {{"num_classes", 0}}, {{"target", {0}}}), "params.num_classes",
       "smooth_labels: float division by zero (ZeroDivisionError: num_classes)"},
      {req(S, {{"num_classes", -1}}, {{"target", {0}}}), "params.num_classes",
       "smooth_labels: Trying to create tensor with negative dimension -1: [1, -1]"},
      // scatter_add_ checks the dtype, then the rank, then the bounds.
      {req(S, {{"num_classes", 3}}, {{"target", {{1.5}}}}), "inputs.target",
       "smooth_labels: scatter(): Expected dtype int64 for index (target(0, 0) = 1.5 is not an integer)"},
      {req(S, {{"num_classes", 3}}, {{"target", {{7}}}}), "inputs.target",
       "smooth_labels: Index tensor must have the same number of dimensions as self tensor (target must have shape "
       "(N), got (1, 1))"},
      {req(S, {{"num_classes", 3}}, {{"target", {3, 7, 5}}}), "inputs.target",
       "smooth_labels: index 3 is out of bounds for dimension 1 with size 3 (target(0,))"},
      {req(S, {{"num_classes", 3}}, {{"target", {0, -1}}}), "inputs.target",
       "smooth_labels: index -1 is out of bounds for dimension 1 with size 3 (target(1,))"},
      {req(F, json::object(), {{"input", {1, 2, 3}}, {"target", 0}}), "inputs.input",
       "fastai_label_smoothing_cross_entropy: tuple index out of range (IndexError: output.size()[1] of input shape "
       "(3,); fastai needs (N, C, ...))"},
      {req(F, json::object(), {{"input", x23}, {"target", {0, 3}}}), "inputs.target",
       "fastai_label_smoothing_cross_entropy: Target 3 is out of bounds. (target(1,); valid class indices are 0..2, "
       "or ignore_index -100)"},
      {req(F, json::object(), {{"input", x23}, {"target", {0, 1}}, {"weight", {1, 2}}}), "inputs.weight",
       "fastai_label_smoothing_cross_entropy: weight tensor should be defined either for all 3 classes or no "
       "classes but got weight tensor of shape: [2]"},
      {req(F, json::object(), {{"input", x23}, {"target", {0, 1, 2}}}), "inputs.target",
       "fastai_label_smoothing_cross_entropy: Expected input batch_size (2) to match target batch_size (3). (for "
       "input of shape (2, 3) the target must have shape (2,) (class indices), got (3,))"},
      {req(I, json::object(), {{"input", {{{1, 2}}}}, {"target", {{0}}}}), "inputs.input",
       "issue11959_label_smoothing_cross_entropy: input shape (1, 1, 2) is not supported: log_softmax(dim=-1) and "
       "nll_loss's class dimension 1 differ beyond 2 dimensions (the oracle takes (C) or (N, C))"},
      {req(I, json::object(), {{"input", x23}, {"target", {-1, 0}}}), "inputs.target",
       "issue11959_label_smoothing_cross_entropy: Target -1 is out of bounds. (target(0,); valid class indices are "
       "0..2, or ignore_index -100)"},
      {req(Q, json::object(), {{"input", x23}, {"target", {0, 1}}}), "params.epsilon",
       "label_smoothed_nll_loss: missing required parameter 'epsilon'"},
      {req(Q, {{"epsilon", 0.1}}, {{"input", x23}, {"target", {0.5, 1}}}), "inputs.target",
       "label_smoothed_nll_loss: gather(): Expected dtype int64 for index (target(0,) = 0.5 is not an integer)"},
      {req(Q, {{"epsilon", 0.1}}, {{"input", x23}, {"target", {{{0}}}}}), "inputs.target",
       "label_smoothed_nll_loss: Index tensor must have the same number of dimensions as input tensor (target (1, 1, "
       "1), input (2, 3))"},
      {req(Q, {{"epsilon", 0.1}}, {{"input", x23}, {"target", {{0, 1}, {1, 0}}}}), "inputs.target",
       "label_smoothed_nll_loss: target shape (2, 2) is neither (2,) nor (2, 1) (gather would read another block; "
       "the oracle takes these two only)"},
      {req(Q, {{"epsilon", 0.1}}, {{"input", x23}, {"target", {{1}, {3}}}}), "inputs.target",
       "label_smoothed_nll_loss: index 3 is out of bounds for dimension 1 with size 3 (target(1, 0))"},
      // The ignored index is gathered before it is masked: it must be a class.
      {req(Q, {{"epsilon", 0.1}, {"ignore_index", -100}}, {{"input", x23}, {"target", {-100, 1}}}), "inputs.target",
       "label_smoothed_nll_loss: index -100 is out of bounds for dimension 1 with size 3 (target(0,))"},
      {req(Q, {{"epsilon", 0.1}}, {{"input", {{-1}, {-2}}}, {"target", {0, 0}}}), "inputs.input",
       "label_smoothed_nll_loss: float division by zero (ZeroDivisionError: epsilon / (lprobs.size(-1) - 1) with one "
       "class)"},
      {req(Q, {{"epsilon", 0.1}, {"ignore_index", 1}, {"reduce", false}},
           {{"input", x23}, {"target", {0, 1}}, {"grad_output", {1, 1}}}),
       "inputs.grad_output", "label_smoothed_nll_loss: grad_output must have the output's shape (2, 1), got (2,)"},
  };
  for (const ErrorCase& c : cases) {
    const RaisedError e = error_of(c.request);
    ASSERT_TRUE(e.raised) << c.request.dump();
    EXPECT_EQ(e.field, c.field) << c.request.dump();
    EXPECT_EQ(e.message, c.message) << c.request.dump();
  }
}

// (d) ------------------------------------------------------------------------

TEST(LabelSmoothingGradients, ForwardModeAndFiniteDifferencesForEveryParameterCombination) {
  Drawer drawer(99);
  int checked = 0;
  for (const std::string& loss : kLosses)
    for (int rank : ranks_of(loss))
      for (double eps : {0.0, 0.1, 0.7})
        for (const char* reduction : {"none", "sum", "mean"})
          for (bool weighted : {false, true})
            for (bool ignore_hit : {false, true})
              for (bool grad_output : {false, true}) {
                const bool fairseq = loss == "label_smoothed_nll_loss";
                if (weighted && loss != "fastai_label_smoothing_cross_entropy") continue;
                if (fairseq && std::string(reduction) == "mean") continue;
                if (ignore_hit && rank == 1 && !fairseq) continue;
                for (int i = 0; i < 2; ++i) {
                  const Draw d = drawer.draw(loss, rank, eps, reduction, weighted, ignore_hit, grad_output);
                  const LossCase c = d.to_case();
                  std::vector<double> u(d.x.size());
                  for (double& e : u) e = drawer.uniform(-1, 1);
                  ASSERT_TRUE(forward_mode_agrees(c, "input", u)) << describe(d);
                  ASSERT_TRUE(finite_difference_agrees(c, "input", u)) << describe(d);
                  ++checked;
                }
              }
  EXPECT_GT(checked, 400);
}

// (e) ------------------------------------------------------------------------

// Evaluates a case at 1030 bits through the loss list, with input values that
// may replace the case's own (exact, not binary64).
reference::LossResult<Mp> at_1030_bits(const LossCase& c, const reference::Inputs<Mp>* values = nullptr) {
  Mp::default_precision(kMpDigits10);
  return evaluator_for<Mp>(c.loss)(c, values ? *values : reference::inputs_as<Mp>(c));
}

testing::AssertionResult same_value(const Mp& a, const Mp& b) {
  const Mp tiny = ldexp(Mp(1), -1000);
  if (abs(a - b) <= tiny * (1 + abs(a))) return testing::AssertionSuccess();
  return testing::AssertionFailure() << a.str(40) << " != " << b.str(40);
}

// Seed 004: "The two produce identical results": LabelSmoothingCrossEntropy(x, y)
// against the soft-target cross entropy of smooth_labels(y, C) (its
// LabelSmoothingCrossEntropy2 is PyTorch's cross_entropy with probability
// targets, mean over rows). Exactly equal, for mean and sum; also equal to
// PyTorch's own label_smoothing. For `none` the issue's class broadcasts the
// batch-mean NLL to every row, so rows differ unless N = 1.
TEST(LabelSmoothingConventions, Issue11959EqualsCrossEntropyOnSmoothLabels) {
  Drawer drawer(404);
  for (int trial = 0; trial < 12; ++trial) {
    const std::int64_t N = drawer.pick(1, 5), C = drawer.pick(2, 7);
    const double eps = drawer.uniform(0.0, 1.0);
    std::vector<double> x(static_cast<std::size_t>(N * C)), y(static_cast<std::size_t>(N));
    for (double& v : x) v = drawer.uniform(-4, 4);
    for (double& t : y) t = static_cast<double>(drawer.pick(0, C - 1));
    const LossCase targets = resolved_case({{"loss", "smooth_labels"},
                                            {"params", {{"num_classes", C}, {"eps", eps}}},
                                            {"inputs", {{"target", tensor({N}, y)}}}});
    const auto smoothed = at_1030_bits(targets);
    const auto logp = at_1030_bits(resolved_case({{"loss", "log_softmax"}, {"inputs", {{"input", tensor({N, C}, x)}}}}));
    auto nll = [&](std::int64_t n) { return Mp(-logp.loss[n * C + static_cast<std::int64_t>(y[n])]); };
    for (const char* reduction : {"mean", "sum", "none"}) {
      const LossCase issue = resolved_case({{"loss", "issue11959_label_smoothing_cross_entropy"},
                                            {"params", {{"eps", eps}, {"reduction", reduction}}},
                                            {"inputs", {{"input", tensor({N, C}, x)}, {"target", tensor({N}, y)}}}});
      const LossCase soft = resolved_case({{"loss", "cross_entropy"},
                                           {"params", {{"reduction", reduction}}},
                                           {"inputs", {{"input", tensor({N, C}, x)}, {"target", tensor({N, C}, x)}}}});
      reference::Inputs<Mp> soft_values = reference::inputs_as<Mp>(soft);
      soft_values["target"] = smoothed.loss;  // the exact smooth_labels values
      const LossCase torch = resolved_case({{"loss", "cross_entropy"},
                                            {"params", {{"reduction", reduction}, {"label_smoothing", eps}}},
                                            {"inputs", {{"input", tensor({N, C}, x)}, {"target", tensor({N}, y)}}}});
      const auto a = at_1030_bits(issue), b = at_1030_bits(soft, &soft_values), t = at_1030_bits(torch);
      for (std::size_t k = 0; k < a.loss.size(); ++k) {
        if (std::string(reduction) == "none" && N > 1) {
          // l_n - ce_n = (1 - eps) (mean_m nll_m - nll_n): the broadcast batch mean.
          Mp nll_mean(0);
          for (std::int64_t n = 0; n < N; ++n) nll_mean += nll(n);
          nll_mean /= N;
          const Mp difference = a.loss[k] - b.loss[k];
          EXPECT_TRUE(same_value(difference, (1 - Mp(eps)) * (nll_mean - nll(static_cast<std::int64_t>(k)))))
              << trial << " " << k;
          continue;
        }
        EXPECT_TRUE(same_value(a.loss[k], b.loss[k])) << trial << " " << reduction << " " << k;
        EXPECT_TRUE(same_value(a.loss[k], t.loss[k])) << trial << " " << reduction << " " << k;
      }
      if (std::string(reduction) != "none")
        for (std::size_t k = 0; k < a.grad_input.size(); ++k) {
          EXPECT_TRUE(same_value(a.grad_input[k], b.grad_input[k])) << trial << " " << reduction << " grad " << k;
          EXPECT_TRUE(same_value(a.grad_input[k], t.grad_input[k])) << trial << " " << reduction << " grad " << k;
        }
    }
  }
}

// The same claim through the oracle itself, bit for bit: with eps = 1/4 and
// C = 4 every smoothed label (1/16, 13/16) is a binary64, so the oracle's
// exact smooth_labels output can be fed to cross_entropy unchanged.
TEST(LabelSmoothingConventions, Issue11959EqualsCrossEntropyOnSmoothLabelsThroughTheOracle) {
  const json x = {{0.5, -1, 2, 0}, {3, 1, -2, 0.25}, {0, 0, 0, 1}};
  const json y = {2, 0, 3};
  const reference::OracleAnswer smoothed = oracle(resolved_case(
      {{"loss", "smooth_labels"}, {"params", {{"num_classes", 4}, {"eps", 0.25}}}, {"inputs", {{"target", y}}}}));
  std::vector<double> targets;
  for (const auto& v : output(smoothed, "loss").values) {
    ASSERT_EQ(v.status, ProofStatus::exact);
    targets.push_back(v.f64);
  }
  for (const char* reduction : {"mean", "sum"}) {
    const reference::OracleAnswer issue = oracle(resolved_case({{"loss", "issue11959_label_smoothing_cross_entropy"},
                                                                      {"params", {{"eps", 0.25}, {"reduction", reduction}}},
                                                                      {"inputs", {{"input", x}, {"target", y}}}}));
    const reference::OracleAnswer soft = oracle(resolved_case(
        {{"loss", "cross_entropy"}, {"params", {{"reduction", reduction}}}, {"inputs", {{"input", x}, {"target", tensor({3, 4}, targets)}}}}));
    for (const char* out : {"loss", "grad_input"}) {
      const auto &a = output(issue, out).values, &b = output(soft, out).values;
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t k = 0; k < a.size(); ++k) {
        ASSERT_TRUE(settled(a[k]) && settled(b[k])) << reduction << " " << out << " " << k;
        EXPECT_EQ(a[k].f64, b[k].f64) << reduction << " " << out << " " << k;
        EXPECT_EQ(a[k].f32, b[k].f32) << reduction << " " << out << " " << k;
      }
    }
  }
}

// fastai's loss is PyTorch's label_smoothing exactly when no weight is given
// and nothing is ignored (same exact values, so the oracle returns the same
// bits). With weights, fastai leaves the smoothing term unweighted and, under
// mean, divides it by the number of positions, where PyTorch weights it and
// divides by the target weights; a target of -100 drops out of fastai's NLL
// term only.
TEST(LabelSmoothingConventions, FastaiAgainstPyTorchLabelSmoothing) {
  Drawer drawer(8);
  for (int trial = 0; trial < 8; ++trial) {
    for (const char* reduction : {"none", "sum", "mean"}) {
      const Draw d = drawer.draw("fastai_label_smoothing_cross_entropy", trial % 2 ? 3 : 2, 0.2, reduction, false, false, false);
      json torch = d.to_json();
      torch["loss"] = "cross_entropy";
      torch["params"] = {{"reduction", reduction}, {"label_smoothing", 0.2}};
      const reference::OracleAnswer a = oracle(d.to_case()), b = oracle(resolved_case(torch));
      for (const char* out : {"loss", "per_position", "grad_input"}) {
        const auto &u = output(a, out).values, &v = output(b, out).values;
        ASSERT_EQ(u.size(), v.size());
        for (std::size_t k = 0; k < u.size(); ++k) {
          // Same exact values, same proofs: an exact zero gradient reached from
          // inexact cotangents (C = 1) is status zero in both.
          ASSERT_EQ(u[k].status, v[k].status) << describe(d) << " " << out << " " << k;
          if (settled(u[k])) {
            EXPECT_EQ(u[k].f64, v[k].f64) << describe(d) << " " << out << " " << k;
          }
        }
      }
    }
    // Weighted mean: fastai - PyTorch = (eps/C) (sum_n S_n / P - sum_n sum_c w_c (-logp_nc) / W).
    const Draw d = drawer.draw("fastai_label_smoothing_cross_entropy", 2, 0.2, "mean", true, false, false, true);
    json torch = d.to_json();
    torch["loss"] = "cross_entropy";
    torch["params"] = {{"reduction", "mean"}, {"label_smoothing", 0.2}};
    const auto f = at_1030_bits(d.to_case()), t = at_1030_bits(resolved_case(torch));
    const std::int64_t C = d.classes(), P = d.positions();
    const auto logp = at_1030_bits(resolved_case({{"loss", "log_softmax"}, {"inputs", {{"input", tensor(d.shape, d.x)}}}}));
    Mp S(0), Sw(0), W(0);
    for (std::int64_t n = 0; n < P; ++n) {
      W += Mp(d.weight[d.y[n]]);
      for (std::int64_t c = 0; c < C; ++c) {
        S += -logp.loss[n * C + c];
        Sw += -logp.loss[n * C + c] * Mp(d.weight[c]);
      }
    }
    const Mp eps(0.2);
    EXPECT_TRUE(same_value(f.loss[0] - t.loss[0], eps / C * (S / P - Sw / W))) << describe(d);
    EXPECT_FALSE(same_value(f.loss[0], t.loss[0])) << describe(d);
  }
  // A target of -100: fastai's sum keeps that row's smoothing term.
  const json x = {{1, 2, 3}, {0.5, -1, 2}};
  const auto f = at_1030_bits(resolved_case({{"loss", "fastai_label_smoothing_cross_entropy"},
                                             {"params", {{"eps", 0.3}, {"reduction", "sum"}}},
                                             {"inputs", {{"input", x}, {"target", {2, -100}}}}}));
  const auto t = at_1030_bits(resolved_case({{"loss", "cross_entropy"},
                                             {"params", {{"label_smoothing", 0.3}, {"reduction", "sum"}}},
                                             {"inputs", {{"input", x}, {"target", {2, -100}}}}}));
  const auto logp = at_1030_bits(resolved_case({{"loss", "log_softmax"}, {"inputs", {{"input", x}}}}));
  const Mp ignored_row = -(logp.loss[3] + logp.loss[4] + logp.loss[5]);
  EXPECT_TRUE(same_value(f.loss[0] - t.loss[0], Mp(0.3) / 3 * ignored_row));
}

// fastai forms both terms always: with eps = 0 a -inf logit makes the
// smoothing term 0 * inf = NaN, where PyTorch skips the term (1.13.1: fastai
// NaN, cross_entropy 1.3133).
TEST(LabelSmoothingConventions, FastaiWithEpsZeroStillFormsTheSmoothingTerm) {
  const json x = json::array({json::array({0, "-inf", 1})});
  const reference::OracleAnswer f = oracle(resolved_case(
      {{"loss", "fastai_label_smoothing_cross_entropy"}, {"params", {{"eps", 0.0}}}, {"inputs", {{"input", x}, {"target", {0}}}}}));
  const reference::OracleAnswer t = oracle(
      resolved_case({{"loss", "cross_entropy"}, {"inputs", {{"input", x}, {"target", {0}}}}}));
  EXPECT_EQ(output(f, "loss").values[0].status, ProofStatus::nan);
  const auto& v = output(t, "loss").values[0];
  ASSERT_TRUE(settled(v));
  EXPECT_NEAR(v.f64, 1.3133, 1e-4);
}

TEST(LabelSmoothingSemantics, SmoothLabelsOfNoTargetsIsAnEmptyMatrix) {
  const reference::OracleAnswer a = oracle(resolved_case(
      {{"loss", "smooth_labels"}, {"params", {{"num_classes", 3}}}, {"inputs", {{"target", {{"shape", {0}}, {"data", json::array()}}}}}}));
  EXPECT_EQ(output(a, "loss").shape, (Shape{0, 3}));
}

// eps/C (PyTorch, Keras, optax, timm, fastai, torchvision's smooth_labels)
// against eps'/(C-1) (fairseq): the target keeps 1 - eps + eps/C against
// 1 - eps', the others eps/C against eps'/(C-1); equal exactly when
//   eps' = eps (C - 1) / C,   eps = eps' C / (C - 1).
// Then label_smoothed_nll_loss(log_softmax(x), y, eps', reduce=True) is
// cross_entropy(x, y, label_smoothing=eps, reduction='sum'), with the same
// ignored positions, and its gradient carried back through log_softmax is
// cross_entropy's. Pairs chosen so both epsilons are binary64 numbers.
TEST(LabelSmoothingConventions, EpsOverCAndEpsOverCMinusOneConvert) {
  struct Pair {
    std::int64_t C;
    double eps, eps_fairseq;
  };
  const std::vector<Pair> pairs = {{2, 0.5, 0.25}, {4, 0.25, 0.1875}, {8, 0.125, 0.109375}, {3, 0.75, 0.5},
                                   {5, 0.625, 0.5}, {4, 1.0, 0.75}};
  Drawer drawer(31);
  for (const Pair& pr : pairs) {
    ASSERT_EQ(pr.eps * static_cast<double>(pr.C - 1) / static_cast<double>(pr.C), pr.eps_fairseq);
    ASSERT_EQ(pr.eps_fairseq * static_cast<double>(pr.C) / static_cast<double>(pr.C - 1), pr.eps);
    for (bool with_ignore : {false, true}) {
      const std::int64_t N = 4;
      std::vector<double> x(static_cast<std::size_t>(N * pr.C)), y(N);
      for (double& v : x) v = drawer.uniform(-4, 4);
      for (double& t : y) t = static_cast<double>(drawer.pick(0, pr.C - 1));
      const std::int64_t ignore = 1 % pr.C;
      if (with_ignore) y[2] = static_cast<double>(ignore);
      const LossCase logp_case = resolved_case({{"loss", "log_softmax"}, {"inputs", {{"input", tensor({N, pr.C}, x)}}}});
      const auto logp = at_1030_bits(logp_case);
      json fq = {{"loss", "label_smoothed_nll_loss"},
                 {"params", {{"epsilon", pr.eps_fairseq}}},
                 {"inputs", {{"input", tensor({N, pr.C}, x)}, {"target", tensor({N}, y)}}}};
      json torch = {{"loss", "cross_entropy"},
                    {"params", {{"reduction", "sum"}, {"label_smoothing", pr.eps}}},
                    {"inputs", {{"input", tensor({N, pr.C}, x)}, {"target", tensor({N}, y)}}}};
      if (with_ignore) {
        fq["params"]["ignore_index"] = ignore;
        torch["params"]["ignore_index"] = ignore;
      }
      const LossCase fq_case = resolved_case(fq);
      reference::Inputs<Mp> fq_values = reference::inputs_as<Mp>(fq_case);
      fq_values["input"] = logp.loss;  // exact log-probabilities
      const auto a = at_1030_bits(fq_case, &fq_values), b = at_1030_bits(resolved_case(torch));
      EXPECT_TRUE(same_value(a.loss[0], b.loss[0])) << pr.C << " " << pr.eps << " ignore " << with_ignore;
      // The chain rule through log_softmax: its VJP with fairseq's gradient as cotangent.
      json back = {{"loss", "log_softmax"},
                   {"inputs", {{"input", tensor({N, pr.C}, x)}, {"grad_output", tensor({N, pr.C}, x)}}}};
      const LossCase back_case = resolved_case(back);
      reference::Inputs<Mp> back_values = reference::inputs_as<Mp>(back_case);
      back_values["grad_output"] = a.grad_input;
      const auto chained = at_1030_bits(back_case, &back_values);
      for (std::size_t k = 0; k < chained.grad_input.size(); ++k)
        EXPECT_TRUE(same_value(chained.grad_input[k], b.grad_input[k])) << pr.C << " " << pr.eps << " grad " << k;
    }
  }
  // Without converting, the conventions differ (C > 1, eps > 0).
  const json x = {{1, 2, 3}};
  const auto logp = at_1030_bits(resolved_case({{"loss", "log_softmax"}, {"inputs", {{"input", x}}}}));
  const LossCase fq_case = resolved_case({{"loss", "label_smoothed_nll_loss"},
                                          {"params", {{"epsilon", 0.3}}},
                                          {"inputs", {{"input", x}, {"target", {0}}}}});
  reference::Inputs<Mp> values = reference::inputs_as<Mp>(fq_case);
  values["input"] = logp.loss;
  EXPECT_FALSE(same_value(at_1030_bits(fq_case, &values).loss[0],
                          at_1030_bits(resolved_case({{"loss", "cross_entropy"},
                                                      {"params", {{"reduction", "sum"}, {"label_smoothing", 0.3}}},
                                                      {"inputs", {{"input", x}, {"target", {0}}}}}))
                              .loss[0]));
}

// smooth_soft_labels on one-hot rows is the eps/C convention too: the target
// loses alpha/1 and every class gains alpha/C, so it equals smooth_labels
// with eps = alpha, bit for bit, while alpha <= 1; above 1 the clamp fires on
// the target and the row is uniform.
TEST(LabelSmoothingConventions, SmoothSoftLabelsOfOneHotIsSmoothLabels) {
  const std::vector<double> y = {0, 2, 1, 2};
  std::vector<double> onehot(12, 0.0);
  for (int n = 0; n < 4; ++n) onehot[n * 3 + static_cast<int>(y[n])] = 1.0;
  for (double alpha : {0.0, 0.1, 0.3, 1.0, 1.25}) {
    const reference::OracleAnswer a = oracle(resolved_case(
        {{"loss", "smooth_labels"}, {"params", {{"num_classes", 3}, {"eps", alpha}}}, {"inputs", {{"target", y}}}}));
    const reference::OracleAnswer b = oracle(resolved_case(
        {{"loss", "smooth_soft_labels"}, {"params", {{"alpha", alpha}}}, {"inputs", {{"input", tensor({4, 3}, onehot)}}}}));
    const auto &u = output(a, "loss").values, &v = output(b, "loss").values;
    for (std::size_t k = 0; k < u.size(); ++k) {
      ASSERT_TRUE(settled(u[k]) && settled(v[k]));
      const double want = alpha <= 1.0 ? u[k].f64 : static_cast<double>(M(alpha) / 3);
      EXPECT_EQ(v[k].f64, want) << alpha << " " << k;
    }
  }
}

}  // namespace
}  // namespace lossoracle
