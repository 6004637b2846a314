// The property x loss table: docs/properties.md is the command's output; the
// paper's Table 1 is reproduced or every disagreement explained; the
// verdicts this project stands behind hold; every planted bug is caught by
// the property meant for it and the unmutated controls by none.
// LOSSORACLE_PROPERTIES_LONG=1 runs the same checks with the long counts.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "properties/table.hpp"

namespace {

using namespace lossoracle::properties;

const TableResults& results() {
  static const TableResults r = [] {
    const bool long_mode = long_mode_from_environment();
    return compute_table(run_options(long_mode), long_mode);
  }();
  return r;
}

Verdict verdict(const std::vector<Cell>& cells, const std::string& view, const std::string& property) {
  const Cell* c = find_cell(cells, view, property);
  EXPECT_NE(c, nullptr) << view << " / " << property;
  return c ? c->outcome.verdict : Verdict::gave_up;
}

void committed_document_is_the_commands_output() {
  if (results().long_mode) return;  // the committed table is the default run's
  std::ostringstream generated;
  write_table(generated, results());
  std::ifstream file(LOSSORACLE_SOURCE_DIR "/docs/properties.md");
  if (!file) {
    ADD_FAILURE() << "docs/properties.md is missing";
    return;
  }
  std::stringstream committed;
  committed << file.rdbuf();
  EXPECT_TRUE(committed.str() == generated.str())
      << "docs/properties.md is stale: run ./build/cli/lossoracle properties --table > docs/properties.md";
}

void papers_table1_is_reproduced_or_explained() {
  for (const std::string& d : unexplained_disagreements(results())) ADD_FAILURE() << "unexplained: " << d;
}

// What the table must say; a change in the reference tier or the suite that
// flips one of these is a finding to look at, not noise.
void verdicts_this_project_stands_behind() {
  struct Expect {
    const char* view;
    const char* property;
    Verdict verdict;
  };
  const Verdict H = Verdict::holds, F = Verdict::fails;
  const std::vector<Expect> expected = {
      // Table 1 (the paper's, with OLL's NaN at the one-hot).
      {"cross_entropy", "proper_scoring", H}, {"cross_entropy", "convexity", H},
      {"cross_entropy", "ordinal_monotonicity", F}, {"cross_entropy", "balance_sensitivity", F},
      {"sord (alpha 1)", "proper_scoring", F}, {"sord (alpha 1)", "convexity", H},
      {"sord (alpha 1)", "ordinal_monotonicity", F}, {"oll (alpha 1)", "proper_scoring", F},
      {"oll (alpha 1)", "convexity", H}, {"oll (alpha 1)", "ordinal_monotonicity", F},
      {"acc_loss", "proper_scoring", H}, {"acc_loss", "ordinal_monotonicity", H},
      {"acc_loss", "balance_sensitivity", F}, {"slace_prox (alpha 1)", "proper_scoring", H},
      {"slace_prox (alpha 1)", "convexity", H}, {"slace_prox (alpha 1)", "ordinal_monotonicity", H},
      {"slace_prox (alpha 1)", "balance_sensitivity", H},
      // dlordinal's SLACELoss: balance-sensitive only with count-derived weights.
      {"slace (alpha 1)", "ordinal_monotonicity", H}, {"slace (alpha 1)", "balance_sensitivity", F},
      {"slace (alpha 1, weight n/(C n_c))", "balance_sensitivity", H},
      // docs/spec.md section 14: rows non-decreasing in |i - j| make misclass_a monotone; exp(-|i - j|) does not.
      {"misclass_a (D = |i-j|)", "ordinal_monotonicity", H}, {"misclass_a (D = (i-j)^2)", "ordinal_monotonicity", H},
      {"misclass_a (D = exp(-|i-j|))", "ordinal_monotonicity", F},
      {"misclass_b_as_published (D = |i-j|)", "ordinal_monotonicity", F},
      {"per_pair_weighted_ce (D = |i-j|)", "ordinal_monotonicity", F},
      {"per_pair_weighted_ce (D = |i-j|)", "proper_scoring", F},
      // incendio counts inf terms as 0: the worst prediction scores 0.
      {"soft_label_cross_entropy", "convexity", F},
  };
  for (const Expect& e : expected)
    EXPECT_EQ(verdict(results().simplex, e.view, e.property), e.verdict) << e.view << " / " << e.property;
}

void relations_hold_on_the_reference_tier() {
  for (const Cell& c : results().relations)
    EXPECT_EQ(c.outcome.verdict, Verdict::holds)
        << c.property << " on " << c.view << ": " << c.outcome.counterexample << "\n" << c.outcome.message;
}

void every_planted_bug_is_caught_and_no_control_is() {
  const std::map<std::string, std::string> meant = {
      {"cross_entropy gradient sign", "gradient_matches_forward"},
      {"cross_entropy smoothing eps/(C-1)", "smoothing_is_smoothed_targets"},
      {"cross_entropy mean over positions", "sum_is_mean_times_count"},
      {"cross_entropy unshifted log-sum-exp", "shift_invariance"},
      {"slace distance off by one", "ordinal_monotonicity"},
  };
  int controls = 0;
  for (const MutantFinding& f : results().mutants) {
    if (f.mutant.find("control") != std::string::npos) {
      ++controls;
      for (const Cell& c : f.caught)
        ADD_FAILURE() << f.mutant << " fails " << c.property << " on " << c.view << ": " << c.outcome.counterexample
                      << "\n" << c.outcome.message;
      EXPECT_FALSE(f.passed.empty()) << f.mutant << " ran no property";
      continue;
    }
    if (meant.count(f.mutant) != 1) {
      ADD_FAILURE() << "no property is named for " << f.mutant;
      continue;
    }
    bool caught = false;
    for (const Cell& c : f.caught) caught = caught || c.property == meant.at(f.mutant);
    EXPECT_TRUE(caught) << f.mutant << " is not caught by " << meant.at(f.mutant);
  }
  EXPECT_EQ(controls, 2);
}

// One test: ctest runs each TEST in a process of its own, and the table (some
// seconds) is computed once per process.
TEST(PropertyTable, DocumentPaperVerdictsRelationsAndMutants) {
  {
    SCOPED_TRACE("docs/properties.md is the command's output");
    committed_document_is_the_commands_output();
  }
  {
    SCOPED_TRACE("the paper's Table 1");
    papers_table1_is_reproduced_or_explained();
  }
  {
    SCOPED_TRACE("verdicts");
    verdicts_this_project_stands_behind();
  }
  {
    SCOPED_TRACE("relations on the reference tier");
    relations_hold_on_the_reference_tier();
  }
  {
    SCOPED_TRACE("planted bugs");
    every_planted_bug_is_caught_and_no_control_is();
  }
}

}  // namespace
