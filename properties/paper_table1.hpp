// The SLACE paper's Table 1 (Nachmani et al., AAAI 2025): which of its four
// properties each loss has, as the paper states them. The table command
// compares the suite's findings with it; every disagreement must carry an
// explanation, or the documentation test fails.
#pragma once

#include <string>
#include <vector>

namespace lossoracle::properties {

struct PaperClaim {
  std::string view;      // a SimplexView label
  std::string property;  // a SimplexProperty id
  bool holds;
};

struct Disagreement {
  std::string view, property;
  std::string explanation;
};

const std::vector<PaperClaim>& paper_table1();
const std::vector<Disagreement>& explained_disagreements();

}  // namespace lossoracle::properties
