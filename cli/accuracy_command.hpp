// `lossoracle accuracy`: the optimized tier's error against the oracle, per
// loss, dtype and output, over the certify suites (golden vectors, corners,
// seeded random cases). Writes docs/accuracy.md's table; --check compares a
// fresh measurement with the budgets certify/profile.cpp enforces.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace lossoracle::cli {

struct AccuracyRow {
  std::string loss, dtype, output;
  std::size_t elements = 0;
  double max_ulps = 0;          // |got - exact| / ulp(exact), elementwise
  std::string worst_case;       // case id and element of max_ulps
  double max_scaled_ulps = 0;   // |got - exact| / ulp(max |exact| of the output): error in units of the output's scale
  std::string worst_scaled_case;
};

struct AccuracyOptions {
  std::string suite = "smoke";
  std::uint64_t seed = 1;
  std::vector<std::string> losses;  // empty: every loss the optimized tier implements
  std::string golden_dir = "golden/vectors";
};

// Over every instruction set this CPU runs (optimized::runnable_tables()),
// keeping each output's largest error; the worst input names its ISA.
std::vector<AccuracyRow> measure_accuracy(const AccuracyOptions& options);

// docs/accuracy.md's text for rows, with the command that made it.
std::string accuracy_markdown(const std::vector<AccuracyRow>& rows, const AccuracyOptions& options);

// 0 when every measured row is within certify's tight budget (elementwise)
// and the scaled budget; otherwise 1, naming the rows.
int run_accuracy_command(const AccuracyOptions& options, const std::string& out_path, bool check, std::ostream& out,
                         std::ostream& err);

}  // namespace lossoracle::cli
