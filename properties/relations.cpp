#include "properties/relations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "properties/generators.hpp"

namespace lossoracle::properties {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Where one side passes a rounded intermediate on (a log_softmax output, a
// smoothed target eps/C, a converted epsilon), each rounding is 2^-53
// relative; 2^-40 of the magnitude of the terms leaves a factor 2^13 for the
// sums over at most 64 classes.
constexpr double kRoundedInputs = 0x1p-40;

double down(double v) { return std::isinf(v) ? v : std::nextafter(v, -kInf); }
double up(double v) { return std::isinf(v) ? v : std::nextafter(v, kInf); }

Bound widen(Bound b, double rel) {
  if (b.is_nan()) return b;
  return {down(b.lo - rel * std::fabs(b.lo)), up(b.hi + rel * std::fabs(b.hi))};
}

// a and b may be the same number: their bounds meet, or both are NaN, or both
// the same infinity.
bool agree(const Bound& a, const Bound& b) {
  if (a.is_nan() || b.is_nan()) return a.is_nan() && b.is_nan();
  return a.lo <= b.hi && b.lo <= a.hi;
}

void expect_agree(const std::string& what, const Bound& a, const Bound& b) {
  if (!agree(a, b)) violated(what + ": " + bound_text(a) + " vs " + bound_text(b));
}

Bound sum_of(const std::vector<Bound>& v) {
  Bound s{0, 0};
  for (const Bound& b : v) s = {down(s.lo + b.lo), up(s.hi + b.hi)};
  return s;
}

Bound scaled(const Bound& b, double k) {  // k >= 0
  return {down(b.lo * k), up(b.hi * k)};
}

double magnitude(const std::vector<Bound>& v) {
  double m = 0;
  for (const Bound& b : v) m += std::max(std::fabs(b.lo), std::fabs(b.hi));
  return m;
}

// ------------------------------------------------------------ class-index batches

const std::set<std::string> kKdimLosses = {"cross_entropy", "nll_loss", "fastai_label_smoothing_cross_entropy"};
const std::vector<std::string> kIndexLosses = {
    "cross_entropy", "nll_loss", "fastai_label_smoothing_cross_entropy", "issue11959_label_smoothing_cross_entropy",
    "sord", "oll", "acc_loss", "slace", "slace_prox", "misclass_a_logits", "misclass_b"};

// The loss on logits (log-probabilities for nll_loss) of shape (N, C, ...) and
// class indices; what an ordinal or cost-matrix loss needs besides is fixed:
// D = |i - j|, equal class counts.
Query batch_query(const std::string& loss, const Batch& b, const std::string& reduction) {
  Query q;
  q.loss = loss;
  q.params = {{"reduction", reduction}};
  q.inputs["input"] = Tensor{b.shape, b.logits};
  Shape target_shape{b.shape[0]};
  for (std::size_t k = 2; k < b.shape.size(); ++k) target_shape.push_back(b.shape[k]);
  q.inputs["target"] = Tensor{target_shape, std::vector<double>(b.target.begin(), b.target.end())};
  const std::int64_t C = b.shape[1];
  if (loss == "misclass_a_logits" || loss == "misclass_b") {
    std::vector<double> D;
    for (std::int64_t i = 0; i < C; ++i)
      for (std::int64_t j = 0; j < C; ++j) D.push_back(static_cast<double>(std::abs(i - j)));
    q.inputs["cost_matrix"] = Tensor{{C, C}, D};
  }
  if (loss == "slace_prox") q.inputs["class_counts"] = Tensor{{C}, std::vector<double>(C, 10)};
  return q;
}

Batch draw_batch(const std::string& loss, const Reach& r, bool hard_values) {
  return *logit_batch(r, kKdimLosses.count(loss) != 0 && *rc::gen::inRange(0, 3) == 0, hard_values).as("batch");
}

// ------------------------------------------------------------ structure

void shift_invariance(Subject& s, const std::string& loss, const Reach& r) {
  const Batch b = draw_batch(loss, r, true);
  const double shift = *rc::gen::element(1.0, -0.5, 1024.0, -1e4, 0x1p1000).as("shift c (every logit + c)");
  Batch moved = b;
  for (double& x : moved.logits) {
    const double y = x + shift;
    if (std::isfinite(x) && (y - shift != x || y - x != shift)) undecided("the shift is not exact");
    x = y;
  }
  const auto before = answer_of(s, batch_query(loss, b, "none")).at("loss");
  const auto after = answer_of(s, batch_query(loss, moved, "none")).at("loss");
  for (std::size_t k = 0; k < before.size(); ++k)
    expect_agree("position " + std::to_string(k) + ", L(x + c) vs L(x)", after[k], before[k]);
}

void batch_permutation(Subject& s, const std::string& loss, const Reach& r) {
  Reach flat = r;
  const Batch b = *logit_batch(flat, false, true).as("batch");
  const auto N = b.shape[0], C = b.shape[1];
  std::vector<std::int64_t> order(N);
  for (std::int64_t n = 0; n < N; ++n) order[n] = n;
  const int rotate = *rc::gen::inRange<int>(0, static_cast<int>(N)).as("rotation of the batch");
  std::rotate(order.begin(), order.begin() + rotate, order.end());
  if (*rc::gen::arbitrary<bool>().as("then reversed")) std::reverse(order.begin(), order.end());
  Batch p = b;
  for (std::int64_t n = 0; n < N; ++n) {
    p.target[n] = b.target[order[n]];
    for (std::int64_t c = 0; c < C; ++c) p.logits[n * C + c] = b.logits[order[n] * C + c];
  }
  const auto base = answer_of(s, batch_query(loss, b, "none")).at("loss");
  const auto perm = answer_of(s, batch_query(loss, p, "none")).at("loss");
  // Per row one value, or C for the elementwise cost-matrix losses.
  const std::size_t block = base.size() / static_cast<std::size_t>(N);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::size_t k = 0; k < block; ++k)
      expect_agree("row " + std::to_string(n) + " of the permuted batch", perm[n * block + k],
                   base[order[n] * block + k]);
  const Bound sum_base = answer_of(s, batch_query(loss, b, "sum")).loss();
  const Bound sum_perm = answer_of(s, batch_query(loss, p, "sum")).loss();
  // The sum's rounding may follow the order: compare the enclosures of the
  // exact sums, which are the same number.
  expect_agree("sum over the permuted batch", widen(sum_perm, 0x1p-48), widen(sum_base, 0x1p-48));
}

void kdim_flattened(Subject& s, const std::string& loss, const Reach& r) {
  const Batch b = *logit_batch(r, true, true).as("batch (N, C, d1..dk)");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  std::int64_t inner = 1;
  for (std::size_t k = 2; k < b.shape.size(); ++k) inner *= b.shape[k];
  Batch flat;
  flat.shape = {N * inner, C};
  flat.target = b.target;
  flat.logits.assign(b.logits.size(), 0);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < inner; ++i) flat.logits[(n * inner + i) * C + c] = b.logits[(n * C + c) * inner + i];
  const auto kdim = answer_of(s, batch_query(loss, b, "none")).at("loss");
  const auto rows = answer_of(s, batch_query(loss, flat, "none")).at("loss");
  if (kdim.size() != rows.size()) violated("K-dim gives " + std::to_string(kdim.size()) + " positions, flattened " +
                                           std::to_string(rows.size()));
  for (std::size_t k = 0; k < kdim.size(); ++k) expect_agree("position " + std::to_string(k), kdim[k], rows[k]);
}

// An unbatched input (C) with target () is the batch of that one row.
void unbatched_is_one_row(Subject& s, const std::string& loss, const Reach& r) {
  Reach one = r;
  one.max_batch = 1;
  const Batch b = *logit_batch(one, false, true).as("row");
  Query row = batch_query(loss, b, "none");
  Query unbatched = row;
  unbatched.inputs["input"].shape = {b.shape[1]};
  unbatched.inputs["target"].shape = {};
  const auto batched = answer_of(s, row).at("loss"), single = answer_of(s, unbatched).at("loss");
  if (single.size() != batched.size())
    violated("the unbatched loss has " + std::to_string(single.size()) + " values, the batch " +
             std::to_string(batched.size()));
  for (std::size_t k = 0; k < single.size(); ++k) expect_agree("unbatched vs (1, C)", single[k], batched[k]);
}

bool weighted(const std::string& loss) { return loss == "cross_entropy" || loss == "nll_loss"; }

// mean x count = sum, with count = the weight sum over positions not ignored
// (PyTorch's weighted mean) or N (every other loss, weighted slace included).
void sum_is_mean_times_count(Subject& s, const std::string& loss, const Reach& r) {
  Batch b = *logit_batch(r, false, false).as("batch");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  Query qs = batch_query(loss, b, "sum"), qm = batch_query(loss, b, "mean");
  // N positions, or N C elements for the elementwise cost-matrix losses.
  double count = static_cast<double>(answer_of(s, batch_query(loss, b, "none")).at("loss").size());
  if (weighted(loss) || loss == "slace") {
    const std::vector<double> w = *class_weights(static_cast<int>(C)).as("weight");
    qs.inputs["weight"] = qm.inputs["weight"] = Tensor{{C}, w};
    if (weighted(loss)) {
      const std::vector<bool> ignore =
          *rc::gen::container<std::vector<bool>>(N, rc::gen::arbitrary<bool>()).as("ignored positions");
      count = 0;
      for (std::int64_t n = 0; n < N; ++n) {
        if (ignore[n]) {
          qs.inputs["target"].values[n] = qm.inputs["target"].values[n] = -100;
        } else {
          count += w[b.target[n]];
        }
      }
    }
  }
  const Bound sum = answer_of(s, qs).loss(), mean = answer_of(s, qm).loss();
  if (count == 0) {
    if (!mean.is_nan()) violated("count 0: mean = " + bound_text(mean) + ", not NaN (0 / 0)");
    return;
  }
  expect_agree("mean x " + number(count) + " vs sum", scaled(mean, count), sum);
}

void zero_weight_is_ignore(Subject& s, const std::string& loss, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("batch");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  std::vector<double> w = *class_weights(static_cast<int>(C)).as("weight (zeros included)");
  const auto zero = static_cast<std::size_t>(*rc::gen::inRange<std::int64_t>(0, C).as("class given weight 0"));
  w[zero] = 0;
  for (const char* reduction : {"none", "sum", "mean"}) {
    Query zeroed = batch_query(loss, b, reduction), ignored = batch_query(loss, b, reduction);
    zeroed.inputs["weight"] = ignored.inputs["weight"] = Tensor{{C}, w};
    for (std::int64_t n = 0; n < N; ++n)
      if (w[b.target[n]] == 0) ignored.inputs["target"].values[n] = -100;
    const auto a = answer_of(s, zeroed).at("loss"), c = answer_of(s, ignored).at("loss");
    for (std::size_t k = 0; k < a.size(); ++k)
      expect_agree(std::string(reduction) + " [" + std::to_string(k) + "], weight 0 vs ignore_index", a[k], c[k]);
  }
}

// ------------------------------------------------------------ identities (cross entropy family)

// Logits (N, C) and probability rows (N, C), dyadic.
struct SoftBatch {
  Batch logits;
  std::vector<double> t;
};

std::vector<double> draw_probability_rows(std::int64_t N, std::int64_t C) {
  std::vector<double> t;
  for (std::int64_t n = 0; n < N; ++n) {
    SimplexPoint s = *simplex_point_like(SimplexPoint{static_cast<int>(C), 0, 10, {}, {}}).as("target row");
    for (double v : s.p()) t.push_back(v);
  }
  return t;
}

void ce_is_kl_plus_entropy(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  const std::vector<double> t = draw_probability_rows(N, C);
  Query ce;
  ce.loss = "cross_entropy";
  ce.params = {{"reduction", "none"}};
  ce.inputs["input"] = Tensor{b.shape, b.logits};
  ce.inputs["target"] = Tensor{b.shape, t};
  Query ls{"log_softmax", nlohmann::json::object(), {{"input", Tensor{b.shape, b.logits}}}};
  const auto log_q = answer_of(s, ls).at("loss");
  std::vector<double> log_q_mid;
  for (const Bound& v : log_q) log_q_mid.push_back(v.mid());
  Query kl{"kl_div", {{"reduction", "none"}}, {{"input", Tensor{b.shape, log_q_mid}}, {"target", Tensor{b.shape, t}}}};
  Query h{"entropy", {{"reduction", "none"}}, {{"input", Tensor{b.shape, t}}}};
  const auto ce_v = answer_of(s, ce).at("loss"), kl_v = answer_of(s, kl).at("loss"), h_v = answer_of(s, h).at("loss");
  Bound total_ce{0, 0}, total_rhs{0, 0};
  double total_mag = 0;
  for (std::int64_t n = 0; n < N; ++n) {
    std::vector<Bound> terms(kl_v.begin() + n * C, kl_v.begin() + (n + 1) * C);
    terms.push_back(h_v[n]);
    const Bound rhs = sum_of(terms);
    const double mag = magnitude(terms) + std::fabs(ce_v[n].hi);
    total_mag += mag;
    expect_agree("row " + std::to_string(n) + ": CE vs KL + H", widen(ce_v[n], 0),
                 {down(rhs.lo - kRoundedInputs * mag), up(rhs.hi + kRoundedInputs * mag)});
    total_ce = sum_of({total_ce, ce_v[n]});
    total_rhs = sum_of({total_rhs, rhs});
  }
  // Under sum and mean too.
  Query ce_sum = ce, kl_sum = kl, h_sum = h;
  ce_sum.params["reduction"] = kl_sum.params["reduction"] = h_sum.params["reduction"] = "sum";
  const Bound rhs_sum = sum_of({answer_of(s, kl_sum).loss(), answer_of(s, h_sum).loss()});
  expect_agree("sum: CE vs KL + H", answer_of(s, ce_sum).loss(),
               {down(rhs_sum.lo - kRoundedInputs * total_mag), up(rhs_sum.hi + kRoundedInputs * total_mag)});
}

void nll_of_log_softmax_is_kl(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, true).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  Query ls{"log_softmax", nlohmann::json::object(), {{"input", Tensor{b.shape, b.logits}}}};
  std::vector<double> log_q;
  for (const Bound& v : answer_of(s, ls).at("loss")) log_q.push_back(v.mid());
  std::vector<double> one_hot(N * C, 0.0);
  for (std::int64_t n = 0; n < N; ++n) one_hot[n * C + b.target[n]] = 1;
  Query nll{"nll_loss", {{"reduction", "none"}},
            {{"input", Tensor{b.shape, log_q}},
             {"target", Tensor{{N}, std::vector<double>(b.target.begin(), b.target.end())}}}};
  Query kl{"kl_div", {{"reduction", "none"}}, {{"input", Tensor{b.shape, log_q}}, {"target", Tensor{b.shape, one_hot}}}};
  const auto nv = answer_of(s, nll).at("loss"), kv = answer_of(s, kl).at("loss");
  for (std::int64_t n = 0; n < N; ++n) {
    const std::vector<Bound> row(kv.begin() + n * C, kv.begin() + (n + 1) * C);
    expect_agree("row " + std::to_string(n) + ": nll_loss vs sum of kl_div", nv[n], sum_of(row));
  }
}

void soft_one_hot_is_hard(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, true).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  const bool with_weight = *rc::gen::arbitrary<bool>().as("with weight");
  const double eps = *rc::gen::element(0.0, 0.1, 0.25, 1.0).as("label_smoothing");
  std::vector<double> one_hot(N * C, 0.0);
  for (std::int64_t n = 0; n < N; ++n) one_hot[n * C + b.target[n]] = 1;
  Query hard = batch_query("cross_entropy", b, "none");
  Query soft = hard;
  soft.inputs["target"] = Tensor{b.shape, one_hot};
  hard.params["label_smoothing"] = soft.params["label_smoothing"] = eps;
  if (with_weight) hard.inputs["weight"] = soft.inputs["weight"] = Tensor{{C}, *class_weights(static_cast<int>(C))};
  const auto hv = answer_of(s, hard).at("loss"), sv = answer_of(s, soft).at("loss");
  for (std::int64_t n = 0; n < N; ++n) expect_agree("row " + std::to_string(n) + ": soft vs hard", sv[n], hv[n]);
}

void smoothing_is_smoothed_targets(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  const double eps = *rc::gen::element(0.1, 0.25, 0.5, 1.0).as("label_smoothing eps");
  std::vector<double> smoothed(N * C, eps / C);
  for (std::int64_t n = 0; n < N; ++n) smoothed[n * C + b.target[n]] = 1 - eps + eps / C;
  Query hard = batch_query("cross_entropy", b, "none");
  hard.params["label_smoothing"] = eps;
  Query soft = batch_query("cross_entropy", b, "none");
  soft.inputs["target"] = Tensor{b.shape, smoothed};
  const auto hv = answer_of(s, hard).at("loss"), sv = answer_of(s, soft).at("loss");
  for (std::int64_t n = 0; n < N; ++n)
    expect_agree("row " + std::to_string(n) + ": label_smoothing eps vs targets (1 - eps) + eps/C, eps/C",
                 widen(hv[n], kRoundedInputs), sv[n]);
}

// fairseq's convention gives eps' / (C - 1) to each other class and keeps
// 1 - eps' at the target: PyTorch's targets when eps' = eps (C - 1) / C.
void smoothing_conventions(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  if (C < 2) undecided("C = 1");
  const double eps = *rc::gen::element(0.1, 0.25, 0.5, 1.0).as("PyTorch's label_smoothing eps");
  Query hard = batch_query("cross_entropy", b, "none");
  hard.params["label_smoothing"] = eps;
  const auto hv = answer_of(s, hard).at("loss");
  Query ls{"log_softmax", nlohmann::json::object(), {{"input", Tensor{b.shape, b.logits}}}};
  std::vector<double> log_q;
  for (const Bound& v : answer_of(s, ls).at("loss")) log_q.push_back(v.mid());
  Query fairseq{"label_smoothed_nll_loss",
                {{"epsilon", eps * static_cast<double>(C - 1) / static_cast<double>(C)}, {"reduce", false}},
                {{"input", Tensor{b.shape, log_q}},
                 {"target", Tensor{{N}, std::vector<double>(b.target.begin(), b.target.end())}}}};
  const auto fv = answer_of(s, fairseq).at("loss");
  for (std::int64_t n = 0; n < N; ++n)
    expect_agree("row " + std::to_string(n) + ": fairseq epsilon eps (C-1)/C vs PyTorch eps",
                 widen(fv[n], kRoundedInputs), widen(hv[n], kRoundedInputs));
}

// ------------------------------------------------------------ bounds

void cross_entropy_nonnegative(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, true).as("logits");
  Query q = batch_query("cross_entropy", b, "none");
  q.params["label_smoothing"] = *rc::gen::element(0.0, 0.1, 1.0).as("label_smoothing");
  const auto v = answer_of(s, q).at("loss");
  for (std::size_t k = 0; k < v.size(); ++k)
    if (v[k].is_nan() || v[k].hi < 0) violated("row " + std::to_string(k) + ": CE = " + bound_text(v[k]));
}

void kl_nonnegative(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  const std::vector<double> t = draw_probability_rows(N, C);
  Query ls{"log_softmax", nlohmann::json::object(), {{"input", Tensor{b.shape, b.logits}}}};
  std::vector<double> log_q;
  for (const Bound& v : answer_of(s, ls).at("loss")) log_q.push_back(v.mid());
  Query kl{"kl_div", {{"reduction", "none"}}, {{"input", Tensor{b.shape, log_q}}, {"target", Tensor{b.shape, t}}}};
  const auto kv = answer_of(s, kl).at("loss");
  for (std::int64_t n = 0; n < N; ++n) {
    const std::vector<Bound> row(kv.begin() + n * C, kv.begin() + (n + 1) * C);
    const Bound total = sum_of(row);
    // 2^-1000: the midpoint of an enclosure of a log q of 0 may be a tiny nonzero.
    if (total.is_nan() || total.hi < -kRoundedInputs * magnitude(row) - 0x1p-1000)
      violated("row " + std::to_string(n) + ": KL = " + bound_text(total));
  }
}

// Gibbs' equality case: KL(t || q) = 0 when t = q and > 0 otherwise. t = q is
// taken as t_c = exp(log q_c) in binary64, so the exact KL is
// sum_c t_c (log t_c - log q_c) with |log t_c - log q_c| <= 2^-52: at most
// 2^-52 sum_c t_c. A row t that differs from q by more than 2^-10 somewhere
// has KL >= (sum_c |t_c - q_c|)^2 / 2 >= 2^-21 (Pinsker), far above rounding.
void kl_zero_iff_equal(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  Query ls{"log_softmax", nlohmann::json::object(), {{"input", Tensor{b.shape, b.logits}}}};
  std::vector<double> log_q;
  for (const Bound& v : answer_of(s, ls).at("loss")) log_q.push_back(v.mid());
  std::vector<double> same(log_q.size());
  for (std::size_t k = 0; k < log_q.size(); ++k) same[k] = std::exp(log_q[k]);
  const std::vector<double> other = draw_probability_rows(N, C);
  const std::vector<const std::vector<double>*> targets{&same, &other};
  for (const std::vector<double>* t : targets) {
    Query kl{"kl_div", {{"reduction", "none"}}, {{"input", Tensor{b.shape, log_q}}, {"target", Tensor{b.shape, *t}}}};
    const auto kv = answer_of(s, kl).at("loss");
    for (std::int64_t n = 0; n < N; ++n) {
      const std::vector<Bound> row(kv.begin() + n * C, kv.begin() + (n + 1) * C);
      const Bound total = sum_of(row);
      double mass = 0, apart = 0, scale = 0;
      for (std::int64_t c = 0; c < C; ++c) {
        const double tc = (*t)[n * C + c];
        mass += tc;
        apart = std::max(apart, std::fabs(tc - same[n * C + c]));
        scale += tc * std::fabs(log_q[n * C + c]);
      }
      const std::string where = std::string(t == &same ? "t = q" : "t drawn") + ", row " + std::to_string(n);
      if (total.is_nan()) violated(where + ": KL = " + bound_text(total));
      // Violated only where the whole enclosure lies outside the allowed
      // interval: an implementation's answers carry its slack (subject.cpp).
      const double allowed = 0x1p-52 * mass + kRoundedInputs * scale;
      if (t == &same && (total.lo > allowed || total.hi < -allowed))
        violated(where + ": KL(q || q) = " + bound_text(total) + ", not 0");
      if (t == &other && apart > 0x1p-10 && total.lo <= kRoundedInputs * scale)
        violated(where + ": t differs from q by " + std::to_string(apart) + " but KL = " + bound_text(total));
    }
  }
}

void mae_in_range(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, true).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  const std::vector<double> t = draw_probability_rows(N, C);
  Query q{"classification_mae_with_logits", {{"reduction", "none"}},
          {{"input", Tensor{b.shape, b.logits}}, {"target", Tensor{b.shape, t}}}};
  const auto v = answer_of(s, q).at("loss");
  for (std::size_t k = 0; k < v.size(); ++k)
    if (v[k].is_nan() || v[k].hi < 0 || v[k].lo > 2) violated("row " + std::to_string(k) + ": MAE = " + bound_text(v[k]));
}

// ------------------------------------------------------------ gradients

// v . grad L against (L(x + h u) - L(x - h u)) / 2h, with h = 2^-20 and
// dyadic logits k/8 and u in {-1, 0, 1}: x +- h u is exact. The central
// difference's truncation, h^2/6 |L'''|, is below 2^-36 for these logits;
// the tolerance 2^-16 (1 + |u . g|) is far above it and far below a wrong
// sign or factor.
void gradient_matches_forward(Subject& s, const std::string& loss, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("logits");
  const std::vector<int> u =
      *rc::gen::container<std::vector<int>>(b.logits.size(), rc::gen::inRange(-1, 2)).as("direction u");
  const double h = 0x1p-20;
  Batch plus = b, minus = b;
  for (std::size_t k = 0; k < u.size(); ++k) plus.logits[k] += h * u[k], minus.logits[k] -= h * u[k];
  const Answer at = answer_of(s, batch_query(loss, b, "sum"));
  const auto g = at.at("grad_input");
  double ug = 0;
  for (std::size_t k = 0; k < u.size(); ++k) ug += u[k] * g[k].mid();
  const double lp = answer_of(s, batch_query(loss, plus, "sum")).loss().mid();
  const double lm = answer_of(s, batch_query(loss, minus, "sum")).loss().mid();
  if (std::isnan(ug) || std::isnan(lp) || std::isnan(lm)) undecided("NaN");
  const double cd = (lp - lm) / (2 * h);
  if (std::fabs(ug - cd) > 0x1p-16 * (1 + std::fabs(ug)))
    violated("u . grad = " + number(ug) + ", central difference = " + number(cd));
}

void gradient_rows_sum_to_zero(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, true).as("logits");
  const std::int64_t N = b.shape[0], C = b.shape[1];
  Query q = batch_query("cross_entropy", b, "sum");
  q.params["label_smoothing"] = *rc::gen::element(0.0, 0.1).as("label_smoothing");
  const auto g = answer_of(s, q).at("grad_input");
  for (std::int64_t n = 0; n < N; ++n) {
    const std::vector<Bound> row(g.begin() + n * C, g.begin() + (n + 1) * C);
    const Bound total = sum_of(row);
    if (total.is_nan()) undecided("NaN gradient");
    const double tol = 0x1p-45 * magnitude(row);
    if (total.lo > tol || total.hi < -tol) violated("row " + std::to_string(n) + " sums to " + bound_text(total));
  }
}

void unit_scaled_backward(Subject& s, const std::string&, const Reach& r) {
  const Batch b = *logit_batch(r, false, false).as("logits");
  const std::int64_t V = b.shape[1];
  if (V < 2) undecided("V = 1");
  const Answer us = answer_of(s, batch_query("unit_scaled_cross_entropy", b, "sum"));
  const auto scaled_g = us.at("grad_input_unit_scaled");
  const auto g = answer_of(s, batch_query("cross_entropy", b, "sum")).at("grad_input");
  const double k = static_cast<double>(V) / std::sqrt(static_cast<double>(V - 1));
  for (std::size_t i = 0; i < g.size(); ++i) {
    const Bound want = widen({std::min(g[i].lo * k, g[i].hi * k), std::max(g[i].lo * k, g[i].hi * k)}, 0x1p-50);
    expect_agree("element " + std::to_string(i) + ": unit-scaled vs V/sqrt(V-1) x plain", scaled_g[i], want);
  }
}

std::vector<std::string> without(std::vector<std::string> v, const std::set<std::string>& drop) {
  v.erase(std::remove_if(v.begin(), v.end(), [&](const std::string& x) { return drop.count(x) != 0; }), v.end());
  return v;
}

}  // namespace

const std::vector<Relation>& relations() {
  using F = std::function<void(Subject&, const std::string&, const Reach&)>;
  static const std::vector<Relation> all = {
      {"ce_is_kl_plus_entropy", "identity",
       "cross_entropy(x, t) = sum_c kl_div(log_softmax(x), t) + entropy(t), per row and under sum",
       {"cross_entropy"}, {"log_softmax", "kl_div", "entropy"}, F(ce_is_kl_plus_entropy)},
      {"nll_of_log_softmax_is_kl", "identity",
       "nll_loss(log_softmax(x), y) = sum_c kl_div(log_softmax(x), one_hot(y)) (seed 004)", {"nll_loss"},
       {"log_softmax", "kl_div"}, F(nll_of_log_softmax_is_kl)},
      {"soft_one_hot_is_hard", "identity",
       "cross_entropy with the one-hot target row = with the class index, with and without weight and "
       "label_smoothing (reduction none)",
       {"cross_entropy"}, {}, F(soft_one_hot_is_hard)},
      {"smoothing_is_smoothed_targets", "identity",
       "cross_entropy(label_smoothing eps) = cross_entropy on targets (1 - eps) one_hot + eps/C (PyTorch's "
       "convention)",
       {"cross_entropy"}, {}, F(smoothing_is_smoothed_targets)},
      {"smoothing_conventions", "identity",
       "cross_entropy(label_smoothing eps) = fairseq's label_smoothed_nll_loss(log_softmax(x), epsilon eps (C - 1)/C) "
       "(eps/C to every class vs eps'/(C - 1) to the others)",
       {"cross_entropy"}, {"log_softmax", "label_smoothed_nll_loss"}, F(smoothing_conventions)},
      {"shift_invariance", "structure", "L(x + c) = L(x) per position for an exact shift c of every logit",
       without(kIndexLosses, {"nll_loss"}), {}, F(shift_invariance)},
      {"batch_permutation", "structure",
       "permuting the batch permutes the per-position losses; the sum is unchanged", kIndexLosses, {},
       F(batch_permutation)},
      {"kdim_is_flattened", "structure", "(N, C, d1..dk) gives the per-position losses of the (N d1..dk, C) rows",
       {"cross_entropy", "nll_loss", "fastai_label_smoothing_cross_entropy"}, {}, F(kdim_flattened)},
      {"unbatched_is_one_row", "structure", "input (C) with target () gives the loss of the (1, C) batch",
       {"cross_entropy", "nll_loss", "misclass_a_logits", "misclass_b"}, {}, F(unbatched_is_one_row)},
      {"sum_is_mean_times_count", "structure",
       "sum = mean x count: the weight sum over positions not ignored for cross_entropy and nll_loss, N C for "
       "the elementwise misclass losses, N for the others (weighted slace included)",
       kIndexLosses, {}, F(sum_is_mean_times_count)},
      {"zero_weight_is_ignore", "structure",
       "a class weight of 0 gives the same loss as ignore_index on its positions, under none, sum and mean",
       {"cross_entropy", "nll_loss"}, {}, F(zero_weight_is_ignore)},
      {"cross_entropy_nonnegative", "bound", "cross_entropy >= 0 per position (any label_smoothing in [0, 1])",
       {"cross_entropy"}, {}, F(cross_entropy_nonnegative)},
      {"kl_nonnegative", "bound", "sum_c kl_div(log q, t) >= 0 for probability rows t, q = softmax(x)",
       {"kl_div"}, {"log_softmax"}, F(kl_nonnegative)},
      {"kl_zero_iff_equal", "bound",
       "sum_c kl_div(log q, t) is 0 for t = q (to binary64 rounding) and > 0 when t differs from q by > 2^-10",
       {"kl_div"}, {"log_softmax"}, F(kl_zero_iff_equal)},
      {"mae_in_range", "bound", "classification_mae_with_logits per position in [0, 2]",
       {"classification_mae_with_logits"}, {}, F(mae_in_range)},
      {"gradient_matches_forward", "gradient",
       "u . grad_input = (L(x + h u) - L(x - h u)) / 2h up to 2^-16 (1 + |u . g|), h = 2^-20 (gradcheck's fast mode)",
       kIndexLosses, {}, F(gradient_matches_forward)},
      {"gradient_rows_sum_to_zero", "gradient", "each row of cross_entropy's grad_input sums to 0",
       {"cross_entropy"}, {}, F(gradient_rows_sum_to_zero)},
      {"unit_scaled_backward", "gradient",
       "unit_scaled_cross_entropy's grad_input_unit_scaled = V/sqrt(V - 1) x cross_entropy's grad_input (sum)",
       {"unit_scaled_cross_entropy"}, {"cross_entropy"}, F(unit_scaled_backward)},
  };
  return all;
}

Outcome check_relation(const Relation& r, Subject& s, const std::string& loss, const RunOptions& o) {
  return run_check([&] { r.body(s, loss, o.reach); }, o);
}

}  // namespace lossoracle::properties
