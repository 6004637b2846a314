// The oracle: evaluates a loss case in interval arithmetic and delivers each
// output correctly rounded to binary64 and binary32, with a per-value proof
// status. Precision is doubled (Ziv's strategy) until every value's enclosure
// decides its rounding, or a cap is reached; then the value is reported
// unresolved, never guessed.
#pragma once

#include <string>
#include <vector>

#include "core/loss_case.hpp"
#include "reference/evaluate.hpp"
#include "reference/real.hpp"
#include "reference/rounding.hpp"

namespace lossoracle::reference {

struct NamedOutput {
  std::string name;  // loss | per_position | grad_input | grad_target
  Shape shape;
  std::vector<Real> values;
};
using Evaluation = std::vector<NamedOutput>;

// A loss's evaluator instantiated with Real (see core/loss_list.hpp).
using OracleFn = EvalFn<Real>;

// The outputs of one evaluation, named as the protocol names them: loss,
// per_position (losses with a reduction), grad_input, grad_target (where defined).
Evaluation named_outputs(const LossCase& c, const LossResult<Real>& r);

struct OracleOptions {
  unsigned start_bits = 256;
  unsigned max_bits = 16384;
};

struct CertifiedOutput {
  std::string name;
  Shape shape;
  std::vector<RoundedValue> values;
};

struct OracleAnswer {
  std::vector<CertifiedOutput> outputs;
  unsigned final_bits = 0;  // the highest precision the case needed
};

OracleAnswer evaluate_correctly_rounded(OracleFn fn, const LossCase& c, const OracleOptions& options = {});

}  // namespace lossoracle::reference
