// The cost-matrix rows (optimized/cost_matrix.hpp) on the inputs that take
// their special paths, which the accuracy test leaves out (it measures finite
// values only): infinite and NaN logits, costs and cotangents, p_c = 1, logit
// gaps past the binary64 exponent range, the clamp's exact test. On each case,
// under every instruction set this CPU runs and in both precisions, the tier
// must put NaN and infinities exactly where the oracle does and every finite
// value within certify's `tight` budget. The cases are the examples of
// docs/spec.md §14 and the corners of the kernels' own derivations.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "certify/profile.hpp"
#include "optimized/evaluate.hpp"
#include "optimized/kernels.hpp"
#include "tests/support/oracle_case.hpp"

namespace lossoracle {
namespace {

using testing_support::oracle;
using testing_support::resolved_case;

struct SpecialCase {
  const char* what;
  const char* json;
};

const SpecialCase kCases[] = {
    // per_pair_weighted_ce: §14's 0 * (-inf) = NaN in M (loss NaN, d/dx = [1, -1], d/dt = [+inf, NaN]).
    {"per_pair -inf logit, zero weight",
     R"({"loss":"per_pair_weighted_ce","params":{"reduction":"sum"},"inputs":{"input":[[0,"-inf"]],"target":[[1,0]],
         "cost_matrix":[[0,1],[1,0]]}})"},
    {"per_pair NaN row beside a finite one, none with grad_output",
     R"({"loss":"per_pair_weighted_ce","params":{"reduction":"none"},"inputs":{"input":[[1,"nan",2],[0.5,-1,3]],
         "target":[[0.2,0.3,0.5],[0.6,0.4,0]],"cost_matrix":[[0,1,2],[1,0,1],[2,1,0]],"grad_output":[2,0.5]}})"},
    {"per_pair infinite cost",
     R"({"loss":"per_pair_weighted_ce","params":{"reduction":"mean"},"inputs":{"input":[[1,0.5,2],[0.5,-1,3]],
         "target":[[0.2,0.3,0.5],[0.6,0.4,0]],"cost_matrix":[[0,"inf",2],[1,0,1],[2,1,0]]}})"},
    {"per_pair infinite cotangent",
     R"({"loss":"per_pair_weighted_ce","params":{"reduction":"none"},"inputs":{"input":[[1,0.5,2],[0.5,-1,3]],
         "target":[[0.2,0.3,0.5],[0.6,0.4,0]],"cost_matrix":[[0,1,2],[1,0,1],[2,1,0]],"grad_output":["inf",1]}})"},
    // misclass_a_logits: equal costs give an exactly zero gradient (checked apart below); infinite costs.
    {"misclass_a_logits equal costs",
     R"({"loss":"misclass_a_logits","params":{"reduction":"mean"},"inputs":{"input":[[0.3,-1.7,2.9,0.1],[5,5,5,5]],
         "target":[1,-4],"cost_matrix":[[0.1,0.1,0.1,0.1],[0.3,0.3,0.3,0.3],[1,2,3,4],[0,0,0,0]]}})"},
    {"misclass_a_logits infinite cost and -inf logit",
     R"({"loss":"misclass_a_logits","params":{"reduction":"sum"},"inputs":{"input":[[0.3,"-inf",2.9],[1,2,3]],
         "target":[0,1],"cost_matrix":[[0,"inf",1],[1,0,2],[1,1,0]]}})"},
    {"misclass_a_logits infinite cotangent",
     R"({"loss":"misclass_a_logits","params":{"reduction":"none"},"inputs":{"input":[[0.3,-1,2.9]],"target":[2],
         "cost_matrix":[[0,1,2],[1,0,2],[1,1,0]],"grad_output":[[1,"inf",2]]}})"},
    // misclass_b: §14's examples ([40, 0, 0]: 1 - p is 0 in binary64; [700, 0]: f_1 = 9.86e-305;
    // [0, -inf] with a zero diagonal: 0 * inf = NaN), gaps beyond exp's range, C = 1.
    {"misclass_b p_c near 1",
     R"({"loss":"misclass_b","params":{"reduction":"none"},"inputs":{"input":[[40,0,0],[700,0,-3]],"target":[1,0],
         "cost_matrix":[[0,1,2],[1,0,1],[2,1,0]]}})"},
    {"misclass_b gaps past the exponent range",
     R"({"loss":"misclass_b","params":{"reduction":"sum"},"inputs":{"input":[[800,0,-3],[1e30,-1e30,2e29],[-2,1000,1]],
         "target":[1,0,2],"cost_matrix":[[0,1,2],[1,0,1],[2,1,0]]}})"},
    {"misclass_b p_c = 1",
     R"({"loss":"misclass_b","params":{"reduction":"none"},"inputs":{"input":[[0,"-inf"],[3,"-inf"]],"target":[0,1],
         "cost_matrix":[[0,1],[1,0]]}})"},
    {"misclass_b one class",
     R"({"loss":"misclass_b","params":{"reduction":"mean"},"inputs":{"input":[[0.5],[-2]],"target":[0,-1],
         "cost_matrix":[[2]]}})"},
    {"misclass_b infinite cost and NaN row",
     R"({"loss":"misclass_b","params":{"reduction":"mean"},"inputs":{"input":[[0.3,-1,2.9],["nan",0,1],[1,"-inf",0]],
         "target":[0,1,2],"cost_matrix":[[0,"inf",1],[1,0,2],[1,1,0]]}})"},
    {"misclass_b NaN cotangent",
     R"({"loss":"misclass_b","params":{"reduction":"none"},"inputs":{"input":[[0.3,-1,2.9]],"target":[2],
         "cost_matrix":[[0,1,2],[1,0,2],[1,1,0]],"grad_output":[[1,"nan",2]]}})"},
    // misclass_b_as_published: the clamp's exact test. 2^54 - 1 rounds to 2^54 = m, yet p - 1 < m; so
    // does (0.25 - 2^-55) - 1 to m = -0.75, where a wrong test shows in the gradient.
    {"misclass_b_as_published around the clamp",
     R"({"loss":"misclass_b_as_published","params":{"reduction":"none"},"inputs":{
         "input":[[0.5,"0x1.000001ad7f29ap+0","0x1.000001ad7f29bp+0"],[3,"inf","nan"]],"target":[0,1],
         "cost_matrix":[[0,1,2],[1,0,1],[2,1,0]]}})"},
    {"misclass_b_as_published inexact p - 1 at the clamp",
     R"({"loss":"misclass_b_as_published","params":{"reduction":"sum","clamp_min":"0x1p+54"},"inputs":{
         "input":["0x1p+54","0x1.0000000000001p+54","-inf"],"target":2,"cost_matrix":[[0,1,2],[1,0,1],[2,1,0]]}})"},
    {"misclass_b_as_published negative clamp",
     R"({"loss":"misclass_b_as_published","params":{"reduction":"mean","clamp_min":-0.75},"inputs":{
         "input":[[0.25,0.2,"0x1.fffffffffffffp-3"]],"target":[1],"cost_matrix":[[0,1,2],[1,0,1],[2,1,0]]}})"},
    {"misclass_a non-finite probabilities",
     R"({"loss":"misclass_a","params":{"reduction":"none"},"inputs":{"input":[["inf",0.5,"nan"],[0.2,"-inf",0.1]],
         "target":[0,-1],"cost_matrix":[[0,1,2],[1,0,1],[2,1,0]],"grad_output":[[1,2,3],[4,"inf",6]]}})"},
};

const char* isa_of(const optimized::KernelTable* t) { return t ? t->isa : "dispatch"; }

// The case as a float32 implementation receives it: every tensor value rounded
// to binary32 (the oracle then judges those inputs, as certify's float32 suites do).
LossCase in_precision(LossCase c, optimized::Precision p) {
  if (p == optimized::Precision::f32)
    for (auto& [name, t] : c.inputs)
      for (double& v : t.values) v = static_cast<float>(v);
  return c;
}

TEST(OptimizedCostMatrix, SpecialValuesWhereTheOracleHasThem) {
  for (const SpecialCase& sc : kCases) {
    const nlohmann::json request = nlohmann::json::parse(sc.json);
    for (auto precision : {optimized::Precision::f64, optimized::Precision::f32}) {
      const certify::Dtype dtype =
          precision == optimized::Precision::f64 ? certify::Dtype::float64 : certify::Dtype::float32;
      const LossCase c = in_precision(resolved_case(request), precision);
      const reference::OracleAnswer exact = oracle(c);
      for (const optimized::KernelTable* table : optimized::runnable_tables()) {
        optimized::use_kernel_table(table);
        const optimized::Outputs got = optimized::evaluate(c, precision);
        for (const auto& want : exact.outputs) {
          const optimized::Output* out = nullptr;
          for (const auto& o : got)
            if (o.name == want.name) out = &o;
          ASSERT_NE(out, nullptr) << sc.what << ": no output " << want.name;
          ASSERT_EQ(out->values.size(), want.values.size()) << sc.what << " " << want.name;
          long double max_abs = 0;
          for (const auto& v : want.values)
            if (v.status != reference::ProofStatus::nan && std::isfinite(v.f64))
              max_abs = std::max(max_abs, std::fabs(std::strtold(v.decimal.c_str(), nullptr)));
          const long double scale = certify::output_scale(want.name, max_abs, request);
          for (std::size_t i = 0; i < want.values.size(); ++i) {
            const reference::RoundedValue& v = want.values[i];
            const double g = out->values[i];
            const std::string at = std::string(sc.what) + " [" + isa_of(table) + (dtype == certify::Dtype::float64
                                                                                      ? " f64] "
                                                                                      : " f32] ") +
                                   want.name + "[" + std::to_string(i) + "]";
            if (v.status == reference::ProofStatus::unresolved) continue;  // certify's `mistrusted`: nothing to judge
            if (v.status == reference::ProofStatus::nan) {
              EXPECT_TRUE(std::isnan(g)) << at << ": got " << g << ", expected NaN";
              continue;
            }
            const double rounded = dtype == certify::Dtype::float64 ? v.f64 : static_cast<double>(v.f32);
            const auto check = certify::check_element(certify::Profile::tight, c.loss, want.name, dtype,
                                                      std::strtold(v.decimal.c_str(), nullptr), rounded, g, scale);
            EXPECT_TRUE(check.ok) << at << ": got " << g << ", expected " << rounded << " (" << v.decimal << ")";
          }
        }
      }
    }
    optimized::use_kernel_table(nullptr);
  }
}

// docs/spec.md §14: misclass_a_logits keeps a row of equal costs exactly 0,
// whatever the logits, under every instruction set.
TEST(OptimizedCostMatrix, EqualCostsGiveAnExactlyZeroGradient) {
  const LossCase c = resolved_case(nlohmann::json::parse(kCases[4].json));
  for (const optimized::KernelTable* table : optimized::runnable_tables()) {
    optimized::use_kernel_table(table);
    for (auto precision : {optimized::Precision::f64, optimized::Precision::f32})
      for (const auto& o : optimized::evaluate(c, precision)) {
        if (o.name != "grad_input") continue;
        for (std::size_t i = 0; i < o.values.size(); ++i)
          EXPECT_EQ(o.values[i], 0.0) << table->isa << " grad_input[" << i << "]";
      }
  }
  optimized::use_kernel_table(nullptr);
}

}  // namespace
}  // namespace lossoracle
