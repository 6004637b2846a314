// The property x loss table of docs/properties.md: every simplex property on
// every view of the reference tier, the comparison with the paper's Table 1,
// the relations, the planted mutants and what caught each, with every
// counterexample as shrinking left it. Written by `lossoracle properties --table`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "properties/runner.hpp"

namespace lossoracle::properties {

struct Cell {
  std::string view;      // SimplexView label, or the loss a relation is about
  std::string property;  // property id
  Outcome outcome;
};

struct MutantFinding {
  std::string mutant, bug;
  std::vector<Cell> caught;  // properties that failed on it
  std::vector<std::string> passed;  // properties that ran and held
};

struct TableResults {
  RunOptions options;
  bool long_mode = false;
  std::vector<Cell> simplex;    // view x simplex property, reference tier
  std::vector<Cell> relations;  // relation x loss, reference tier
  std::vector<MutantFinding> mutants;
};

TableResults compute_table(const RunOptions& options, bool long_mode);
void write_table(std::ostream& out, const TableResults& results);

// The paper's claims that the results contradict and no explanation covers.
std::vector<std::string> unexplained_disagreements(const TableResults& results);

const Cell* find_cell(const std::vector<Cell>& cells, const std::string& view, const std::string& property);

}  // namespace lossoracle::properties
