// How each loss of the registry is put on the probability simplex: which
// input it reads p through (probabilities, logits log p, log-probabilities),
// how the true class is given, what "closer to the true class" means for it,
// and whether it reads the class distribution D. Keyed by the registry's
// names; a test checks every registry loss has a view or a stated reason.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "properties/generators.hpp"
#include "properties/subject.hpp"

namespace lossoracle::properties {

enum class InputForm { probabilities, logits, log_probabilities };
enum class TargetForm { index, one_hot_row };
enum class Closeness { index_distance, prox };  // |i - y|, or Eq. 7's proximity from the counts
enum class CountUse { none, class_counts, inverse_frequency_weight };
enum class CostMatrix { none, abs_difference, squared_difference, exp_minus_abs };

struct SimplexView {
  std::string label;  // the table's row
  std::string loss;   // the registry's name
  nlohmann::json params = nlohmann::json::object();
  InputForm input = InputForm::probabilities;
  TargetForm target = TargetForm::index;
  Closeness closeness = Closeness::index_distance;
  CountUse counts = CountUse::none;
  CostMatrix cost = CostMatrix::none;
};

const std::vector<SimplexView>& simplex_views();

struct NoSimplexView {
  std::string loss, reason;
};
const std::vector<NoSimplexView>& losses_without_simplex_view();

// The (1, C) query of the view at p (counts replaced by `counts` if given).
Query simplex_query(const SimplexView& v, const SimplexPoint& s);
// The same at any row p (the paper's decimal examples).
Query simplex_query_at(const SimplexView& v, const std::vector<double>& p, int y,
                       const std::vector<std::int64_t>& counts);
// Relative margin that a comparison allows where p reaches the loss through
// rounded logarithms (0 for probabilities given as they are).
double input_margin(const SimplexView& v);
// Class distances to the true class under the view's closeness (smaller = closer).
std::vector<double> distances(const SimplexView& v, const SimplexPoint& s);

const char* closeness_text(Closeness c);
std::string cost_matrix_text(CostMatrix m);
std::string count_use_text(CountUse u);

}  // namespace lossoracle::properties
