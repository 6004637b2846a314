#include "properties/simplex_views.hpp"

#include <cmath>
#include <cstdint>

namespace lossoracle::properties {

namespace {

SimplexView view(std::string label, std::string loss, nlohmann::json params, InputForm input, TargetForm target,
                 Closeness closeness = Closeness::index_distance, CountUse counts = CountUse::none,
                 CostMatrix cost = CostMatrix::none) {
  return {std::move(label), std::move(loss), std::move(params), input, target, closeness, counts, cost};
}

}  // namespace

const std::vector<SimplexView>& simplex_views() {
  using IF = InputForm;
  using TF = TargetForm;
  static const std::vector<SimplexView> views = {
      // The paper's Table 1.
      view("cross_entropy", "cross_entropy", {{"reduction", "sum"}}, IF::logits, TF::index),
      view("sord (alpha 1)", "sord", {{"reduction", "sum"}, {"use_logits", false}}, IF::probabilities, TF::index),
      view("oll (alpha 1)", "oll", {{"reduction", "sum"}, {"use_logits", false}}, IF::probabilities, TF::index),
      view("acc_loss", "acc_loss", {{"reduction", "sum"}, {"use_logits", false}}, IF::probabilities, TF::index),
      view("slace_prox (alpha 1)", "slace_prox", {{"reduction", "sum"}, {"use_logits", false}}, IF::probabilities,
           TF::index, Closeness::prox, CountUse::class_counts),
      // dlordinal's SLACE, without and with count-derived weights.
      view("slace (alpha 1)", "slace", {{"reduction", "sum"}, {"use_logits", false}}, IF::probabilities, TF::index),
      view("slace (alpha 1, weight n/(C n_c))", "slace", {{"reduction", "sum"}, {"use_logits", false}},
           IF::probabilities, TF::index, Closeness::index_distance, CountUse::inverse_frequency_weight),
      view("slace (alpha 1, epsilon 0)", "slace", {{"reduction", "sum"}, {"use_logits", false}, {"epsilon", 0.0}},
           IF::probabilities, TF::index),
      // Other class-index losses.
      view("nll_loss", "nll_loss", {{"reduction", "sum"}}, IF::log_probabilities, TF::index),
      view("cross_entropy (label_smoothing 0.1)", "cross_entropy", {{"reduction", "sum"}, {"label_smoothing", 0.1}},
           IF::logits, TF::index),
      view("fastai_label_smoothing_cross_entropy (eps 0.1)", "fastai_label_smoothing_cross_entropy",
           {{"reduction", "sum"}, {"eps", 0.1}}, IF::logits, TF::index),
      view("issue11959_label_smoothing_cross_entropy (eps 0.1)", "issue11959_label_smoothing_cross_entropy",
           {{"reduction", "sum"}, {"eps", 0.1}}, IF::logits, TF::index),
      view("label_smoothed_nll_loss (epsilon 0.1)", "label_smoothed_nll_loss", {{"epsilon", 0.1}},
           IF::log_probabilities, TF::index),
      view("unit_scaled_cross_entropy", "unit_scaled_cross_entropy", {{"reduction", "sum"}}, IF::logits, TF::index),
      // Cost matrices (docs/spec.md section 14).
      view("misclass_a (D = |i-j|)", "misclass_a", {{"reduction", "sum"}}, IF::probabilities, TF::index,
           Closeness::index_distance, CountUse::none, CostMatrix::abs_difference),
      view("misclass_a (D = (i-j)^2)", "misclass_a", {{"reduction", "sum"}}, IF::probabilities, TF::index,
           Closeness::index_distance, CountUse::none, CostMatrix::squared_difference),
      view("misclass_a (D = exp(-|i-j|))", "misclass_a", {{"reduction", "sum"}}, IF::probabilities, TF::index,
           Closeness::index_distance, CountUse::none, CostMatrix::exp_minus_abs),
      view("misclass_a_logits (D = |i-j|)", "misclass_a_logits", {{"reduction", "sum"}}, IF::logits, TF::index,
           Closeness::index_distance, CountUse::none, CostMatrix::abs_difference),
      view("misclass_b (D = |i-j|)", "misclass_b", {{"reduction", "sum"}}, IF::logits, TF::index,
           Closeness::index_distance, CountUse::none, CostMatrix::abs_difference),
      view("misclass_b_as_published (D = |i-j|)", "misclass_b_as_published", {{"reduction", "sum"}},
           IF::probabilities, TF::index, Closeness::index_distance, CountUse::none, CostMatrix::abs_difference),
      view("per_pair_weighted_ce (D = |i-j|)", "per_pair_weighted_ce", {{"reduction", "sum"}}, IF::logits,
           TF::one_hot_row, Closeness::index_distance, CountUse::none, CostMatrix::abs_difference),
      view("per_pair_weighted_ce (D = exp(-|i-j|))", "per_pair_weighted_ce", {{"reduction", "sum"}}, IF::logits,
           TF::one_hot_row, Closeness::index_distance, CountUse::none, CostMatrix::exp_minus_abs),
      // Soft-label losses with one-hot labels.
      view("kl_div (one-hot target)", "kl_div", {{"reduction", "sum"}}, IF::log_probabilities, TF::one_hot_row),
      view("soft_label_cross_entropy", "soft_label_cross_entropy", {{"reduction", "sum"}}, IF::probabilities,
           TF::one_hot_row),
      view("soft_label_cross_entropy (alpha 0.1)", "soft_label_cross_entropy", {{"reduction", "sum"}, {"alpha", 0.1}},
           IF::probabilities, TF::one_hot_row),
      view("soft_label_cross_entropy_with_logits", "soft_label_cross_entropy_with_logits", {{"reduction", "sum"}},
           IF::logits, TF::one_hot_row),
      view("classification_mae_with_logits", "classification_mae_with_logits", {{"reduction", "sum"}}, IF::logits,
           TF::one_hot_row),
  };
  return views;
}

const std::vector<NoSimplexView>& losses_without_simplex_view() {
  static const std::vector<NoSimplexView> none = {
      {"log_softmax", "a transform of logits, not a loss against a true class"},
      {"softmax", "a transform of logits, not a loss against a true class"},
      {"entropy", "a function of one distribution, with no true class (checked in the CE/KL/entropy relations)"},
      {"smooth_soft_labels", "builds label rows; no prediction"},
      {"smooth_labels", "builds label rows from class indices; no prediction"},
  };
  return none;
}

namespace {

double cost(CostMatrix m, int i, int j) {
  const double d = std::abs(i - j);
  switch (m) {
    case CostMatrix::abs_difference: return d;
    case CostMatrix::squared_difference: return d * d;
    case CostMatrix::exp_minus_abs: return std::exp(-d);
    case CostMatrix::none: break;
  }
  return 0;
}

// Eq. 7 doubled: A_c = n_c + 2 * (the counts strictly between c and y, and y's
// own when c != y). prox orders classes by A_c (smaller = closer).
std::vector<double> prox_numerators(const SimplexPoint& s) {
  std::vector<double> A(s.C);
  for (int c = 0; c < s.C; ++c) {
    double a = static_cast<double>(s.counts[c]);
    if (c < s.y)
      for (int j = c + 1; j <= s.y; ++j) a += 2.0 * static_cast<double>(s.counts[j]);
    if (c > s.y)
      for (int j = s.y; j <= c - 1; ++j) a += 2.0 * static_cast<double>(s.counts[j]);
    A[c] = a;
  }
  return A;
}

}  // namespace

std::vector<double> distances(const SimplexView& v, const SimplexPoint& s) {
  std::vector<double> d(s.C);
  if (v.closeness == Closeness::prox) {
    // dis(c, y) = log(A_c / A_y) orders the classes as A_c does; the exact
    // integers decide ties without rounding.
    const auto A = prox_numerators(s);
    for (int c = 0; c < s.C; ++c) d[c] = A[c];
    return d;
  }
  for (int c = 0; c < s.C; ++c) d[c] = std::abs(c - s.y);
  return d;
}

double input_margin(const SimplexView& v) { return v.input == InputForm::probabilities ? 0.0 : 0x1p-40; }

Query simplex_query(const SimplexView& v, const SimplexPoint& s) { return simplex_query_at(v, s.p(), s.y, s.counts); }

Query simplex_query_at(const SimplexView& v, const std::vector<double>& p, int y,
                       const std::vector<std::int64_t>& counts_in) {
  struct {
    int C, y;
    std::vector<std::int64_t> counts;
  } s{static_cast<int>(p.size()), y, counts_in};
  Query q;
  q.loss = v.loss;
  q.params = v.params;
  const auto C = static_cast<std::int64_t>(s.C);
  std::vector<double> x = p;
  if (v.input != InputForm::probabilities)
    for (double& e : x) e = std::log(e);  // log 0 = -inf: a class the prediction excludes
  q.inputs["input"] = Tensor{{1, C}, x};
  if (v.target == TargetForm::index) {
    q.inputs["target"] = Tensor{{1}, {static_cast<double>(s.y)}};
  } else {
    std::vector<double> row(s.C, 0.0);
    row[s.y] = 1;
    q.inputs["target"] = Tensor{{1, C}, row};
  }
  if (v.cost != CostMatrix::none) {
    std::vector<double> D;
    for (int i = 0; i < s.C; ++i)
      for (int j = 0; j < s.C; ++j) D.push_back(cost(v.cost, i, j));
    q.inputs["cost_matrix"] = Tensor{{C, C}, D};
  }
  std::vector<double> counts(s.counts.begin(), s.counts.end());
  if (v.counts == CountUse::class_counts) q.inputs["class_counts"] = Tensor{{C}, counts};
  if (v.counts == CountUse::inverse_frequency_weight) {
    double n = 0;
    for (double c : counts) n += c;
    std::vector<double> w;
    for (double c : counts) w.push_back(n / (s.C * c));
    q.inputs["weight"] = Tensor{{C}, w};
  }
  return q;
}

const char* closeness_text(Closeness c) {
  return c == Closeness::prox ? "prox (Eq. 7, from the counts)" : "|i - y|";
}

std::string cost_matrix_text(CostMatrix m) {
  switch (m) {
    case CostMatrix::abs_difference: return "D = |i - j|";
    case CostMatrix::squared_difference: return "D = (i - j)^2";
    case CostMatrix::exp_minus_abs: return "D = exp(-|i - j|)";
    case CostMatrix::none: break;
  }
  return "";
}

std::string count_use_text(CountUse u) {
  switch (u) {
    case CountUse::class_counts: return "class_counts = D";
    case CountUse::inverse_frequency_weight: return "weight_c = n / (C n_c) from D";
    case CountUse::none: break;
  }
  return "ignores D";
}

}  // namespace lossoracle::properties
